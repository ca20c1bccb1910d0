// What the lead's workflow does next (roadmap 4.4 A-C), pure: each function reads the state and
// answers; the loop in workflow.ts carries the answer out (activities, timers, continue-as-new).
// No clock and no I/O here, so the decisions are unit-tested without a server
// (test/unit/lead-next-step.test.ts).
import { ApplicationFailure } from '@temporalio/common';
import { isClosedStage, type LeadStage } from './rules/lead';
import { retryDelaySeconds, slaMinutesFor, type RoutingPolicy } from './rules/sla-policy';
import type { LeadState } from './state';
import type { LeadStatus } from './types';

/** Whether a lead in `stage` needs a rep: not closed, not with a rep, not in the ops queue. */
export function needsRouting(stage: LeadStage): boolean {
  return !isClosedStage(stage) && stage !== 'contacted' && stage !== 'escalated' && stage !== 'assigned';
}

/**
 * Routing when the loop starts (a new lead after its assessment, or a run carried over by
 * continue-as-new): due at once unless the lead is with a rep, closed or in the ops queue; a lead
 * that was waiting for a rep looks again now.
 */
export function routingOnStart(status: LeadStatus, now: number): { routeNow: boolean; retryAt?: number } {
  return { routeNow: needsRouting(status.stage), retryAt: status.stage === 'waiting_for_rep' ? now : undefined };
}

/** The next routing decision's constraints: a rep ops named, or anyone but the holder ops moved it from. */
export function routingRequest({ status, inbox }: LeadState): { forcedRepId?: string; excludeRepIds: string[] } {
  const forcedRepId = inbox.reassign?.repId;
  const awayFromHolder = inbox.reassign && !forcedRepId && status.assignment && status.stage !== 'waiting_for_rep';
  return { forcedRepId, excludeRepIds: awayFromHolder ? [status.assignment!.repId] : [] };
}

/** The SLA deadline of a decision made at `at`: the strictest that applies (rules/sla-policy.ts). */
export function slaDeadlineFor(policy: RoutingPolicy, status: LeadStatus, at: Date): string {
  const minutes = slaMinutesFor(policy, status.temperature?.temperature ?? 'COLD', status.vip?.isVip ?? false);
  return new Date(at.getTime() + minutes * 60_000).toISOString();
}

/**
 * A re-score that makes the lead's SLA stricter (it turned HOT: 4.1 D "2-minute response time for
 * hot leads") while its rep has not made contact yet: the deadline its new temperature gives from
 * now, when that is sooner than the one it has. Never later: a lead that cools keeps its deadline.
 */
export function tightenedDeadline(policy: RoutingPolicy, status: LeadStatus, now: number): string | undefined {
  const a = status.assignment;
  if (status.stage !== 'assigned' || !a || a.contactedAt) return undefined;
  // Assigned after hours to the next shift: the clock still starts at the shift start.
  const from = Math.max(now, a.afterHours ? Date.parse(a.afterHours.slaStartsAt) : 0);
  const deadline = slaDeadlineFor(policy, status, new Date(from));
  return Date.parse(deadline) < Date.parse(a.slaDeadline) ? deadline : undefined;
}

/**
 * A look that found nobody: the looks so far (counted from the first since the lead began waiting)
 * and when to look next — backing off (rules/sla-policy.ts), but no later than the moment a rep who
 * is off now comes back (`nextAvailableAt`, from the routing decision). Reps freed any other way
 * (capacity, a new rep, changed hours) are signalled and wake the lead at once.
 */
export function nextLook(
  policy: RoutingPolicy,
  waiting: LeadStatus['waiting'],
  now: number,
  nextAvailableAt?: string,
): { looks: number; at: number } {
  const looks = (waiting?.looks ?? 0) + 1;
  const backedOff = now + retryDelaySeconds(policy, looks) * 1000;
  const repBack = nextAvailableAt ? Date.parse(nextAvailableAt) : Infinity;
  // A second after the rep is back: never a look at the very instant, nor a wait of zero.
  return { looks, at: Math.min(backedOff, Math.max(repBack, now) + 1000) };
}

/** What the loop waits for: first contact until the SLA deadline, or a free rep until the next retry. */
export interface Wait {
  forContact: boolean;
  /** When the wait ends on its own (ms); none: only news ends it. */
  until?: number;
}

export function waitFor({ status, retryAt }: LeadState): Wait {
  const forContact = status.stage === 'assigned' && status.assignment !== undefined && !status.assignment.contactedAt;
  if (forContact) return { forContact, until: Date.parse(status.assignment!.slaDeadline) };
  return { forContact, until: status.stage === 'waiting_for_rep' ? retryAt : undefined };
}

/** Whether something happened during `wait` that the loop must act on. */
export function hasNews({ status, inbox }: LeadState, wait: Wait): boolean {
  return (
    inbox.signals !== undefined ||
    inbox.close !== undefined ||
    inbox.reassign !== undefined ||
    inbox.unavailableRep !== undefined ||
    (inbox.capacityFreed && status.stage === 'waiting_for_rep') ||
    (wait.forContact && status.assignment?.contactedAt !== undefined)
  );
}

export type NextStep =
  /** First contact made: record it and hand the lead to its follow-up cadence. */
  | 'hand_over'
  /** Ops moved the lead: end the assignment and route again. */
  | 'reassign'
  /** The holder went on time off before contact: end the assignment and route again (no breach). */
  | 'rep_unavailable'
  /** The SLA deadline passed without contact. */
  | 'breach'
  /** Waiting for a rep, and the retry time came or capacity was freed: route again. */
  | 'look_again'
  /** Nothing to do but wait again (continuing as new first when the history is long). */
  | 'carry_on';

/**
 * After a wait (`woke`: news came before the deadline) and after any close and re-scoring were
 * handled: one step, in this order of precedence.
 */
export function nextStep({ status, inbox }: LeadState, wait: Wait, woke: boolean): NextStep {
  if (status.stage === 'contacted' && wait.forContact) return 'hand_over';
  if (inbox.reassign) return 'reassign';
  if (inbox.unavailableRep) return 'rep_unavailable';
  if (!woke && wait.forContact) return 'breach';
  if (status.stage === 'waiting_for_rep' && (!woke || inbox.capacityFreed)) return 'look_again';
  return 'carry_on';
}

/** After a breach: the ops queue once the policy's breaches are used up, else the next rep. */
export function afterBreach(breaches: number, policy: RoutingPolicy): 'ops_queue' | 'next_rep' {
  return breaches >= policy.maxBreaches ? 'ops_queue' : 'next_rep';
}

/** Continue-as-new only with nothing pending: no engagement to score, no routing due. */
export function mayContinueAsNew({ inbox, routeNow }: LeadState): boolean {
  return inbox.signals === undefined && !routeNow;
}

/** The rep's updates (accept, contacted) are refused, nothing changed, unless `repId` holds the lead. */
export function refuseUnlessHeldBy({ status, inbox }: LeadState, repId: string, what: string): void {
  if (inbox.close || isClosedStage(status.stage)) {
    throw ApplicationFailure.create({
      type: 'LeadClosed',
      message: `lead is ${inbox.close?.reason ?? status.stage}: nothing to ${what}`,
    });
  }
  const a = status.assignment;
  if (!a || status.stage === 'waiting_for_rep' || status.stage === 'escalated') {
    throw ApplicationFailure.create({
      type: 'NotAssigned',
      message: `lead is not assigned to anyone right now: nothing to ${what}`,
    });
  }
  if (a.repId !== repId) {
    throw ApplicationFailure.create({
      type: 'NotAssignedRep',
      message: `lead is assigned to ${a.repId}, not ${repId} (attempt ${a.attempt})`,
    });
  }
}

/** Ops may move a lead until it is closed or its rep has made contact. */
export function refuseReassign({ status, inbox }: LeadState): void {
  if (inbox.close || isClosedStage(status.stage)) {
    throw ApplicationFailure.create({
      type: 'LeadClosed',
      message: `lead is ${inbox.close?.reason ?? status.stage}: it cannot be reassigned`,
    });
  }
  if (status.stage === 'contacted') {
    throw ApplicationFailure.create({ type: 'AlreadyContacted', message: 'the rep has already made contact' });
  }
}

/** The repUnavailable signal counts only for the rep holding the lead who has not made contact. */
export function holdsUncontacted(status: LeadStatus, repId: string): boolean {
  return status.assignment?.repId === repId && !status.assignment.contactedAt;
}
