// The lead workflow's decisions without a server (workflows/lead-intake/next-step.ts): route,
// wait, breach, hand over, look again, continue-as-new, and the guards of the rep's updates.
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  afterBreach,
  hasNews,
  holdsUncontacted,
  mayContinueAsNew,
  needsRouting,
  nextLook,
  nextStep,
  refuseReassign,
  refuseUnlessHeldBy,
  routingOnStart,
  routingRequest,
  slaDeadlineFor,
  tightenedDeadline,
  waitFor,
} from '../../workflows/lead-intake/next-step';
import { LEAD_STAGES, type LeadStage } from '../../workflows/lead-intake/rules/lead';
import { DEFAULT_POLICY, retryDelaySeconds } from '../../workflows/lead-intake/rules/sla-policy';
import { newLeadState, type LeadState } from '../../workflows/lead-intake/state';
import type { LeadIntakeInput, LeadStatus } from '../../workflows/lead-intake/types';
import type { TemperatureResult } from '../../workflows/lead-intake/rules/lead';

const input: LeadIntakeInput = {
  leadId: 'l1',
  source: 'website',
  zip: '48083',
  city: 'Troy',
  property: {},
  signals: {},
};
const DEADLINE = '2026-11-30T12:02:00.000Z';
const assignment = { attempt: 1, repId: 'rep-ann', repName: 'Ann', slaDeadline: DEADLINE };

function state(status: Partial<LeadStatus>, over: Partial<LeadState> = {}): LeadState {
  const s = newLeadState(input);
  Object.assign(s.status, status);
  return { ...s, ...over, inbox: { ...s.inbox, ...over.inbox } };
}
const assigned = (over: Partial<LeadState> = {}) => state({ stage: 'assigned', assignment: { ...assignment } }, over);
const refusal = (fn: () => void): string | undefined => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    return (err as ApplicationFailure).type ?? undefined;
  }
  return undefined;
};

describe('lead workflow: what happens next', () => {
  it('routes only leads that need a rep: not closed, not with a rep, not in the ops queue', () => {
    const routable = LEAD_STAGES.filter(needsRouting);
    expect(routable).toEqual<LeadStage[]>(['new', 'scored', 'waiting_for_rep']);
    expect(routingOnStart({ ...state({ stage: 'scored' }).status }, 1000)).toEqual({
      routeNow: true,
      retryAt: undefined,
    });
    expect(routingOnStart(state({ stage: 'waiting_for_rep' }).status, 1000)).toEqual({ routeNow: true, retryAt: 1000 });
    expect(routingOnStart(state({ stage: 'assigned' }).status, 1000).routeNow).toBe(false);
    expect(routingOnStart(state({ stage: 'won' }).status, 1000).routeNow).toBe(false);
  });

  it('an ops move goes to the named rep, or to anyone but the holder', () => {
    expect(
      routingRequest(assigned({ inbox: { capacityFreed: false, reassign: { repId: 'rep-ben', reason: 'x' } } })),
    ).toEqual({
      forcedRepId: 'rep-ben',
      excludeRepIds: [],
    });
    expect(routingRequest(assigned({ inbox: { capacityFreed: false, reassign: { reason: 'x' } } }))).toEqual({
      forcedRepId: undefined,
      excludeRepIds: ['rep-ann'],
    });
    // A lead nobody holds has nobody to move away from.
    const waiting = state(
      { stage: 'waiting_for_rep', assignment: { ...assignment } },
      { inbox: { capacityFreed: false, reassign: { reason: 'x' } } },
    );
    expect(routingRequest(waiting).excludeRepIds).toEqual([]);
    expect(routingRequest(assigned())).toEqual({ forcedRepId: undefined, excludeRepIds: [] });
  });

  it('the SLA deadline: 2 min standard, a COLD VIP 15, a HOT VIP 2 (rules/sla-policy.ts)', () => {
    const at = new Date('2026-11-30T12:00:00Z');
    const hot = { temperature: 'HOT' as const, score: 90, reasons: [] };
    const cold = { temperature: 'COLD' as const, score: 30, reasons: [] };
    expect(slaDeadlineFor(DEFAULT_POLICY, state({ temperature: hot }).status, at)).toBe('2026-11-30T12:02:00.000Z');
    const coldVip = state({ temperature: cold, vip: { isVip: true, reasons: [] } }).status;
    expect(slaDeadlineFor(DEFAULT_POLICY, coldVip, at)).toBe('2026-11-30T12:15:00.000Z');
    const hotVip = state({ temperature: hot, vip: { isVip: true, reasons: [] } }).status;
    expect(slaDeadlineFor(DEFAULT_POLICY, hotVip, at)).toBe('2026-11-30T12:02:00.000Z');
    // Not scored yet: the standard 2 minutes; COLD's 4 hours only when ops switch SLAs by temperature on.
    expect(slaDeadlineFor(DEFAULT_POLICY, state({}).status, at)).toBe('2026-11-30T12:02:00.000Z');
    const byTemperature = { ...DEFAULT_POLICY, slaBasis: 'by_temperature' as const };
    expect(slaDeadlineFor(byTemperature, state({}).status, at)).toBe('2026-11-30T16:00:00.000Z');
  });

  it('a lead that turns HOT before contact: the HOT deadline from now, only when sooner (never loosened)', () => {
    const byTemperature = { ...DEFAULT_POLICY, slaBasis: 'by_temperature' as const };
    const hot = { temperature: 'HOT' as const, score: 90, reasons: [] };
    const warm = { temperature: 'WARM' as const, score: 70, reasons: [] };
    const now = Date.parse('2026-11-30T12:10:00Z');
    const held = (temperature: TemperatureResult, slaDeadline: string, over: Partial<LeadStatus> = {}) =>
      state({ stage: 'assigned', temperature, assignment: { ...assignment, slaDeadline }, ...over }).status;
    // Assigned WARM at 12:00 with 60 minutes; HOT at 12:10: 12:12.
    expect(tightenedDeadline(byTemperature, held(hot, '2026-11-30T13:00:00Z'), now)).toBe('2026-11-30T12:12:00.000Z');
    // Already sooner than 2 minutes from now: kept.
    expect(tightenedDeadline(byTemperature, held(hot, '2026-11-30T12:11:00Z'), now)).toBeUndefined();
    // Cooling down never moves it later.
    expect(tightenedDeadline(byTemperature, held(warm, '2026-11-30T12:11:00Z'), now)).toBeUndefined();
    // Contact made, or nobody holding it: nothing to tighten.
    const contacted = { ...assignment, slaDeadline: '2026-11-30T13:00:00Z', contactedAt: '2026-11-30T12:05:00Z' };
    expect(tightenedDeadline(byTemperature, held(hot, '', { assignment: contacted }), now)).toBeUndefined();
    const waiting = held(hot, '2026-11-30T13:00:00Z', { stage: 'waiting_for_rep' });
    expect(tightenedDeadline(byTemperature, waiting, now)).toBeUndefined();
    // Standard SLAs: a VIP's 15 minutes become the HOT 2.
    const vip = held(hot, '2026-11-30T12:15:00Z', { vip: { isVip: true, reasons: [] } });
    expect(tightenedDeadline(DEFAULT_POLICY, vip, now)).toBe('2026-11-30T12:12:00.000Z');
    // Assigned at night to the next shift (SLA from 13:00): HOT gives 13:02, not 2 minutes from now.
    const night = held(hot, '2026-11-30T13:15:00Z', {
      vip: { isVip: true, reasons: [] },
      assignment: {
        ...assignment,
        slaDeadline: '2026-11-30T13:15:00Z',
        afterHours: { via: 'next_shift', slaStartsAt: '2026-11-30T13:00:00Z' },
      },
    });
    expect(tightenedDeadline(DEFAULT_POLICY, night, now)).toBe('2026-11-30T13:02:00.000Z');
  });

  it('waits for contact until the SLA deadline, for a rep until the next retry, otherwise for news only', () => {
    expect(waitFor(assigned())).toEqual({ forContact: true, until: Date.parse(DEADLINE) });
    const contacted = state({ stage: 'assigned', assignment: { ...assignment, contactedAt: DEADLINE } });
    expect(waitFor(contacted)).toEqual({ forContact: false, until: undefined });
    expect(waitFor(state({ stage: 'waiting_for_rep' }, { retryAt: 42 }))).toEqual({ forContact: false, until: 42 });
    expect(waitFor(state({ stage: 'escalated', assignment: { ...assignment } }))).toEqual({
      forContact: false,
      until: undefined,
    });
  });

  it('wakes for engagement, a close, an ops move, an unavailable holder, freed capacity while waiting, or contact', () => {
    const quiet = assigned();
    expect(hasNews(quiet, waitFor(quiet))).toBe(false);
    const news: Partial<LeadState['inbox']>[] = [
      { signals: { websiteVisits48h: 2 } },
      { close: { reason: 'lost' } },
      { reassign: { reason: 'x' } },
      { unavailableRep: 'rep-ann' },
    ];
    for (const inbox of news) {
      const s = assigned({ inbox: { capacityFreed: false, ...inbox } });
      expect(hasNews(s, waitFor(s))).toBe(true);
    }
    // Freed capacity matters only to a lead waiting for a rep.
    const freed = { inbox: { capacityFreed: true } };
    expect(hasNews(assigned(freed), waitFor(assigned(freed)))).toBe(false);
    const waiting = state({ stage: 'waiting_for_rep' }, freed);
    expect(hasNews(waiting, waitFor(waiting))).toBe(true);
    // Contact made during a wait for contact.
    const s = assigned();
    const wait = waitFor(s);
    s.status.assignment!.contactedAt = DEADLINE;
    expect(hasNews(s, wait)).toBe(true);
  });

  it('after a wait: hand over on contact, then an ops move, an unavailable holder, a breach, a look again', () => {
    const s = assigned();
    const wait = waitFor(s);
    expect(nextStep(s, wait, false)).toBe('breach');
    expect(nextStep(s, wait, true)).toBe('carry_on');
    s.status.stage = 'contacted';
    s.status.assignment!.contactedAt = DEADLINE;
    expect(nextStep(s, wait, true)).toBe('hand_over');

    const moved = assigned({ inbox: { capacityFreed: false, reassign: { reason: 'x' }, unavailableRep: 'rep-ann' } });
    expect(nextStep(moved, waitFor(moved), false)).toBe('reassign');
    const away = assigned({ inbox: { capacityFreed: false, unavailableRep: 'rep-ann' } });
    // Time off is not a breach, even when the deadline passed at the same moment.
    expect(nextStep(away, waitFor(away), false)).toBe('rep_unavailable');

    const waiting = state({ stage: 'waiting_for_rep' }, { retryAt: 1 });
    expect(nextStep(waiting, waitFor(waiting), false)).toBe('look_again');
    expect(nextStep(waiting, waitFor(waiting), true)).toBe('carry_on');
    waiting.inbox.capacityFreed = true;
    expect(nextStep(waiting, waitFor(waiting), true)).toBe('look_again');

    // In the ops queue nothing happens until ops move the lead.
    const escalated = state({ stage: 'escalated', assignment: { ...assignment } });
    expect(nextStep(escalated, waitFor(escalated), false)).toBe('carry_on');
  });

  it('the ops queue after the policy’s breaches, the next rep before', () => {
    expect(afterBreach(1, DEFAULT_POLICY)).toBe('next_rep');
    expect(afterBreach(2, DEFAULT_POLICY)).toBe('next_rep');
    expect(afterBreach(3, DEFAULT_POLICY)).toBe('ops_queue');
    expect(afterBreach(1, { ...DEFAULT_POLICY, maxBreaches: 1 })).toBe('ops_queue');
  });

  it('continues as new only with nothing pending', () => {
    expect(mayContinueAsNew(assigned())).toBe(true);
    expect(mayContinueAsNew(assigned({ routeNow: true }))).toBe(false);
    expect(mayContinueAsNew(assigned({ inbox: { capacityFreed: false, signals: { budget: 'confirmed' } } }))).toBe(
      false,
    );
  });

  it('only the holder may accept or mark contact; nobody once the lead is closed or unassigned', () => {
    expect(refusal(() => refuseUnlessHeldBy(assigned(), 'rep-ann', 'accept'))).toBeUndefined();
    expect(refusal(() => refuseUnlessHeldBy(assigned(), 'rep-ben', 'accept'))).toBe('NotAssignedRep');
    expect(refusal(() => refuseUnlessHeldBy(state({ stage: 'waiting_for_rep' }), 'rep-ann', 'accept'))).toBe(
      'NotAssigned',
    );
    const escalated = state({ stage: 'escalated', assignment: { ...assignment } });
    expect(refusal(() => refuseUnlessHeldBy(escalated, 'rep-ann', 'accept'))).toBe('NotAssigned');
    expect(
      refusal(() => refuseUnlessHeldBy(state({ stage: 'won', assignment: { ...assignment } }), 'rep-ann', 'accept')),
    ).toBe('LeadClosed');
    const closing = assigned({ inbox: { capacityFreed: false, close: { reason: 'lost' } } });
    expect(refusal(() => refuseUnlessHeldBy(closing, 'rep-ann', 'accept'))).toBe('LeadClosed');
  });

  it('ops may move a lead until it closes or its rep has made contact', () => {
    expect(refusal(() => refuseReassign(assigned()))).toBeUndefined();
    expect(refusal(() => refuseReassign(state({ stage: 'escalated' })))).toBeUndefined();
    expect(refusal(() => refuseReassign(state({ stage: 'contacted' })))).toBe('AlreadyContacted');
    expect(refusal(() => refuseReassign(state({ stage: 'duplicate' })))).toBe('LeadClosed');
  });

  it('an unavailable rep matters only while holding the lead without contact', () => {
    expect(holdsUncontacted(assigned().status, 'rep-ann')).toBe(true);
    expect(holdsUncontacted(assigned().status, 'rep-ben')).toBe(false);
    expect(
      holdsUncontacted(
        state({ stage: 'contacted', assignment: { ...assignment, contactedAt: DEADLINE } }).status,
        'rep-ann',
      ),
    ).toBe(false);
  });

  it('a lead nobody can take backs off: 30 s, 1, 2, 4 minutes, then every 5 (the policy’s cap)', () => {
    expect([1, 2, 3, 4, 5, 6, 50, 5000].map((looks) => retryDelaySeconds(DEFAULT_POLICY, looks))).toEqual([
      30, 60, 120, 240, 300, 300, 300, 300,
    ]);
    // A policy from before the cap existed gets the default cap; a cap below the first wait is the first wait.
    expect(retryDelaySeconds({ ...DEFAULT_POLICY, maxRetrySeconds: undefined }, 9)).toBe(300);
    expect(retryDelaySeconds({ ...DEFAULT_POLICY, retrySeconds: 60, maxRetrySeconds: 10 }, 3)).toBe(60);
  });

  it('looks again after the backoff, or a second after a rep who is off comes back, whichever is sooner', () => {
    const now = Date.parse('2026-11-30T12:00:00Z');
    expect(nextLook(DEFAULT_POLICY, undefined, now)).toEqual({ looks: 1, at: now + 30_000 });
    const waiting = { looks: 7, nextLookAt: '2026-11-30T12:00:00Z' };
    expect(nextLook(DEFAULT_POLICY, waiting, now)).toEqual({ looks: 8, at: now + 300_000 });
    // Time off ending in 100 s: sooner than the 5-minute look.
    expect(nextLook(DEFAULT_POLICY, waiting, now, '2026-11-30T12:01:40Z').at).toBe(now + 101_000);
    // Working hours starting tomorrow: the backoff's look comes first.
    expect(nextLook(DEFAULT_POLICY, waiting, now, '2026-12-01T08:00:00Z').at).toBe(now + 300_000);
    // A time already past never makes a wait of zero.
    expect(nextLook(DEFAULT_POLICY, waiting, now, '2026-11-30T11:00:00Z').at).toBe(now + 1000);
  });
});
