// SMS through Twilio's official SDK. Twilio takes no idempotency key, so before sending, the
// gateway asks whether an earlier attempt of this message already reached Twilio (same recipient,
// same body, sent since the message was recorded) and reuses that message's SID.
import twilio from 'twilio';
import type { MessageProvider, OutboundMessage } from '../contract';
import { classifyTwilioError } from './errors';

export interface TwilioOptions {
  accountSid: string;
  authToken: string;
  from: string;
  /** Where Twilio posts delivery status (our signed webhook). */
  statusCallback?: string;
  /** The SDK's HTTP client (its `request(options)` contract); tests and proxies pass their own. */
  httpClient?: {
    request(options: TwilioRequest): Promise<{ statusCode: number; body: unknown; headers: Record<string, string> }>;
  };
}

export interface TwilioRequest {
  method: string;
  uri: string;
  username?: string;
  password?: string;
  headers: Record<string, string>;
  params?: Record<string, unknown>;
  data?: Record<string, unknown>;
}

export function twilioSmsProvider(opts: TwilioOptions): MessageProvider {
  // The SDK's own types name its RequestClient class; any object keeping its request() contract works.
  const client = twilio(
    opts.accountSid,
    opts.authToken,
    opts.httpClient ? { httpClient: opts.httpClient as never } : {},
  );
  return {
    name: 'twilio',
    async send(m: OutboundMessage) {
      try {
        const sent = await client.messages.create({
          to: m.to,
          from: opts.from,
          body: m.text,
          ...(opts.statusCallback && { statusCallback: opts.statusCallback }),
        });
        return { providerMessageId: sent.sid };
      } catch (err) {
        throw classifyTwilioError(err); // permanent (21211, 21610, 21614…) or transient: errors.ts
      }
    },
    async alreadySent(m: OutboundMessage) {
      // A day back is more than any retry takes; the body and recipient identify the attempt.
      const recent = await client.messages
        .list({
          to: m.to,
          from: opts.from,
          dateSentAfter: new Date(Date.now() - 86_400_000),
          limit: 50,
        })
        .catch((err: unknown) => Promise.reject(classifyTwilioError(err)));
      return recent.find((r) => r.body === m.text)?.sid;
    },
  };
}

/** Outbound calls through Twilio: the message text is read to the recipient (TwiML <Say>). */
export function twilioCallProvider(opts: TwilioOptions): MessageProvider {
  const client = twilio(
    opts.accountSid,
    opts.authToken,
    opts.httpClient ? { httpClient: opts.httpClient as never } : {},
  );
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
          ...(opts.statusCallback && { statusCallback: opts.statusCallback }),
        });
        return { providerMessageId: call.sid };
      } catch (err) {
        throw classifyTwilioError(err, 'twilio-voice');
      }
    },
    async alreadySent(m: OutboundMessage) {
      const recent = await client.calls
        .list({
          to: m.to,
          from: opts.from,
          startTimeAfter: new Date(Date.now() - 86_400_000),
          limit: 50,
        })
        .catch((err: unknown) => Promise.reject(classifyTwilioError(err, 'twilio-voice')));
      return recent[0]?.sid;
    },
  };
}
