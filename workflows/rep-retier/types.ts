// The re-tiering's contract with its starters (the monthly Schedule, tests). Pure data.
import type { RetierPolicy, TierChange } from './rules/tiers';

export interface RepRetierInput {
  trigger: 'schedule' | 'test';
  /** Default: DEFAULT_RETIER_POLICY. */
  policy?: RetierPolicy;
}

export interface RepRetierResult {
  runId: string;
  /** The day the run judged (UTC, the workflow's clock at its start). */
  asOf: string;
  changes: TierChange[];
}
