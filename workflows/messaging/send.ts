// How a workflow sends a message: through the gateway activity, waiting durably (a timer, not a
// retry loop) whenever the gateway defers it — quiet hours, a frequency cap — and asking again.
// A deferred message is never dropped by the wait itself, but the caller may call it off while it
// waits (the lead replied, closed, was put on hold…): then nothing is sent when the time comes. A
// blocked or failed one is returned so the caller can pick another channel. A send the provider
// keeps refusing for a day (5xx, 429, the network: retried with backoff) ends `failed`; the
// message is marked so (never sent later) and the caller moves on — no cadence or journey waits
// on one message for ever.
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { createMessagingActivities } from '../../activities/messaging/activities';
import type { SendOutcome, SendRequest } from '../../activities/messaging/contract';
import { mainTaskQueueOf, messagingTaskQueue } from '../../temporal/task-queues';

type MessagingActivities = ReturnType<typeof createMessagingActivities>;

/** Before BOUNDED_PATCH: retried without end (histories recorded then replay this way). */
const sendOn = (taskQueue: string) =>
  proxyActivities<MessagingActivities>({
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

/** How long one ask of the gateway may take, its queue wait and every retry together, before it is given up. */
export const SEND_GIVE_UP_AFTER = '1 day';

const boundedOn = (taskQueue: string) =>
  proxyActivities<MessagingActivities>({
    taskQueue,
    scheduleToStartTimeout: '1 day',
    startToCloseTimeout: '1 minute',
    scheduleToCloseTimeout: SEND_GIVE_UP_AFTER,
    retry: {
      initialInterval: '2 seconds',
      backoffCoefficient: 2,
      maximumInterval: '10 minutes',
      nonRetryableErrorTypes: ['InvalidMessage', 'TemplateError'],
    },
  });

/** Giving a send up touches only our database: retried until it answers (never bounded). */
const abandonOn = (taskQueue: string) =>
  proxyActivities<MessagingActivities>({
    taskQueue,
    scheduleToStartTimeout: '1 day',
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
  }).abandonMessage;

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
/**
 * Runs that began a send before sends were bounded retry it without end; from this patch on a send
 * ends `failed` after SEND_GIVE_UP_AFTER. Old runs are gone when no open workflow's history has a
 * sendMessage scheduled without the `send-retries-bounded` marker before it (cadences continue as
 * new every few touches, journeys every quarter).
 */
const BOUNDED_PATCH = 'send-retries-bounded';

/** Why the activity gave up, as the failed outcome's reason. */
function givenUpBecause(err: ActivityFailure): string {
  const cause = err.cause;
  if (cause instanceof ApplicationFailure && cause.nonRetryable)
    return cause.type === 'TemplateError' ? 'template_error' : 'invalid_message';
  return 'retries_exhausted'; // the bound passed: retries, or a day waiting in the queue
}

export async function sendMessage(request: SendRequest, options: SendOptions = {}): Promise<Delivered | CalledOff> {
  // A lead on the routing queue sends through the main queue's gateway workers, like everyone else.
  const queue = messagingTaskQueue(mainTaskQueueOf(workflowInfo().taskQueue));
  // Decided once per send: a send begun on the unbounded path replays on it to its end.
  const bounded = patched(BOUNDED_PATCH);
  const activities = boundedOn(queue);
  const sendOnce = bounded ? activities.sendMessage : sendOn(queue);
  /** The message, if recorded, marked failed: no later attempt sends it. What became of it. */
  const giveUp = async (reason: string): Promise<Delivered> => {
    const settled = await abandonOn(queue)({
      idempotencyKey: request.idempotencyKey,
      channel: request.channel,
      reason,
    });
    if (settled.status === 'failed' && reason !== 'called_off')
      log.warn('message given up', { idempotencyKey: request.idempotencyKey, channel: request.channel, reason });
    return settled as Delivered;
  };
  for (;;) {
    let outcome: SendOutcome;
    try {
      outcome = await sendOnce(request);
    } catch (err) {
      if (!bounded || !(err instanceof ActivityFailure) || isCancellation(err)) throw err;
      return giveUp(givenUpBecause(err));
    }
    if (outcome.status !== 'deferred') return outcome;
    options.onDeferred?.(outcome.notBefore, outcome.reason);
    const waitMs = Math.max(1000, Date.parse(outcome.notBefore) - Date.now());
    const { calledOff } = options;
    if (calledOff && patched(CALL_OFF_PATCH)) {
      if (await condition(() => calledOff() !== undefined, waitMs)) {
        const reason = calledOff()!;
        // Deferred on a retry, a message may be recorded already: marked, so nothing sends it later.
        if (bounded) {
          const settled = await giveUp('called_off');
          if (settled.status === 'sent') return settled; // an earlier attempt had reached the provider
        }
        return { status: 'called_off', reason };
      }
    } else {
      await sleep(waitMs);
    }
  }
}
