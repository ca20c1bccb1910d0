// The gateway as an activity: every workflow sends through this one (see workflows/messaging/send.ts).
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { z } from 'zod';
import { CHANNELS, PLANS, type AbandonRequest, type SendOutcome, type SendRequest } from './contract';
import type { createGateway } from './gateway';
import { ProviderError } from './providers/errors';
import { TemplateError } from './templates';

const sendRequestSchema = z
  .strictObject({
    idempotencyKey: z.string().min(8).max(300),
    workflowId: z.string().max(300).optional(),
    contactId: z.uuid(),
    leadId: z.uuid().optional(),
    channel: z.enum(CHANNELS),
    kind: z.enum(['marketing', 'transactional']).optional(),
    plan: z.enum(PLANS).optional(),
    subject: z.string().max(300).optional(),
    text: z.string().min(1).max(20_000).optional(),
    html: z.string().max(200_000).optional(),
    personalise: z.boolean().optional(),
    template: z
      .strictObject({
        name: z.string().min(1).max(100),
        version: z.number().int().min(1).optional(),
        variables: z.record(z.string(), z.unknown()),
      })
      .optional(),
  })
  .refine((r) => (r.text === undefined) !== (r.template === undefined), {
    path: ['text'],
    message: 'give either text or a template, not both',
  });

const abandonRequestSchema = z.strictObject({
  idempotencyKey: z.string().min(8).max(300),
  channel: z.enum(CHANNELS),
  reason: z.string().min(1).max(100),
});

export function createMessagingActivities({ gateway }: { gateway: ReturnType<typeof createGateway> }) {
  return {
    /**
     * Sent, blocked or failed (the caller picks another channel), or deferred (the caller waits,
     * then asks again). Thrown, to be retried: the provider's transient trouble.
     */
    async sendMessage(request: SendRequest): Promise<SendOutcome> {
      const parsed = sendRequestSchema.safeParse(request);
      if (!parsed.success) {
        const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
        throw ApplicationFailure.create({
          type: 'InvalidMessage',
          message: `invalid message — ${fields.join('; ')}`,
          nonRetryable: true,
        });
      }
      // The later of the server's schedule time and the clock: real time in production, the
      // skipped time in time-skipping tests, and never earlier than when the attempt was scheduled.
      const at = new Date(Math.max(Date.now(), Context.current().info.currentAttemptScheduledTimestampMs));
      try {
        const outcome = await gateway.send(parsed.data, at);
        // Reported with ids and reasons only: no address, no text (logs are not for personal data).
        if (outcome.status === 'failed')
          log.warn('message failed', {
            messageId: outcome.messageId,
            channel: outcome.channel,
            reason: outcome.reason,
          });
        else if (outcome.status === 'blocked' && outcome.messageId)
          log.info('recorded message blocked', { messageId: outcome.messageId, reason: outcome.reason });
        return outcome;
      } catch (err) {
        // A template that cannot render will not render on a retry either.
        if (err instanceof TemplateError)
          throw ApplicationFailure.create({ type: 'TemplateError', message: err.message, nonRetryable: true });
        // The provider may take it later (5xx, 429, the network): retried with backoff, within the
        // send's bound (workflows/messaging/send.ts). The message names codes only.
        if (err instanceof ProviderError) {
          log.warn('provider error, to be retried', {
            messageId: err.messageId,
            provider: err.provider,
            reason: err.reason,
            detail: err.detail,
          });
          throw ApplicationFailure.create({ type: 'ProviderError', message: err.message, details: [err.reason] });
        }
        throw err;
      }
    },

    /**
     * The workflow gives a send up — its retries ran out, or it called off a deferred one: the
     * message, if recorded, is marked failed so nothing sends it later. Answers what became of it
     * (sent after all, when an earlier attempt's lost reply turns out to have reached the provider).
     */
    async abandonMessage(request: AbandonRequest): Promise<SendOutcome> {
      const parsed = abandonRequestSchema.safeParse(request);
      if (!parsed.success)
        throw ApplicationFailure.create({
          type: 'InvalidMessage',
          message: 'invalid abandon request',
          nonRetryable: true,
        });
      const at = new Date(Math.max(Date.now(), Context.current().info.currentAttemptScheduledTimestampMs));
      const outcome = await gateway.abandon(parsed.data, at);
      if (outcome.status === 'sent') log.info('message given up had been sent', { messageId: outcome.messageId });
      else if (outcome.status === 'failed' && parsed.data.reason !== 'called_off')
        log.warn('message given up', {
          messageId: outcome.messageId,
          channel: outcome.channel,
          reason: outcome.reason,
        });
      else if (outcome.status === 'failed' && outcome.messageId)
        log.info('deferred message called off', { messageId: outcome.messageId });
      return outcome;
    },
  };
}
