// One person, one conversation (issue 13, roadmap 7.1 A): the journey, the follow-up cadence, the
// review asks and the payment reminders each plan their own touches, and none knows the others.
// The gateway paces them per contact: a marketing message waits a minimum gap after any message
// the contact got, and when two plans want the same moment the more important one goes first.
// Pure: the gateway reads the contact's last message and the other plans' waiting messages under
// the contact's lock, and applies this.
import type { Plan } from './contract';

/**
 * Which plan's marketing goes first when two want the same slot (higher first). A live sales
 * conversation outranks a review ask, which outranks lifecycle nurture: the cadence follows a lead
 * who asked to be contacted and loses value by the hour; a review ask is timed to the finished job
 * (days 3/7/14) but can wait hours; the journey's education can wait a day. Transactional messages
 * (confirmations, payment reminders) are not paced at all: the customer asked for them.
 */
export const PLAN_PRIORITY: Record<Plan, number> = {
  cadence: 30,
  review: 20,
  journey: 10,
  other: 0,
};

/** A waiting message older than this past its time was called off or lost: it reserves nothing. */
export const STALE_WAIT_MS = 60 * 60_000;

export interface PacingInput {
  /** When the send would happen. */
  at: number;
  plan: Plan;
  /** The contact's newest message of any kind (transactional ones count: the person just heard from us). */
  lastMessageAt?: number;
  /** Other plans' marketing to this contact waiting (deferred) until `notBefore`. */
  waiting: { plan: Plan; notBefore: number }[];
  minGapMs: number;
}

export type PacingDecision =
  { ok: true } | { ok: false; notBefore: number; because: 'min_gap' | 'higher_priority_waiting' };

export function pace({ at, plan, lastMessageAt, waiting, minGapMs }: PacingInput): PacingDecision {
  if (lastMessageAt !== undefined && at < lastMessageAt + minGapMs)
    return { ok: false, notBefore: lastMessageAt + minGapMs, because: 'min_gap' };
  // Sending now would push back a more important message due within the gap: let it go first.
  const ahead = waiting
    .filter((w) => PLAN_PRIORITY[w.plan] > PLAN_PRIORITY[plan])
    .filter((w) => w.notBefore >= at - STALE_WAIT_MS && w.notBefore < at + minGapMs);
  if (ahead.length > 0) {
    const last = Math.max(...ahead.map((w) => w.notBefore), at);
    return { ok: false, notBefore: last + minGapMs, because: 'higher_priority_waiting' };
  }
  return { ok: true };
}
