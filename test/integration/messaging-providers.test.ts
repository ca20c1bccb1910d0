// The real adapters, each through its official SDK pointed at a local HTTP server: the exact
// requests (auth, path, body, headers), Twilio's check-before-send that makes a retry after a
// lost reply send nothing twice, and — through the gateway on a real Postgres — what each kind of
// provider error does to a send: permanent ones end it (failed, or blocked with the opt-out
// recorded), transient ones are thrown to be retried.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MessageProvider, SendRequest } from '../../activities/messaging/contract';
import { createGateway } from '../../activities/messaging/gateway';
import { sendgridProvider } from '../../activities/messaging/providers/sendgrid';
import { createLeadOnce } from '../../db/repositories/leads';
import { consentOf } from '../../db/repositories/messages';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';
import { twilioCallProvider, twilioSmsProvider, type TwilioRequest } from '../../activities/messaging/providers/twilio';
import { publicBaseUrlOf, selectProviders } from '../../activities/messaging/providers/select';
import { loadConfig } from '../../config/env';
import { freePort } from '../helpers/ports';

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

const SID = `AC${'0'.repeat(31)}1`;
const TOKEN = 'twilio-test-token-abcdef0123456789';

describe('provider adapters against a local server', () => {
  let server: Server;
  let base: string;
  const seen: Seen[] = [];
  /**
   * What the fake Twilio holds, as its Message and Call resources do: a message is `queued` (no
   * date_sent) until `deliverQueued()`; its list filters To, From and DateSent> as Twilio's does.
   */
  interface TwilioRecord {
    sid: string;
    to: string;
    from: string;
    body?: string;
    status: string;
    dateCreated: Date;
    dateSent?: Date;
    statusCallback?: string;
  }
  let sentBodies: TwilioRecord[] = [];
  let calls: TwilioRecord[] = [];
  /** SIDs are unique for good, as Twilio's are (the lists above are cleared between tests). */
  let sids = 0;
  const deliverQueued = () => {
    for (const m of sentBodies) if (m.status === 'queued') Object.assign(m, { status: 'sent', dateSent: new Date() });
  };
  const rfc2822 = (d: Date | undefined) => (d ? d.toUTCString().replace('GMT', '+0000') : null);
  const messageJson = (m: TwilioRecord) => ({
    sid: m.sid,
    account_sid: SID,
    to: m.to,
    from: m.from,
    body: m.body,
    status: m.status,
    direction: 'outbound-api',
    date_created: rfc2822(m.dateCreated),
    date_sent: rfc2822(m.dateSent),
  });
  /** The next POSTs the server refuses, in order: an HTTP status and (Twilio) its error code. */
  const refusals: { status: number; code?: number; message?: string }[] = [];

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const url = new URL(req.url!, base);
        seen.push({ method: req.method!, path: url.pathname, query: url.searchParams, headers: req.headers, body });
        const refusal = req.method === 'POST' ? refusals.shift() : undefined;
        if (refusal) {
          // Twilio's error body (https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions);
          // SendGrid's ({"errors": [...]}).
          res.writeHead(refusal.status, { 'content-type': 'application/json' }).end(
            JSON.stringify(
              url.pathname === '/v3/mail/send'
                ? { errors: [{ field: null, message: refusal.message ?? 'refused' }] }
                : {
                    code: refusal.code,
                    message: refusal.message ?? 'refused',
                    more_info: `https://www.twilio.com/docs/errors/${refusal.code}`,
                    status: refusal.status,
                  },
            ),
          );
        } else if (url.pathname === '/v3/mail/send') {
          res.writeHead(202, { 'x-message-id': 'sg-abc123' }).end();
        } else if (url.pathname === `/2010-04-01/Accounts/${SID}/Messages.json` && req.method === 'POST') {
          const form = new URLSearchParams(body);
          const m: TwilioRecord = {
            sid: `SM${String(++sids).padStart(32, '0')}`,
            to: form.get('To')!,
            from: form.get('From')!,
            body: form.get('Body')!,
            status: 'queued',
            dateCreated: new Date(),
            statusCallback: form.get('StatusCallback') ?? undefined,
          };
          sentBodies.push(m);
          res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(messageJson(m)));
        } else if (url.pathname === `/2010-04-01/Accounts/${SID}/Calls.json` && req.method === 'POST') {
          const form = new URLSearchParams(body);
          const call: TwilioRecord = {
            sid: `CA${String(++sids).padStart(32, '0')}`,
            to: form.get('To')!,
            from: form.get('From')!,
            status: 'queued',
            dateCreated: new Date(),
            statusCallback: form.get('StatusCallback') ?? undefined,
          };
          calls.push(call);
          res
            .writeHead(201, { 'content-type': 'application/json' })
            .end(JSON.stringify({ sid: call.sid, status: 'queued', date_created: rfc2822(call.dateCreated) }));
        } else if (url.pathname === `/2010-04-01/Accounts/${SID}/Messages.json`) {
          // Newest first; DateSent> leaves out what has no date_sent yet (queued, accepted, sending).
          const q = url.searchParams;
          const sentAfter = q.get('DateSent>') ? new Date(q.get('DateSent>')!) : undefined;
          const messages = sentBodies
            .filter((m) => (!q.get('To') || m.to === q.get('To')) && (!q.get('From') || m.from === q.get('From')))
            .filter((m) => !sentAfter || (m.dateSent && m.dateSent >= sentAfter))
            .slice()
            .reverse()
            .map(messageJson);
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ messages, next_page_uri: null, page: 0, page_size: 50, uri: url.pathname }));
        } else if (url.pathname === `/2010-04-01/Accounts/${SID}/Calls.json`) {
          const q = url.searchParams;
          const list = calls
            .filter((c) => (!q.get('To') || c.to === q.get('To')) && (!q.get('From') || c.from === q.get('From')))
            .slice()
            .reverse()
            .map((c) => ({
              sid: c.sid,
              to: c.to,
              from: c.from,
              status: c.status,
              date_created: rfc2822(c.dateCreated),
            }));
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ calls: list, next_page_uri: null, page: 0, page_size: 50, uri: url.pathname }));
        } else {
          res.writeHead(404).end('{}');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  });
  afterAll(() => {
    server?.close();
  });
  beforeEach(() => {
    seen.length = 0;
  });

  it('SendGrid: bearer key, JSON body with our message id and one-click unsubscribe headers', async () => {
    const provider = sendgridProvider({
      apiKey: 'SG.test-key',
      from: 'hello@iswitchroofs.example',
      baseUrl: base,
      unsubscribeUrl: (id) => `https://crm.example/u/${id}`,
    });
    const result = await provider.send({
      id: '11111111-2222-3333-4444-555555555555',
      idempotencyKey: 'wf:1',
      channel: 'email',
      to: 'dana@example.com',
      subject: 'Your roof',
      text: 'Hi Dana',
      html: '<p>Hi Dana</p>',
    });
    expect(result).toEqual({ providerMessageId: 'sg-abc123' });
    expect(seen).toHaveLength(1);
    const [req] = seen;
    expect(req).toMatchObject({ method: 'POST', path: '/v3/mail/send' });
    expect(req!.headers.authorization).toBe('Bearer SG.test-key');
    const body = JSON.parse(req!.body) as Record<string, unknown>;
    expect(body).toMatchObject({
      from: { email: 'hello@iswitchroofs.example' },
      subject: 'Your roof',
      personalizations: [{ to: [{ email: 'dana@example.com' }] }],
      content: [
        { type: 'text/plain', value: 'Hi Dana' },
        { type: 'text/html', value: '<p>Hi Dana</p>' },
      ],
      custom_args: { message_id: '11111111-2222-3333-4444-555555555555' },
      headers: {
        'List-Unsubscribe': '<https://crm.example/u/11111111-2222-3333-4444-555555555555>',
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    });
  });

  /** Twilio's SDK builds the request; this client carries it to the local server instead of api.twilio.com. */
  const forward = (opts: { loseReplies?: number } = {}) => {
    let lose = opts.loseReplies ?? 0;
    return {
      async request(o: TwilioRequest) {
        const target = new URL(new URL(o.uri).pathname, base);
        for (const [k, v] of Object.entries(o.params ?? {})) if (v !== undefined) target.searchParams.set(k, String(v));
        const form = o.data
          ? new URLSearchParams(
              Object.entries(o.data)
                .filter(([, v]) => v !== undefined)
                .map(([k, v]): [string, string] => [k, String(v)]),
            ).toString()
          : undefined;
        const res = await fetch(target, {
          method: o.method.toUpperCase(),
          headers: {
            ...o.headers,
            authorization: `Basic ${Buffer.from(`${o.username}:${o.password}`).toString('base64')}`,
          },
          body: form,
        });
        const body = await res.text();
        if (o.method.toLowerCase() === 'post' && lose-- > 0)
          throw new Error('ECONNRESET: reply lost after Twilio accepted the message');
        return { statusCode: res.status, body, headers: Object.fromEntries(res.headers) };
      },
    };
  };

  it('Twilio: basic auth with the account, form body To/From/Body/StatusCallback', async () => {
    sentBodies = [];
    const provider = twilioSmsProvider({
      accountSid: SID,
      authToken: TOKEN,
      from: '+12485550100',
      statusCallback: 'https://crm.example/webhooks/twilio/status',
      httpClient: forward(),
    });
    const result = await provider.send({
      id: 'm1',
      idempotencyKey: 'wf:2',
      channel: 'sms',
      to: '+12485550166',
      text: 'Your inspection is at 9.',
    });
    expect(result.providerMessageId).toMatch(/^SM\d{32}$/);
    const post = seen.find((s) => s.method === 'POST')!;
    expect(post.path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(post.headers.authorization).toBe(`Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`);
    expect(Object.fromEntries(new URLSearchParams(post.body))).toEqual({
      To: '+12485550166',
      From: '+12485550100',
      Body: 'Your inspection is at 9.',
      StatusCallback: 'https://crm.example/webhooks/twilio/status?m=m1', // our message id, echoed on every callback
    });
  });

  it('Twilio: after a lost reply the check finds the message already sent, and nothing is sent twice', async () => {
    sentBodies = [];
    const provider = twilioSmsProvider({
      accountSid: SID,
      authToken: TOKEN,
      from: '+12485550100',
      httpClient: forward({ loseReplies: 1 }),
    });
    const message = {
      id: 'm2',
      idempotencyKey: 'wf:3',
      channel: 'sms' as const,
      to: '+12485550155',
      text: 'See you Tuesday.',
    };
    // What the gateway tells the lookup: when it recorded the message, and which SIDs are other records'.
    const earlier = { recordedAt: new Date(), claimed: async (sid: string) => sid === 'SM-claimed' };
    await expect(provider.send(message)).rejects.toThrow('twilio: network (network error)'); // the reply was lost
    expect(sentBodies[0]!.status).toBe('queued'); // Twilio has not sent it yet: it has no date_sent
    const found = await provider.alreadySent!(message, earlier);
    expect(found).toBe(sentBodies[0]!.sid);
    expect(sentBodies).toHaveLength(1);
    const list = seen.filter((s) => s.method === 'GET').at(-1)!;
    expect(list.query.get('To')).toBe('+12485550155');
    expect(list.query.get('From')).toBe('+12485550100');
    expect(list.query.get('DateSent>')).toBeNull(); // it would leave out what is still queued
    // Not one created before the message was recorded, nor one another record claims.
    expect(
      await provider.alreadySent!(message, { ...earlier, recordedAt: new Date(Date.now() + 120_000) }),
    ).toBeUndefined();
    expect(
      await provider.alreadySent!(message, { ...earlier, claimed: async (sid) => sid === sentBodies[0]!.sid }),
    ).toBeUndefined();
  });

  it('TWILIO_API_BASE_URL and SENDGRID_API_BASE_URL: the providers chosen from the settings reach the API there', async () => {
    sentBodies = [];
    const config = loadConfig({
      TWILIO_ACCOUNT_SID: SID,
      TWILIO_AUTH_TOKEN: TOKEN,
      TWILIO_FROM_NUMBER: '+12485550100',
      TWILIO_API_BASE_URL: base,
      SENDGRID_API_KEY: 'SG.test-key',
      SENDGRID_FROM_EMAIL: 'hello@iswitchroofs.example',
      SENDGRID_API_BASE_URL: base,
      PUBLIC_BASE_URL: 'https://crm.example',
    });
    const providers = selectProviders(config, publicBaseUrlOf(config));
    const sms = await providers.sms!.send({
      id: 'm3',
      idempotencyKey: 'wf:5',
      channel: 'sms',
      to: '+12485550133',
      text: 'Through the proxy.',
    });
    expect(sms.providerMessageId).toBe(sentBodies.at(-1)!.sid);
    expect(
      await providers.sms!.alreadySent!(
        { id: 'm3', idempotencyKey: 'wf:5', channel: 'sms', to: '+12485550133', text: 'Through the proxy.' },
        { recordedAt: new Date(Date.now() - 60_000), claimed: async () => false },
      ),
    ).toBe(sms.providerMessageId);
    const email = await providers.email!.send({
      id: '11111111-2222-3333-4444-666666666666',
      idempotencyKey: 'wf:6',
      channel: 'email',
      to: 'dana@example.com',
      subject: 'Hi',
      text: 'Hi Dana',
    });
    expect(email.providerMessageId).toBe('sg-abc123');
    // The SDKs' own requests (auth included), only the origin changed.
    const twilioPost = seen.find((s) => s.method === 'POST' && s.path.endsWith('/Messages.json'))!;
    expect(twilioPost.path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(twilioPost.headers.authorization).toBe(`Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`);
    expect(new URLSearchParams(twilioPost.body).get('StatusCallback')).toBe(
      'https://crm.example/webhooks/twilio/status?m=m3',
    );
    const mail = seen.find((s) => s.path === '/v3/mail/send')!;
    expect(mail.headers.authorization).toBe('Bearer SG.test-key');
  });

  it('Twilio calls: the message is read to the recipient (TwiML Say), with the status callback', async () => {
    const provider = twilioCallProvider({
      accountSid: SID,
      authToken: TOKEN,
      from: '+12485550100',
      statusCallback: 'https://crm.example/webhooks/twilio/status',
      httpClient: forward(),
    });
    const result = await provider.send({
      id: 'c1',
      idempotencyKey: 'wf:4',
      channel: 'call',
      to: '+12485550166',
      text: 'Your inspection is tomorrow at 9 & we will call ahead.',
    });
    expect(result.providerMessageId).toMatch(/^CA\d{32}$/);
    const post = seen.find((s) => s.method === 'POST')!;
    expect(post.path).toBe(`/2010-04-01/Accounts/${SID}/Calls.json`);
    const form = Object.fromEntries(new URLSearchParams(post.body));
    expect(form).toMatchObject({
      To: '+12485550166',
      From: '+12485550100',
      StatusCallback: 'https://crm.example/webhooks/twilio/status?m=c1',
    });
    expect(form.Twiml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Your inspection is tomorrow at 9 &amp; we will call ahead.</Say></Response>',
    );
  });

  describe('through the gateway, on Postgres', () => {
    let pg: TestPostgres;
    let contactId: string;
    let n = 0;
    const PHONE = '+12485550144';
    beforeAll(async () => {
      pg = await startTestPostgres();
      const { lead } = await createLeadOnce(
        pg.db,
        {
          firstName: 'Err',
          lastName: 'Ors',
          phone: PHONE,
          email: 'errors@example.com',
          source: 'website',
          address: { street: '7 Main St', city: 'Troy', state: 'MI', zip: '48083' },
          property: {},
          signals: {},
        },
        { requestHash: 'e', dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
      );
      contactId = lead.contact_id;
    });
    afterAll(async () => {
      await pg?.stop();
    });
    beforeEach(() => {
      refusals.length = 0;
      sentBodies = [];
    });

    // Wednesday 2026-11-25 15:00 in Detroit: inside quiet hours' allowed window, not a holiday.
    const afternoon = new Date('2026-11-25T20:00:00Z');
    const twilioSms = (): MessageProvider =>
      twilioSmsProvider({ accountSid: SID, authToken: TOKEN, from: '+12485550100', httpClient: forward() });
    const sendgrid = (): MessageProvider =>
      sendgridProvider({
        apiKey: 'SG.test-key',
        from: 'hello@iswitchroofs.example',
        baseUrl: base,
        unsubscribeUrl: (id) => `https://crm.example/u/${id}`,
      });
    const gatewayWith = (providers: Partial<Record<'sms' | 'email', MessageProvider>>) =>
      createGateway({ db: pg.db, providers, caps: { perDay: 100, perWeek: 100 } });
    const req = (over: Partial<SendRequest> = {}): SendRequest => ({
      idempotencyKey: `errors-wf:step-${++n}`,
      contactId,
      channel: 'sms',
      text: 'Your inspection is confirmed.',
      ...over,
    });
    const rowOf = (key: string) =>
      pg.db
        .selectFrom('messages')
        .select(['status', 'error', 'provider_message_id'])
        .where('idempotency_key', '=', key)
        .executeTakeFirstOrThrow();
    const posts = () => seen.filter((s) => s.method === 'POST').length;

    it('a permanent Twilio error (21211 invalid number) ends the send failed, for good: not retried, the record says why', async () => {
      refusals.push({ status: 400, code: 21211, message: `The 'To' number ${PHONE} is not a valid phone number.` });
      const gateway = gatewayWith({ sms: twilioSms() });
      const request = req();
      const outcome = await gateway.send(request, afternoon);
      expect(outcome).toMatchObject({ status: 'failed', reason: 'invalid_number', channel: 'sms', permanent: true });
      expect(await rowOf(request.idempotencyKey)).toEqual({
        status: 'failed',
        error: 'invalid_number: twilio 21211',
        provider_message_id: null,
      });
      // Asked again (a duplicate, a replay): the same answer, and the provider is not called again.
      expect(await gateway.send(request, afternoon)).toMatchObject({ status: 'failed', reason: 'invalid_number' });
      expect(posts()).toBe(1);
      // 21614 (not a mobile number) likewise.
      refusals.push({ status: 400, code: 21614 });
      expect(await gateway.send(req(), afternoon)).toMatchObject({
        status: 'failed',
        reason: 'not_mobile',
        permanent: true,
      });
    });

    it('Twilio 21610 (the recipient replied STOP to our number at the carrier) blocks the send and records the opt-out', async () => {
      const phone = '+12485550145';
      const { lead } = await createLeadOnce(
        pg.db,
        {
          firstName: 'Carrier',
          lastName: 'Stop',
          phone,
          source: 'website',
          address: { street: '8 Main St', city: 'Troy', state: 'MI', zip: '48083' },
          property: {},
          signals: {},
        },
        { requestHash: 'c21610', dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
      );
      refusals.push({ status: 400, code: 21610, message: 'Attempt to send to unsubscribed recipient' });
      const gateway = gatewayWith({ sms: twilioSms() });
      const request = req({ contactId: lead.contact_id });
      expect(await gateway.send(request, afternoon)).toMatchObject({
        status: 'blocked',
        reason: 'opted_out',
        channel: 'sms',
      });
      expect(await consentOf(pg.db, 'sms', phone)).toBe('opted_out');
      expect(
        await pg.db.selectFrom('consent_events').select(['status', 'source']).where('address', '=', phone).execute(),
      ).toEqual([{ status: 'opted_out', source: 'provider' }]);
      expect(await rowOf(request.idempotencyKey)).toMatchObject({
        status: 'blocked',
        error: 'opted_out: twilio 21610',
      });
      // The next message to that number is blocked before it reaches Twilio.
      expect(await gateway.send(req({ contactId: lead.contact_id }), afternoon)).toMatchObject({ status: 'blocked' });
      expect(posts()).toBe(1);
    });

    it('transient Twilio errors (5xx, 429, a lost connection) are thrown to be retried, without personal data; the retry sends', async () => {
      const gateway = gatewayWith({ sms: twilioSms() });
      for (const refusal of [
        { status: 503, code: 20503, message: `Service unavailable sending to ${PHONE}` },
        { status: 429, code: 20429, message: 'Too Many Requests' },
      ]) {
        refusals.push(refusal);
        const request = req({ text: `Your inspection is confirmed (${refusal.status}).` });
        const err = await gateway.send(request, afternoon).then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        expect(err?.message).toMatch(new RegExp(`twilio.*(${refusal.status}|${refusal.code})`));
        expect(err?.message).not.toContain(PHONE);
        expect(await rowOf(request.idempotencyKey)).toMatchObject({ status: 'sending' });
        expect(await gateway.send(request, afternoon)).toMatchObject({ status: 'sent', duplicate: true });
      }
      // The connection refused (nothing reached Twilio): thrown with the network code only.
      const offline = twilioSmsProvider({
        accountSid: SID,
        authToken: TOKEN,
        from: '+12485550100',
        httpClient: {
          request: () =>
            Promise.reject(Object.assign(new Error(`connect ECONNREFUSED for ${PHONE}`), { code: 'ECONNREFUSED' })),
        },
      });
      await expect(gatewayWith({ sms: offline }).send(req({ text: 'Offline' }), afternoon)).rejects.toThrow(
        'twilio: network (network ECONNREFUSED)',
      );
    });

    it('SendGrid: a 400 ends the send failed for good; 429 and 5xx are retried', async () => {
      const gateway = gatewayWith({ email: sendgrid() });
      refusals.push({ status: 400, message: 'Does not contain a valid address.' });
      const rejected = req({ channel: 'email', subject: 'Hello' });
      expect(await gateway.send(rejected, afternoon)).toMatchObject({
        status: 'failed',
        reason: 'rejected',
        channel: 'email',
        permanent: true,
      });
      expect(await rowOf(rejected.idempotencyKey)).toMatchObject({
        status: 'failed',
        error: 'rejected: sendgrid HTTP 400',
      });
      for (const status of [429, 500]) {
        refusals.push({ status });
        const request = req({ channel: 'email', subject: 'Hello' });
        await expect(gateway.send(request, afternoon)).rejects.toThrow(new RegExp(`sendgrid.*${status}`));
        expect(await gateway.send(request, afternoon)).toMatchObject({
          status: 'sent',
          providerMessageId: 'sg-abc123',
        });
      }
    });

    it('a second message with the same text to the same number is sent: a first attempt asks Twilio nothing', async () => {
      const gateway = gatewayWith({ sms: twilioSms() });
      const first = await gateway.send(req({ text: 'Reminder: your inspection is tomorrow.' }), afternoon);
      deliverQueued(); // Twilio has sent it
      const second = await gateway.send(req({ text: 'Reminder: your inspection is tomorrow.' }), afternoon);
      expect(first).toMatchObject({ status: 'sent', duplicate: false });
      expect(second).toMatchObject({ status: 'sent', duplicate: false });
      expect(sentBodies.map((m) => m.body)).toEqual([
        'Reminder: your inspection is tomorrow.',
        'Reminder: your inspection is tomorrow.',
      ]);
      expect((second as { providerMessageId: string }).providerMessageId).toBe(sentBodies[1]!.sid);
      expect(seen.filter((r) => r.method === 'GET')).toHaveLength(0);
    });

    it('a retry after a lost reply finds the message Twilio still has queued, sent by this record, and sends nothing twice', async () => {
      const gateway = gatewayWith({
        sms: twilioSmsProvider({
          accountSid: SID,
          authToken: TOKEN,
          from: '+12485550100',
          statusCallback: 'https://crm.example/webhooks/twilio/status',
          httpClient: forward({ loseReplies: 1 }),
        }),
      });
      const request = req({ text: 'Your crew arrives at 8.' });
      await expect(gateway.send(request, afternoon)).rejects.toThrow(/twilio: network/);
      expect(sentBodies).toHaveLength(1);
      expect(sentBodies[0]!.status).toBe('queued'); // not sent yet: no date_sent
      const retried = await gateway.send(request, afternoon);
      expect(retried).toMatchObject({ status: 'sent', duplicate: true, providerMessageId: sentBodies[0]!.sid });
      expect(sentBodies).toHaveLength(1);
      // Our message id rides on the status callback, so Twilio's callbacks name the record.
      const { messageId } = retried as { messageId: string };
      expect(sentBodies[0]!.statusCallback).toBe(`https://crm.example/webhooks/twilio/status?m=${messageId}`);
      expect(await rowOf(request.idempotencyKey)).toMatchObject({
        status: 'sent',
        provider_message_id: sentBodies[0]!.sid,
      });
    });

    it('a retry never takes a look-alike: the same text sent earlier for another record is not this message', async () => {
      const gateway = gatewayWith({ sms: twilioSms() });
      const text = 'Thanks for your time today.';
      const earlier = await gateway.send(req({ text }), afternoon);
      deliverQueued();
      // The next message with the same text: Twilio refuses the first attempt (it never had it).
      refusals.push({ status: 503, code: 20503 });
      const request = req({ text });
      await expect(gateway.send(request, afternoon)).rejects.toThrow(/twilio/);
      // Also at Twilio: the same text to the number an hour ago, sent from its console (no record of ours).
      sentBodies.push({
        sid: 'SM-console',
        to: PHONE,
        from: '+12485550100',
        body: text,
        status: 'delivered',
        dateCreated: new Date(Date.now() - 3_600_000),
        dateSent: new Date(Date.now() - 3_600_000),
      });
      const retried = await gateway.send(request, afternoon);
      const [, , ours] = sentBodies;
      expect(retried).toMatchObject({ status: 'sent', duplicate: true, providerMessageId: ours!.sid });
      expect(sentBodies.map((m) => m.body)).toEqual([text, text, text]);
      expect((earlier as { providerMessageId: string }).providerMessageId).toBe(sentBodies[0]!.sid);
    });

    it('Twilio calls: a retry takes only a call placed since this message was recorded, not an earlier call to the number', async () => {
      calls = [];
      const voice = (lose = 0) =>
        twilioCallProvider({
          accountSid: SID,
          authToken: TOKEN,
          from: '+12485550100',
          httpClient: forward({ loseReplies: lose }),
        });
      const gateway = createGateway({ db: pg.db, providers: { call: voice() }, caps: { perDay: 100, perWeek: 100 } });
      await gateway.send(req({ channel: 'call', kind: 'transactional', text: 'Your estimate is ready.' }), afternoon);
      expect(calls).toHaveLength(1);
      // The next call to the number: Twilio refuses its first attempt, then takes the retry.
      refusals.push({ status: 503, code: 20503 });
      const request = req({ channel: 'call', kind: 'transactional', text: 'Your crew arrives at 8.' });
      await expect(gateway.send(request, afternoon)).rejects.toThrow(/twilio/);
      expect(await gateway.send(request, afternoon)).toMatchObject({
        status: 'sent',
        providerMessageId: calls[1]?.sid,
      });
      expect(calls).toHaveLength(2);
      // And a lost reply: the retry finds the call it placed.
      const lost = createGateway({ db: pg.db, providers: { call: voice(1) }, caps: { perDay: 100, perWeek: 100 } });
      const third = req({ channel: 'call', kind: 'transactional', text: 'See you at 9.' });
      await expect(lost.send(third, afternoon)).rejects.toThrow(/twilio/);
      expect(await lost.send(third, afternoon)).toMatchObject({
        status: 'sent',
        duplicate: true,
        providerMessageId: calls[2]!.sid,
      });
      expect(calls).toHaveLength(3);
    });
  });
});
