// Twilio and SendGrid as seen by their official SDKs, on a local HTTP server: the real adapters
// (selected by their env keys, pointed here by TWILIO_API_BASE_URL / SENDGRID_API_BASE_URL) send to
// it. It can fail for a while (an outage: HTTP 503 with each provider's error body, to every
// request), and it records every request and every message it accepted — with the recipient and,
// where the adapter passes it, our message id — so a test counts deliveries as the provider would.
import { createServer, type Server } from 'node:http';
import { freePort } from './ports';

export const STUB_TWILIO_SID = `AC${'0'.repeat(31)}7`;

export interface Accepted {
  at: number;
  channel: 'sms' | 'email';
  to: string;
  body: string;
  /** Ours: SendGrid's custom arg `message_id`, or the `m` of Twilio's status callback URL, when present. */
  messageId?: string;
  providerMessageId: string;
}

export interface Attempt {
  at: number;
  api: 'sendgrid-send' | 'twilio-send' | 'twilio-list';
  status: number;
  to?: string;
  messageId?: string;
}

export interface ProviderStub {
  url: string;
  accepted: Accepted[];
  attempts: Attempt[];
  /** Answer 503 to every request for `ms` from now (returns when the outage ends, as epoch ms). */
  outage(ms: number): number;
  /** Called with an email before it is accepted (the 202 waits for it): e.g. to post its webhook event first. */
  beforeEmailAccepted?: (email: Accepted) => Promise<void>;
  close(): Promise<void>;
}

/** Twilio's date format (RFC 2822), as its API returns `date_created`. */
const rfc2822 = (ms: number) => new Date(ms).toUTCString().replace('GMT', '+0000');

export async function startProviderStub(): Promise<ProviderStub> {
  const port = await freePort();
  let downUntil = 0;
  const stub: ProviderStub = {
    url: `http://127.0.0.1:${port}`,
    accepted: [],
    attempts: [],
    outage(ms) {
      downUntil = Date.now() + ms;
      return downUntil;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const messagesPath = `/2010-04-01/Accounts/${STUB_TWILIO_SID}/Messages.json`;
  const twilioMessage = (a: Accepted) => ({
    sid: a.providerMessageId,
    account_sid: STUB_TWILIO_SID,
    to: a.to,
    from: '+12485550100',
    body: a.body,
    status: 'queued',
    date_created: rfc2822(a.at),
    date_updated: rfc2822(a.at),
    date_sent: null,
  });

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url!, stub.url);
        const at = Date.now();
        const down = at < downUntil;
        const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
          res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

        if (url.pathname === '/v3/mail/send' && req.method === 'POST') {
          const mail = JSON.parse(raw) as {
            personalizations: { to: { email: string }[] }[];
            content: { type: string; value: string }[];
            custom_args?: { message_id?: string };
          };
          const to = mail.personalizations[0]!.to[0]!.email;
          const messageId = mail.custom_args?.message_id;
          stub.attempts.push({ at, api: 'sendgrid-send', status: down ? 503 : 202, to, messageId });
          if (down) return json(503, { errors: [{ message: 'Service Unavailable', field: null, help: null }] });
          const email: Accepted = {
            at,
            channel: 'email',
            to,
            body: mail.content.find((c) => c.type === 'text/plain')?.value ?? '',
            messageId,
            providerMessageId: `sg${String(stub.accepted.length + 1).padStart(10, '0')}`,
          };
          stub.accepted.push(email);
          await stub.beforeEmailAccepted?.(email);
          return res.writeHead(202, { 'x-message-id': email.providerMessageId }).end();
        }
        if (url.pathname === messagesPath && req.method === 'POST') {
          const form = new URLSearchParams(raw);
          const to = form.get('To')!;
          const callback = form.get('StatusCallback');
          const messageId = callback ? (new URL(callback).searchParams.get('m') ?? undefined) : undefined;
          stub.attempts.push({ at, api: 'twilio-send', status: down ? 503 : 201, to, messageId });
          if (down) return json(503, { code: 20503, message: 'Service Unavailable', status: 503 });
          const sms: Accepted = {
            at,
            channel: 'sms',
            to,
            body: form.get('Body') ?? '',
            messageId,
            providerMessageId: `SM${String(stub.accepted.length + 1).padStart(32, '0')}`,
          };
          stub.accepted.push(sms);
          return json(201, twilioMessage(sms));
        }
        if (url.pathname === messagesPath && req.method === 'GET') {
          const to = url.searchParams.get('To') ?? undefined;
          stub.attempts.push({ at, api: 'twilio-list', status: down ? 503 : 200, to });
          if (down) return json(503, { code: 20503, message: 'Service Unavailable', status: 503 });
          const messages = stub.accepted.filter((a) => a.channel === 'sms' && (!to || a.to === to)).map(twilioMessage);
          return json(200, { messages, next_page_uri: null, page: 0, page_size: 50, uri: url.pathname });
        }
        json(404, { code: 20404, message: 'Not found', status: 404 });
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return stub;
}
