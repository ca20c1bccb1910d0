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
