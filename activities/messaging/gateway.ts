// The one door for every message the company sends (roadmap 4.3, 7.1 A). Compliance lives here,
// not in the workflows: opt-outs and suppression block, quiet hours, holidays (marketing only) and
// frequency caps defer (the caller waits durably and asks again), and each message is sent exactly
// once — it is recorded under its idempotency key before the provider is called, a repeat finds
// the record, and only one attempt at a time may call the provider for it (an overlapping attempt
// fails with MessageInFlightError and its retry finds the message sent). A marketing message's cap
// is checked again and the message recorded under the contact's lock, so two workflows sending
// to one person at the same moment cannot both pass the cap.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  consentOf,
  findMessageByKey,
  lockMarketingOf,
  markSent,
  recentMarketing,
  recipientOf,
  recordMessage,
  withSendLock,
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

/** Another attempt is calling the provider for this message now: retry later (it will be found sent). */
export class MessageInFlightError extends Error {
  constructor(readonly messageId: string) {
    super(`message ${messageId} is being sent by another attempt; retry to get its outcome`);
    this.name = 'MessageInFlightError';
  }
}

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

  type MessageRow = NonNullable<Awaited<ReturnType<typeof findMessageByKey>>>;
  /** A new message recorded (or another attempt's found: no row), or deferred by the cap. */
  type Recorded = { row?: MessageRow } | { deferred: SendOutcome };

  /** Calls the provider (unless it already has the message) and records it; `q`: the send lock's connection. */
  async function deliver(
    q: Kysely<Database>,
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
    await markSent(q, row.id, providerMessageId);
    // On the customer's timeline once, whichever attempt gets here.
    await recordInteraction(q, {
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

  /** Delivers a recorded message unless it went out meanwhile, as the only attempt calling the provider. */
  async function deliverOnce(
    provider: MessageProvider,
    row: MessageRow,
    at: Date,
    recordedNow: boolean,
  ): Promise<SendOutcome> {
    const sent = await withSendLock(db, row.id, async (conn) => {
      const now = await findMessageByKey(conn, row.idempotency_key);
      if (now?.status === 'sent' || now?.status === 'delivered')
        return {
          status: 'sent' as const,
          messageId: now.id,
          providerMessageId: now.provider_message_id!,
          provider: now.provider,
          duplicate: true,
        };
      const providerMessageId = await deliver(conn, provider, row, at);
      return {
        status: 'sent' as const,
        messageId: row.id,
        providerMessageId,
        provider: row.provider,
        duplicate: !recordedNow,
      };
    });
    if (!sent.held) throw new MessageInFlightError(row.id);
    return sent.value;
  }

  /** The cap a marketing message to the contact would break at `at`, as a deferral; undefined if none. */
  async function overCap(q: Kysely<Database>, contactId: string, at: Date): Promise<SendOutcome | undefined> {
    const week = await recentMarketing(q, contactId, new Date(at.getTime() - 7 * DAY));
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
    return undefined;
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
      // Recorded but not confirmed: an earlier attempt died around the provider call, or is still there.
      if (existing) return deliverOnce(provider, existing, at, false);

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
      // Over the cap already: deferred before any rendering or rewording (checked again when recorded).
      const capped = marketing ? await overCap(db, req.contactId, at) : undefined;
      if (capped) return capped;

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
      const message = { ...req, ...content, id, kind: req.kind ?? 'marketing', to, provider: provider.name };
      // Marketing: the cap checked again and the message recorded while no other send to the
      // contact is deciding (two workflows at the same moment would both pass the check above).
      const recorded: Recorded = marketing
        ? await db.transaction().execute(async (tx): Promise<Recorded> => {
            await lockMarketingOf(tx, req.contactId);
            if (await findMessageByKey(tx, req.idempotencyKey)) return { row: undefined }; // another attempt's
            const deferred = await overCap(tx, req.contactId, at);
            return deferred ? { deferred } : { row: await recordMessage(tx, message) };
          })
        : { row: await recordMessage(db, message) };
      if ('deferred' in recorded) return recorded.deferred; // the cap filled meanwhile
      // No row: another attempt recorded it between our look and our insert; theirs is the message.
      const row = recorded.row ?? (await findMessageByKey(db, req.idempotencyKey))!;
      return deliverOnce(provider, row, at, recorded.row !== undefined);
    },
  };
}

/** The offline default provider (its own module; exported here for the callers that build a gateway). */
export { localProvider } from './providers/local';
