// What each first-contact SLA setting costs the demo team (issue 22 item 3; scripts/simulate/sla.ts):
// the same leads and response times under both settings; the standard 2 minutes breaches and
// escalates more than SLAs by temperature, and a run is reproducible from its seed.
import { describe, expect, it } from 'vitest';
import { SETTINGS, simulateSetting, slaReport } from '../../scripts/simulate/sla';

const model = { leads: 200, days: 20, seed: 3, medianMinutes: 4, p90Minutes: 30, holdDays: 5 };

describe('SLA settings simulation', () => {
  it('the standard 2 minutes costs more breaches and escalations than SLAs by temperature', () => {
    const [standard, byTemperature] = SETTINGS.map((s) => simulateSetting(model, s));
    expect(standard!.breaches).toBeGreaterThan(byTemperature!.breaches);
    expect(standard!.escalated).toBeGreaterThan(byTemperature!.escalated);
    expect(standard!.metFirstTime).toBeLessThan(byTemperature!.metFirstTime);
    // Every lead ends contacted or in the ops queue.
    expect(standard!.escalated).toBeLessThanOrEqual(model.leads);
    expect(simulateSetting(model, SETTINGS[0]!)).toEqual(standard); // the seed decides everything
    expect(slaReport(model, [standard!, byTemperature!])).toContain('| standard: 2 min, VIP 15 (default) |');
  });

  it('a team answering within the SLA breaches rarely under either setting', () => {
    const fast = { ...model, medianMinutes: 0.5, p90Minutes: 1.2 };
    for (const s of SETTINGS) expect(simulateSetting(fast, s).breaches / model.leads).toBeLessThan(0.1);
  });
});
