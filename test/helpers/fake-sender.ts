// The sending side of workflow tests: the `sendMessage` activity on the messaging queue, recording
// each send at the server's (skipped) time; `answer` may block, defer or fail a request instead, or
// throw (the provider is down: Temporal retries the activity). `abandonMessage` is what the workflow
// calls when it gives a send up (its retries ran out, or it called off a deferred one).
import { Context } from '@temporalio/activity';
import type { AbandonRequest, SendOutcome, SendRequest } from '../../activities/messaging/contract';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface FakeSent {
  at: number;
  /** Days / hours since `start`, to a tenth (the server's clock also runs while a test talks to it). */
  day: number;
  hour: number;
  channel: string;
  key: string;
  kind?: string;
  subject?: string;
  text: string;
  contactId: string;
  leadId?: string;
  workflowId?: string;
}

export function fakeSender(answer: (req: SendRequest, attempt: number) => SendOutcome | undefined = () => undefined) {
  const sent: FakeSent[] = [];
  const asked: string[] = [];
  /** Every send given up, with the server's time. */
  const abandoned: (AbandonRequest & { at: number })[] = [];
  let startedAt = 0;
  return {
    sent,
    /** Every channel asked for, in order, including blocked and deferred requests (and each retry). */
    asked,
    abandoned,
    start: (t: number) => (startedAt = t),
    hours: () => sent.map((s) => s.hour),
    activities: {
      async sendMessage(req: SendRequest): Promise<SendOutcome> {
        const at = Context.current().info.currentAttemptScheduledTimestampMs;
        asked.push(req.channel);
        const special = answer(req, asked.length);
        if (special) return special;
        const round = (unit: number) => Math.round(((at - startedAt) / unit) * 10) / 10;
        sent.push({
          at,
          day: round(DAY),
          hour: round(HOUR),
          channel: req.channel,
          key: req.idempotencyKey,
          kind: req.kind,
          subject: req.subject,
          text: req.text!,
          contactId: req.contactId,
          leadId: req.leadId,
          workflowId: req.workflowId,
        });
        return {
          status: 'sent',
          // UUID-shaped like the gateway's, so the real cadence store can record the touch.
          messageId: `00000000-0000-4000-8000-${String(sent.length).padStart(12, '0')}`,
          providerMessageId: 'p',
          provider: 'fake',
          duplicate: false,
        };
      },
      async abandonMessage(req: AbandonRequest): Promise<SendOutcome> {
        abandoned.push({ ...req, at: Context.current().info.currentAttemptScheduledTimestampMs });
        return {
          status: 'failed',
          reason: req.reason,
          channel: req.channel,
          permanent: req.reason !== 'retries_exhausted',
        };
      },
    },
  };
}
