// The adaptive follow-up plan (roadmap 4.3 B-C), as pure rules the followUpCadence workflow runs
// on its own clock: first the channel-testing sequence of days 1-10, then touches whose frequency
// follows engagement (3+ interactions: daily; 1-2: every 2-3 days; none: weekly) and whose mode
// follows the signals — ACCELERATE on buying signals, PAUSE on overwhelm, ADJUST otherwise. Every
// decision carries its reason, so ops can read "next touch: SMS, day 2, because: email not opened".
// Issue 22 made PAUSE last until the lead re-engages (at least `pauseMinDays`), and ADJUST vary
// its content types; the rules before stay selectable (PlanRules) for histories recorded before them.

export const CADENCE_CHANNELS = ['email', 'sms', 'call', 'postcard', 'messenger', 'nextdoor'] as const;
export type CadenceChannel = (typeof CADENCE_CHANNELS)[number];

export type EngagementKind =
  | 'delivered'
  | 'opened'
  | 'clicked'
  | 'replied'
  | 'website_visit'
  | 'call_answered'
  | 'appointment_requested'
  | 'overwhelmed'
  | 'unsubscribed';
export interface EngagementEvent {
  day: number;
  kind: EngagementKind;
  channel?: CadenceChannel;
}

export interface CadenceState {
  /** Days since the cadence began (fractional), on the workflow's clock. */
  day: number;
  /** `step`: which rule chose it (the status records it; older states and tests may leave it out). */
  touches: { day: number; channel: CadenceChannel; step?: string }[];
  events: EngagementEvent[];
  /** Opted out, suppressed, or without an address: never planned. */
  blocked: CadenceChannel[];
  connected: { messenger: boolean; nextdoor: boolean };
  /** A storm definition: ADJUST's seasonal content is the storm copy. */
  storm?: boolean;
}

export interface CadencePolicy {
  /** A safety limit, not the roadmap's "25 % fewer touches" (a metric: the simulator reports it). */
  maxTouches: number;
  /** Minimum days between two touches. */
  minGapDays: number;
  /** PAUSE lasts at least this many days after the last sign of overwhelm (default DEFAULT_PAUSE_MIN_DAYS). */
  pauseMinDays?: number;
}

/** Three weekly touches: the least a PAUSE lasts unless configured otherwise (docs/cadences.md). */
export const DEFAULT_PAUSE_MIN_DAYS = 21;

/** Which rules apply: all true now; false keeps a rule as it was before issue 22 (old histories). */
export interface PlanRules {
  /** PAUSE lasts until re-engaged, at least pauseMinDays (before: 3 days after the overwhelm). */
  pauseLasts: boolean;
  /** ADJUST rotates content types (before: always sales). */
  adjustVariesContent: boolean;
}
export const CURRENT_RULES: PlanRules = { pauseLasts: true, adjustVariesContent: true };

export type Mode = 'ACCELERATE' | 'PAUSE' | 'ADJUST';
export type Content =
  'sales' | 'educational' | 'value_add' | 'testimonial' | 'offer' | 'seasonal' | 'storm' | 'proposal';

/** ADJUST's content types in turn (4.3 C "Vary content types"): educational, testimonial, offer, seasonal/storm. */
export const ADJUST_CONTENT = ['educational', 'testimonial', 'offer', 'seasonal'] as const;

export interface PlannedTouch {
  /** Which rule chose it (`day-1`…`day-10` of the testing sequence, or the mode): A/B variants hang off it. */
  step: string;
  day: number;
  channel: CadenceChannel;
  content: Content;
  mode: Mode;
  reason: string;
}

/** Interactions that show interest (the roadmap's "interactions"). */
const INTEREST: EngagementKind[] = [
  'opened',
  'clicked',
  'replied',
  'website_visit',
  'call_answered',
  'appointment_requested',
];
const WINDOW_DAYS = 7;

const recent = (s: CadenceState, days: number) => s.events.filter((e) => e.day > s.day - days);
const has = (s: CadenceState, kind: EngagementKind, channel?: CadenceChannel) =>
  s.events.some((e) => e.kind === kind && (!channel || e.channel === channel));
const usable = (s: CadenceState, c: CadenceChannel) =>
  !s.blocked.includes(c) && (c !== 'messenger' || s.connected.messenger) && (c !== 'nextdoor' || s.connected.nextdoor);

export function engagementLevel(s: CadenceState): 'high' | 'medium' | 'low' {
  const n = recent(s, WINDOW_DAYS).filter((e) => INTEREST.includes(e.kind)).length;
  return n >= 3 ? 'high' : n >= 1 ? 'medium' : 'low';
}

const OVERWHELM: EngagementKind[] = ['overwhelmed', 'unsubscribed'];

/**
 * Ready again after a pause (docs/cadences.md): since the last sign of overwhelm, a click, a website
 * visit or an answered call, or two opens. (A reply or a booking request hands the lead to the rep.)
 */
export function readyAgain(s: CadenceState, since: number): boolean {
  const after = s.events.filter((e) => e.day > since);
  return (
    after.some((e) => e.kind === 'clicked' || e.kind === 'website_visit' || e.kind === 'call_answered') ||
    after.filter((e) => e.kind === 'opened').length >= 2
  );
}

/** When the current PAUSE began (the last sign of overwhelm), or undefined when not paused. */
export function pausedSince(
  s: CadenceState,
  policy?: CadencePolicy,
  rules: PlanRules = CURRENT_RULES,
): number | undefined {
  const last = s.events.filter((e) => OVERWHELM.includes(e.kind)).at(-1);
  if (!last) return undefined;
  if (!rules.pauseLasts) return last.day > s.day - 3 ? last.day : undefined;
  const minDays = policy?.pauseMinDays ?? DEFAULT_PAUSE_MIN_DAYS;
  return s.day < last.day + minDays || !readyAgain(s, last.day) ? last.day : undefined;
}

/** Buying signals accelerate; overwhelm pauses (and wins: never push someone who pushed back). */
export function modeOf(
  s: CadenceState,
  policy?: CadencePolicy,
  rules: PlanRules = CURRENT_RULES,
): { mode: Mode; why: string } {
  const last = recent(s, 3);
  const since = pausedSince(s, policy, rules);
  if (since !== undefined)
    return {
      mode: 'PAUSE',
      why: rules.pauseLasts
        ? `signs of overwhelm on day ${Math.floor(since)}: until re-engaged, at least ${policy?.pauseMinDays ?? DEFAULT_PAUSE_MIN_DAYS} days`
        : 'signs of overwhelm',
    };
  const visits = last.filter((e) => e.kind === 'website_visit').length;
  if (
    last.some((e) => e.kind === 'replied' || e.kind === 'appointment_requested' || e.kind === 'clicked') ||
    visits >= 3
  ) {
    return { mode: 'ACCELERATE', why: visits >= 3 ? `${visits} website visits in 3 days` : 'a buying signal' };
  }
  return { mode: 'ADJUST', why: 'neutral engagement' };
}

/** Days between touches after the testing sequence (4.3 B adaptive frequency, 4.3 C modes). */
export function intervalDays(s: CadenceState, mode: Mode): number {
  if (mode === 'ACCELERATE') return 1;
  if (mode === 'PAUSE') return 7;
  const level = engagementLevel(s);
  if (level === 'high') return 1;
  if (level === 'medium') return recent(s, WINDOW_DAYS).filter((e) => INTEREST.includes(e.kind)).length >= 2 ? 2 : 3;
  return 7;
}

/** The fallback when a planned channel cannot be used. */
const FALLBACK: CadenceChannel[] = ['email', 'sms', 'call', 'postcard'];

function pick(
  s: CadenceState,
  preferred: CadenceChannel,
  why: string,
): { channel: CadenceChannel; reason: string } | undefined {
  if (usable(s, preferred)) return { channel: preferred, reason: why };
  const alt = FALLBACK.find((c) => usable(s, c));
  return alt ? { channel: alt, reason: `${why}; ${preferred} unavailable, ${alt} instead` } : undefined;
}

/** The channel-testing sequence (4.3 B) for one day, or undefined when that day has no step. */
function testingStep(s: CadenceState, day: number): { channel: CadenceChannel; reason: string } | undefined {
  const engaged = s.events.some((e) => INTEREST.includes(e.kind));
  switch (day) {
    case 1:
      return pick(s, 'email', 'day 1: email, to test the open rate');
    case 2:
      return has(s, 'opened', 'email') ? undefined : pick(s, 'sms', 'day 2: the email was not opened');
    case 3:
      return has(s, 'opened', 'email') && !has(s, 'clicked', 'email')
        ? pick(s, 'call', 'day 3: opened but no click')
        : undefined;
    case 4:
      return has(s, 'delivered', 'sms')
        ? pick(s, 'email', 'day 4: the SMS was delivered, follow up by email')
        : undefined;
    case 5:
      return engaged ? undefined : pick(s, 'postcard', 'day 5: no engagement yet');
    case 7:
      return usable(s, 'messenger') ? { channel: 'messenger', reason: 'day 7: Messenger is connected' } : undefined;
    case 10:
      return usable(s, 'nextdoor') ? { channel: 'nextdoor', reason: 'day 10: in the Nextdoor network' } : undefined;
    default:
      return undefined;
  }
}

/**
 * The next touch at or after the current day, or why the cadence should end: the touch cap
 * reached, or no channel left to reach the person on.
 */
export function nextTouch(
  s: CadenceState,
  policy: CadencePolicy,
  rules: PlanRules = CURRENT_RULES,
): PlannedTouch | { end: string } {
  if (s.touches.length >= policy.maxTouches) return { end: `touch cap of ${policy.maxTouches} reached` };
  if (!FALLBACK.some((c) => usable(s, c)) && !usable(s, 'messenger') && !usable(s, 'nextdoor'))
    return { end: 'every channel opted out or unavailable' };
  const last = s.touches.at(-1)?.day;
  const earliest = Math.max(s.day, last === undefined ? 0 : last + policy.minGapDays);
  const { mode, why } = modeOf(s, policy, rules);

  // Days 1-10: the testing sequence, unless signals already call for something else.
  if (mode === 'ADJUST') {
    // From today's step (a blocked channel's fallback goes out the same day) onwards.
    for (let day = Math.max(1, Math.floor(earliest)); day <= 10; day++) {
      const step = testingStep(s, day);
      if (step && !s.touches.some((t) => Math.floor(t.day) === day))
        return {
          step: `day-${day}`,
          day: Math.max(day, earliest),
          channel: step.channel,
          content: 'sales',
          mode,
          reason: step.reason,
        };
    }
  }

  const from = last === undefined ? earliest : Math.max(earliest, last + intervalDays(s, mode));
  if (mode === 'ACCELERATE') {
    const choice = pick(s, 'call', `ACCELERATE (${why}): phone before email`);
    if (choice)
      return {
        step: 'accelerate',
        day: from,
        ...choice,
        content: has(s, 'appointment_requested') || has(s, 'clicked') ? 'proposal' : 'sales',
        mode,
      };
  }
  if (mode === 'PAUSE') {
    // Educational first, then value-add in turn (4.3 C: "Switch to educational content",
    // "Re-engage with value-add content"); never the sales copy.
    const since = pausedSince(s, policy, rules)!;
    const n = s.touches.filter((t) => t.day > since).length;
    const content: Content = rules.pauseLasts && n % 2 === 1 ? 'value_add' : 'educational';
    const choice = pick(s, 'email', `PAUSE (${why}): weekly, ${content.replace('_', '-')}, no sales pressure`);
    if (choice) return { step: 'pause', day: from, ...choice, content, mode };
  }
  // ADJUST after the tests: the channel the person answered most, else rotate through the usable ones.
  const answered = CADENCE_CHANNELS.filter((c) => usable(s, c)).sort(
    (a, b) =>
      s.events.filter((e) => e.channel === b && INTEREST.includes(e.kind)).length -
      s.events.filter((e) => e.channel === a && INTEREST.includes(e.kind)).length,
  );
  const best = answered.find((c) => s.events.some((e) => e.channel === c && INTEREST.includes(e.kind)));
  const rotation = FALLBACK.filter((c) => usable(s, c));
  const channel = best ?? rotation[s.touches.length % rotation.length]!;
  const level = engagementLevel(s);
  const type = ADJUST_CONTENT[s.touches.filter((t) => t.step === 'adjust').length % ADJUST_CONTENT.length]!;
  return {
    step: 'adjust',
    day: from,
    channel,
    content: !rules.adjustVariesContent ? 'sales' : type === 'seasonal' && s.storm ? 'storm' : type,
    mode,
    reason: best
      ? `ADJUST (${level} engagement): ${channel} gets answers`
      : `ADJUST (${level} engagement): testing ${channel}`,
  };
}
