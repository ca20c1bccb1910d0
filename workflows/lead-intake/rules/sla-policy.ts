// SLA settings (roadmap 4.4 B "100 % lead assignment within 2 minutes", 4.4 C "RESPONSE_TIME: 15
// minutes (vs 2 minutes standard)", 4.1 D "2-minute response time for hot leads"). The
// configuration passes its values in the workflow input; these defaults serve a lead started
// without them. A running lead keeps the policy it was started with: a change of configuration
// (or of these defaults) applies to new leads only.
import type { Temperature } from './lead';

/**
 * Which first-contact SLA a lead gets:
 * - `standard` (the roadmap's reading, the default): every lead STANDARD minutes (2); a VIP, who
 *   waits for a top performer, VIP minutes (15) — a HOT VIP the stricter HOT minutes (2);
 * - `by_temperature` (ours, an option ops switch on: SLA_BY_TEMPERATURE): WARM and COLD leads get
 *   their own longer SLAs (60, 240); the strictest that applies wins.
 */
export type SlaBasis = 'standard' | 'by_temperature';

/** SLA and routing settings, given at start from the configuration (defaults: DEFAULT_POLICY below). */
export interface RoutingPolicy {
  /** STANDARD is absent in leads started before it existed: they ran by temperature. */
  slaMinutes: { HOT: number; WARM: number; COLD: number; VIP: number; STANDARD?: number };
  /** Absent in leads started before the standard SLA: `by_temperature`, as they were started. */
  slaBasis?: SlaBasis;
  /** Breaches before the lead goes to the ops queue instead of the next rep. */
  maxBreaches: number;
  /** How soon a lead nobody can take first looks for a free rep again; each look after waits twice as long… */
  retrySeconds: number;
  /** …up to this (absent in leads started before the backoff: DEFAULT_POLICY's). */
  maxRetrySeconds?: number;
}

export const DEFAULT_POLICY: RoutingPolicy = {
  slaMinutes: { HOT: 2, WARM: 60, COLD: 240, VIP: 15, STANDARD: 2 },
  slaBasis: 'standard',
  maxBreaches: 3,
  retrySeconds: 30,
  maxRetrySeconds: 300,
};

/** The wait after the `looks`-th look that found nobody: doubling from `retrySeconds`, capped. */
export function retryDelaySeconds(policy: RoutingPolicy, looks: number): number {
  const cap = policy.maxRetrySeconds ?? DEFAULT_POLICY.maxRetrySeconds!;
  return Math.min(policy.retrySeconds * 2 ** Math.min(Math.max(looks - 1, 0), 30), Math.max(cap, policy.retrySeconds));
}

/** A lead's first-contact SLA in minutes under `policy` (see SlaBasis). */
export function slaMinutesFor(policy: RoutingPolicy, temperature: Temperature, isVip: boolean): number {
  const m = policy.slaMinutes;
  if ((policy.slaBasis ?? 'by_temperature') === 'by_temperature') {
    // The strictest that applies: a HOT VIP the HOT minutes, a COLD VIP the VIP minutes.
    return isVip ? Math.min(m[temperature], m.VIP) : m[temperature];
  }
  // Standard: a VIP waits for a top performer (VIP minutes) unless HOT (4.1 D: 2 minutes for hot leads).
  if (isVip) return temperature === 'HOT' ? Math.min(m.HOT, m.VIP) : m.VIP;
  const standard = m.STANDARD ?? m.HOT;
  return temperature === 'HOT' ? Math.min(m.HOT, standard) : standard;
}
