// The customer journey's rules (roadmap 7.1 C) without Temporal: which touchpoints each stage plans
// and when, what an event moves and triggers (and what it must not, out of order or twice), goals
// met and missed, the review sequence ending into advocacy, repeating mail, and a bounded status.
import { describe, expect, it } from 'vitest';
import {
  addMonthsUtc,
  advanceClock,
  applyLifecycleEvent,
  applyResponse,
  followResponseRule,
  DAY_MS,
  describeJourney,
  dueTouchpoints,
  endJourney,
  finishSending,
  HOUR_MS,
  KEPT,
  nextWakeAt,
  recordNewLead,
  startJourney,
  startSending,
  type IncomingEvent,
} from '../../workflows/journey/touchpoints';
import type { LifecycleEvent } from '../../workflows/journey/rules/lifecycle';
import type { JourneyStatus, TouchpointName } from '../../workflows/journey/types';

const T0 = Date.parse('2026-03-02T15:00:00.000Z');
const at = (days: number): number => T0 + days * DAY_MS;
const input = { customerId: 'contact-1', leadId: 'lead-1' };
let ids = 0;
const ev = (event: LifecycleEvent, extra: Partial<IncomingEvent> = {}): IncomingEvent => ({
  eventId: `e${++ids}`,
  event,
  occurredAt: new Date(T0).toISOString(),
  ...extra,
});

function apply(s: JourneyStatus, event: LifecycleEvent | IncomingEvent, now: number): JourneyStatus {
  const r = applyLifecycleEvent(s, typeof event === 'string' ? ev(event) : event, now);
  expect(r.outcome).toBe('applied');
  return r.status;
}
/** Sends everything due up to `now` (as the workflow does, one at a time), answered `sent`. */
function sendDue(s: JourneyStatus, now: number): JourneyStatus {
  for (let due = dueTouchpoints(s, now)[0]; due; due = dueTouchpoints(s, now)[0]) {
    s = finishSending(
      startSending(s, due.key, now),
      { status: 'sent', messageId: `m-${due.key}`, providerMessageId: 'p', provider: 'test', duplicate: false },
      now,
    );
  }
  return s;
}
const planned = (s: JourneyStatus) => s.pending.map((t) => [t.name, (Date.parse(t.dueAt) - T0) / HOUR_MS]);
const skipped = (s: JourneyStatus) =>
  Object.fromEntries(s.touchpoints.filter((t) => t.outcome === 'skipped').map((t) => [t.name, t.reason]));
const sentNames = (s: JourneyStatus): TouchpointName[] =>
  s.touchpoints.filter((t) => t.outcome === 'sent').map((t) => t.name);

describe('journey touchpoints', () => {
  it('a new lead gets the welcome sequence on day 0, 1, 3 and 7, and an inspection goal for day 7', () => {
    const s = startJourney(input, T0);
    expect(s.stage).toBe('lead');
    expect(planned(s)).toEqual([
      ['welcome_email', 0],
      ['inspection_sms', 24],
      ['educational_email', 72],
      ['sales_call', 168],
    ]);
    expect(s.pending.map((t) => t.key)).toEqual([
      'lead:welcome_email',
      'lead:inspection_sms',
      'lead:educational_email',
      'lead:sales_call',
    ]);
    expect(s.goals.lead).toEqual({
      goal: 'Schedule inspection within 7 days',
      state: 'open',
      by: new Date(at(7)).toISOString(),
    });
    expect(dueTouchpoints(s, T0).map((t) => t.name)).toEqual(['welcome_email']);
    expect(describeJourney(s)).toBe(
      "Journey: lead · goal inspection scheduled by 2026-03-09 (open) · next: Email 'Thank you for contacting iSwitch Roofs' at 2026-03-02T15:00:00.000Z",
    );
  });

  it('nothing happening: all four touches go out and the goal is missed at day 7', () => {
    let s = startJourney(input, T0);
    for (const day of [0, 1, 3, 7]) s = sendDue(advanceClock(s, at(day)), at(day));
    expect(sentNames(s)).toEqual(['welcome_email', 'inspection_sms', 'educational_email', 'sales_call']);
    expect(s.goals.lead).toMatchObject({ state: 'missed', at: new Date(at(7)).toISOString() });
    expect(s.stage).toBe('lead');
    expect(nextWakeAt(s)).toBeUndefined();
  });

  it('an inspection scheduled on day 2 meets the goal and skips the rest of the welcome sequence', () => {
    let s = sendDue(startJourney(input, T0), T0);
    s = sendDue(s, at(1));
    s = apply(s, 'inspection_scheduled', at(2));
    expect(s.stage).toBe('prospect');
    expect(s.goals.lead).toMatchObject({
      state: 'met',
      metBy: 'inspection_scheduled',
      at: new Date(at(2)).toISOString(),
    });
    expect(s.goals.prospect).toMatchObject({ state: 'open', by: new Date(at(23)).toISOString() });
    expect(skipped(s)).toEqual({
      educational_email: 'goal met (inspection_scheduled)',
      sales_call: 'goal met (inspection_scheduled)',
    });
    expect(s.pending).toEqual([]);
  });

  it('a quote sent without the inspection leaves the lead stage: the welcome stops, the lead goal stays open until day 7', () => {
    let s = apply(sendDue(startJourney(input, T0), T0), 'quote_sent', at(0.5));
    expect(skipped(s)).toMatchObject({ inspection_sms: 'stage left: the journey moved to prospect' });
    expect(s.goals.lead?.state).toBe('open');
    s = advanceClock(s, at(7));
    expect(s.goals.lead?.state).toBe('missed');
  });

  it('journeys before issue 22 (no response rule): quote email 4 hours after quote_sent, SMS 24 hours after quote_opened, and opening cancelled the 7-day call', () => {
    let s = apply(sendDue(startJourney(input, T0), T0), 'quote_sent', at(1));
    expect(planned(s)).toEqual([
      ['quote_ready_email', 28],
      ['quote_no_response_call', 24 + 168],
    ]);
    s = sendDue(s, at(1.5));
    s = apply(s, 'quote_opened', at(2));
    expect(planned(s)).toEqual([['quote_questions_sms', 72]]);
    expect(skipped(s).quote_no_response_call).toBe('the customer responded (quote_opened)');
  });

  describe('issue 22 item 15: opening the quote is not a response', () => {
    const quoted = (): JourneyStatus =>
      sendDue(apply(sendDue(followResponseRule(startJourney(input, T0), T0), T0), 'quote_sent', at(1)), at(1.5));

    it('a prospect who opens the quote and goes quiet gets the SMS and, 7 days after the quote, the call', () => {
      let s = apply(quoted(), 'quote_opened', at(2));
      expect(planned(s)).toEqual([
        ['quote_questions_sms', 72],
        ['quote_no_response_call', 24 + 168],
      ]);
      s = sendDue(s, at(8));
      expect(sentNames(s)).toEqual([
        'welcome_email',
        'quote_ready_email',
        'quote_questions_sms',
        'quote_no_response_call',
      ]);
    });

    it('a reply, a call, a booking or a signed contract after the quote cancels the call', () => {
      for (const kind of ['reply', 'call', 'booking'] as const) {
        const r = applyResponse(apply(quoted(), 'quote_opened', at(2)), { kind, ref: `r-${kind}` }, at(3));
        expect(r.outcome).toBe('applied');
        expect(skipped(r.status).quote_no_response_call).toBe(`the customer responded (${kind})`);
      }
      expect(skipped(apply(quoted(), 'inspection_scheduled', at(3))).quote_no_response_call).toBe(
        'the customer responded (inspection_scheduled)',
      );
      expect(skipped(apply(quoted(), 'contract_signed', at(3))).quote_no_response_call).toMatch(/contract_signed/);
    });

    it('what came before the quote is not an answer to it; a response is recorded once; journeys before the rule ignore responses', () => {
      // An inspection booked (and a reply) before the quote: the call stays planned.
      let s = followResponseRule(startJourney(input, T0), T0);
      s = applyResponse(s, { kind: 'reply', ref: 'early' }, at(0.5)).status;
      s = apply(s, 'inspection_scheduled', at(0.6));
      s = apply(s, 'quote_sent', at(1));
      expect(planned(s)).toContainEqual(['quote_no_response_call', 24 + 168]);
      const once = applyResponse(s, { kind: 'call', ref: 'c1' }, at(2));
      expect(applyResponse(once.status, { kind: 'call', ref: 'c1' }, at(2.1)).outcome).toBe('duplicate');
      expect(once.status.responses).toHaveLength(2);
      const before = apply(startJourney(input, T0), 'quote_sent', at(1));
      expect(applyResponse(before, { kind: 'reply', ref: 'x' }, at(2)).outcome).toBe('ignored');
    });
  });

  it('no response for 7 days after quote_sent brings the call; a competitor mention an email at once', () => {
    let s = apply(sendDue(startJourney(input, T0), T0), 'quote_sent', T0);
    s = sendDue(s, at(7));
    expect(sentNames(s)).toEqual(['welcome_email', 'quote_ready_email', 'quote_no_response_call']);
    s = apply(s, 'competitor_mentioned', at(8));
    expect(dueTouchpoints(s, at(8)).map((t) => t.name)).toEqual(['competitor_email']);
    s = advanceClock(s, at(21));
    expect(s.goals.prospect?.state).toBe('missed');
  });

  it('an earlier stage event after a later one is recorded and triggers nothing', () => {
    let s = apply(startJourney(input, T0), 'quote_sent', T0);
    s = apply(s, 'contract_signed', at(1));
    s = apply(s, 'quote_opened', at(1.5));
    expect(s.stage).toBe('customer');
    // Not even planned (and then skipped): the earlier stage's triggers are off.
    expect([...s.pending, ...s.touchpoints].map((t) => t.name)).not.toContain('quote_questions_sms');
    expect(s.events.at(-1)).toMatchObject({
      event: 'quote_opened',
      effect: 'recorded only: a prospect event after the journey reached customer',
    });
    expect(skipped(s)).toMatchObject({ quote_ready_email: 'goal met (contract_signed)' });
  });

  it('a project_scheduled after the review (an advocate) plans no "starting in 3 days" email', () => {
    let s = apply(startJourney(input, T0), 'contract_signed', T0);
    s = sendDue(apply(apply(s, 'project_started', T0), 'project_completed', T0), T0);
    s = apply(s, 'review_posted', at(4));
    s = apply(s, ev('project_scheduled', { details: { startsAt: new Date(at(30)).toISOString() } }), at(5));
    expect(s.events.at(-1)!.effect).toBe('recorded only: a customer event after the journey reached advocate');
    expect([...s.pending, ...s.touchpoints].map((t) => t.name)).not.toContain('project_starting_email');
  });

  it('a contract before any quote event jumps to customer; the lead and prospect goals are met by it', () => {
    const s = apply(startJourney(input, T0), 'contract_signed', at(2));
    expect(s.stage).toBe('customer');
    expect(s.stageStartedAt).toEqual({ lead: new Date(T0).toISOString(), customer: new Date(at(2)).toISOString() });
    expect(s.goals.lead).toMatchObject({ state: 'met', metBy: 'contract_signed' });
    expect(s.goals.prospect).toEqual({
      goal: 'Convert to customer within 21 days',
      state: 'met',
      at: new Date(at(2)).toISOString(),
      metBy: 'contract_signed',
    });
    expect(s.goals.customer).toEqual({ goal: '5-star satisfaction, zero issues', state: 'open' });
  });

  it('never moves a stage backwards', () => {
    let s = apply(startJourney(input, T0), 'contract_signed', T0);
    s = apply(s, 'inspection_scheduled', at(1));
    expect(s.stage).toBe('customer');
  });

  it('the same eventId twice is a duplicate; unknown events are not applied', () => {
    const s = apply(startJourney(input, T0), ev('competitor_mentioned', { eventId: 'dup' }), T0);
    const again = applyLifecycleEvent(s, ev('competitor_mentioned', { eventId: 'dup' }), at(1));
    expect(again.outcome).toBe('duplicate');
    expect(again.status).toBe(s);
    expect(applyLifecycleEvent(s, ev('moon_landing' as LifecycleEvent), at(1)).outcome).toBe('unknown');
    // A second mention (new id) is recorded, but the email goes out once.
    const twice = apply(sendDue(s, T0), 'competitor_mentioned', at(1));
    expect(twice.events).toHaveLength(2);
    expect(dueTouchpoints(twice, at(1))).toEqual([]);
  });

  it('project: the email 3 days before details.startsAt (re-planned when rescheduled, skipped when too late)', () => {
    let s = apply(startJourney(input, T0), 'contract_signed', T0);
    s = apply(s, ev('project_scheduled', { details: { startsAt: new Date(at(10)).toISOString() } }), at(1));
    expect(planned(s)).toContainEqual(['project_starting_email', 7 * 24]);
    s = apply(s, ev('project_scheduled', { details: { startsAt: new Date(at(12)).toISOString() } }), at(2));
    expect(planned(s)).toContainEqual(['project_starting_email', 9 * 24]);
    const late = apply(
      apply(startJourney(input, T0), 'contract_signed', T0),
      ev('project_scheduled', { details: { startsAt: new Date(at(2)).toISOString() } }),
      at(1),
    );
    expect(skipped(late).project_starting_email).toMatch(/^the project starts in less than 3 days/);
    const noDate = apply(apply(startJourney(input, T0), 'contract_signed', T0), 'project_scheduled', at(1));
    expect(noDate.pending.map((t) => t.name)).not.toContain('project_starting_email');
    expect(noDate.events.at(-1)!.effect).toBe('recorded; no details.startsAt: no reminder before the start');
  });

  it('project started and completed: crew SMS and walkthrough call at once, though completion leaves the stage', () => {
    let s = apply(startJourney(input, T0), 'contract_signed', T0);
    s = apply(s, ev('project_scheduled', { details: { startsAt: new Date(at(10)).toISOString() } }), at(1));
    s = apply(s, 'project_started', at(9));
    expect(skipped(s).project_starting_email).toBe('the project already started (project_started)');
    s = apply(s, 'project_completed', at(12));
    expect(s.stage).toBe('post_project');
    expect(dueTouchpoints(s, at(12)).map((t) => t.name)).toEqual(['crew_arrived_sms', 'final_walkthrough_call']);
    expect(planned(s).slice(2)).toEqual([
      ['review_email', 15 * 24],
      ['review_sms', 19 * 24],
      ['review_call', 26 * 24],
    ]);
  });

  it('a review on day 5 stops the asks and makes an advocate: referral day 7, postcard every quarter, gift every year', () => {
    let s = apply(startJourney(input, T0), 'contract_signed', T0);
    s = apply(apply(s, 'project_started', T0), 'project_completed', T0);
    s = sendDue(s, at(3));
    s = apply(s, 'review_posted', at(5));
    expect(s.stage).toBe('advocate');
    expect(s.goals.post_project).toMatchObject({ state: 'met', metBy: 'review_posted' });
    expect(skipped(s)).toMatchObject({
      review_sms: 'goal met (review_posted)',
      review_call: 'goal met (review_posted)',
    });
    expect(s.pending.map((t) => [t.key, t.dueAt])).toEqual([
      ['advocate:referral_email', new Date(at(12)).toISOString()],
      ['advocate:vip_postcard:1', new Date(addMonthsUtc(at(5), 3)).toISOString()],
      ['advocate:loyalty_gift_email:1', new Date(addMonthsUtc(at(5), 12)).toISOString()],
    ]);
    // The postcard, once sent, plans the next quarter's.
    s = sendDue(s, addMonthsUtc(at(5), 3));
    expect(s.pending.map((t) => t.key)).toEqual(['advocate:vip_postcard:2', 'advocate:loyalty_gift_email:1']);
    expect(s.pending[0]!.dueAt).toBe(new Date(addMonthsUtc(at(5), 6)).toISOString());
  });

  it('a referral meets the advocate goal: the referral ask is skipped, the quarterly mail continues', () => {
    let s = apply(startJourney(input, T0), 'contract_signed', T0);
    s = sendDue(apply(apply(s, 'project_started', T0), 'project_completed', T0), T0);
    s = apply(s, 'review_posted', at(1));
    s = apply(s, 'referral_made', at(2));
    expect(s.goals.advocate).toMatchObject({ state: 'met', metBy: 'referral_made' });
    expect(skipped(s).referral_email).toBe('goal met (referral_made)');
    expect(s.pending.map((t) => t.name)).toEqual(['vip_postcard', 'loyalty_gift_email']);
  });

  it('the review sequence ending without a review (day 21) makes an advocate anyway; the review goal is missed', () => {
    let s = apply(startJourney(input, T0), 'contract_signed', T0);
    s = apply(apply(s, 'project_started', T0), 'project_completed', T0);
    expect(nextWakeAt(sendDue(s, at(14)))).toBe(at(21));
    s = advanceClock(sendDue(s, at(14)), at(21));
    expect(sentNames(s).slice(-3)).toEqual(['review_email', 'review_sms', 'review_call']);
    expect(s.stage).toBe('advocate');
    expect(s.stageCause.advocate).toBe('review sequence ended without a review');
    expect(s.goals.post_project).toMatchObject({ state: 'missed', at: new Date(at(21)).toISOString() });
    expect(s.pending[0]).toMatchObject({ name: 'referral_email', dueAt: new Date(at(28)).toISOString() });
  });

  it('a goal deadline passing as the event arrives counts as missed', () => {
    const s = apply(startJourney(input, T0), 'inspection_scheduled', at(7) + 1);
    expect(s.goals.lead).toMatchObject({ state: 'missed', at: new Date(at(7)).toISOString() });
  });

  it('a blocked channel is recorded as skipped with the reason', () => {
    let s = sendDue(startJourney(input, T0), T0);
    s = finishSending(
      startSending(s, 'lead:inspection_sms', at(1)),
      { status: 'blocked', reason: 'opted_out', channel: 'sms' },
      at(1),
    );
    expect(s.touchpoints.at(-1)).toMatchObject({
      name: 'inspection_sms',
      outcome: 'skipped',
      reason: 'blocked: opted_out (sms)',
    });
    expect(s.next?.name).toBe('educational_email');
  });

  it('ending skips what was planned', () => {
    const s = endJourney(startJourney(input, T0), 'customer deleted', T0);
    expect(s.ended).toBe('customer deleted');
    expect(s.pending).toEqual([]);
    expect(skipped(s).sales_call).toBe('journey ended: customer deleted');
  });

  it('keeps the status bounded: the last records only, counting what was dropped', () => {
    let s = startJourney(input, T0);
    for (let i = 0; i < KEPT.events + 5; i++) s = apply(s, 'competitor_mentioned', T0 + i);
    expect(s.events).toHaveLength(KEPT.events);
    expect(s.trimmed.events).toBe(5);
    for (let i = 0; i < KEPT.leads + 2; i++) s = recordNewLead(s, `lead-${i + 2}`, T0);
    expect(s.leads).toHaveLength(KEPT.leads);
    expect(recordNewLead(s, 'lead-1', T0)).toBe(s); // the journey's own lead is not "new"
    // Years of quarterly mail: the touchpoint records stay at KEPT.touchpoints.
    s = apply(
      apply(apply(apply(s, 'contract_signed', T0), 'project_started', T0), 'project_completed', T0),
      'review_posted',
      T0,
    );
    // Every record ever made, in order (a step adds far fewer than KEPT, so none escapes this).
    const made = new Set(s.touchpoints.map((t) => t.key));
    for (let q = 1; q <= 60; q++) {
      s = sendDue(s, addMonthsUtc(T0, 3 * q));
      for (const t of s.touchpoints) made.add(t.key);
    }
    expect(made.size).toBeGreaterThan(KEPT.touchpoints);
    expect(s.touchpoints.map((t) => t.key)).toEqual([...made].slice(-KEPT.touchpoints)); // the newest kept
    expect(s.trimmed.touchpoints).toBe(made.size - KEPT.touchpoints); // the oldest dropped, and counted
    expect(s.pending.map((t) => t.key)).toEqual(['advocate:vip_postcard:61', 'advocate:loyalty_gift_email:16']);
  });

  it('adds calendar months in UTC, the 31st becoming the month end', () => {
    expect(new Date(addMonthsUtc(Date.parse('2026-01-31T10:00:00Z'), 1)).toISOString()).toBe(
      '2026-02-28T10:00:00.000Z',
    );
    expect(new Date(addMonthsUtc(Date.parse('2026-11-15T10:00:00Z'), 3)).toISOString()).toBe(
      '2027-02-15T10:00:00.000Z',
    );
  });

  it('a failed send is recorded as skipped with the failure (not as blocked); the next touch stays planned', () => {
    let s = sendDue(startJourney(input, T0), T0);
    const [due] = dueTouchpoints(advanceClock(s, at(1)), at(1));
    expect(due?.name).toBe('inspection_sms');
    s = finishSending(
      startSending(advanceClock(s, at(1)), due!.key, at(1)),
      { status: 'failed', reason: 'invalid_number', channel: 'sms', permanent: true },
      at(1),
    );
    expect(skipped(s)).toEqual({ inspection_sms: 'failed: invalid_number (sms)' });
    expect(s.sending).toBeUndefined();
    expect(planned(s).map(([name]) => name)).toEqual(['educational_email', 'sales_call']);
  });
});
