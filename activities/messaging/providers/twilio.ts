// SMS through Twilio's official SDK. Twilio takes no idempotency key, so before sending, the
// gateway asks whether an earlier attempt of this message already reached Twilio (same recipient,
// same body, sent since the message was recorded) and reuses that message's SID.
import twilio from 'twilio';
import type { MessageProvider, OutboundMessage } from '../contract';

export interface TwilioOptions {
  accountSid: string;
  authToken: string;
  from: string;
  /** Where Twilio posts delivery status (our signed webhook). */
  statusCallback?: string;
  /** The SDK's HTTP client (its `request(options)` contract); tests and proxies pass their own. */
  httpClient?: TwilioHttpClient;
  /**
   * Where the REST API is reached instead of https://api.twilio.com (TWILIO_API_BASE_URL: an
   * egress proxy, a test server): the SDK's own HTTP client, with each request's origin replaced.
   */
  baseUrl?: string;
}

type TwilioHttpClient = {
  request(options: TwilioRequest): Promise<{ statusCode: number; body: unknown; headers: Record<string, string> }>;
};

export interface TwilioRequest {
  method: string;
  uri: string;
  username?: string;
  password?: string;
  headers: Record<string, string>;
  params?: Record<string, unknown>;
  data?: Record<string, unknown>;
}

/** The SDK's own HTTP client, sending every request to `baseUrl` (path and query kept). */
function viaBaseUrl(baseUrl: string): TwilioHttpClient {
  const sdk = new twilio.RequestClient();
  const base = new URL(baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  return {
    request: (o) => {
      const target = new URL(o.uri);
      return sdk.request({
        ...o,
        uri: `${base.origin}${prefix}${target.pathname}${target.search}`,
      } as never) as ReturnType<TwilioHttpClient['request']>;
    },
  };
}

/** The SDK client: through the given HTTP client, or to the given base URL, or to Twilio. */
function clientOf(opts: TwilioOptions) {
  const httpClient = opts.httpClient ?? (opts.baseUrl ? viaBaseUrl(opts.baseUrl) : undefined);
  // The SDK's own types name its RequestClient class; any object keeping its request() contract works.
  return twilio(opts.accountSid, opts.authToken, httpClient ? { httpClient: httpClient as never } : {});
}

export function twilioSmsProvider(opts: TwilioOptions): MessageProvider {
  const client = clientOf(opts);
  return {
    name: 'twilio',
    async send(m: OutboundMessage) {
      const sent = await client.messages.create({
        to: m.to,
        from: opts.from,
        body: m.text,
        ...(opts.statusCallback && { statusCallback: opts.statusCallback }),
      });
      return { providerMessageId: sent.sid };
    },
    async alreadySent(m: OutboundMessage) {
      // A day back is more than any retry takes; the body and recipient identify the attempt.
      const recent = await client.messages.list({
        to: m.to,
        from: opts.from,
        dateSentAfter: new Date(Date.now() - 86_400_000),
        limit: 50,
      });
      return recent.find((r) => r.body === m.text)?.sid;
    },
  };
}

/** Outbound calls through Twilio: the message text is read to the recipient (TwiML <Say>). */
export function twilioCallProvider(opts: TwilioOptions): MessageProvider {
  const client = clientOf(opts);
  return {
    name: 'twilio-voice',
    async send(m: OutboundMessage) {
      const twiml = new twilio.twiml.VoiceResponse();
      twiml.say(m.text);
      const call = await client.calls.create({
        to: m.to,
        from: opts.from,
        twiml: twiml.toString(),
        ...(opts.statusCallback && { statusCallback: opts.statusCallback }),
      });
      return { providerMessageId: call.sid };
    },
    async alreadySent(m: OutboundMessage) {
      const recent = await client.calls.list({
        to: m.to,
        from: opts.from,
        startTimeAfter: new Date(Date.now() - 86_400_000),
        limit: 50,
      });
      return recent[0]?.sid;
    },
  };
}
