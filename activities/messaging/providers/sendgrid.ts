// Email through SendGrid's official SDK. Every email carries our message id (custom arg, echoed in
// its events) and one-click unsubscribe headers (RFC 8058) pointing at our endpoint.
import { Client } from '@sendgrid/client';
import { MailService } from '@sendgrid/mail';
import type { MessageProvider, OutboundMessage } from '../contract';

export interface SendGridOptions {
  apiKey: string;
  from: string;
  /** One-click unsubscribe URL for a message. */
  unsubscribeUrl: (messageId: string) => string;
  /** The API's base URL (SENDGRID_API_BASE_URL: the EU region, a proxy; tests point it at a local server). */
  baseUrl?: string;
}

export function sendgridProvider(opts: SendGridOptions): MessageProvider {
  const mail = new MailService();
  const client = new Client();
  client.setApiKey(opts.apiKey);
  if (opts.baseUrl) client.setDefaultRequest('baseUrl', opts.baseUrl);
  mail.setClient(client);
  return {
    name: 'sendgrid',
    async send(m: OutboundMessage) {
      const unsubscribe = opts.unsubscribeUrl(m.id);
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
    },
  };
}
