// SLA settings (roadmap 4.4 C: 2 minutes for HOT leads, 15 for VIPs). The configuration passes its
// values in the workflow input; these defaults serve a lead started without them.
import type { RoutingPolicy, Temperature } from './types';

export const DEFAULT_POLICY: RoutingPolicy = {
  slaMinutes: { HOT: 2, WARM: 60, COLD: 240, VIP: 15 },
  maxBreaches: 3,
  retrySeconds: 30,
};

/** The strictest SLA that applies: a HOT VIP gets the HOT minutes, a COLD VIP the VIP minutes. */
export function slaMinutesFor(policy: RoutingPolicy, temperature: Temperature, isVip: boolean): number {
  const byTemperature = policy.slaMinutes[temperature];
  return isVip ? Math.min(byTemperature, policy.slaMinutes.VIP) : byTemperature;
}
