// The gateway as an activity: every workflow sends through this one (see workflows/messaging/send.ts).
import { ApplicationFailure, Context } from '@temporalio/activity';
import { z } from 'zod';
import { CHANNELS, PLANS, type SendOutcome, type SendRequest } from './contract';
import type { createGateway } from './gateway';
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

export function createMessagingActivities({ gateway }: { gateway: ReturnType<typeof createGateway> }) {
  return {
    /** Sent, blocked (the caller picks another channel) or deferred (the caller waits, then asks again). */
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
        return await gateway.send(parsed.data, at);
      } catch (err) {
        // A template that cannot render will not render on a retry either.
        if (err instanceof TemplateError)
          throw ApplicationFailure.create({ type: 'TemplateError', message: err.message, nonRetryable: true });
        throw err;
      }
    },
  };
}
