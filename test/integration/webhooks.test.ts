// Provider webhooks over HTTP on a real Postgres: signed with each provider's own scheme (Twilio's
// HMAC of URL and parameters, SendGrid's ECDSA over timestamp and body), forged or unsigned
// requests refused with 401 and nothing changed, redeliveries ignored, and each event applied and
// signalled to the workflow that sent the message (a stand-in client records the signals here;
// webhooks-cadence.test.ts takes a STOP all the way to a real running cadence).
import { createSign, generateKeyPairSync } from 'node:crypto';
import type { Server } from 'node:http';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { sql } from 'kysely';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageProvider } from '../../activities/messaging/contract';
import { createGateway } from '../../activities/messaging/gateway';
import { localProvider } from '../../activities/messaging/providers/local';
import { publicBaseUrlOf } from '../../activities/messaging/providers/select';
import { ModelStore } from '../../activities/ml/model-store';
import { createApp } from '../../api/app';
import { relayWorkflowSignals } from '../../api/workflow-signal-relay';
import { loadConfig } from '../../config/env';
import { createLeadOnce } from '../../db/repositories/leads';
import { claimCadence, recordTouch } from '../../db/repositories/cadences';
import { consentOf } from '../../db/repositories/messages';
import { testLogger } from '../helpers/logger';
import { freePort } from '../helpers/ports';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';

const AUTH_TOKEN = 'test-twilio-auth-token-0123456789';
const dev = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const stranger = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const pem = (k: typeof dev.publicKey) => k.export({ type: 'spki', format: 'pem' }).toString();

describe('provider webhooks', () => {
  let pg: TestPostgres;
  let server: Server;
  let base: string;
  const signals: { workflowId: string; event: string; detail?: string; until?: string }[] = [];
  /** Errors the next signals fail with (Temporal unreachable, a workflow that has ended). */
  const failNextSignals: Error[] = [];
  const client = {
    withDeadline: <R>(_deadline: number, fn: () => Promise<R>) => fn(),
    workflow: {
      getHandle: (workflowId: string) => ({
        signal: async (
          _def: unknown,
          arg: { event?: string; detail?: string; until?: string; fromContactId?: string },
        ) => {
          const failure = failNextSignals.shift();
          if (failure) throw failure;
          signals.push({
            workflowId,
            event: arg.event ?? `household:${arg.fromContactId}`,
            detail: arg.detail,
            until: arg.until,
          });
        },
      }),
    },
  } as unknown as Client;
  let sentId: string;
  let contactId: string;
  const relay = () => relayWorkflowSignals({ db: pg.db, client, logger: testLogger, timeoutMs: 1000 });

  const twilioPost = (path: string, params: Record<string, string>, token = AUTH_TOKEN) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(token, `${base}${path}`, params),
      },
      body: new URLSearchParams(params).toString(),
    });
  const sendgridPost = (events: unknown[], key = dev.privateKey, at = Math.floor(Date.now() / 1000)) => {
    const body = JSON.stringify(events);
    const timestamp = String(at);
    const signature = createSign('sha256')
      .update(timestamp + body)
      .sign(key)
      .toString('base64');
    return fetch(`${base}/webhooks/sendgrid/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-twilio-email-event-webhook-signature': signature,
        'x-twilio-email-event-webhook-timestamp': timestamp,
      },
      body,
    });
  };
  const count = async (table: 'webhook_events' | 'consent_events' | 'workflow_signals') =>
    Number(
      (
        await pg.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    pg = await startTestPostgres();
    const { lead } = await createLeadOnce(
      pg.db,
      {
        firstName: 'Web',
        lastName: 'Hook',
        phone: '+12485550166',
        email: 'webhook@example.com',
        source: 'website',
        address: { street: '6 Main St', city: 'Troy', state: 'MI', zip: '48083' },
        property: {},
        signals: {},
      },
      { requestHash: 'w', dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
    );
    const sms: MessageProvider = {
      name: 'twilio',
      send: async () => ({ providerMessageId: 'SM00000000000000000000000000000001' }),
    };
    const gateway = createGateway({
      db: pg.db,
      providers: { sms, email: { name: 'sendgrid', send: async () => ({ providerMessageId: 'sg-1' }) } },
      caps: { perDay: 10, perWeek: 10 },
    });
    const sent = await gateway.send(
      {
        idempotencyKey: 'cadence-x:1',
        workflowId: 'cadence-x',
        contactId: lead.contact_id,
        channel: 'sms',
        text: 'Hi',
      },
      new Date('2026-11-25T20:00:00Z'),
    );
    sentId = (sent as { messageId: string }).messageId;
    contactId = lead.contact_id;
    await gateway.send(
      {
        idempotencyKey: 'cadence-x:2',
        workflowId: 'cadence-x',
        contactId: lead.contact_id,
        channel: 'email',
        text: 'Hello',
      },
      new Date('2026-11-25T20:00:00Z'),
    );

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const app = createApp({
      db: pg.db,
      client,
      logger: testLogger,
      apiKeys: [],
      taskQueue: 'q',
      dedupeWindowHours: 24,
      temporalTimeoutMs: 1000,
      modelStore: new ModelStore(),
      promotionMargin: 0.005,
      webhooks: {
        secrets: { twilioAuthToken: AUTH_TOKEN, sendgridPublicKeyPem: pem(dev.publicKey) },
        publicBaseUrl: base,
      },
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(port, '127.0.0.1', () => resolve(s));
    });
  });
  afterAll(async () => {
    server?.close();
    await pg?.stop();
  });

  it('refuses a forged or missing Twilio signature and changes nothing', async () => {
    const before = await count('webhook_events');
    const forged = await twilioPost(
      '/webhooks/twilio/sms',
      { MessageSid: 'SMforged', From: '+12485550166', Body: 'STOP' },
      'not-the-token-at-all-000000',
    );
    expect(forged.status).toBe(401);
    expect(forged.headers.get('content-type')).toMatch(/problem\+json/);
    const missing = await fetch(`${base}/webhooks/twilio/sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'MessageSid=SMx&From=%2B12485550166&Body=STOP',
    });
    expect(missing.status).toBe(401);
    expect(await count('webhook_events')).toBe(before);
    expect(await consentOf(pg.db, 'sms', '+12485550166')).toBe('subscribed');
  });

  it('STOP by SMS opts the number out, answers, tells the sending workflow; a redelivery changes nothing', async () => {
    const stop = {
      MessageSid: 'SM00000000000000000000000000000099',
      From: '+12485550166',
      To: '+12485550100',
      Body: 'STOP',
    };
    const res = await twilioPost('/webhooks/twilio/sms', stop);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<Response><Message>iSwitch Roofs: you will receive no more texts/);
    expect(await consentOf(pg.db, 'sms', '+12485550166')).toBe('opted_out');
    expect(signals).toContainEqual({ workflowId: 'cadence-x', event: 'unsubscribed', detail: undefined });
    const events = await count('consent_events');
    expect((await twilioPost('/webhooks/twilio/sms', stop)).status).toBe(200);
    expect(await count('consent_events')).toBe(events);
    expect(signals.filter((s) => s.event === 'unsubscribed')).toHaveLength(1);
  });

  it('a delivery status updates the message and is signalled once', async () => {
    const delivered = { MessageSid: 'SM00000000000000000000000000000001', MessageStatus: 'delivered' };
    expect((await twilioPost('/webhooks/twilio/status', delivered)).status).toBe(204);
    expect((await twilioPost('/webhooks/twilio/status', delivered)).status).toBe(204);
    const row = await pg.db.selectFrom('messages').select('status').where('id', '=', sentId).executeTakeFirstOrThrow();
    expect(row.status).toBe('delivered');
    expect(signals.filter((s) => s.event === 'delivered')).toHaveLength(1);
  });

  it('a status callback names our message (?m=): it binds Twilio’s id to a record whose reply was lost, and the retry sends nothing', async () => {
    const { lead } = await createLeadOnce(
      pg.db,
      {
        firstName: 'Lost',
        lastName: 'Reply',
        phone: '+12485550167',
        source: 'website',
        address: { street: '6 Main St', city: 'Troy', state: 'MI', zip: '48083' },
        property: {},
        signals: {},
      },
      { requestHash: 'lost-reply', dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
    );
    let posts = 0;
    const sms: MessageProvider = {
      name: 'twilio',
      async send() {
        posts += 1;
        throw new Error('socket hang up (Twilio took the message; its reply was lost)');
      },
      alreadySent: async () => undefined, // Twilio's list is slow to show it, say
    };
    const gateway = createGateway({ db: pg.db, providers: { sms }, caps: { perDay: 10, perWeek: 10 } });
    const request = {
      idempotencyKey: 'cadence-lost:1',
      workflowId: 'cadence-lost',
      contactId: lead.contact_id,
      channel: 'sms' as const,
      text: 'See you at 9.',
    };
    const at = new Date('2026-11-25T20:00:00Z');
    await expect(gateway.send(request, at)).rejects.toThrow(/socket hang up/);
    const { id } = await pg.db
      .selectFrom('messages')
      .select('id')
      .where('idempotency_key', '=', request.idempotencyKey)
      .executeTakeFirstOrThrow();
    const callback = { MessageSid: 'SM000000000000000000000000000000aa', MessageStatus: 'sent' };
    expect((await twilioPost(`/webhooks/twilio/status?m=${id}`, callback)).status).toBe(204);
    expect(
      await pg.db.selectFrom('messages').select('provider_message_id').where('id', '=', id).executeTakeFirstOrThrow(),
    ).toEqual({ provider_message_id: callback.MessageSid });
    expect(await gateway.send(request, at)).toMatchObject({
      status: 'sent',
      duplicate: true,
      providerMessageId: callback.MessageSid,
    });
    expect(posts).toBe(1);
  });

  it('SendGrid events signed with its key: an open is signalled, a bounce suppresses; a stranger’s signature is refused', async () => {
    const msg = await pg.db
      .selectFrom('messages')
      .select('id')
      .where('idempotency_key', '=', 'cadence-x:2')
      .executeTakeFirstOrThrow();
    const forged = await sendgridPost(
      [{ event: 'bounce', email: 'webhook@example.com', sg_event_id: 'ev-f', message_id: msg.id }],
      stranger.privateKey,
    );
    expect(forged.status).toBe(401);
    expect(await consentOf(pg.db, 'email', 'webhook@example.com')).toBe('subscribed');

    const opened = [
      { event: 'open', email: 'webhook@example.com', sg_event_id: 'ev-1', message_id: msg.id, timestamp: 1 },
    ];
    expect((await sendgridPost(opened)).status).toBe(204);
    expect((await sendgridPost(opened)).status).toBe(204); // redelivered
    expect(signals.filter((s) => s.event === 'opened')).toHaveLength(1);

    expect(
      (
        await sendgridPost([
          {
            event: 'bounce',
            email: 'Webhook@Example.com',
            sg_event_id: 'ev-2',
            message_id: msg.id,
            reason: '550 no such user',
          },
        ])
      ).status,
    ).toBe(204);
    expect(await consentOf(pg.db, 'email', 'webhook@example.com')).toBe('suppressed');
    expect(signals).toContainEqual({ workflowId: 'cadence-x', event: 'bounced', detail: undefined });
  });

  it('dev outbox: ops see what the local providers delivered, escaped, and act as the recipient through the signed webhooks', async () => {
    const OPS = 'dev-outbox-ops-key-0123456789abcd';
    const CRM = 'dev-outbox-crm-key-0123456789abcd';
    const port = await freePort();
    const devBase = `http://127.0.0.1:${port}`;
    const devSecrets = {
      twilioAuthToken: AUTH_TOKEN,
      sendgridPublicKeyPem: pem(dev.publicKey),
      sendgridPrivateKeyPem: dev.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
    const app = createApp({
      db: pg.db,
      client,
      logger: testLogger,
      apiKeys: [
        { key: OPS, role: 'ops' },
        { key: CRM, role: 'crm' },
      ],
      taskQueue: 'q',
      dedupeWindowHours: 24,
      temporalTimeoutMs: 1000,
      modelStore: new ModelStore(),
      promotionMargin: 0.005,
      webhooks: { secrets: devSecrets, publicBaseUrl: devBase, devOutbox: true },
    });
    const devServer = await new Promise<Server>((resolve) => {
      const s = app.listen(port, '127.0.0.1', () => resolve(s));
    });
    try {
      const { lead } = await createLeadOnce(
        pg.db,
        {
          firstName: 'Out',
          lastName: 'Box',
          phone: '+12485550144',
          email: 'outbox@example.com',
          source: 'website',
          address: { street: '8 Main St', city: 'Troy', state: 'MI', zip: '48083' },
          property: {},
          signals: {},
        },
        { requestHash: 'o', dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
      );
      const gateway = createGateway({
        db: pg.db,
        providers: { sms: localProvider('sms', pg.db), email: localProvider('email', pg.db) },
        caps: { perDay: 10, perWeek: 10 },
      });
      const at = new Date('2026-11-25T20:00:00Z');
      const sms = (await gateway.send(
        {
          idempotencyKey: 'outbox-wf:1',
          workflowId: 'outbox-wf',
          contactId: lead.contact_id,
          channel: 'sms',
          text: 'Reply <b>YES</b> to book',
        },
        at,
      )) as { messageId: string };
      const email = (await gateway.send(
        {
          idempotencyKey: 'outbox-wf:2',
          workflowId: 'outbox-wf',
          contactId: lead.contact_id,
          channel: 'email',
          subject: 'Hi',
          text: 'Hi',
          html: '<p>Hi <i>there</i></p>',
        },
        at,
      )) as { messageId: string };

      // Signed out: the sign-in form (a key in the URL is no way in: it would land in logs and history).
      const signedOut = await fetch(`${devBase}/dev/outbox`);
      expect(signedOut.status).toBe(401);
      expect(await signedOut.text()).toContain('<form method="post" action="/dev/outbox/login">');
      expect((await fetch(`${devBase}/dev/outbox?key=${OPS}`)).status).toBe(401);
      expect((await fetch(`${devBase}/dev/outbox`, { headers: { authorization: `Bearer ${CRM}` } })).status).toBe(403);
      const signIn = (key: string) =>
        fetch(`${devBase}/dev/outbox/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ key }).toString(),
          redirect: 'manual',
        });
      expect((await signIn(CRM)).status).toBe(403);
      expect((await signIn('not-a-key-at-all-0000')).status).toBe(401);
      const signedIn = await signIn(OPS);
      expect(signedIn.status).toBe(303);
      expect(signedIn.headers.get('location')).toBe('/dev/outbox');
      const setCookie = signedIn.headers.get('set-cookie')!;
      expect(setCookie).toMatch(
        /^dev_outbox_session=[^;]+; Path=\/dev\/outbox; Max-Age=28800; HttpOnly; SameSite=Strict$/,
      );
      expect(setCookie).not.toContain(OPS);
      const session = { cookie: setCookie.split(';')[0]! };

      const page = await (await fetch(`${devBase}/dev/outbox`, { headers: session })).text();
      expect(page).toContain('Reply &lt;b&gt;YES&lt;/b&gt; to book');
      expect(page).toContain('srcdoc="&lt;p&gt;Hi &lt;i&gt;there&lt;/i&gt;&lt;/p&gt;"');
      expect(page).not.toContain(OPS);
      expect(page).not.toMatch(/action="[^"]*\?/); // no form carries a query string
      // Forged or expired sessions are signed out; the API's header works as everywhere else.
      const expired = `dev_outbox_session=1.${session.cookie.split('.')[1]}`;
      expect((await fetch(`${devBase}/dev/outbox`, { headers: { cookie: expired } })).status).toBe(401);
      expect((await fetch(`${devBase}/dev/outbox`, { headers: { authorization: `Bearer ${OPS}` } })).status).toBe(200);

      const stop = await fetch(`${devBase}/dev/outbox/${sms.messageId}/STOP`, {
        method: 'POST',
        headers: session,
        redirect: 'manual',
      });
      expect(stop.status).toBe(303);
      expect(stop.headers.get('location')).toBe('/dev/outbox');
      expect(await consentOf(pg.db, 'sms', '+12485550144')).toBe('opted_out');
      expect(signals).toContainEqual({ workflowId: 'outbox-wf', event: 'unsubscribed', detail: undefined });

      expect(
        (
          await fetch(`${devBase}/dev/outbox/${email.messageId}/open`, {
            method: 'POST',
            headers: { authorization: `Bearer ${OPS}` },
            redirect: 'manual',
          })
        ).status,
      ).toBe(303);
      expect(signals).toContainEqual({ workflowId: 'outbox-wf', event: 'opened', detail: undefined });
      expect(
        (
          await fetch(`${devBase}/dev/outbox/${email.messageId}/STOP`, {
            method: 'POST',
            headers: session,
            redirect: 'manual',
          })
        ).status,
      ).toBe(422);
      // Without a session or key an action is refused; signing out clears the cookie.
      expect((await fetch(`${devBase}/dev/outbox/${email.messageId}/open`, { method: 'POST' })).status).toBe(401);
      const signOut = await fetch(`${devBase}/dev/outbox/logout`, {
        method: 'POST',
        headers: session,
        redirect: 'manual',
      });
      expect(signOut.headers.get('set-cookie')).toMatch(/^dev_outbox_session=; Path=\/dev\/outbox; Max-Age=0/);
    } finally {
      devServer.close();
    }
  });

  it('an out-of-office SMS is told as auto_reply with the return date; a real reply also hands over the household; a click marks the cadence touch', async () => {
    // A partner at the same address (spelled differently) with a running cadence, and this contact's own cadence touch.
    const { lead: partner } = await createLeadOnce(
      pg.db,
      {
        firstName: 'Pat',
        lastName: 'Hook',
        phone: '+12485550167',
        source: 'website',
        address: { street: '6 MAIN ST ', city: 'Troy', state: 'MI', zip: '48083' },
        property: {},
        signals: {},
      },
      { requestHash: 'p', dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
    );
    const now = new Date();
    await claimCadence(pg.db, {
      id: 'cadence-partner/r1',
      workflowId: 'cadence-partner',
      contactId: partner.contact_id,
      leadId: partner.id,
      definition: 'standard',
      cooldownDays: 0,
      now,
    });
    const own = await pg.db
      .selectFrom('leads')
      .select('id')
      .where('contact_id', '=', contactId)
      .executeTakeFirstOrThrow();
    await claimCadence(pg.db, {
      id: 'cadence-x/r1',
      workflowId: 'cadence-x',
      contactId,
      leadId: own.id,
      definition: 'standard',
      cooldownDays: 0,
      now,
    });
    const email = await pg.db
      .selectFrom('messages')
      .select('id')
      .where('idempotency_key', '=', 'cadence-x:2')
      .executeTakeFirstOrThrow();
    await recordTouch(pg.db, {
      cadenceId: 'cadence-x/r1',
      touchNo: 1,
      step: 'day-1',
      variant: 'B',
      channel: 'email',
      messageId: email.id,
      sentAt: now,
    });

    const away = {
      MessageSid: 'SM000000000000000000000000000000a1',
      From: '+12485550166',
      Body: 'Automatic reply: I am out of the office until December 3. I will reply when I am back.',
    };
    const awayRes = await twilioPost('/webhooks/twilio/sms', away);
    expect(awayRes.status).toBe(200);
    const told = signals.find((x) => x.event === 'auto_reply')!;
    expect(told).toMatchObject({ workflowId: 'cadence-x' });
    expect(new Date(told.until!).getUTCDate()).toBe(3);
    expect(signals.some((x) => x.event.startsWith('household:'))).toBe(false); // an auto-reply is nobody answering

    expect(
      (
        await twilioPost('/webhooks/twilio/sms', {
          MessageSid: 'SM000000000000000000000000000000a2',
          From: '+12485550166',
          Body: 'Yes, call me tomorrow afternoon',
        })
      ).status,
    ).toBe(200);
    expect(signals).toContainEqual({
      workflowId: 'cadence-x',
      event: 'replied',
      detail: 'Yes, call me tomorrow afternoon',
    });
    expect(signals).toContainEqual({ workflowId: 'cadence-partner', event: `household:${contactId}` });
    // The last SMS came from the cadence itself: told once, not twice.
    expect(signals.filter((x) => x.workflowId === 'cadence-x' && x.event === 'replied')).toHaveLength(1);

    // A reply to the partner's journey SMS still reaches the partner's cadence.
    const gateway = createGateway({
      db: pg.db,
      providers: {
        sms: { name: 'twilio', send: async () => ({ providerMessageId: 'SM00000000000000000000000000000002' }) },
      },
      caps: { perDay: 10, perWeek: 10 },
    });
    await gateway.send(
      {
        idempotencyKey: 'journey-p:1',
        workflowId: 'journey-partner',
        contactId: partner.contact_id,
        channel: 'sms',
        text: 'When would you like your free inspection?',
      },
      new Date('2026-11-25T20:00:00Z'),
    );
    expect(
      (
        await twilioPost('/webhooks/twilio/sms', {
          MessageSid: 'SM000000000000000000000000000000a3',
          From: '+12485550167',
          Body: 'Thursday works',
        })
      ).status,
    ).toBe(200);
    expect(signals).toContainEqual({ workflowId: 'journey-partner', event: 'replied', detail: 'Thursday works' });
    expect(signals).toContainEqual({ workflowId: 'cadence-partner', event: 'replied', detail: 'Thursday works' });

    expect(
      (
        await sendgridPost([
          {
            event: 'click',
            email: 'webhook@example.com',
            sg_event_id: 'ev-click',
            message_id: email.id,
            url: 'https://iswitchroofs.example/book',
          },
        ])
      ).status,
    ).toBe(204);
    const touch = await pg.db
      .selectFrom('cadence_touches')
      .selectAll()
      .where('cadence_id', '=', 'cadence-x/r1')
      .executeTakeFirstOrThrow();
    expect(touch).toMatchObject({ clicked: true, replied: false }); // the reply answered the SMS, not this email
  });
  /** A contact with one SMS and one email sent by `workflowId`, for a test of its own. */
  async function personWithMessages(phone: string, email: string, workflowId: string) {
    const { lead } = await createLeadOnce(
      pg.db,
      {
        firstName: 'Re',
        lastName: 'Try',
        phone,
        email,
        source: 'website',
        address: { street: `${phone.slice(-4)} Elm St`, city: 'Troy', state: 'MI', zip: '48083' },
        property: {},
        signals: {},
      },
      { requestHash: `r-${phone}`, dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
    );
    const gateway = createGateway({
      db: pg.db,
      providers: { sms: localProvider('sms', pg.db), email: localProvider('email', pg.db) },
      caps: { perDay: 10, perWeek: 10 },
    });
    const at = new Date('2026-11-25T20:00:00Z');
    const send = (n: number, channel: 'sms' | 'email') =>
      gateway.send(
        { idempotencyKey: `${workflowId}:${n}`, workflowId, contactId: lead.contact_id, channel, text: 'Hi' },
        at,
      );
    const sms = (await send(1, 'sms')) as { messageId: string };
    const mail = (await send(2, 'email')) as { messageId: string };
    return { contactId: lead.contact_id, smsId: sms.messageId, emailId: mail.messageId };
  }

  const consentEventsOf = async (address: string) =>
    Number(
      (
        await pg.db
          .selectFrom('consent_events')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('address', '=', address)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('an event whose apply fails is not marked seen: 5xx, nothing changed, and the retry applies it exactly once', async () => {
    const phone = '+12485550188';
    const email = 'retry@example.com';
    const { emailId } = await personWithMessages(phone, email, 'cadence-retry');
    // The failure: the first consent write after this point raises inside Postgres (a sequence is
    // not rolled back with the transaction, so only the first attempt fails).
    await sql`create sequence fail_once_seq`.execute(pg.db);
    await sql`create function fail_once() returns trigger language plpgsql as $$
      begin
        if nextval('fail_once_seq') = 1 then raise exception 'injected failure in the apply step'; end if;
        return new;
      end $$`.execute(pg.db);
    await sql`create trigger fail_once before insert on consent_events for each row execute function fail_once()`.execute(
      pg.db,
    );
    try {
      // Twilio: STOP whose opt-out fails.
      const stop = { MessageSid: 'SM000000000000000000000000000000f1', From: phone, Body: 'STOP' };
      const failed = await twilioPost('/webhooks/twilio/sms', stop);
      expect(failed.status).toBeGreaterThanOrEqual(500);
      expect(failed.headers.get('content-type')).toMatch(/problem\+json/);
      const problem = await failed.text();
      expect(problem).not.toMatch(/injected failure|\n\s+at /); // no stack, no internals
      expect(await consentOf(pg.db, 'sms', phone)).toBe('subscribed');
      expect(
        await pg.db
          .selectFrom('webhook_events')
          .select('event_id')
          .where('event_id', '=', `sms:${stop.MessageSid}`)
          .executeTakeFirst(),
      ).toBeUndefined(); // not marked seen
      expect(signals.filter((x) => x.workflowId === 'cadence-retry')).toEqual([]);

      // The provider's retry applies it, once.
      const retried = await twilioPost('/webhooks/twilio/sms', stop);
      expect(retried.status).toBe(200);
      expect(await retried.text()).toMatch(/you will receive no more texts/);
      expect(await consentOf(pg.db, 'sms', phone)).toBe('opted_out');
      expect(await consentEventsOf(phone)).toBe(1);
      expect(signals.filter((x) => x.workflowId === 'cadence-retry' && x.event === 'unsubscribed')).toHaveLength(1);
      // A later redelivery is a duplicate: nothing more.
      expect((await twilioPost('/webhooks/twilio/sms', stop)).status).toBe(200);
      expect(await consentEventsOf(phone)).toBe(1);
      expect(signals.filter((x) => x.workflowId === 'cadence-retry' && x.event === 'unsubscribed')).toHaveLength(1);

      // SendGrid: a batch whose unsubscribe fails after an open went through.
      await sql`alter sequence fail_once_seq restart`.execute(pg.db);
      const batch = [
        { event: 'open', email, sg_event_id: 'ev-retry-open', message_id: emailId },
        { event: 'unsubscribe', email, sg_event_id: 'ev-retry-unsub', message_id: emailId },
      ];
      const failedBatch = await sendgridPost(batch);
      expect(failedBatch.status).toBeGreaterThanOrEqual(500);
      expect(failedBatch.headers.get('content-type')).toMatch(/problem\+json/);
      expect(await consentOf(pg.db, 'email', email)).toBe('subscribed');
      expect((await sendgridPost(batch)).status).toBe(204); // SendGrid retries the whole batch
      expect(await consentOf(pg.db, 'email', email)).toBe('opted_out');
      expect(await consentEventsOf(email)).toBe(1);
      expect((await sendgridPost(batch)).status).toBe(204);
      expect(await consentEventsOf(email)).toBe(1);
      const told = signals.filter((x) => x.workflowId === 'cadence-retry').map((x) => x.event);
      expect(told.sort()).toEqual(['opened', 'unsubscribed', 'unsubscribed']); // SMS STOP + email unsubscribe, each once
    } finally {
      await sql`drop trigger fail_once on consent_events`.execute(pg.db);
      await sql`drop function fail_once`.execute(pg.db);
      await sql`drop sequence fail_once_seq`.execute(pg.db);
    }
  });

  it('a signal Temporal did not take stays pending and is delivered later, once; a workflow that has ended is dropped', async () => {
    const phone = '+12485550193';
    await personWithMessages(phone, 'pending@example.com', 'cadence-pending');
    const pendingOf = () =>
      pg.db
        .selectFrom('workflow_signals')
        .selectAll()
        .where('workflow_id', '=', 'cadence-pending')
        .orderBy('id')
        .execute();
    failNextSignals.push(new Error('14 UNAVAILABLE: Temporal is unreachable'));
    const stop = { MessageSid: 'SM000000000000000000000000000000p1', From: phone, Body: 'STOP' };
    // The opt-out is the provider's part: stored and applied, answered 200 whatever Temporal does.
    const res = await twilioPost('/webhooks/twilio/sms', stop);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/you will receive no more texts/);
    expect(await consentOf(pg.db, 'sms', phone)).toBe('opted_out');
    expect(signals.filter((x) => x.workflowId === 'cadence-pending')).toEqual([]);
    expect(await pendingOf()).toMatchObject([
      { signal: 'messageEvent', done_at: null, attempts: 1, last_error: expect.stringMatching(/UNAVAILABLE/) },
    ]);

    // The relay delivers it once its pause (1 s after a first failure) is over; then nothing is left.
    await expect.poll(async () => (await relay()).done, { timeout: 5000 }).toBe(1);
    expect(signals.filter((x) => x.workflowId === 'cadence-pending')).toEqual([
      { workflowId: 'cadence-pending', event: 'unsubscribed', detail: undefined, until: undefined },
    ]);
    expect((await relay()).done).toBe(0);
    expect((await twilioPost('/webhooks/twilio/sms', stop)).status).toBe(200); // a redelivery tells nobody again
    expect(signals.filter((x) => x.workflowId === 'cadence-pending')).toHaveLength(1);
    expect((await pendingOf())[0]).toMatchObject({ attempts: 2, done_at: expect.any(Date), outcome: 'delivered' });

    // A workflow that has ended cannot be told: dropped at once, with the reason, never retried.
    failNextSignals.push(
      new WorkflowNotFoundError('workflow execution already completed', 'cadence-pending', undefined),
    );
    expect(
      (
        await twilioPost('/webhooks/twilio/status', {
          MessageSid: (
            await pg.db
              .selectFrom('messages')
              .select('provider_message_id')
              .where('idempotency_key', '=', 'cadence-pending:1')
              .executeTakeFirstOrThrow()
          ).provider_message_id!,
          MessageStatus: 'delivered',
        })
      ).status,
    ).toBe(204);
    expect((await pendingOf())[1]).toMatchObject({
      done_at: expect.any(Date),
      outcome: 'dropped',
      last_error: expect.stringMatching(/ended/),
    });
    expect(signals.filter((x) => x.workflowId === 'cadence-pending')).toHaveLength(1);
  });

  it('refuses a correctly signed SendGrid request whose timestamp is too old or too far ahead, and changes nothing', async () => {
    const email = 'stale@example.com';
    const { emailId } = await personWithMessages('+12485550189', email, 'cadence-stale');
    const unsubscribe = (id: string) => [{ event: 'unsubscribe', email, sg_event_id: id, message_id: emailId }];
    const now = Math.floor(Date.now() / 1000);
    const events = await count('webhook_events');
    for (const at of [now - 365 * 86_400, now - 301, now + 3600]) {
      const res = await sendgridPost(unsubscribe(`ev-stale-${at}`), dev.privateKey, at);
      expect(res.status, String(at - now)).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      expect(((await res.json()) as { title: string }).title).toMatch(/stale/i);
    }
    expect(await count('webhook_events')).toBe(events);
    expect(await consentOf(pg.db, 'email', email)).toBe('subscribed');
    expect(signals.filter((x) => x.workflowId === 'cadence-stale')).toEqual([]);
    // Inside the window (a delivery a few minutes on its way, a clock a little ahead) it applies.
    expect((await sendgridPost(unsubscribe('ev-fresh-1'), dev.privateKey, now - 240)).status).toBe(204);
    expect((await sendgridPost(unsubscribe('ev-fresh-2'), dev.privateKey, now + 60)).status).toBe(204);
    expect(await consentOf(pg.db, 'email', email)).toBe('opted_out');
  });

  it('PUBLIC_BASE_URL with a trailing slash: a correctly signed Twilio request is accepted; links issued with a double slash still work', async () => {
    const port = await freePort();
    const slashed = `http://127.0.0.1:${port}`;
    const app = createApp({
      db: pg.db,
      client,
      logger: testLogger,
      apiKeys: [],
      taskQueue: 'q',
      dedupeWindowHours: 24,
      temporalTimeoutMs: 1000,
      modelStore: new ModelStore(),
      promotionMargin: 0.005,
      webhooks: {
        secrets: { twilioAuthToken: AUTH_TOKEN, sendgridPublicKeyPem: pem(dev.publicKey) },
        publicBaseUrl: publicBaseUrlOf(loadConfig({ PUBLIC_BASE_URL: `${slashed}/` })),
      },
    });
    const slashServer = await new Promise<Server>((resolve) => {
      const s = app.listen(port, '127.0.0.1', () => resolve(s));
    });
    try {
      // Twilio calls, and signs, the URL it was given: the base without the slash, then the path.
      const params = { MessageSid: 'SM000000000000000000000000000000s1', From: '+12485550191', Body: 'HELP' };
      const url = `${slashed}/webhooks/twilio/sms`;
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params),
        },
        body: new URLSearchParams(params).toString(),
      });
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/reply STOP to stop texts/);
      // Emails sent while the slash was there carry `…//unsubscribe/<id>`: those links still resolve.
      const { emailId } = await personWithMessages('+12485550192', 'slash@example.com', 'cadence-slash');
      expect((await fetch(`${slashed}//unsubscribe/${emailId}`)).status).toBe(200);
      expect((await fetch(`${slashed}/unsubscribe/${emailId}`)).status).toBe(200);
    } finally {
      slashServer.close();
    }
  });
});
