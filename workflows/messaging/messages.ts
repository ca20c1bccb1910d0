// What happened to a message a workflow sent, as the providers' webhooks report it.
import { defineSignal } from '@temporalio/workflow';

export const MESSAGE_EVENTS = ['delivered', 'failed', 'opened', 'clicked', 'replied', 'bounced', 'unsubscribed', 'spam_report'] as const;
export type MessageEvent = (typeof MESSAGE_EVENTS)[number];

/** Sent to the workflow that sent the message (its `workflow_id`), so a cadence can react. */
export const messageEventSignal = defineSignal<[{ messageId: string; channel: string; event: MessageEvent; at: string; detail?: string }]>('messageEvent');
