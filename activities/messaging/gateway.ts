// The one door for every message the company sends (roadmap 4.3, 7.1 A). Compliance lives here,
// not in the workflows: opt-outs and suppression block, quiet hours, holidays (marketing only) and
// frequency caps defer (the caller waits durably and asks again), and each message is sent exactly
// once — it is recorded under its idempotency key before the provider is called, and a repeat
// finds the record.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  consentOf,
  findMessageByKey,
  markSent,
  recentMarketing,
  recipientOf,
  recordMessage,
} from '../../db/repositories/messages';
import { recordInteraction } from '../../db/repositories/interactions';
import type { Database } from '../../db/schema';
import type { Channel, FrequencyCaps, MessageProvider, OutboundMessage, SendOutcome, SendRequest } from './contract';
import { COMPANY_ZONE, nextNonHolidayMorning, type HolidayPolicy } from './holidays';
import { nextAllowed, recipientZones } from './quiet-hours';
import type { Personaliser } from './personalise';
import { renderTemplate } from './templates';

/** Channels that reach a phone: quiet hours apply. */
const PHONE_CHANNELS: Channel[] = ['sms', 'call'];

const DAY = 86_400_000;

export function createGateway(deps: {
  db: Kysely<Database>;
  providers: Partial<Record<Channel, MessageProvider>>;
  caps: FrequencyCaps;
  now?: () => Date;
  /** Optional LLM rewording (off unless configured): never blocks a send. */
  personalise?: Personaliser;
  /** Every email carries a visible unsubscribe link to this (one-click) URL. */
  unsubscribeUrl?: (messageId: string) => string;
  /**
   * Hold marketing on holidays in the recipient's zones (createSendingActivities passes
   * MESSAGE_HOLIDAYS_OBSERVED / MESSAGE_HOLIDAYS, the US holidays by default). Not given: no hold.
   */
  holidays?: HolidayPolicy;
}) {
  const { db, providers, caps } = deps;
  const now = deps.now ?? (() => new Date());

  async function deliver(
    provider: MessageProvider,
    row: {
      id: string;
      idempotency_key: string;
      contact_id: string;
      lead_id: string | null;
      channel: string;
      to_address: string;
      subject: string | null;
      body_text: string;
      body_html: string | null;
    },
    at: Date,
  ) {
    const message: OutboundMessage = {
      id: row.id,
      idempotencyKey: row.idempotency_key,
      contactId: row.contact_id,
      leadId: row.lead_id ?? undefined,
      channel: row.channel as Channel,
      to: row.to_address,
      subject: row.subject ?? undefined,
      text: row.body_text,
      html: row.body_html ?? undefined,
    };
    const earlier = await provider.alreadySent?.(message);
    const providerMessageId = earlier ?? (await provider.send(message)).providerMessageId;
    await markSent(db, row.id, providerMessageId);
    // On the customer's timeline once, whichever attempt gets here.
    await recordInteraction(db, {
      contact_id: row.contact_id,
      lead_id: row.lead_id,
      channel: row.channel,
      direction: 'outbound',
      summary: row.subject ?? row.body_text.slice(0, 140),
      body: row.body_text,
      source_key: `message:${row.id}`,
      occurred_at: at,
    });
    return providerMessageId;
  }

  return {
    /** `at`: when the send happens, for quiet hours and caps (default: now). */
    async send(req: SendRequest, at: Date = now()): Promise<SendOutcome> {
      const provider = providers[req.channel];
      if (!provider) throw new Error(`no provider configured for ${req.channel}`);

      // A repeat (retried activity, duplicate signal) finds the first record.
      const existing = await findMessageByKey(db, req.idempotencyKey);
      if (existing?.status === 'sent' || existing?.status === 'delivered') {
        return {
          status: 'sent',
          messageId: existing.id,
          providerMessageId: existing.provider_message_id!,
          provider: existing.provider,
          duplicate: true,
        };
      }
      if (existing) {
        // Recorded but not confirmed: an earlier attempt died around the provider call.
        return {
          status: 'sent',
          messageId: existing.id,
          providerMessageId: await deliver(provider, existing, at),
          provider: existing.provider,
          duplicate: true,
        };
      }

      const recipient = await recipientOf(db, req.contactId);
      const to = !recipient
        ? null
        : req.channel === 'email'
          ? recipient.email
          : PHONE_CHANNELS.includes(req.channel)
            ? recipient.phone
            : req.channel === 'postcard'
              ? recipient.postal
              : (recipient.email ?? recipient.phone);
      if (!to) return { status: 'blocked', reason: 'no_address', channel: req.channel };
      const consent = await consentOf(db, req.channel, to);
      if (consent !== 'subscribed') return { status: 'blocked', reason: consent, channel: req.channel };

      const marketing = (req.kind ?? 'marketing') === 'marketing';
      const phone = PHONE_CHANNELS.includes(req.channel);
      const holidays =
        marketing && deps.holidays && (deps.holidays.observed || deps.holidays.extra.length > 0)
          ? deps.holidays
          : undefined;
      const zones =
        phone || holidays
          ? await recipientZones({ state: recipient!.state, zip: recipient!.zip, phone: recipient!.phone })
          : undefined;
      if (phone && zones) {
        const allowed = nextAllowed(at, zones.zones);
        if (allowed > at) return { status: 'deferred', reason: 'quiet_hours', notBefore: allowed.toISOString() };
      }
      if (holidays && zones) {
        // Every channel, marketing only. Nothing known of where the recipient is: the company's zone.
        const after = nextNonHolidayMorning(
          at,
          zones.from === 'none' ? [COMPANY_ZONE] : zones.zones,
          holidays.extra,
          holidays.observed,
        );
        if (after) return { status: 'deferred', reason: 'holiday', notBefore: after.toISOString() };
      }
      if (marketing) {
        const week = await recentMarketing(db, req.contactId, new Date(at.getTime() - 7 * DAY));
        const day = week.filter((t) => t.getTime() > at.getTime() - DAY);
        // Deferred until the oldest message inside the full window ages out of it.
        if (day.length >= caps.perDay)
          return {
            status: 'deferred',
            reason: 'frequency_cap',
            notBefore: new Date(day[day.length - caps.perDay]!.getTime() + DAY).toISOString(),
          };
        if (week.length >= caps.perWeek)
          return {
            status: 'deferred',
            reason: 'frequency_cap',
            notBefore: new Date(week[week.length - caps.perWeek]!.getTime() + 7 * DAY).toISOString(),
          };
      }

      let content = req.template
        ? renderTemplate(req.template.name, req.template.variables, req.template.version)
        : { subject: req.subject, text: req.text ?? '', html: req.html, template: undefined as string | undefined };
      if (req.personalise && req.template && deps.personalise) {
        // Every variable's value must survive the rewording, or the template is sent as written.
        const mustKeep = Object.values(req.template.variables)
          .filter((v) => typeof v === 'string' || typeof v === 'number')
          .map(String);
        const reworded = await deps.personalise({ ...content, template: content.template ?? '' }, mustKeep);
        content = { ...reworded, template: reworded.personalised ? `${reworded.template}+llm` : reworded.template };
      }
      const id = randomUUID();
      if (req.channel === 'email' && deps.unsubscribeUrl) {
        // The visible link (besides the List-Unsubscribe headers the provider adds).
        const url = deps.unsubscribeUrl(id);
        content = {
          ...content,
          text: `${content.text}\n\n—\nUnsubscribe: ${url}`,
          html: content.html
            ? `${content.html}\n<p style="font-size:12px;color:#666"><a href="${url}">Unsubscribe</a></p>`
            : undefined,
        };
      }
      const row =
        (await recordMessage(db, {
          ...req,
          ...content,
          id,
          kind: req.kind ?? 'marketing',
          to,
          provider: provider.name,
        })) ??
        // Another attempt recorded it between our look and our insert: theirs is the message.
        (await findMessageByKey(db, req.idempotencyKey))!;
      const providerMessageId = await deliver(provider, row, at);
      return { status: 'sent', messageId: row.id, providerMessageId, provider: provider.name, duplicate: false };
    },
  };
}

/**
 * The offline default: the message is delivered into Postgres — its row is the outbox the dev
 * page shows — so a recorded message has been delivered, and a retry never delivers it again.
 */
export function localProvider(channel: Channel): MessageProvider {
  const id = (m: OutboundMessage) => `local-${m.id}`;
  return {
    name: `local-${channel}`,
    send: (m) => Promise.resolve({ providerMessageId: id(m) }),
    alreadySent: (m) => Promise.resolve(id(m)),
  };
}
