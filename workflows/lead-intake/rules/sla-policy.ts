// SLA settings (roadmap 4.4 C: 2 minutes for HOT leads, 15 for VIPs). The configuration passes its
// values in the workflow input; these defaults serve a lead started without them.
import type { Temperature } from './lead';

/** SLA and routing settings, given at start from the configuration (defaults: DEFAULT_POLICY below). */
export interface RoutingPolicy {
  slaMinutes: { HOT: number; WARM: number; COLD: number; VIP: number };
  /** Breaches before the lead goes to the ops queue instead of the next rep. */
  maxBreaches: number;
  /** How soon a lead nobody can take first looks for a free rep again; each look after waits twice as long… */
  retrySeconds: number;
  /** …up to this (absent in leads started before the backoff: DEFAULT_POLICY's). */
  maxRetrySeconds?: number;
}

export const DEFAULT_POLICY: RoutingPolicy = {
  slaMinutes: { HOT: 2, WARM: 60, COLD: 240, VIP: 15 },
  maxBreaches: 3,
  retrySeconds: 30,
  maxRetrySeconds: 300,
};

/** The wait after the `looks`-th look that found nobody: doubling from `retrySeconds`, capped. */
export function retryDelaySeconds(policy: RoutingPolicy, looks: number): number {
  const cap = policy.maxRetrySeconds ?? DEFAULT_POLICY.maxRetrySeconds!;
  return Math.min(policy.retrySeconds * 2 ** Math.min(Math.max(looks - 1, 0), 30), Math.max(cap, policy.retrySeconds));
}

/** The strictest SLA that applies: a HOT VIP gets the HOT minutes, a COLD VIP the VIP minutes. */
export function slaMinutesFor(policy: RoutingPolicy, temperature: Temperature, isVip: boolean): number {
  const byTemperature = policy.slaMinutes[temperature];
  return isVip ? Math.min(byTemperature, policy.slaMinutes.VIP) : byTemperature;
}
