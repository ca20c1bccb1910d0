// SLA settings (roadmap 4.4 C: 2 minutes for HOT leads, 15 for VIPs). The configuration passes its
// values in the workflow input; these defaults serve a lead started without them.
import type { Temperature } from './lead';

/** SLA and routing settings, given at start from the configuration (defaults: DEFAULT_POLICY below). */
export interface RoutingPolicy {
  slaMinutes: { HOT: number; WARM: number; COLD: number; VIP: number };
  /** Breaches before the lead goes to the ops queue instead of the next rep. */
  maxBreaches: number;
  /** How often a lead nobody can take looks for a free rep again. */
  retrySeconds: number;
}

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
