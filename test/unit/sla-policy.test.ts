// The first-contact SLA (issue 22 item 3; roadmap 4.4 B-C "2 minutes standard", "15 minutes" for
// VIPs; 4.1 D "2-minute response time for hot leads"): 2 minutes for every lead by default, 15 for a
// VIP (2 when HOT); WARM 60 and COLD 240 only when ops switch SLAs by temperature on; a lead started
// before the standard SLA (no basis in its policy) keeps the SLAs it was started with.
import { describe, expect, it } from 'vitest';
import { loadConfig, routingPolicyOf } from '../../config/env';
import { DEFAULT_POLICY, slaMinutesFor, type RoutingPolicy } from '../../workflows/lead-intake/rules/sla-policy';

const TEMPERATURES = ['HOT', 'WARM', 'COLD'] as const;
const table = (policy: RoutingPolicy) =>
  Object.fromEntries(
    TEMPERATURES.flatMap((t) => [
      [t, slaMinutesFor(policy, t, false)],
      [`${t} VIP`, slaMinutesFor(policy, t, true)],
    ]),
  );

describe('first-contact SLA', () => {
  it('standard (the default): 2 minutes for every lead, 15 for a VIP, 2 for a HOT VIP', () => {
    expect(table(DEFAULT_POLICY)).toEqual({
      HOT: 2,
      'HOT VIP': 2,
      WARM: 2,
      'WARM VIP': 15,
      COLD: 2,
      'COLD VIP': 15,
    });
  });

  it('by temperature (ops switch it on): WARM 60, COLD 240, VIPs 15, HOT 2', () => {
    expect(table({ ...DEFAULT_POLICY, slaBasis: 'by_temperature' })).toEqual({
      HOT: 2,
      'HOT VIP': 2,
      WARM: 60,
      'WARM VIP': 15,
      COLD: 240,
      'COLD VIP': 15,
    });
  });

  it('a lead started before the standard SLA keeps the SLAs its policy gave it (new leads only change)', () => {
    const started: RoutingPolicy = {
      slaMinutes: { HOT: 2, WARM: 60, COLD: 240, VIP: 15 },
      maxBreaches: 3,
      retrySeconds: 30,
    };
    expect(table(started)).toEqual(table({ ...DEFAULT_POLICY, slaBasis: 'by_temperature' }));
  });

  it('the configuration: standard by default, SLA_BY_TEMPERATURE=on gives WARM and COLD their own', () => {
    const standard = routingPolicyOf(loadConfig({}));
    expect(standard.slaBasis).toBe('standard');
    expect(slaMinutesFor(standard, 'COLD', false)).toBe(2);
    const opted = routingPolicyOf(loadConfig({ SLA_BY_TEMPERATURE: 'on', SLA_STANDARD_MINUTES: '3' }));
    expect(opted.slaBasis).toBe('by_temperature');
    expect(slaMinutesFor(opted, 'COLD', false)).toBe(240);
    expect(routingPolicyOf(loadConfig({ SLA_STANDARD_MINUTES: '3' })).slaMinutes.STANDARD).toBe(3);
  });
});
