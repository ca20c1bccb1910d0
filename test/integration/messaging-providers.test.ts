// The real adapters, each through its official SDK pointed at a local HTTP server: the exact
// requests (auth, path, body, headers), and Twilio's check-before-send that makes a retry after a
// lost reply send nothing twice.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendgridProvider } from '../../activities/messaging/providers/sendgrid';
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
  let sentBodies: { sid: string; body: string; to: string }[] = [];

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const url = new URL(req.url!, base);
        seen.push({ method: req.method!, path: url.pathname, query: url.searchParams, headers: req.headers, body });
        if (url.pathname === '/v3/mail/send') {
          res.writeHead(202, { 'x-message-id': 'sg-abc123' }).end();
        } else if (url.pathname === `/2010-04-01/Accounts/${SID}/Messages.json` && req.method === 'POST') {
          const form = new URLSearchParams(body);
          const sid = `SM${String(sentBodies.length + 1).padStart(32, '0')}`;
          sentBodies.push({ sid, body: form.get('Body')!, to: form.get('To')! });
          res
            .writeHead(201, { 'content-type': 'application/json' })
            .end(JSON.stringify({ sid, body: form.get('Body'), to: form.get('To'), status: 'queued' }));
        } else if (url.pathname === `/2010-04-01/Accounts/${SID}/Calls.json` && req.method === 'POST') {
          res
            .writeHead(201, { 'content-type': 'application/json' })
            .end(JSON.stringify({ sid: `CA${'0'.repeat(31)}1`, status: 'queued' }));
        } else if (url.pathname === `/2010-04-01/Accounts/${SID}/Messages.json`) {
          const to = url.searchParams.get('To');
          const messages = sentBodies.filter((m) => m.to === to).map((m) => ({ sid: m.sid, body: m.body, to: m.to }));
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ messages, next_page_uri: null, page: 0, page_size: 50, uri: url.pathname }));
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
    expect(result.providerMessageId).toMatch(/^SM0+1$/);
    const post = seen.find((s) => s.method === 'POST')!;
    expect(post.path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(post.headers.authorization).toBe(`Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`);
    expect(Object.fromEntries(new URLSearchParams(post.body))).toEqual({
      To: '+12485550166',
      From: '+12485550100',
      Body: 'Your inspection is at 9.',
      StatusCallback: 'https://crm.example/webhooks/twilio/status',
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
    expect(await provider.alreadySent!(message)).toBeUndefined();
    await expect(provider.send(message)).rejects.toThrow(/reply lost/);
    const found = await provider.alreadySent!(message);
    expect(found).toBe(sentBodies[0]!.sid);
    expect(sentBodies).toHaveLength(1);
    const list = seen.filter((s) => s.method === 'GET').at(-1)!;
    expect(list.query.get('To')).toBe('+12485550155');
    expect(list.query.get('From')).toBe('+12485550100');
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
    expect(sms.providerMessageId).toMatch(/^SM0+1$/);
    expect(
      await providers.sms!.alreadySent!({
        id: 'm3',
        idempotencyKey: 'wf:5',
        channel: 'sms',
        to: '+12485550133',
        text: 'Through the proxy.',
      }),
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
      'https://crm.example/webhooks/twilio/status',
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
    expect(result.providerMessageId).toMatch(/^CA0+1$/);
    const post = seen.find((s) => s.method === 'POST')!;
    expect(post.path).toBe(`/2010-04-01/Accounts/${SID}/Calls.json`);
    const form = Object.fromEntries(new URLSearchParams(post.body));
    expect(form).toMatchObject({
      To: '+12485550166',
      From: '+12485550100',
      StatusCallback: 'https://crm.example/webhooks/twilio/status',
    });
    expect(form.Twiml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Your inspection is tomorrow at 9 &amp; we will call ahead.</Say></Response>',
    );
  });
});
