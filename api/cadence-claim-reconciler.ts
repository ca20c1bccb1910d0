// A cadence holds its contact (one cadence per contact, then a cooldown) from its claim until its
// end. The workflow releases the claim in every ending it runs code for — the end of its plan,
// a cancellation, a failure —, but a termination, a timeout or a workflow task that can no longer
// run releases nothing. This round, in the API process, finds claims whose workflow is no longer
// running and releases them as of the workflow's close: the contact is free after the cooldown,
// as after any other end. It runs on one API replica at a time (a session advisory lock).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Logger } from '../config/logger';
import { claimsToCheck, endCadence, markClaimChecked } from '../db/repositories/cadences';
import type { Database } from '../db/schema';
import { withSessionLock } from '../db/session-lock';
import { runEvery } from './run-every';

export interface ClaimReconcilerDeps {
  db: Kysely<Database>;
  client: Client;
  logger: Logger;
  /** The deadline of each Temporal call (TEMPORAL_CALL_TIMEOUT_MS). */
  timeoutMs: number;
}

/** Statuses of a closed run (a paused or running one keeps its claim). */
const CLOSED = ['COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT'];

/** Whether the run that made the claim (`<workflowId>/<firstRunId>`) is still running, or when it closed. */
async function runOf(deps: ClaimReconcilerDeps, claim: { id: string; workflow_id: string }) {
  let described;
  try {
    described = await deps.client.withDeadline(Date.now() + deps.timeoutMs, () =>
      deps.client.workflow.getHandle(claim.workflow_id).describe(),
    );
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { closed: 'its workflow is gone', at: new Date() };
    throw err; // Temporal unreachable: the next round looks again
  }
  const chain = described.raw.workflowExecutionInfo?.firstRunId;
  if (chain && claim.id !== `${claim.workflow_id}/${chain}`)
    return { closed: 'its workflow ended; a later run has the id', at: new Date() };
  if (!CLOSED.includes(described.status.name)) return undefined;
  return {
    closed: `its workflow ${described.status.name.toLowerCase()} without releasing it`,
    at: described.closeTime ?? new Date(),
  };
}

/** Releases every claim whose workflow has closed; answers how many. */
export async function releaseClaimsOfClosedCadences(
  deps: ClaimReconcilerDeps,
  opts: { graceMinutes?: number; recheckMinutes?: number } = {},
): Promise<number> {
  let released = 0;
  const seen = new Set<string>();
  for (;;) {
    const claims = (
      await claimsToCheck(deps.db, {
        limit: 100,
        graceMinutes: opts.graceMinutes ?? 5,
        recheckMinutes: opts.recheckMinutes ?? 60,
      })
    ).filter((c) => !seen.has(c.id)); // each claim once per round, whatever the recheck interval
    if (claims.length === 0) return released;
    for (const claim of claims) {
      seen.add(claim.id);
      const run = await runOf(deps, claim);
      if (!run) {
        await markClaimChecked(deps.db, claim.id);
        continue;
      }
      await endCadence(deps.db, {
        id: claim.id,
        reason: `claim released: ${run.closed}`,
        touches: claim.touches,
        at: run.at,
      });
      deps.logger.info({ cadenceId: claim.id, why: run.closed }, 'cadence claim released');
      released += 1;
    }
  }
}

export function startCadenceClaimReconciler(deps: ClaimReconcilerDeps, everyMs = 10 * 60_000): () => void {
  return runEvery(
    everyMs,
    () =>
      withSessionLock(deps.db, 'cadence-claim-reconciler', (conn) =>
        releaseClaimsOfClosedCadences({ ...deps, db: conn }),
      ),
    (err) => deps.logger.warn({ err: err.message }, 'cadence claim reconciliation failed; retrying next round'),
  );
}
