// The simulator runs the real cadence and journey workflows against synthetic people: its report
// adds up, and a cadence change (the touch cap) shows in it.
import { describe, expect, it } from 'vitest';
import { simulate, type SimulationOptions } from '../../scripts/simulate';
import { report } from '../../scripts/simulate/report';
import { SCENARIOS } from '../../scripts/simulate/scenarios';

const options = (maxTouches: number): SimulationOptions => ({
  leads: 12,
  days: 20,
  seed: 3,
  scenario: SCENARIOS.baseline!,
  definition: 'standard',
  policy: { maxTouches, minGapDays: 0.5 },
  json: true,
});

describe('simulator', () => {
  it('reports touches, channels, replies, conversions and deferrals that add up; a lower touch cap shows', async () => {
    const wide = report(await simulate(options(12))).json;
    const capped = report(await simulate(options(2))).json;

    // Every lead arrives within the first third of the window and gets exactly one cadence.
    const ends = (r: typeof wide) => Object.values(r.cadenceEnds).reduce((a, b) => a + b, 0);
    expect(ends(wide)).toBe(12);
    const cadenceTouches = Object.values(wide.channelMix.cadence).reduce((a, c) => a + c.messages, 0);
    expect(cadenceTouches).toBeCloseTo(wide.touchesPerLead.mean * 12, 5);
    expect(wide.touchesPerLead.max).toBeLessThanOrEqual(12);
    expect(wide.conversions.won).toBeLessThanOrEqual(wide.replies.leads);
    expect(Object.keys(wide.journeyStages).length).toBeGreaterThan(0);
    expect(Object.values(wide.journeyStages).reduce((a, b) => a + b, 0)).toBe(12);
    expect(wide.speed.leadDaysPerSecond).toBeGreaterThan(0);

    expect(capped.touchesPerLead.max).toBeLessThanOrEqual(2);
    expect(capped.touchesPerLead.mean).toBeLessThan(wide.touchesPerLead.mean);
    expect(capped.cadenceEnds['touch cap of 2 reached']).toBeGreaterThan(0);
  });
});
