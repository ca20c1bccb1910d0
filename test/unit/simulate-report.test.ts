// The simulator's report of the roadmap's "25 % fewer touches" (4.3 C; issue 22 item 14): the
// adaptive plan's touches to outcome next to the fixed 16-touch sequence it replaces.
import { describe, expect, it } from 'vitest';
import { newTally } from '../../scripts/simulate/recipients';
import { report, type Outcome } from '../../scripts/simulate/report';
import { SCENARIOS } from '../../scripts/simulate/scenarios';

function outcome(touches: Record<string, number>, replied: string[], leads = Object.keys(touches).length): Outcome {
  const tally = newTally();
  for (const [leadId, n] of Object.entries(touches)) tally.touchesPerLead.set(leadId, n);
  return {
    options: {
      leads,
      days: 90,
      scenario: 'baseline',
      definition: 'standard',
      seed: 1,
      policy: { maxTouches: 20, minGapDays: 0.5 },
    },
    scenario: SCENARIOS.baseline!,
    tally,
    results: Object.keys(touches).map((leadId) => ({
      leadId,
      events: [],
      won: false,
      ...(replied.includes(leadId) && { repliedOnDay: 3 }),
    })),
    stuck: [],
    stages: {},
    cadenceEnds: [],
    wallSeconds: 1,
  };
}

describe('simulator report: touches to outcome against the fixed 16-touch baseline', () => {
  it('counts the adaptive touches to each outcome next to what the fixed sequence would send the same people', () => {
    // L1 replied after 3 touches, L2 after 18 (the fixed sequence had ended at 16); L3 and L4 never did.
    const r = report(outcome({ L1: 3, L2: 18, L3: 20, L4: 6 }, ['L1', 'L2'])).json;
    expect(r.touchesToOutcome).toEqual({
      responders: 2,
      adaptive: { touches: 47, perLead: 47 / 4, perResponder: 21 / 2, perNonResponder: 26 / 2 },
      fixed16: { touches: 16 + 16 + 3 + 16, perLead: 51 / 4, perResponder: 19 / 2, perNonResponder: 16 },
      fewerTouches: 1 - 47 / 51,
      target: 0.25,
    });
    const text = report(outcome({ L1: 3, L2: 18, L3: 20, L4: 6 }, ['L1', 'L2'])).text;
    expect(text).toContain(
      'Touches to outcome (4.3 C "25 % fewer touches" vs the fixed 16-touch sequence): adaptive 47 (11.75 per lead; 10.50 before a reply, 13.00 without one) · fixed 16 51 (12.75 per lead) · 7.8 % fewer (target 25 %)',
    );
  });

  it('a lead never touched (it replied first) counts 0 adaptive and 0 fixed; one never touched nor answering counts 16 fixed', () => {
    // L2 is not in the tally at all: it arrived at the end of the window.
    const r = report(outcome({ L1: 0 }, ['L1'], 2)).json.touchesToOutcome;
    expect(r.adaptive.touches).toBe(0);
    expect(r.fixed16.touches).toBe(16);
    expect(r.fewerTouches).toBe(1);
  });
});
