// The adaptive follow-up plan (roadmap 4.3 B-C), as pure rules the followUpCadence workflow runs
// on its own clock: first the channel-testing sequence of days 1-10, then touches whose frequency
// follows engagement (3+ interactions: daily; 1-2: every 2-3 days; none: weekly) and whose mode
// follows the signals — ACCELERATE on buying signals, PAUSE on overwhelm, ADJUST otherwise. Every
// decision carries its reason, so ops can read "next touch: SMS, day 2, because: email not opened".

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
  touches: { day: number; channel: CadenceChannel }[];
  events: EngagementEvent[];
  /** Opted out, suppressed, or without an address: never planned. */
  blocked: CadenceChannel[];
  connected: { messenger: boolean; nextdoor: boolean };
}

export interface CadencePolicy {
  maxTouches: number;
  /** Minimum days between two touches. */
  minGapDays: number;
}

export type Mode = 'ACCELERATE' | 'PAUSE' | 'ADJUST';
export type Content = 'sales' | 'educational' | 'proposal';

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

/** Buying signals accelerate; overwhelm pauses (and wins: never push someone who pushed back). */
export function modeOf(s: CadenceState): { mode: Mode; why: string } {
  const last = recent(s, 3);
  if (last.some((e) => e.kind === 'overwhelmed' || e.kind === 'unsubscribed'))
    return { mode: 'PAUSE', why: 'signs of overwhelm' };
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
export function nextTouch(s: CadenceState, policy: CadencePolicy): PlannedTouch | { end: string } {
  if (s.touches.length >= policy.maxTouches) return { end: `touch cap of ${policy.maxTouches} reached` };
  if (!FALLBACK.some((c) => usable(s, c)) && !usable(s, 'messenger') && !usable(s, 'nextdoor'))
    return { end: 'every channel opted out or unavailable' };
  const last = s.touches.at(-1)?.day;
  const earliest = Math.max(s.day, last === undefined ? 0 : last + policy.minGapDays);
  const { mode, why } = modeOf(s);

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
    const choice = pick(s, 'email', `PAUSE (${why}): weekly, educational, no sales pressure`);
    if (choice) return { step: 'pause', day: from, ...choice, content: 'educational', mode };
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
  return {
    step: 'adjust',
    day: from,
    channel,
    content: 'sales',
    mode,
    reason: best
      ? `ADJUST (${level} engagement): ${channel} gets answers`
      : `ADJUST (${level} engagement): testing ${channel}`,
  };
}
