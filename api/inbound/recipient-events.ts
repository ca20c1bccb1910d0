// What recipients tell us, whichever provider brought it: SMS keywords change consent at once, an
// out-of-office answer is told apart from a real reply, and email unsubscribes, bounces and spam
// reports suppress the address. Not an activity: the webhook routes (after verifying the provider's
// signature; the dev outbox's recipient actions arrive the same way) and the unsubscribe page call
// these within the request.
import type { Kysely } from 'kysely';
import { setConsent } from '../../db/repositories/messages';
import type { Database } from '../../db/schema';
import { keywordAction } from './keywords';
import { outOfOffice } from './out-of-office';

export const HELP_REPLY =
  'iSwitch Roofs: reply STOP to stop texts, START to resume. Questions? Call us or visit iswitchroofs.example.';
export const STOP_REPLY = 'iSwitch Roofs: you will receive no more texts from us. Reply START to resume.';

export type InboundSmsResult =
  | { action: 'opted_out' | 'opted_in' | 'help'; reply: string | null }
  /** STOP or START older than the consent in force (a late or retried delivery): kept in the history only. */
  | { action: 'superseded'; reply: null }
  | { action: 'reply'; reply: null }
  /** An automatic out-of-office answer; `until`: the stated return, when one could be read. */
  | { action: 'auto_reply'; reply: null; until?: string };

/** `sms.at`: when the person sent it, as far as we know (Twilio dates no inbound SMS: when it first reached us). */
export async function handleInboundSms(
  db: Kysely<Database>,
  sms: { from: string; body: string; providerMessageId?: string; at?: Date },
): Promise<InboundSmsResult> {
  const detail = { body: sms.body, providerMessageId: sms.providerMessageId };
  const consent = (status: 'opted_out' | 'subscribed') =>
    setConsent(db, { channel: 'sms', address: sms.from, status, source: 'sms_keyword', detail, effectiveAt: sms.at });
  switch (keywordAction(sms.body)) {
    case 'opt_out':
      return (await consent('opted_out'))
        ? { action: 'opted_out', reply: STOP_REPLY }
        : { action: 'superseded', reply: null };
    case 'opt_in':
      return (await consent('subscribed'))
        ? { action: 'opted_in', reply: null }
        : { action: 'superseded', reply: null };
    case 'help':
      return { action: 'help', reply: HELP_REPLY };
    default: {
      const away = outOfOffice(sms.body, new Date());
      return away ? { action: 'auto_reply', reply: null, until: away.until } : { action: 'reply', reply: null };
    }
  }
}

export const EMAIL_EVENTS = ['unsubscribe', 'group_unsubscribe', 'bounce', 'spamreport', 'dropped'] as const;

/** An email event that stops sending to the address: unsubscribes opt out, the rest suppress. */
export async function handleEmailEvent(
  db: Kysely<Database>,
  e: { email: string; event: (typeof EMAIL_EVENTS)[number]; reason?: string; providerEventId?: string; at?: Date },
): Promise<void> {
  const optOut = e.event === 'unsubscribe' || e.event === 'group_unsubscribe';
  await setConsent(db, {
    channel: 'email',
    address: e.email.toLowerCase(),
    status: optOut ? 'opted_out' : 'suppressed',
    source: optOut ? 'unsubscribe_link' : e.event === 'spamreport' ? 'spam_report' : 'bounce',
    reason: e.reason,
    detail: { event: e.event, providerEventId: e.providerEventId },
    effectiveAt: e.at,
  });
}
