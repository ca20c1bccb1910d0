// Email through SendGrid's official SDK. Every email carries our message id (custom arg, echoed in
// its events) and one-click unsubscribe headers (RFC 8058) pointing at our endpoint.
import { Client } from '@sendgrid/client';
import { MailService } from '@sendgrid/mail';
import type { MessageProvider, OutboundMessage } from '../contract';
import { classifySendGridError } from './errors';

export interface SendGridOptions {
  apiKey: string;
  from: string;
  /** One-click unsubscribe URL for a message. */
  unsubscribeUrl: (messageId: string) => string;
  /** The API's base URL (SENDGRID_API_BASE_URL: the EU region, a proxy; tests point it at a local server). */
  baseUrl?: string;
  /** Request timeout (default 30 s, as Twilio's SDK). */
  timeoutMs?: number;
}

export function sendgridProvider(opts: SendGridOptions): MessageProvider {
  const mail = new MailService();
  const client = new Client();
  client.setApiKey(opts.apiKey);
  if (opts.baseUrl) client.setDefaultRequest('baseUrl', opts.baseUrl);
  // A hung request ends (as an unknown outcome, retried) well inside the activity's minute. The
  // client passes its default request to axios, whose `timeout` its types do not list.
  client.setDefaultRequest({ timeout: opts.timeoutMs ?? 30_000 } as unknown as Parameters<
    Client['setDefaultRequest']
  >[0]);
  mail.setClient(client);
  return {
    name: 'sendgrid',
    async send(m: OutboundMessage) {
      const unsubscribe = opts.unsubscribeUrl(m.id);
      try {
        const [response] = await mail.send({
          to: m.to,
          from: opts.from,
          subject: m.subject ?? '',
          text: m.text,
          ...(m.html && { html: m.html }),
          customArgs: { message_id: m.id },
          headers: { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
        });
        const id = response.headers['x-message-id'];
        return { providerMessageId: typeof id === 'string' ? id : `sendgrid-${m.id}` };
      } catch (err) {
        throw classifySendGridError(err); // 4xx but 401/403/429: permanent; the rest transient (errors.ts)
      }
    },
  };
}
