// The hand-off from intake to follow-up (roadmap 4.3 B-C): at first contact, or when no rep can be
// reached (the ops queue), the lead's cadence starts as a child that outlives this workflow; when
// the lead closes, the cadence is told to stop. Behind a patch: leads that were already running
// when this shipped keep their recorded histories.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ParentClosePolicy,
  getExternalWorkflowHandle,
  log,
  patched,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { mainTaskQueueOf } from '../../temporal/task-queues';
import { cadenceWorkflowId } from '../../temporal/workflow-ids';
import { followUpCadence } from '../cadence/workflow';
import { stopCadenceSignal } from '../cadence/messages';
import type { LeadStatus } from './types';

const PATCH = 'follow-up-cadence';

export async function startFollowUp(status: LeadStatus, why: string): Promise<void> {
  if (status.followUp || !patched(PATCH)) return;
  const workflowId = cadenceWorkflowId(status.leadId);
  try {
    await startChild(followUpCadence, {
      workflowId,
      // Cadences live for weeks on the main queue; the routing queue is kept for new leads.
      taskQueue: mainTaskQueueOf(workflowInfo().taskQueue),
      // In the ops queue nobody holds the lead: no rep to pause it with.
      args: [{ leadId: status.leadId, repId: status.stage === 'escalated' ? undefined : status.assignment?.repId }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `Follow-up cadence · ${why}`,
    });
  } catch (err) {
    // Started before (a retried task, ops): one cadence per lead either way.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  status.followUp = { workflowId, startedBecause: why };
}

export async function stopFollowUp(status: LeadStatus, reason: string): Promise<void> {
  if (!status.followUp) return;
  await getExternalWorkflowHandle(status.followUp.workflowId)
    .signal(stopCadenceSignal, { reason })
    .catch((err: unknown) =>
      log.info('cadence not told of the close (already ended)', { err: (err as Error).message }),
    );
}
