// SMS (and calls) through Twilio's official SDK. Twilio takes no idempotency key, so on a retry
// after an unknown outcome (an earlier attempt recorded the message and never heard back) the
// gateway asks whether that attempt reached Twilio before sending again. Twilio's Message and Call
// resources echo nothing of ours — not even the StatusCallback URL — so the message this record
// sent is the one to this number, from ours, created since the record was (in any status: queued,
// accepted and sending ones have no date_sent yet), with this text (SMS), whose SID is not another
// record's; the oldest such. Our message id does come back on every status callback (the URL's
// `?m=<messageId>`), and the webhook binds the SID to the record as soon as one arrives
// (api/routes/webhooks.ts), so most retries find the record already confirmed.
import twilio from 'twilio';
import type { EarlierAttempt, MessageProvider, OutboundMessage } from '../contract';
import { classifyTwilioError } from './errors';

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

/** Twilio's clock and ours differ a little, and its dates are to the second. */
const CLOCK_SKEW_MS = 60_000;
/** More of our messages to one number than a retry's window could hold. */
const LOOKBACK = 100;

/** The status callback naming our message: Twilio echoes the URL's query on every callback. */
function callbackFor(url: string | undefined, messageId: string): string | undefined {
  if (!url) return undefined;
  const u = new URL(url);
  u.searchParams.set('m', messageId);
  return u.toString();
}

/** The oldest resource created since the record (less the skew) whose SID no other record claims. */
async function firstUnclaimed(
  found: { sid: string; dateCreated: Date }[],
  earlier: EarlierAttempt,
): Promise<string | undefined> {
  const since = earlier.recordedAt.getTime() - CLOCK_SKEW_MS;
  const candidates = found
    .filter((r) => new Date(r.dateCreated).getTime() >= since)
    .sort((a, b) => new Date(a.dateCreated).getTime() - new Date(b.dateCreated).getTime());
  for (const c of candidates) if (!(await earlier.claimed(c.sid))) return c.sid;
  return undefined;
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
      try {
        const sent = await client.messages.create({
          to: m.to,
          from: opts.from,
          body: m.text,
          ...(opts.statusCallback && { statusCallback: callbackFor(opts.statusCallback, m.id) }),
        });
        return { providerMessageId: sent.sid };
      } catch (err) {
        throw classifyTwilioError(err); // permanent (21211, 21610, 21614…) or transient: errors.ts
      }
    },
    async alreadySent(m: OutboundMessage, earlier: EarlierAttempt) {
      // No DateSent filter: it would leave out what Twilio has not sent yet (queued, accepted…).
      const recent = await client.messages
        .list({ to: m.to, from: opts.from, limit: LOOKBACK })
        .catch((err: unknown) => Promise.reject(classifyTwilioError(err)));
      return firstUnclaimed(
        recent.filter((r) => r.body === m.text),
        earlier,
      );
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
      try {
        const call = await client.calls.create({
          to: m.to,
          from: opts.from,
          twiml: twiml.toString(),
          ...(opts.statusCallback && { statusCallback: callbackFor(opts.statusCallback, m.id) }),
        });
        return { providerMessageId: call.sid };
      } catch (err) {
        throw classifyTwilioError(err, 'twilio-voice');
      }
    },
    async alreadySent(m: OutboundMessage, earlier: EarlierAttempt) {
      // No StartTime filter: a call still queued or ringing has no start time. A call has no text
      // to compare: two of our calls to one number, both with lost replies, could trade SIDs.
      const recent = await client.calls
        .list({ to: m.to, from: opts.from, limit: LOOKBACK })
        .catch((err: unknown) => Promise.reject(classifyTwilioError(err, 'twilio-voice')));
      return firstUnclaimed(recent, earlier);
    },
  };
}
