// Starting workflows from the outside: ids, search attributes and summaries set in one place.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { queueJourneySignal, signalTo } from '../db/repositories/workflow-signals';
import type { Database, Lead } from '../db/schema';
import type { leadIntake, modelRetrain } from '../workflows';
import type { JourneyInput } from '../workflows/journey/types';
import { newLeadSignal } from '../workflows/journey/messages';
import type { ModelRetrainInput } from '../workflows/model-retrain/types';
import type { LeadIntakeInput } from '../workflows/lead-intake/types';
import type { LeadSource } from '../workflows/lead-intake/rules/lead';
import type { RoutingPolicy } from '../workflows/lead-intake/rules/sla-policy';
import { CustomerId, LeadId, LeadSource as LeadSourceKey, Stage, Territory } from '../temporal/search-attributes';
import { startsEagerly } from '../temporal/client';
import { routingTaskQueue } from '../temporal/task-queues';
import { journeyWorkflowId, leadWorkflowId, retrainWorkflowId } from '../temporal/workflow-ids';

/**
 * Starts `lead-<id>` once. Safe to call again for the same lead (a retried POST, or a start that
 * failed after the lead was stored): a running workflow is reused, a closed one is left closed.
 * The customer's journey is not started here: queue it first (queueJourneyOf), so a lead whose
 * workflow started always has its journey owed.
 */
export async function startLeadIntake(
  client: Client,
  taskQueue: string,
  lead: Lead,
  policy?: RoutingPolicy,
): Promise<string> {
  const workflowId = leadWorkflowId(lead.id);
  const input: LeadIntakeInput = {
    leadId: lead.id,
    source: lead.source as LeadSource,
    zip: lead.zip,
    city: lead.city,
    property: lead.property,
    signals: lead.signals,
    policy,
  };
  try {
    await client.workflow.start<typeof leadIntake>('leadIntake', {
      workflowId,
      taskQueue: routingTaskQueue(taskQueue),
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      // In `make start` the lead's first task (assessment and assignment) runs on this process's
      // worker straight from the start's reply: no queue, no poll (docs/benchmarks.md).
      requestEagerStart: startsEagerly(client),
      typedSearchAttributes: [
        { key: LeadId, value: lead.id },
        { key: LeadSourceKey, value: lead.source },
        { key: Stage, value: 'new' },
        { key: Territory, value: lead.city },
      ],
      staticSummary: `Lead intake · ${lead.source} · ${lead.city} ${lead.zip}`,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return workflowId;
}

/** The source under which a lead's journey signal is queued (what its POST delivers at once). */
export const journeySourceOf = (leadId: string): string => `lead:${leadId}`;

/**
 * What a lead owes the customer's journey (`journey-<contactId>`, roadmap 7.1 C), queued in the
 * signal outbox and delivered after: the customer's first lead starts the journey (signal-with-
 * start), a later lead is told to it (`newLead`). A journey that has ended — the customer deleted,
 * or ended by ops — is never started again: the later lead's signal finds no running journey and is
 * dropped, and the lead goes through intake and its cadence without one (docs/cadences.md). Safe to
 * call again for the same lead.
 */
export async function queueJourneyOf(
  db: Kysely<Database>,
  taskQueue: string,
  lead: Pick<Lead, 'id' | 'contact_id'>,
): Promise<void> {
  const input: JourneyInput = { customerId: lead.contact_id, leadId: lead.id };
  await queueJourneySignal(
    db,
    { source: journeySourceOf(lead.id), contactId: lead.contact_id },
    {
      ...signalTo(journeyWorkflowId(lead.contact_id), newLeadSignal, { leadId: lead.id }),
      start: {
        workflowType: 'customerJourney',
        taskQueue,
        args: [input],
        searchAttributes: { [CustomerId.name]: lead.contact_id, [Stage.name]: 'journey_lead' },
        staticSummary: 'Customer journey',
      },
    },
  );
}

/** Starts one retrain; the same run key (an Idempotency-Key) reuses the run it started before. */
export async function startModelRetrain(
  client: Client,
  taskQueue: string,
  runKey: string,
  input: ModelRetrainInput,
): Promise<{ workflowId: string; started: boolean }> {
  const workflowId = retrainWorkflowId(runKey);
  try {
    await client.workflow.start<typeof modelRetrain>('modelRetrain', {
      workflowId,
      taskQueue,
      args: [input],
      // Any earlier run with this id, open or closed, is the answer to a repeated request.
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [{ key: Stage, value: 'starting' }],
      staticSummary: `Model retrain · ${input.trigger}`,
    });
    return { workflowId, started: true };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return { workflowId, started: false };
  }
}
