// No lead is lost: a lead stored while Temporal was unreachable (or whose POST died between the
// insert and the start) gets its workflow started here, once a minute, by the API process.
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Logger } from '../config/logger';
import { leadsAwaitingWorkflow, markWorkflowStarted } from '../db/repositories/leads';
import type { Database } from '../db/schema';
import type { RoutingPolicy } from '../workflows/lead-intake/rules/sla-policy';
import { runEvery } from './run-every';
import { startLeadIntake } from './start-workflows';

/** Leads younger than this may still be inside their own POST request. */
const GRACE_MS = 30_000;

export async function reconcileLeadWorkflows(
  deps: { db: Kysely<Database>; client: Client; taskQueue: string; logger: Logger; routingPolicy?: RoutingPolicy },
  graceMs = GRACE_MS,
): Promise<number> {
  const leads = await leadsAwaitingWorkflow(deps.db, graceMs);
  for (const lead of leads) {
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
    () => reconcileLeadWorkflows(deps),
    (err) => deps.logger.warn({ err: err.message }, 'lead reconciliation failed; retrying next round'),
  );
}
