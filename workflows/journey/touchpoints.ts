// The customer journey's rules (roadmap 7.1 C, JOURNEY_STAGES), pure: the touchpoints of each stage
// as data, and the functions the customerJourney workflow runs on its clock — an event moves the
// stage (never backwards) and arms the touchpoints it triggers; time makes goals missed and ends the
// review sequence; a touchpoint no longer wanted (goal met, stage left, the customer responded) is
// recorded as skipped with its reason. No I/O and no clock: every function takes `now` (ms).
// Each function returns a new status and leaves its argument alone.
import type { Channel, Plan } from '../../activities/messaging/contract';
import type { CalledOff, Delivered } from '../messaging/send';
import { titleOf } from './content';
import { LIFECYCLE_EVENTS, STAGES, stageOf, type LifecycleEvent, type LifecycleStage } from './rules/lifecycle';
import type {
  CustomerResponse,
  JourneyInput,
  JourneyStatus,
  PlannedTouchpoint,
  ResponseKind,
  TouchpointName,
} from './types';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
/** The review asks run for three weeks after completion (day 3, 7, 14; then a week to answer). */
export const REVIEW_SEQUENCE_MS = 21 * DAY_MS;
/**
 * What the status keeps (and carries across continue-as-new), so a journey of many years stays
 * small: the last records only. Duplicate eventIds are recognised within the kept events —
 * redeliveries come minutes apart, not hundreds of events later.
 */
export const KEPT = { events: 100, touchpoints: 50, leads: 20, responses: 20 } as const;

type Timing =
  /** After the stage begins (the lead stage begins when the journey starts). */
  | { from: 'stage_start'; afterMs: number }
  /** Every n months after the stage begins, for as long as the journey lives. */
  | { from: 'stage_start'; everyMonths: number }
  /** After the journey hears of the event. */
  | { from: 'event'; event: LifecycleEvent; afterMs: number }
  /** Before the project's start (project_scheduled's details.startsAt). */
  | { from: 'project_start'; beforeMs: number };

export interface TouchpointSpec {
  stage: LifecycleStage;
  channel: Channel;
  /** Project updates and the walkthrough are transactional (no marketing caps); the rest marketing. */
  kind: 'marketing' | 'transactional';
  timing: Timing;
  /**
   * Events after which it is no longer wanted, and why; `responses`: a reply, call or booking the
   * journey heard of drops it too; `sinceTrigger`: only what came at or after its triggering event counts.
   */
  dropOn?: { events: LifecycleEvent[]; reason: string; responses?: boolean; sinceTrigger?: boolean };
  /** The dropOn of journeys recorded before issue 22 (status.openIsNotResponse unset). */
  dropOnBefore22?: { events: LifecycleEvent[]; reason: string };
  /** Still sent once its stage's goal is met (otherwise skipped: the goal is reached). */
  keepAfterGoal?: boolean;
  /** Still sent once the journey has left its stage (otherwise skipped). */
  keepAfterStageLeft?: boolean;
}

/** The plan a touch belongs to for the gateway's pacing: the review asks outrank lifecycle nurture. */
export const planOf = (name: TouchpointName): Plan => (name.startsWith('review_') ? 'review' : 'journey');

export const TOUCHPOINTS: Record<TouchpointName, TouchpointSpec> = {
  // 1 lead — the welcome sequence, from the journey's start.
  welcome_email: { stage: 'lead', channel: 'email', kind: 'marketing', timing: { from: 'stage_start', afterMs: 0 } },
  inspection_sms: {
    stage: 'lead',
    channel: 'sms',
    kind: 'marketing',
    timing: { from: 'stage_start', afterMs: DAY_MS },
  },
  educational_email: {
    stage: 'lead',
    channel: 'email',
    kind: 'marketing',
    timing: { from: 'stage_start', afterMs: 3 * DAY_MS },
  },
  sales_call: {
    stage: 'lead',
    channel: 'call',
    kind: 'marketing',
    timing: { from: 'stage_start', afterMs: 7 * DAY_MS },
  },

  // 2 prospect — quote follow-up, on the events.
  quote_ready_email: {
    stage: 'prospect',
    channel: 'email',
    kind: 'marketing',
    timing: { from: 'event', event: 'quote_sent', afterMs: 4 * HOUR_MS },
  },
  quote_questions_sms: {
    stage: 'prospect',
    channel: 'sms',
    kind: 'marketing',
    timing: { from: 'event', event: 'quote_opened', afterMs: 24 * HOUR_MS },
  },
  quote_no_response_call: {
    stage: 'prospect',
    channel: 'call',
    kind: 'marketing',
    timing: { from: 'event', event: 'quote_sent', afterMs: 7 * DAY_MS },
    // "no_response_7_days": opening the quote is not a response — a prospect who opens it and goes
    // quiet is the one to call. A reply, a call, a booking or a signed contract after the quote is.
    dropOn: {
      events: ['inspection_scheduled', 'contract_signed'],
      responses: true,
      sinceTrigger: true,
      reason: 'the customer responded',
    },
    dropOnBefore22: { events: ['quote_opened', 'contract_signed'], reason: 'the customer responded' },
  },
  competitor_email: {
    stage: 'prospect',
    channel: 'email',
    kind: 'marketing',
    timing: { from: 'event', event: 'competitor_mentioned', afterMs: 0 },
  },

  // 3 customer — project updates. The daily portal photos belong to the project workflow (5.2 C, a
  // later issue): not sent from here.
  project_starting_email: {
    stage: 'customer',
    channel: 'email',
    kind: 'transactional',
    timing: { from: 'project_start', beforeMs: 3 * DAY_MS },
    dropOn: { events: ['project_started', 'project_completed'], reason: 'the project already started' },
  },
  // Triggered by the very events that end or follow their moment: sent whatever comes next.
  crew_arrived_sms: {
    stage: 'customer',
    channel: 'sms',
    kind: 'transactional',
    timing: { from: 'event', event: 'project_started', afterMs: 0 },
    keepAfterGoal: true,
    keepAfterStageLeft: true,
  },
  final_walkthrough_call: {
    stage: 'customer',
    channel: 'call',
    kind: 'transactional',
    timing: { from: 'event', event: 'project_completed', afterMs: 0 },
    keepAfterGoal: true,
    keepAfterStageLeft: true,
  },

  // 4 post-project — the review asks. The review funnel workflow (7.2 A, a later issue) will own
  // them; until then they go through the gateway from here.
  review_email: {
    stage: 'post_project',
    channel: 'email',
    kind: 'marketing',
    timing: { from: 'stage_start', afterMs: 3 * DAY_MS },
  },
  review_sms: {
    stage: 'post_project',
    channel: 'sms',
    kind: 'marketing',
    timing: { from: 'stage_start', afterMs: 7 * DAY_MS },
  },
  review_call: {
    stage: 'post_project',
    channel: 'call',
    kind: 'marketing',
    timing: { from: 'stage_start', afterMs: 14 * DAY_MS },
  },

  // 5 advocate — the referral programme, for years.
  referral_email: {
    stage: 'advocate',
    channel: 'email',
    kind: 'marketing',
    timing: { from: 'stage_start', afterMs: 7 * DAY_MS },
  },
  vip_postcard: {
    stage: 'advocate',
    channel: 'postcard',
    kind: 'marketing',
    timing: { from: 'stage_start', everyMonths: 3 },
    keepAfterGoal: true,
  },
  loyalty_gift_email: {
    stage: 'advocate',
    channel: 'email',
    kind: 'marketing',
    timing: { from: 'stage_start', everyMonths: 12 },
    keepAfterGoal: true,
  },
};

export interface GoalSpec {
  goal: string;
  /** For the one-line summary: "goal contract by …". */
  short: string;
  /** From the stage's start. */
  withinMs?: number;
  metBy: LifecycleEvent[];
  /** An event of this stage or later meets it too: a signed contract implies the inspection happened. */
  impliedFrom?: LifecycleStage;
}

export const GOALS: Record<LifecycleStage, GoalSpec> = {
  lead: {
    goal: 'Schedule inspection within 7 days',
    short: 'inspection scheduled',
    withinMs: 7 * DAY_MS,
    metBy: ['inspection_scheduled', 'inspection_completed'],
    impliedFrom: 'customer',
  },
  prospect: {
    goal: 'Convert to customer within 21 days',
    short: 'contract',
    withinMs: 21 * DAY_MS,
    metBy: ['contract_signed'],
    impliedFrom: 'customer',
  },
  // Reported by a later issue (status.satisfaction): open until then.
  customer: { goal: '5-star satisfaction, zero issues', short: '5-star satisfaction, zero issues', metBy: [] },
  post_project: {
    goal: 'Review collected within the review sequence',
    short: 'review',
    withinMs: REVIEW_SEQUENCE_MS,
    metBy: ['review_posted'],
  },
  advocate: { goal: 'A referral', short: 'referral', metBy: ['referral_made'] },
};

const CHANNEL_LABEL: Record<Channel, string> = {
  email: 'Email',
  sms: 'SMS',
  call: 'Call task',
  postcard: 'Postcard',
  messenger: 'Messenger',
  nextdoor: 'Nextdoor',
};

const rank = (stage: LifecycleStage): number => STAGES.indexOf(stage);
const iso = (ms: number): string => new Date(ms).toISOString();
const msOf = (isoTime: string): number => Date.parse(isoTime);

/** The stage an event belongs to: where lifecycle.ts moves a deal on it. */
export const stageOfEvent = (event: LifecycleEvent): LifecycleStage => stageOf([event]);

/** `<stage>:<name>`, with `:<n>` for the n-th of a repeating touchpoint. */
export const keyOf = (name: TouchpointName, repeat?: number): string =>
  `${TOUCHPOINTS[name].stage}:${name}${repeat ? `:${repeat}` : ''}`;

/** Calendar months in UTC; the 31st becomes the month's last day. */
export function addMonthsUtc(fromMs: number, months: number): number {
  const from = new Date(fromMs);
  const first = Date.UTC(
    from.getUTCFullYear(),
    from.getUTCMonth() + months,
    1,
    from.getUTCHours(),
    from.getUTCMinutes(),
    from.getUTCSeconds(),
    from.getUTCMilliseconds(),
  );
  const target = new Date(first);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(from.getUTCDate(), lastDay));
  return target.getTime();
}

function clone(s: JourneyStatus): JourneyStatus {
  return {
    ...s,
    stageStartedAt: { ...s.stageStartedAt },
    stageCause: { ...s.stageCause },
    events: [...s.events],
    leads: [...s.leads],
    pending: [...s.pending],
    touchpoints: [...s.touchpoints],
    goals: { ...s.goals },
    trimmed: { ...s.trimmed },
  };
}

function keepLast<T>(list: T[], n: number): number {
  const extra = Math.max(0, list.length - n);
  list.splice(0, extra);
  return extra;
}

const decided = (s: JourneyStatus, key: string): boolean =>
  s.pending.some((t) => t.key === key) || s.sending?.key === key || s.touchpoints.some((t) => t.key === key);

function arm(s: JourneyStatus, name: TouchpointName, dueMs: number, repeat?: number): void {
  const spec = TOUCHPOINTS[name];
  const key = keyOf(name, repeat);
  if (decided(s, key)) return; // each touchpoint once (a repeating one once per quarter or year)
  s.pending.push({
    key,
    stage: spec.stage,
    name,
    channel: spec.channel,
    dueAt: iso(dueMs),
    ...(repeat !== undefined && { repeat }),
  });
}

function record(
  s: JourneyStatus,
  t: PlannedTouchpoint,
  outcome: 'sent' | 'skipped',
  now: number,
  detail: { reason?: string; messageId?: string },
): void {
  s.touchpoints.push({
    key: t.key,
    stage: t.stage,
    name: t.name,
    channel: t.channel,
    outcome,
    at: iso(now),
    ...detail,
  });
  s.trimmed.touchpoints += keepLast(s.touchpoints, KEPT.touchpoints);
}

function openGoal(s: JourneyStatus, stage: LifecycleStage, startMs?: number): void {
  if (s.goals[stage]) return;
  const spec = GOALS[stage];
  s.goals[stage] = {
    goal: spec.goal,
    state: 'open',
    ...(spec.withinMs !== undefined && startMs !== undefined && { by: iso(startMs + spec.withinMs) }),
  };
}

/** The journey enters a stage: its goal opens and its timed touchpoints are planned. */
function enterStage(s: JourneyStatus, stage: LifecycleStage, now: number, cause: string): void {
  s.stage = stage;
  s.stageStartedAt[stage] = iso(now);
  s.stageCause[stage] = cause;
  openGoal(s, stage, now);
  for (const [name, spec] of Object.entries(TOUCHPOINTS) as [TouchpointName, TouchpointSpec][]) {
    if (spec.stage !== stage || spec.timing.from !== 'stage_start') continue;
    if ('afterMs' in spec.timing) arm(s, name, now + spec.timing.afterMs);
    else arm(s, name, addMonthsUtc(now, spec.timing.everyMonths), 1);
  }
}

function meetGoals(s: JourneyStatus, event: LifecycleEvent, now: number): void {
  for (const stage of STAGES) {
    const goal = s.goals[stage];
    if (goal?.state !== 'open') continue;
    const spec = GOALS[stage];
    if (!spec.metBy.includes(event) && !(spec.impliedFrom && rank(stageOfEvent(event)) >= rank(spec.impliedFrom)))
      continue;
    // A deadline passed in the same instant as the event (a signal handled before the timer) is missed.
    s.goals[stage] =
      goal.by && msOf(goal.by) < now
        ? { ...goal, state: 'missed', at: goal.by }
        : { ...goal, state: 'met', at: iso(now), metBy: event };
  }
}

/** Why a touchpoint's dropOn says it is no longer wanted, if it does. */
function respondedTo(s: JourneyStatus, spec: TouchpointSpec): string | undefined {
  if (!s.openIsNotResponse && spec.dropOnBefore22) {
    const old = spec.dropOnBefore22;
    const seen = s.events.find((e) => old.events.includes(e.event));
    return seen && `${old.reason} (${seen.event})`;
  }
  const drop = spec.dropOn;
  if (!drop) return undefined;
  // Since the trigger: a booking before the quote is not an answer to it. A trigger trimmed from the
  // kept events is older than every event kept: they all count.
  const trigger = drop.sinceTrigger && spec.timing.from === 'event' ? spec.timing.event : undefined;
  const since = trigger && s.events.find((e) => e.event === trigger)?.receivedAt;
  const after = (at: string): boolean => since === undefined || msOf(at) >= msOf(since);
  const seen = s.events.find((e) => drop.events.includes(e.event) && after(e.receivedAt));
  if (seen) return `${drop.reason} (${seen.event})`;
  const response = drop.responses && (s.responses ?? []).find((r) => after(r.at));
  return response ? `${drop.reason} (${response.kind})` : undefined;
}

function dropReason(s: JourneyStatus, t: PlannedTouchpoint): string | undefined {
  const spec = TOUCHPOINTS[t.name];
  const goal = s.goals[t.stage];
  if (goal?.state === 'met' && !spec.keepAfterGoal) return `goal met (${goal.metBy})`;
  const responded = respondedTo(s, spec);
  if (responded) return responded;
  if (rank(s.stage) > rank(t.stage) && !spec.keepAfterStageLeft) return `stage left: the journey moved to ${s.stage}`;
  return undefined;
}

/** Drops what is no longer wanted (recorded as skipped), orders the rest, and names the next one. */
function settle(s: JourneyStatus, now: number): JourneyStatus {
  const keep: PlannedTouchpoint[] = [];
  for (const t of s.pending) {
    const why = dropReason(s, t);
    if (why) record(s, t, 'skipped', now, { reason: why });
    else keep.push(t);
  }
  s.pending = keep.sort((a, b) => msOf(a.dueAt) - msOf(b.dueAt));
  s.next = s.pending[0];
  return s;
}

/**
 * A reply, a call or a booking (issue 22 item 15): recorded once per ref; touchpoints waiting for
 * "no response" are dropped. Recorded only by journeys under the response rule (openIsNotResponse).
 */
export function applyResponse(
  status: JourneyStatus,
  r: { kind: ResponseKind; ref: string },
  now: number,
): { status: JourneyStatus; outcome: 'applied' | 'duplicate' | 'ignored' } {
  if (!status.openIsNotResponse || status.ended) return { status, outcome: 'ignored' };
  if (status.responses?.some((seen) => seen.ref === r.ref)) return { status, outcome: 'duplicate' };
  const s = clone(status);
  const response: CustomerResponse = { kind: r.kind, ref: r.ref, at: iso(now) };
  s.responses = [...(s.responses ?? []), response].slice(-KEPT.responses);
  return { status: settle(s, now), outcome: 'applied' };
}

/** From now on the journey follows issue 22's response rule (the workflow sets it behind its patch). */
export function followResponseRule(status: JourneyStatus, now: number): JourneyStatus {
  if (status.openIsNotResponse) return status;
  return settle({ ...clone(status), openIsNotResponse: true }, now);
}

export function startJourney(input: JourneyInput, now: number): JourneyStatus {
  const s: JourneyStatus = {
    customerId: input.customerId,
    leadId: input.leadId,
    startedAt: iso(now),
    stage: 'lead',
    stageStartedAt: {},
    stageCause: {},
    events: [],
    leads: [],
    pending: [],
    touchpoints: [],
    goals: {},
    trimmed: { events: 0, touchpoints: 0, leads: 0 },
    continuedAsNew: 0,
  };
  enterStage(s, 'lead', now, 'journey started');
  return settle(s, now);
}

export interface IncomingEvent {
  eventId: string;
  event: LifecycleEvent;
  occurredAt: string;
  dealId?: string;
  details?: Record<string, unknown>;
}

/**
 * A lifecycle event: recorded once per eventId; it moves the stage forward to its own (over any
 * stage between), or — belonging to a stage the journey has passed — is recorded only and triggers
 * nothing of that stage. Goals it meets are met; touchpoints it triggers are planned.
 */
export function applyLifecycleEvent(
  status: JourneyStatus,
  e: IncomingEvent,
  now: number,
): { status: JourneyStatus; outcome: 'applied' | 'duplicate' | 'unknown' } {
  if (!(LIFECYCLE_EVENTS as readonly string[]).includes(e.event)) return { status, outcome: 'unknown' };
  if (status.events.some((seen) => seen.eventId === e.eventId)) return { status, outcome: 'duplicate' };
  const s = clone(status);
  const before = s.stage;
  const target = stageOfEvent(e.event);
  const earlier = rank(target) < rank(before);
  const notes: string[] = [];
  if (earlier) notes.push(`recorded only: a ${target} event after the journey reached ${before}`);
  else if (rank(target) > rank(before)) {
    // Stages jumped over (a contract before any quote event) get their goal, without a start.
    for (const skipped of STAGES.slice(rank(before) + 1, rank(target))) openGoal(s, skipped);
    enterStage(s, target, now, e.event);
    notes.push(`moved the journey to ${target}`);
  } else notes.push('recorded');
  s.events.push({
    eventId: e.eventId,
    event: e.event,
    occurredAt: e.occurredAt,
    receivedAt: iso(now),
    ...(e.dealId !== undefined && { dealId: e.dealId }),
    effect: '',
  });
  s.trimmed.events += keepLast(s.events, KEPT.events);
  meetGoals(s, e.event, now);
  if (!earlier) {
    for (const [name, spec] of Object.entries(TOUCHPOINTS) as [TouchpointName, TouchpointSpec][]) {
      const t = spec.timing;
      if (t.from === 'event' && t.event === e.event) arm(s, name, now + t.afterMs);
      if (t.from === 'project_start' && e.event === 'project_scheduled') {
        const note = planBeforeProjectStart(s, name, t.beforeMs, e.details?.startsAt, now);
        if (note) notes.push(note);
      }
    }
  }
  s.events[s.events.length - 1]!.effect = notes.join('; ');
  return { status: settle(s, now), outcome: 'applied' };
}

/** The "starting in 3 days" email: planned from details.startsAt, re-planned when the project is rescheduled. */
function planBeforeProjectStart(
  s: JourneyStatus,
  name: TouchpointName,
  beforeMs: number,
  startsAt: unknown,
  now: number,
): string | undefined {
  const startMs = typeof startsAt === 'string' ? msOf(startsAt) : NaN;
  if (Number.isNaN(startMs)) return 'no details.startsAt: no reminder before the start';
  const key = keyOf(name);
  const planned = s.pending.find((t) => t.key === key);
  if (planned)
    s.pending = s.pending.filter((t) => t !== planned); // rescheduled: plan it again
  else if (decided(s, key)) return undefined;
  const dueMs = startMs - beforeMs;
  const spec = TOUCHPOINTS[name];
  const touch = { key, stage: spec.stage, name, channel: spec.channel, dueAt: iso(dueMs) };
  if (dueMs < now) {
    record(s, touch, 'skipped', now, {
      reason: `the project starts in less than ${Math.round(beforeMs / DAY_MS)} days (${iso(startMs)})`,
    });
    return undefined;
  }
  s.pending.push(touch);
  return undefined;
}

/**
 * What time alone changes: goals whose deadline passed are missed; the review sequence ends. A
 * customer whose review sequence ended without a review becomes an advocate anyway: a satisfied
 * customer who did not review is still asked to refer.
 */
export function advanceClock(status: JourneyStatus, now: number): JourneyStatus {
  const s = clone(status);
  for (const stage of STAGES) {
    const goal = s.goals[stage];
    if (goal?.state === 'open' && goal.by && msOf(goal.by) <= now)
      s.goals[stage] = { ...goal, state: 'missed', at: goal.by };
  }
  const reviewEnd = reviewSequenceEnd(s);
  if (reviewEnd !== undefined && reviewEnd <= now)
    enterStage(s, 'advocate', now, 'review sequence ended without a review');
  return settle(s, now);
}

const reviewSequenceEnd = (s: JourneyStatus): number | undefined =>
  s.stage === 'post_project' ? msOf(s.stageStartedAt.post_project!) + REVIEW_SEQUENCE_MS : undefined;

/** Touchpoints due at `now`, earliest first. */
export const dueTouchpoints = (s: JourneyStatus, now: number): PlannedTouchpoint[] =>
  s.pending.filter((t) => msOf(t.dueAt) <= now);

/** When something is next due: a touchpoint, a goal's deadline, or the end of the review sequence. */
export function nextWakeAt(s: JourneyStatus): number | undefined {
  const times = [
    ...s.pending.map((t) => msOf(t.dueAt)),
    ...Object.values(s.goals).flatMap((g) => (g?.state === 'open' && g.by ? [msOf(g.by)] : [])),
    ...(reviewSequenceEnd(s) !== undefined ? [reviewSequenceEnd(s)!] : []),
  ];
  return times.length ? Math.min(...times) : undefined;
}

/** A due touchpoint leaves the plan while the gateway has it (events cannot skip it half-sent). */
export function startSending(status: JourneyStatus, key: string, now: number): JourneyStatus {
  const s = clone(status);
  const t = s.pending.find((p) => p.key === key);
  if (!t) return status;
  s.pending = s.pending.filter((p) => p !== t);
  s.sending = t;
  return settle(s, now);
}

export function deferSending(status: JourneyStatus, until: string): JourneyStatus {
  return status.sending ? { ...status, sending: { ...status.sending, deferredUntil: until } } : status;
}

/** Why the touch being sent (while it waits out a deferral) is no longer wanted; nothing if it still is. */
export function sendingNoLongerWanted(s: JourneyStatus): string | undefined {
  return s.sending ? dropReason(s, s.sending) : undefined;
}
/**
 * The send's end: sent, or skipped with the reason (blocked by the gateway, failed — refused by the
 * provider, or given up after a day of retries —, or called off while deferred). A repeating
 * touchpoint plans its next one.
 */
export function finishSending(status: JourneyStatus, outcome: Delivered | CalledOff, now: number): JourneyStatus {
  const t = status.sending;
  if (!t) return status;
  const s = clone(status);
  s.sending = undefined;
  const { deferredUntil: _, ...touch } = t;
  if (outcome.status === 'sent') record(s, touch, 'sent', now, { messageId: outcome.messageId });
  else if (outcome.status === 'called_off')
    record(s, touch, 'skipped', now, { reason: `called off while deferred: ${outcome.reason}` });
  else record(s, touch, 'skipped', now, { reason: `${outcome.status}: ${outcome.reason} (${outcome.channel})` });
  const timing = TOUCHPOINTS[t.name].timing;
  if (t.repeat && 'everyMonths' in timing)
    arm(s, t.name, addMonthsUtc(msOf(s.stageStartedAt[t.stage]!), timing.everyMonths * (t.repeat + 1)), t.repeat + 1);
  return settle(s, now);
}

export function recordNewLead(status: JourneyStatus, leadId: string, now: number): JourneyStatus {
  if (leadId === status.leadId || status.leads.some((l) => l.leadId === leadId)) return status;
  const s = clone(status);
  s.leads.push({ leadId, at: iso(now) });
  s.trimmed.leads += keepLast(s.leads, KEPT.leads);
  return s;
}

/** The customer was deleted: nothing more is sent; what was planned is recorded as skipped. */
export function endJourney(status: JourneyStatus, reason: string, now: number): JourneyStatus {
  const s = clone(status);
  for (const t of s.pending) record(s, t, 'skipped', now, { reason: `journey ended: ${reason}` });
  s.pending = [];
  s.next = undefined;
  s.ended = reason;
  return s;
}

/** One line for ops: "Journey: prospect · goal contract by 2026-12-20 (open) · next: SMS 'Questions about your quote?' at …". */
export function describeJourney(s: JourneyStatus): string {
  if (s.ended)
    return `Journey ended: ${s.ended} · ${s.stage} · ${s.touchpoints.filter((t) => t.outcome === 'sent').length} touchpoints sent`;
  const goal = s.goals[s.stage];
  const goalPart = goal
    ? ` · goal ${GOALS[s.stage].short}${goal.by ? ` by ${goal.by.slice(0, 10)}` : ''} (${goal.state})`
    : '';
  const nextPart = s.sending
    ? ` · sending: ${CHANNEL_LABEL[s.sending.channel]} '${titleOf(s.sending.name)}'${s.sending.deferredUntil ? ` (deferred to ${s.sending.deferredUntil})` : ''}`
    : s.next
      ? ` · next: ${CHANNEL_LABEL[s.next.channel]} '${titleOf(s.next.name)}' at ${s.next.dueAt}`
      : ' · nothing planned';
  return `Journey: ${s.stage}${goalPart}${nextPart}`;
}
