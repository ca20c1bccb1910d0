// How a workflow sends a message: through the gateway activity, waiting durably (a timer, not a
// retry loop) whenever the gateway defers it — quiet hours, a frequency cap — and asking again.
// A deferred message is never dropped; a blocked one is returned so the caller can pick another
// channel.
import { proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { createMessagingActivities } from '../../activities/messaging/activities';
import type { SendOutcome, SendRequest } from '../../activities/messaging/contract';

import { messagingTaskQueue } from '../../temporal/task-queues';

const sendOn = (taskQueue: string) =>
  proxyActivities<ReturnType<typeof createMessagingActivities>>({
    taskQueue,
    // Waiting in the rate-limited queue is not working: only the send itself is timed.
    scheduleToStartTimeout: '1 day',
    startToCloseTimeout: '1 minute',
    retry: {
      initialInterval: '2 seconds',
      maximumInterval: '1 minute',
      nonRetryableErrorTypes: ['InvalidMessage', 'TemplateError'],
    },
  }).sendMessage;

export type Delivered = Exclude<SendOutcome, { status: 'deferred' }>;

export async function sendMessage(
  request: SendRequest,
  onDeferred?: (until: string, reason: string) => void,
): Promise<Delivered> {
  const sendOnce = sendOn(messagingTaskQueue(workflowInfo().taskQueue));
  for (;;) {
    const outcome = await sendOnce(request);
    if (outcome.status !== 'deferred') return outcome;
    onDeferred?.(outcome.notBefore, outcome.reason);
    await sleep(Math.max(1000, Date.parse(outcome.notBefore) - Date.now()));
  }
}
