// When a long-lived workflow's run has grown enough to continue as new. Temporal terminates a run at
// 51,200 events and warns from 10,240. The server also suggests continuing (continueAsNewSuggested)
// once a run passes its configured size, but only a loop that looks sees it, and only on a server
// configured to suggest: each loop asks here, in every wait, and counts its history itself too.
// Each run then stays small however many signals arrive (a duplicate POST, webhook retries).
//
// Why 2,000: a worker that lost the run from its cache replays the whole run inside one workflow
// task, and this SDK replays a signal in about 1.2 ms (a 4,156-event run of duplicate signals: 4.9 s
// alone, 8-10 s on a busy 2-core machine, against the 10 s task timeout). A continue-as-new refused
// because a signal arrived meanwhile is such a replay too.
import { workflowInfo } from '@temporalio/workflow';

/** Events after which a run continues as new on any server. */
export const HISTORY_EVENTS_LIMIT = 2_000;

/** Whether this run should continue as new: Temporal suggests it, or the history reached `limit` events. */
export function historyIsLong(limit = HISTORY_EVENTS_LIMIT): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= limit;
}
