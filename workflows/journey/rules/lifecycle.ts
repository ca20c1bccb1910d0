// The customer lifecycle (roadmap 7.1 C): lead → prospect → customer → post-project → advocate,
// moved by the events the roadmap names. Pure: the API validates each event with it before
// recording, and the customerJourney workflow follows the same stages.

export const LIFECYCLE_EVENTS = [
  'inspection_scheduled',
  'inspection_completed',
  'quote_sent',
  'quote_opened',
  'competitor_mentioned',
  'contract_signed',
  'project_scheduled',
  'project_started',
  'project_completed',
  'review_posted',
  'referral_made',
] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

export const STAGES = ['lead', 'prospect', 'customer', 'post_project', 'advocate'] as const;
export type LifecycleStage = (typeof STAGES)[number];

/** What must have happened before an event can (one of the listed). */
const REQUIRES: Partial<Record<LifecycleEvent, LifecycleEvent[]>> = {
  inspection_completed: ['inspection_scheduled'],
  quote_opened: ['quote_sent'],
  contract_signed: ['quote_sent'],
  project_scheduled: ['contract_signed'],
  project_started: ['contract_signed'],
  project_completed: ['project_started'],
  review_posted: ['project_completed'],
};

/** Events that can happen once per deal. */
const ONCE: LifecycleEvent[] = ['contract_signed', 'project_started', 'project_completed'];

/** The stage an event moves the deal to (never backwards). */
const MOVES_TO: Record<LifecycleEvent, LifecycleStage> = {
  inspection_scheduled: 'prospect',
  inspection_completed: 'prospect',
  quote_sent: 'prospect',
  quote_opened: 'prospect',
  competitor_mentioned: 'prospect',
  contract_signed: 'customer',
  project_scheduled: 'customer',
  project_started: 'customer',
  project_completed: 'post_project',
  review_posted: 'advocate',
  referral_made: 'advocate',
};

export type Verdict = { ok: true; stage: LifecycleStage } | { ok: false; reason: string };

/** Whether `event` may follow `history`, and the stage after it. */
export function applyEvent(history: LifecycleEvent[], event: LifecycleEvent): Verdict {
  const needs = REQUIRES[event];
  if (needs && !needs.some((n) => history.includes(n)))
    return { ok: false, reason: `${event} needs ${needs.join(' or ')} first` };
  if (ONCE.includes(event) && history.includes(event)) return { ok: false, reason: `${event} was already recorded` };
  if (event === 'referral_made' && !history.includes('contract_signed'))
    return { ok: false, reason: 'referral_made needs contract_signed first: only customers refer' };
  return { ok: true, stage: stageOf([...history, event]) };
}

export function stageOf(history: LifecycleEvent[]): LifecycleStage {
  return history.reduce<LifecycleStage>(
    (stage, e) => (STAGES.indexOf(MOVES_TO[e]) > STAGES.indexOf(stage) ? MOVES_TO[e] : stage),
    'lead',
  );
}
