// Starting workflows from the outside: ids, search attributes and summaries set in one place.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Lead } from '../db/schema';
import type { customerJourney, leadIntake, modelRetrain } from '../workflows';
import { newLeadSignal } from '../workflows/journey/messages';
import type { ModelRetrainInput } from '../workflows/model-retrain/types';
import type { LeadIntakeInput } from '../workflows/lead-intake/types';
import type { LeadSource } from '../workflows/lead-intake/rules/lead';
import type { RoutingPolicy } from '../workflows/lead-intake/rules/sla-policy';
import { CustomerId, LeadId, LeadSource as LeadSourceKey, Stage, Territory } from '../temporal/search-attributes';
import { routingTaskQueue } from '../temporal/task-queues';
import { journeyWorkflowId, leadWorkflowId, retrainWorkflowId } from '../temporal/workflow-ids';

/**
 * Starts `lead-<id>` once. Safe to call again for the same lead (a retried POST, or a start that
 * failed after the lead was stored): a running workflow is reused, a closed one is left closed.
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
  await startJourney(client, taskQueue, lead);
  return workflowId;
}

/**
 * The customer's journey (`journey-<contactId>`, roadmap 7.1 C) begins with their first lead; a
 * returning customer's later lead is told to the journey that is already running.
 */
export async function startJourney(
  client: Client,
  taskQueue: string,
  lead: Pick<Lead, 'id' | 'contact_id'>,
): Promise<void> {
  await client.workflow.signalWithStart<typeof customerJourney, [{ leadId: string }]>('customerJourney', {
    workflowId: journeyWorkflowId(lead.contact_id),
    taskQueue,
    args: [{ customerId: lead.contact_id, leadId: lead.id }],
    signal: newLeadSignal,
    signalArgs: [{ leadId: lead.id }],
    typedSearchAttributes: [
      { key: CustomerId, value: lead.contact_id },
      { key: Stage, value: 'journey_lead' },
    ],
    staticSummary: 'Customer journey',
  });
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
