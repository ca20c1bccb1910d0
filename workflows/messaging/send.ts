// How a workflow sends a message: through the gateway activity, waiting durably (a timer, not a
// retry loop) whenever the gateway defers it — quiet hours, a frequency cap — and asking again.
// A deferred message is never dropped by the wait itself, but the caller may call it off while it
// waits (the lead replied, closed, was put on hold…): then nothing is sent when the time comes. A
// blocked one is returned so the caller can pick another channel.
import { condition, patched, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
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
/** A deferred message the caller no longer wanted when its time came: nothing was sent. */
export type CalledOff = { status: 'called_off'; reason: string };

export interface SendOptions {
  /** Told each time the gateway defers the message: until when, and why. */
  onDeferred?: (until: string, reason: string) => void;
  /** Asked while a deferred message waits: a reason means the caller no longer wants it sent. */
  calledOff?: () => string | undefined;
}

/** Runs that recorded a deferral before this existed slept it out: their histories replay that way. */
const CALL_OFF_PATCH = 'deferred-send-call-off';

export async function sendMessage(request: SendRequest, options: SendOptions = {}): Promise<Delivered | CalledOff> {
  const sendOnce = sendOn(messagingTaskQueue(workflowInfo().taskQueue));
  for (;;) {
    const outcome = await sendOnce(request);
    if (outcome.status !== 'deferred') return outcome;
    options.onDeferred?.(outcome.notBefore, outcome.reason);
    const waitMs = Math.max(1000, Date.parse(outcome.notBefore) - Date.now());
    const { calledOff } = options;
    if (calledOff && patched(CALL_OFF_PATCH)) {
      if (await condition(() => calledOff() !== undefined, waitMs))
        return { status: 'called_off', reason: calledOff()! };
    } else {
      await sleep(waitMs);
    }
  }
}
