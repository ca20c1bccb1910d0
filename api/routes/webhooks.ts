// Provider webhooks (roadmap 4.3, 7.1 A): Twilio inbound SMS and delivery status, SendGrid events.
// Each request is verified with the provider's own scheme before anything is read — a forged or
// missing signature is a 401 that changes nothing — then each event is stored once and applied in
// one transaction (a redelivery is ignored; a failure rolls both back and answers 5xx, so the
// provider's retry applies it), and signalled to the workflow that sent the message through the
// signal outbox: queued in that transaction, delivered after commit.
import express, { Router, type Request } from 'express';
import type { Client } from '@temporalio/client';
import { EventWebhook } from '@sendgrid/eventwebhook';
import type { Kysely } from 'kysely';
import twilio from 'twilio';
import type { WebhookSecrets } from '../../config/dev-secrets';
import { EMAIL_EVENTS, handleEmailEvent, handleInboundSms } from '../inbound/recipient-events';
import { recordInteraction } from '../../db/repositories/interactions';
import { householdCadences, markTouchEngagement, runningCadenceOf } from '../../db/repositories/cadences';
import {
  bindProviderMessageId,
  findMessageForEvent,
  firstArrivalOf,
  recordWebhookEvent,
  updateMessageStatus,
} from '../../db/repositories/messages';
import { queueWorkflowSignals, signalTo, type OwedSignal } from '../../db/repositories/workflow-signals';
import type { Database } from '../../db/schema';
import { householdReplySignal } from '../../workflows/cadence/messages';
import { messageEventSignal, type MessageEvent } from '../../workflows/messaging/messages';
import type { Logger } from '../../config/logger';
import { ProblemError } from '../problem';
import { deliverNow } from '../workflow-signal-relay';

export interface WebhookDeps {
  db: Kysely<Database>;
  client: Client;
  logger: Logger;
  secrets: WebhookSecrets;
  /** The URL Twilio called, as it signed it (PUBLIC_BASE_URL + path). */
  publicBaseUrl: string;
  /** How far a SendGrid signature's timestamp may be from now (SENDGRID_WEBHOOK_MAX_AGE_SECONDS); default 300. */
  sendgridMaxAgeSeconds?: number;
  /** The deadline of each Temporal call (TEMPORAL_CALL_TIMEOUT_MS). */
  temporalTimeoutMs: number;
}

const unsigned = () => new ProblemError(401, 'Invalid signature', 'the request is not signed by the provider');
const stale = (maxAge: number) =>
  new ProblemError(
    401,
    'Stale signature',
    `the signed timestamp is more than ${maxAge} s away from now: a replayed or delayed request is not applied`,
  );
const TWILIO_STATUS: Record<string, MessageEvent | undefined> = {
  delivered: 'delivered',
  undelivered: 'failed',
  failed: 'failed',
};
const SENDGRID_EVENT: Record<string, MessageEvent | undefined> = {
  delivered: 'delivered',
  open: 'opened',
  click: 'clicked',
  bounce: 'bounced',
  dropped: 'bounced',
  spamreport: 'spam_report',
  unsubscribe: 'unsubscribed',
  group_unsubscribe: 'unsubscribed',
};

export function webhookRoutes(deps: WebhookDeps): Router {
  const { db, client, logger, secrets } = deps;
  // The path Twilio called is appended to it: one slash between them (config/env.ts normalises it too).
  const publicBaseUrl = deps.publicBaseUrl.replace(/\/+$/, '');
  const router = Router();
  const sendgrid = new EventWebhook();
  const sendgridKey = sendgrid.convertPublicKeyToECDSA(secrets.sendgridPublicKeyPem);

  function verifyTwilio(req: Request): Record<string, string> {
    const signature = req.header('X-Twilio-Signature');
    const params = (req.body ?? {}) as Record<string, string>;
    if (
      !signature ||
      !twilio.validateRequest(secrets.twilioAuthToken, signature, `${publicBaseUrl}${req.originalUrl}`, params)
    )
      throw unsigned();
    return params;
  }

  type Sent = { id: string; workflow_id: string | null; channel: string };
  type WebhookEvent = Parameters<typeof recordWebhookEvent>[1];
  /** What one event changes, inside its transaction; `tell` queues a signal for after commit. */
  type Apply<T> = (tx: Kysely<Database>, tell: Tell) => Promise<T>;
  type Tell = (owed: OwedSignal) => Promise<void>;

  /**
   * Records the event and applies it in one transaction: a failure anywhere rolls both back and
   * answers 5xx, so the provider's retry finds the event unseen and applies it — once, because
   * the event's row commits with its changes. The signals it owes are written in that transaction
   * too (the signal outbox) and delivered after commit; any Temporal did not take stay owed for the
   * relay (api/workflow-signal-relay.ts). `fresh: false`: a redelivery, nothing changed.
   */
  async function recordAndApply<T>(
    event: WebhookEvent,
    apply: Apply<T>,
  ): Promise<{ fresh: true; value: T } | { fresh: false }> {
    const source = `webhook:${event.provider}:${event.eventId}`;
    const outcome = await db.transaction().execute(async (tx) => {
      if (!(await recordWebhookEvent(tx, event))) return { fresh: false } as const;
      const tell: Tell = async (owed) => {
        await queueWorkflowSignals(tx, source, [owed]);
      };
      return { fresh: true, value: await apply(tx, tell) } as const;
    });
    // Also for a redelivery: signals a crashed or refused earlier delivery left owed go now.
    await deliverNow({ db, client, logger, timeoutMs: deps.temporalTimeoutMs }, source);
    return outcome;
  }

  /** Tells the sending workflow what happened to its message, and marks what a cadence touch earned. */
  async function tellSender(
    tx: Kysely<Database>,
    tell: Tell,
    message: Sent | undefined,
    event: MessageEvent,
    detail?: string,
    until?: string,
  ): Promise<void> {
    if (!message) return;
    // What a cadence touch earned, for the A/B report (no row: not a cadence message).
    if (event === 'opened' || event === 'clicked' || event === 'replied')
      await markTouchEngagement(tx, message.id, event);
    if (!message.workflow_id) return;
    await tell(
      signalTo(message.workflow_id, messageEventSignal, {
        messageId: message.id,
        channel: message.channel,
        event,
        at: new Date().toISOString(),
        detail,
        until,
      }),
    );
  }

  /**
   * A real reply hands over the person's own cadence (even when it answered another workflow's
   * message, a journey's) and the cadences of the others at the same address.
   */
  async function tellCadences(
    tx: Kysely<Database>,
    tell: Tell,
    contactId: string,
    answered: Sent | undefined,
    body: string,
  ): Promise<void> {
    const own = await runningCadenceOf(tx, contactId);
    if (own && own !== answered?.workflow_id) {
      await tell(
        signalTo(own, messageEventSignal, {
          messageId: answered?.id ?? '',
          channel: 'sms',
          event: 'replied',
          at: new Date().toISOString(),
          detail: body,
        }),
      );
    }
    for (const workflowId of await householdCadences(tx, contactId))
      await tell(signalTo(workflowId, householdReplySignal, { fromContactId: contactId }));
  }

  const form = express.urlencoded({ extended: false, limit: '64kb' });

  router.post('/twilio/sms', form, async (req, res) => {
    const p = verifyTwilio(req);
    if (!p.MessageSid || !p.From) throw new ProblemError(422, 'Validation failed', 'MessageSid and From are required');
    const body = p.Body ?? '';
    const eventId = `sms:${p.MessageSid}`;
    // Twilio dates no inbound SMS: its first arrival (kept even if applying it fails) stands for
    // when it was sent, so a STOP retried after a later START does not undo the START.
    const at = await firstArrivalOf(db, 'twilio', eventId);
    const outcome = await recordAndApply(
      { provider: 'twilio', eventId, kind: 'inbound_sms', payload: p },
      async (tx, tell) => {
        const result = await handleInboundSms(tx, { from: p.From!, body, providerMessageId: p.MessageSid, at });
        const contact = await tx
          .selectFrom('contacts')
          .select('id')
          .where('phone', '=', p.From!)
          .orderBy('created_at', 'desc')
          .executeTakeFirst();
        if (contact) {
          await recordInteraction(tx, {
            contact_id: contact.id,
            channel: 'sms',
            direction: 'inbound',
            summary: body.slice(0, 140),
            body,
            source_key: `twilio:${p.MessageSid}`,
            occurred_at: new Date(),
          });
        }
        // The reply belongs to the last message we sent to that number.
        const last = await tx
          .selectFrom('messages')
          .select(['id', 'workflow_id', 'channel'])
          .where('to_address', '=', p.From!)
          .where('channel', '=', 'sms')
          .orderBy('created_at', 'desc')
          .executeTakeFirst();
        if (result.action === 'opted_out') await tellSender(tx, tell, last, 'unsubscribed');
        if (result.action === 'auto_reply') await tellSender(tx, tell, last, 'auto_reply', body, result.until);
        if (result.action === 'reply') {
          await tellSender(tx, tell, last, 'replied', body);
          if (contact) await tellCadences(tx, tell, contact.id, last, body);
        }
        return result;
      },
    );
    const twiml = new twilio.twiml.MessagingResponse();
    if (outcome.fresh) {
      if (outcome.value.reply) twiml.message(outcome.value.reply);
      req.log.info({ action: outcome.value.action }, 'inbound sms');
    }
    res.type('text/xml').send(twiml.toString());
  });

  router.post('/twilio/status', form, async (req, res) => {
    const p = verifyTwilio(req);
    if (!p.MessageSid || !p.MessageStatus)
      throw new ProblemError(422, 'Validation failed', 'MessageSid and MessageStatus are required');
    // Our message id rides in the callback URL (`?m=`, set by the adapter): the callback names the
    // record even when the reply to our request was lost, and Twilio's id is bound to it then —
    // a retry finds the message sent instead of asking Twilio or sending it again.
    const ours = typeof req.query.m === 'string' ? req.query.m : undefined;
    const message = await findMessageForEvent(db, { id: ours, providerMessageId: p.MessageSid });
    if (message && ours) {
      const bound = await bindProviderMessageId(db, message.id, p.MessageSid);
      if (bound.other) req.log.warn({ messageId: message.id }, 'provider has the message twice (duplicate send)');
    }
    const event = TWILIO_STATUS[p.MessageStatus];
    await recordAndApply(
      {
        provider: 'twilio',
        eventId: `status:${p.MessageSid}:${p.MessageStatus}`,
        kind: p.MessageStatus,
        messageId: message?.id,
        payload: p,
      },
      async (tx, tell) => {
        if (!message || !event) return;
        await updateMessageStatus(
          tx,
          message.id,
          event === 'delivered' ? 'delivered' : 'failed',
          p.ErrorCode ? `Twilio error ${p.ErrorCode}` : undefined,
        );
        await tellSender(tx, tell, message, event);
      },
    );
    res.status(204).end();
  });

  // SendGrid signs the exact bytes: read them raw, verify, then parse.
  router.post('/sendgrid/events', express.raw({ type: '*/*', limit: '5mb' }), async (req, res) => {
    const signature = req.header('X-Twilio-Email-Event-Webhook-Signature');
    const timestamp = req.header('X-Twilio-Email-Event-Webhook-Timestamp');
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    let valid = false;
    try {
      valid = Boolean(signature && timestamp && sendgrid.verifySignature(sendgridKey, raw, signature, timestamp));
    } catch {
      valid = false; // a malformed signature is a forged one
    }
    if (!valid) throw unsigned();
    // The signature covers the timestamp: a correctly signed but old request is a replay (and one
    // from the future a forged clock). SendGrid's Event Webhook security guide:
    // https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features
    const maxAge = deps.sendgridMaxAgeSeconds ?? 300;
    const signedAt = Number(timestamp);
    if (!/^\d{1,12}$/.test(timestamp ?? '') || Math.abs(Date.now() / 1000 - signedAt) > maxAge) throw stale(maxAge);
    let events: Record<string, unknown>[];
    try {
      events = JSON.parse(raw) as Record<string, unknown>[];
      if (!Array.isArray(events)) throw new Error('not an array');
    } catch {
      throw new ProblemError(400, 'Malformed JSON', 'SendGrid events are a JSON array');
    }
    // One transaction per event: a failure answers 5xx after the events before it committed, and
    // SendGrid's retry of the whole batch skips those as redeliveries and applies the rest.
    let applied = 0;
    for (const e of events) {
      const eventId = typeof e.sg_event_id === 'string' ? e.sg_event_id : undefined;
      const kind = typeof e.event === 'string' ? e.event : undefined;
      if (!eventId || !kind) continue;
      const message = await findMessageForEvent(db, {
        id: typeof e.message_id === 'string' ? e.message_id : undefined,
        providerMessageId: typeof e.sg_message_id === 'string' ? e.sg_message_id.split('.')[0] : undefined,
      });
      const outcome = await recordAndApply(
        { provider: 'sendgrid', eventId, kind, messageId: message?.id, payload: e },
        async (tx, tell) => {
          // SendGrid takes no idempotency key: a retry after a lost reply can send the email twice. Both
          // copies carry our message id (custom arg); a second SendGrid id for it is that duplicate.
          const sgId = typeof e.sg_message_id === 'string' ? e.sg_message_id.split('.')[0] : undefined;
          if (
            message?.provider_message_id &&
            sgId &&
            typeof e.message_id === 'string' &&
            sgId !== message.provider_message_id
          )
            req.log.warn({ messageId: message.id, event: kind }, 'provider has the message twice (duplicate send)');
          if ((EMAIL_EVENTS as readonly string[]).includes(kind) && typeof e.email === 'string') {
            await handleEmailEvent(tx, {
              email: e.email,
              event: kind as (typeof EMAIL_EVENTS)[number],
              reason: typeof e.reason === 'string' ? e.reason : undefined,
              providerEventId: eventId,
              // SendGrid dates each event (Unix seconds): the consent follows the events' order.
              at: typeof e.timestamp === 'number' ? new Date(e.timestamp * 1000) : undefined,
            });
          }
          const event = SENDGRID_EVENT[kind];
          if (message && event) {
            if (event === 'delivered' || event === 'bounced')
              await updateMessageStatus(
                tx,
                message.id,
                event === 'delivered' ? 'delivered' : 'failed',
                typeof e.reason === 'string' ? e.reason : undefined,
              );
            await tellSender(tx, tell, message, event, typeof e.url === 'string' ? e.url : undefined);
          }
        },
      );
      if (outcome.fresh) applied += 1;
    }
    req.log.info({ received: events.length, applied }, 'sendgrid events');
    res.status(204).end();
  });

  return router;
}
