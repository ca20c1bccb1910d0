// What a provider's error means for a send, as data: one table per provider, each row with the
// vendor's page. The adapters turn whatever their SDK throws into a ProviderError of one kind:
//
// - `permanent`: the same request will never succeed (an invalid number, not a mobile, a malformed
//   email…). The send ends `failed` (not retried), the message row records why, and the caller
//   picks another channel.
// - `opted_out`: the provider says the recipient opted out (Twilio 21610: they replied STOP to our
//   number at the carrier). A consent fact: recorded in channel_consents, and the send ends `blocked`.
// - `transient`: the provider or the network failed, or asked us to slow down, or our credentials
//   were refused (fixing them sends the backlog). Thrown, so Temporal retries the activity with
//   backoff — within the send's bound (workflows/messaging/send.ts), after which it ends `failed`.
//   A transient error after the provider may have taken the message (a lost reply, a timeout) is an
//   unknown outcome: the retry asks the provider first where it can (Twilio), see docs/messaging.md.
//
// A ProviderError's message names the provider, the reason and the codes only: the SDKs' own
// messages may quote the phone number or the address, and activity failures are stored in workflow
// histories unencrypted (the codec encrypts payloads, not failure messages).

export type ProviderErrorKind = 'permanent' | 'opted_out' | 'transient';

export interface ErrorRule {
  kind: ProviderErrorKind;
  /** Recorded with the message (`messages.error`) and returned as the outcome's reason. */
  reason: string;
  /** The vendor's documentation of the code. */
  doc: string;
}

const twilioDoc = (code: number) => `https://www.twilio.com/docs/api/errors/${code}`;

/** Twilio REST API error codes (the `code` of its error body), SMS and calls. */
export const TWILIO_ERRORS: Readonly<Record<number, ErrorRule>> = {
  20003: { kind: 'transient', reason: 'authentication', doc: twilioDoc(20003) }, // our credentials, not the message
  20429: { kind: 'transient', reason: 'rate_limited', doc: twilioDoc(20429) },
  21211: { kind: 'permanent', reason: 'invalid_number', doc: twilioDoc(21211) }, // invalid 'To' phone number
  21214: { kind: 'permanent', reason: 'unreachable_number', doc: twilioDoc(21214) }, // call: 'To' cannot be reached
  21217: { kind: 'permanent', reason: 'invalid_number', doc: twilioDoc(21217) }, // call: number does not appear valid
  21610: { kind: 'opted_out', reason: 'opted_out', doc: twilioDoc(21610) }, // attempt to send to unsubscribed recipient
  21612: { kind: 'permanent', reason: 'unroutable_number', doc: twilioDoc(21612) }, // 'To' not reachable via SMS
  21614: { kind: 'permanent', reason: 'not_mobile', doc: twilioDoc(21614) }, // 'To' is not a valid mobile number
  21635: { kind: 'permanent', reason: 'landline', doc: twilioDoc(21635) }, // 'To' cannot be a landline
};

const SENDGRID_ERRORS_DOC = 'https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/errors';

/** SendGrid v3 Mail Send answers by HTTP status (its error bodies carry no codes). */
export const SENDGRID_STATUSES: Readonly<Record<number, ErrorRule>> = {
  400: { kind: 'permanent', reason: 'rejected', doc: SENDGRID_ERRORS_DOC }, // bad request: refused again if resent
  401: { kind: 'transient', reason: 'authentication', doc: SENDGRID_ERRORS_DOC }, // our API key, not the message
  403: { kind: 'transient', reason: 'temporarily_blocked', doc: SENDGRID_ERRORS_DOC }, // "too many bad requests. Temporary block"
  413: { kind: 'permanent', reason: 'too_large', doc: SENDGRID_ERRORS_DOC },
  429: { kind: 'transient', reason: 'rate_limited', doc: SENDGRID_ERRORS_DOC },
};

const HTTP_DOC = 'https://www.twilio.com/docs/usage/twilios-response';

/**
 * Any other HTTP status, either provider: 408 and 429 are retried, other 4xx refuse the request
 * itself (resending it gets the same answer), 5xx are the provider's trouble (retried).
 */
export function byHttpStatus(status: number): ErrorRule {
  if (status === 408 || status === 429) return { kind: 'transient', reason: 'rate_limited', doc: HTTP_DOC };
  if (status >= 400 && status < 500) return { kind: 'permanent', reason: 'rejected', doc: HTTP_DOC };
  return { kind: 'transient', reason: 'provider_error', doc: HTTP_DOC };
}

export class ProviderError extends Error {
  /** Set by the gateway: the message the attempt was for (for the log line). */
  messageId?: string;

  constructor(
    readonly provider: string,
    readonly kind: ProviderErrorKind,
    readonly reason: string,
    /** What the provider said, codes only: `twilio 21211`, `sendgrid HTTP 400`, `network ECONNRESET`. */
    readonly detail: string,
  ) {
    super(`${provider}: ${reason} (${detail})`);
    this.name = 'ProviderError';
  }
}

/** A network error's code (ECONNRESET, ETIMEDOUT…), when it has one that is safe to log. */
function networkCode(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^[A-Z_]{3,40}$/.test(code) ? code : 'error';
}

/** What the Twilio SDK threw: a RestException (HTTP status and Twilio code) or a network error. */
export function classifyTwilioError(err: unknown, provider = 'twilio'): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = err as { status?: unknown; code?: unknown };
  const status = typeof e.status === 'number' ? e.status : undefined;
  if (status === undefined) return new ProviderError(provider, 'transient', 'network', `network ${networkCode(err)}`);
  const code = typeof e.code === 'number' ? e.code : undefined;
  const rule = (code !== undefined ? TWILIO_ERRORS[code] : undefined) ?? byHttpStatus(status);
  return new ProviderError(
    provider,
    rule.kind,
    rule.reason,
    code !== undefined ? `twilio ${code}` : `twilio HTTP ${status}`,
  );
}

/** What the SendGrid SDK threw: a ResponseError (`code` is the HTTP status) or a network error. */
export function classifySendGridError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const status = (err as { code?: unknown; response?: unknown }).response
    ? (err as { code?: unknown }).code
    : undefined;
  if (typeof status !== 'number')
    return new ProviderError('sendgrid', 'transient', 'network', `network ${networkCode(err)}`);
  const rule = SENDGRID_STATUSES[status] ?? byHttpStatus(status);
  return new ProviderError('sendgrid', rule.kind, rule.reason, `sendgrid HTTP ${status}`);
}
