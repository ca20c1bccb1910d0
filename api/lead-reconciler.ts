// No lead is lost: a lead stored while Temporal was unreachable (or whose POST died between the
// insert and the start) gets its workflow started here, once a minute, by the API process (one
// replica at a time: a session advisory lock), and its journey owed (the signal relay delivers it).
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Logger } from '../config/logger';
import { leadsAwaitingWorkflow, markWorkflowStarted } from '../db/repositories/leads';
import type { Database } from '../db/schema';
import type { RoutingPolicy } from '../workflows/lead-intake/rules/sla-policy';
import { withSessionLock } from '../db/session-lock';
import { runEvery } from './run-every';
import { queueJourneyOf, startLeadIntake } from './start-workflows';

/** Leads younger than this may still be inside their own POST request. */
const GRACE_MS = 30_000;

export async function reconcileLeadWorkflows(
  deps: { db: Kysely<Database>; client: Client; taskQueue: string; logger: Logger; routingPolicy?: RoutingPolicy },
  graceMs = GRACE_MS,
): Promise<number> {
  const leads = await leadsAwaitingWorkflow(deps.db, graceMs);
  for (const lead of leads) {
    await queueJourneyOf(deps.db, deps.taskQueue, lead); // a no-op when its POST queued it
    // startLeadIntake reuses a running workflow, so a start the POST did make is not repeated.
    await startLeadIntake(deps.client, deps.taskQueue, lead, deps.routingPolicy);
    await markWorkflowStarted(deps.db, lead.id);
    deps.logger.info({ leadId: lead.id, workflowId: lead.workflow_id }, 'started a missing lead workflow');
  }
  return leads.length;
}

export function startLeadReconciler(deps: Parameters<typeof reconcileLeadWorkflows>[0], everyMs = 60_000): () => void {
  return runEvery(
    everyMs,
    () => withSessionLock(deps.db, 'lead-reconciler', (conn) => reconcileLeadWorkflows({ ...deps, db: conn })),
    (err) => deps.logger.warn({ err: err.message }, 'lead reconciliation failed; retrying next round'),
  );
}
