// What happened to a message a workflow sent, as the providers' webhooks report it.
import { defineSignal } from '@temporalio/workflow';

export const MESSAGE_EVENTS = [
  'delivered',
  'failed',
  'opened',
  'clicked',
  'replied',
  'auto_reply',
  'bounced',
  'unsubscribed',
  'spam_report',
] as const;
export type MessageEvent = (typeof MESSAGE_EVENTS)[number];

/**
 * Sent to the workflow that sent the message (its `workflow_id`), so a cadence can react.
 * `auto_reply`: an out-of-office answer; `until` is the stated return (ISO), when one was read.
 */
export const messageEventSignal =
  defineSignal<
    [{ messageId: string; channel: string; event: MessageEvent; at: string; detail?: string; until?: string }]
  >('messageEvent');
