// The simulator runs the real cadence and journey workflows against synthetic people: its report
// adds up, and what a scenario makes certain shows exactly — nobody engaging gives every lead the
// plan's first touches up to the cap and nothing else; everybody answering the first email hands
// every cadence over before its first touch and wins every deal.
import { describe, expect, it } from 'vitest';
import { simulate, type SimulationOptions } from '../../scripts/simulate';
import { report } from '../../scripts/simulate/report';
import { SCENARIOS, type Scenario } from '../../scripts/simulate/scenarios';

const LEADS = 12;
/**
 * One simulation starts a Postgres and a test server: 15-30 s on a busy 2-core machine. The budget
 * also outlives one lost workflow task (its workflows' task timeout is 2 minutes): in full runs the
 * time-skipping server has stalled a simulation past 120 s (issue 20).
 */
const SIMULATION_TIMEOUT = 300_000;
const options = (scenario: Scenario, definition: string, maxTouches: number): SimulationOptions => ({
  leads: LEADS,
  // Every lead arrives within the first third (under 7 days): 13 days are left for its first week.
  days: 20,
  seed: 3,
  scenario,
  definition,
  policy: { maxTouches, minGapDays: 0.5 },
  json: true,
});
const nobody = { open: 0, click: 0, reply: 0, optOut: 0 };
const never: Scenario['afterReply'] = {
  inspection: 0,
  quoteOpened: 0,
  competitor: 0,
  win: 0,
  review: 0,
  referral: 0,
};
/** Nobody opens, clicks, replies, opts out or is away. */
const silent: Scenario = {
  ...SCENARIOS.baseline!,
  name: 'silent',
  perMessage: { email: nobody, sms: nobody, call: nobody, postcard: nobody, messenger: nobody, nextdoor: nobody },
  outOfOffice: 0,
  afterReply: never,
};
/** Everybody opens and answers every email (nothing else), then books, signs and wins within ten days. */
const eager: Scenario = {
  ...silent,
  name: 'eager',
  perMessage: { ...silent.perMessage, email: { open: 1, click: 0, reply: 1, optOut: 0 } },
  afterReply: { ...never, inspection: 1, quoteOpened: 1, win: 1 },
};
const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
const messages = (mix: Record<string, { messages: number }>) =>
  Object.fromEntries(Object.entries(mix).map(([channel, m]) => [channel, m.messages]));

describe('simulator', () => {
  it(
    'reports touches, channels, replies and conversions that add up (baseline)',
    async () => {
      const r = report(await simulate(options(SCENARIOS.baseline!, 'standard', 12))).json;
      expect(r.stuck).toEqual([]);
      // Every lead arrives within the first third of the window and gets exactly one cadence and one journey.
      expect(total(r.cadenceEnds)).toBe(LEADS);
      expect(total(r.journeyStages)).toBe(LEADS);
      const cadenceTouches = Object.values(r.channelMix.cadence).reduce((a, c) => a + c.messages, 0);
      expect(cadenceTouches).toBeCloseTo(r.touchesPerLead.mean * LEADS, 5);
      expect(r.touchesPerLead.max).toBeLessThanOrEqual(12);
      expect(r.conversions.won).toBeLessThanOrEqual(r.replies.leads);
    },
    SIMULATION_TIMEOUT,
  );

  it(
    'nobody engages, touch cap 2: every cadence sends the day-1 email and the day-2 SMS, reaches the cap, and nothing else happens',
    async () => {
      const r = report(await simulate(options(silent, 'plain', 2))).json;
      expect(r.stuck).toEqual([]);
      expect(r.cadenceEnds).toEqual({ 'touch cap of 2 reached': LEADS });
      expect(messages(r.channelMix.cadence)).toEqual({ email: LEADS, sms: LEADS });
      expect(r.touchesPerLead).toEqual({ mean: 2, p50: 2, p90: 2, max: 2 });
      // Nobody answers: the fixed 16-touch sequence would have sent all 16 (issue 22 item 14).
      expect(r.touchesToOutcome).toMatchObject({
        responders: 0,
        adaptive: { touches: 2 * LEADS, perLead: 2 },
        fixed16: { touches: 16 * LEADS, perLead: 16 },
        fewerTouches: 1 - 2 / 16,
      });
      // The journey's lead stage, all of it within the window: the welcome and educational emails,
      // the inspection SMS, the sales call.
      expect(messages(r.channelMix.journey)).toEqual({ email: 2 * LEADS, sms: LEADS, call: LEADS });
      expect(r.replies).toEqual({ leads: 0, rate: 0 });
      expect(r.conversions).toEqual({ won: 0, rate: 0 });
      expect(r.optOuts).toEqual({ contacts: 0, rate: 0 });
      expect(r.engagement).toEqual({ opens: 0, clicks: 0, replies: 0, outOfOffice: 0 });
      expect(r.blockedSends).toBe(0);
      expect(r.journeyStages).toEqual({ lead: LEADS });
    },
    SIMULATION_TIMEOUT,
  );

  it(
    'everybody answers the first email: every cadence is handed over before its first touch, every deal is won',
    async () => {
      const r = report(await simulate(options(eager, 'standard', 12))).json;
      expect(r.stuck).toEqual([]);
      // The journey's welcome email goes out on arrival, a day before the cadence's first touch.
      expect(r.cadenceEnds).toEqual({ 'the lead replied: handed to the rep': LEADS });
      expect(r.channelMix.cadence).toEqual({});
      expect(r.touchesPerLead.max).toBe(0);
      expect(r.replies).toEqual({ leads: LEADS, rate: 1 });
      // Inspection, quote, contract: ten days after the reply, inside the window for everyone.
      expect(r.conversions).toEqual({ won: LEADS, rate: 1 });
      expect(r.journeyStages).toEqual({ customer: LEADS });
      expect(r.optOuts.contacts).toBe(0);
    },
    SIMULATION_TIMEOUT,
  );
});
