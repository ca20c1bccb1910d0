// repRetier — the monthly re-tiering of the sales team (roadmap 4.4 B "Auto-adjust based on monthly
// performance"), started by the `rep-retier-monthly` Schedule: one activity reads each rep's own
// closes of the last month, re-tiers them (rules/tiers.ts) and writes a row per change, all in one
// transaction keyed by the run's workflow id, so a retried activity changes nothing twice.
import { proxyActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { createRetierActivities } from '../../activities/rep-retier';
import { DEFAULT_RETIER_POLICY } from './rules/tiers';
import type { RepRetierInput, RepRetierResult } from './types';

const { retierReps } = proxyActivities<ReturnType<typeof createRetierActivities>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes', maximumAttempts: 20 },
});

export async function repRetier(input: RepRetierInput): Promise<RepRetierResult> {
  const runId = workflowInfo().workflowId;
  // The workflow's clock: the same day on replay and on every retry.
  const asOf = new Date().toISOString();
  setCurrentDetails(`Rep re-tiering · ${input.trigger} · ${asOf.slice(0, 10)}`);
  const changes = await retierReps({ runId, asOf, policy: input.policy ?? DEFAULT_RETIER_POLICY });
  setCurrentDetails(`Rep re-tiering · ${input.trigger} · ${asOf.slice(0, 10)} · ${changes.length} changes`);
  return { runId, asOf, changes };
}
