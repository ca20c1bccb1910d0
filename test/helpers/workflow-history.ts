// Reading a workflow's history in tests: the size of each run of a continue-as-new chain, and
// whether the current run has a workflow task pending.
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The event count of each run of a workflow, first to last, following its continue-as-new chain. */
export async function runLengths(client: Client, workflowId: string, firstRunId: string): Promise<number[]> {
  const lengths: number[] = [];
  for (let runId: string | undefined = firstRunId; runId;) {
    const events: HistoryEvent[] = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    lengths.push(events.length);
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return lengths;
}

/**
 * Whether the workflow's current run has no workflow task pending: its last workflow-task event is
 * a completion. (The time-skipping server does not report the pending task in `describe`.)
 */
export async function taskSettled(handle: WorkflowHandle): Promise<boolean> {
  const events: HistoryEvent[] = (await handle.fetchHistory()).events ?? [];
  const lastTask = [...events]
    .reverse()
    .find(
      (e) =>
        e.workflowTaskScheduledEventAttributes ||
        e.workflowTaskStartedEventAttributes ||
        e.workflowTaskCompletedEventAttributes ||
        e.workflowTaskFailedEventAttributes ||
        e.workflowTaskTimedOutEventAttributes,
    );
  return Boolean(lastTask?.workflowTaskCompletedEventAttributes);
}
