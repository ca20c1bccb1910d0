// Provider webhooks (roadmap 4.3, 7.1 A): Twilio inbound SMS and delivery status, SendGrid events.
// Each request is verified with the provider's own scheme before anything is read — a forged or
// missing signature is a 401 that changes nothing — then stored once (a redelivery is ignored),
// applied (consent, message status) and signalled to the workflow that sent the message.
import express, { Router, type Request } from 'express';
import type { Client } from '@temporalio/client';
import { EventWebhook } from '@sendgrid/eventwebhook';
import type { Kysely } from 'kysely';
import twilio from 'twilio';
import type { WebhookSecrets } from '../../config/dev-secrets';
import { EMAIL_EVENTS, handleEmailEvent, handleInboundSms } from '../inbound/recipient-events';
import { recordInteraction } from '../../db/repositories/interactions';
import { householdCadences, markTouchEngagement, runningCadenceOf } from '../../db/repositories/cadences';
import { findMessageForEvent, recordWebhookEvent, updateMessageStatus } from '../../db/repositories/messages';
import type { Database } from '../../db/schema';
import { householdReplySignal } from '../../workflows/cadence/messages';
import { messageEventSignal, type MessageEvent } from '../../workflows/messaging/messages';
import type { Logger } from '../../config/logger';
import { ProblemError } from '../problem';

export interface WebhookDeps {
  db: Kysely<Database>;
  client: Client;
  logger: Logger;
  secrets: WebhookSecrets;
  /** The URL Twilio called, as it signed it (PUBLIC_BASE_URL + path). */
  publicBaseUrl: string;
  /** How far a SendGrid signature's timestamp may be from now (SENDGRID_WEBHOOK_MAX_AGE_SECONDS); default 300. */
  sendgridMaxAgeSeconds?: number;
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

  /** Tells the sending workflow; a workflow that has ended is not an error. */
  async function signal(
    message: { id: string; workflow_id: string | null; channel: string } | undefined,
    event: MessageEvent,
    detail?: string,
    until?: string,
  ): Promise<void> {
    if (!message) return;
    // What a cadence touch earned, for the A/B report (no row: not a cadence message).
    if (event === 'opened' || event === 'clicked' || event === 'replied')
      await markTouchEngagement(db, message.id, event);
    if (!message.workflow_id) return;
    await client.workflow
      .getHandle(message.workflow_id)
      .signal(messageEventSignal, {
        messageId: message.id,
        channel: message.channel,
        event,
        at: new Date().toISOString(),
        detail,
        until,
      })
      .catch((err: unknown) =>
        logger.info(
          { workflowId: message.workflow_id, event, err: (err as Error).message },
          'message event not delivered to its workflow',
        ),
      );
  }

  /**
   * A real reply hands over the person's own cadence (even when it answered another workflow's
   * message, a journey's) and the cadences of the others at the same address.
   */
  async function tellCadences(
    contactId: string,
    answered: { id: string; workflow_id: string | null; channel: string } | undefined,
    body: string,
  ): Promise<void> {
    const own = await runningCadenceOf(db, contactId);
    if (own && own !== answered?.workflow_id) {
      await client.workflow
        .getHandle(own)
        .signal(messageEventSignal, {
          messageId: answered?.id ?? '',
          channel: 'sms',
          event: 'replied',
          at: new Date().toISOString(),
          detail: body,
        })
        .catch((err: unknown) =>
          logger.info({ workflowId: own, err: (err as Error).message }, 'reply not delivered to the cadence'),
        );
    }
    for (const workflowId of await householdCadences(db, contactId)) {
      await client.workflow
        .getHandle(workflowId)
        .signal(householdReplySignal, { fromContactId: contactId })
        .catch((err: unknown) =>
          logger.info({ workflowId, err: (err as Error).message }, 'household reply not delivered'),
        );
    }
  }

  const form = express.urlencoded({ extended: false, limit: '64kb' });

  router.post('/twilio/sms', form, async (req, res) => {
    const p = verifyTwilio(req);
    if (!p.MessageSid || !p.From) throw new ProblemError(422, 'Validation failed', 'MessageSid and From are required');
    const fresh = await recordWebhookEvent(db, {
      provider: 'twilio',
      eventId: `sms:${p.MessageSid}`,
      kind: 'inbound_sms',
      payload: p,
    });
    const twiml = new twilio.twiml.MessagingResponse();
    if (fresh) {
      const result = await handleInboundSms(db, { from: p.From, body: p.Body ?? '', providerMessageId: p.MessageSid });
      const contact = await db
        .selectFrom('contacts')
        .select('id')
        .where('phone', '=', p.From)
        .orderBy('created_at', 'desc')
        .executeTakeFirst();
      if (contact) {
        await recordInteraction(db, {
          contact_id: contact.id,
          channel: 'sms',
          direction: 'inbound',
          summary: (p.Body ?? '').slice(0, 140),
          body: p.Body ?? '',
          source_key: `twilio:${p.MessageSid}`,
          occurred_at: new Date(),
        });
      }
      if (result.reply) twiml.message(result.reply);
      // The reply belongs to the last message we sent to that number.
      const last = await db
        .selectFrom('messages')
        .select(['id', 'workflow_id', 'channel'])
        .where('to_address', '=', p.From)
        .where('channel', '=', 'sms')
        .orderBy('created_at', 'desc')
        .executeTakeFirst();
      if (result.action === 'opted_out') await signal(last, 'unsubscribed');
      if (result.action === 'auto_reply') await signal(last, 'auto_reply', p.Body, result.until);
      if (result.action === 'reply') {
        await signal(last, 'replied', p.Body);
        if (contact) await tellCadences(contact.id, last, p.Body ?? '');
      }
      req.log.info({ action: result.action }, 'inbound sms');
    }
    res.type('text/xml').send(twiml.toString());
  });

  router.post('/twilio/status', form, async (req, res) => {
    const p = verifyTwilio(req);
    if (!p.MessageSid || !p.MessageStatus)
      throw new ProblemError(422, 'Validation failed', 'MessageSid and MessageStatus are required');
    const message = await findMessageForEvent(db, { providerMessageId: p.MessageSid });
    const fresh = await recordWebhookEvent(db, {
      provider: 'twilio',
      eventId: `status:${p.MessageSid}:${p.MessageStatus}`,
      kind: p.MessageStatus,
      messageId: message?.id,
      payload: p,
    });
    const event = TWILIO_STATUS[p.MessageStatus];
    if (fresh && message && event) {
      await updateMessageStatus(
        db,
        message.id,
        event === 'delivered' ? 'delivered' : 'failed',
        p.ErrorCode ? `Twilio error ${p.ErrorCode}` : undefined,
      );
      await signal(message, event);
    }
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
    let applied = 0;
    for (const e of events) {
      const eventId = typeof e.sg_event_id === 'string' ? e.sg_event_id : undefined;
      const kind = typeof e.event === 'string' ? e.event : undefined;
      if (!eventId || !kind) continue;
      const message = await findMessageForEvent(db, {
        id: typeof e.message_id === 'string' ? e.message_id : undefined,
        providerMessageId: typeof e.sg_message_id === 'string' ? e.sg_message_id.split('.')[0] : undefined,
      });
      if (!(await recordWebhookEvent(db, { provider: 'sendgrid', eventId, kind, messageId: message?.id, payload: e })))
        continue;
      applied += 1;
      if ((EMAIL_EVENTS as readonly string[]).includes(kind) && typeof e.email === 'string') {
        await handleEmailEvent(db, {
          email: e.email,
          event: kind as (typeof EMAIL_EVENTS)[number],
          reason: typeof e.reason === 'string' ? e.reason : undefined,
          providerEventId: eventId,
        });
      }
      const event = SENDGRID_EVENT[kind];
      if (message && event) {
        if (event === 'delivered' || event === 'bounced')
          await updateMessageStatus(
            db,
            message.id,
            event === 'delivered' ? 'delivered' : 'failed',
            typeof e.reason === 'string' ? e.reason : undefined,
          );
        await signal(message, event, typeof e.url === 'string' ? e.url : undefined);
      }
    }
    req.log.info({ received: events.length, applied }, 'sendgrid events');
    res.status(204).end();
  });

  return router;
}
