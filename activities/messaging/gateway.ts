// The one door for every message the company sends (roadmap 4.3, 7.1 A). Compliance lives here,
// not in the workflows: opt-outs and suppression block, quiet hours, holidays (marketing only) and
// frequency caps defer (the caller waits durably and asks again), and each message is sent exactly
// once — it is recorded under its idempotency key before the provider is called, a repeat finds
// the record, and only one attempt at a time may call the provider for it (an overlapping attempt
// fails with MessageInFlightError and its retry finds the message sent). A marketing message's cap
// is checked again and the message recorded under the contact's lock, so two workflows sending
// to one person at the same moment cannot both pass the cap. Every attempt passes the same checks
// at its own time — a retry of a recorded message too — and consent is read once more under the
// send lock just before the provider call; a recorded message that may no longer go out is marked
// so (`blocked`), and a later attempt never sends it. What a provider refuses for good ends the
// send `failed` (its opt-out: `blocked`, with the opt-out recorded); what may pass later is thrown
// for Temporal to retry (providers/errors.ts classifies).
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  consentOf,
  findMessageByKey,
  lockMarketingOf,
  markSent,
  markUnsent,
  providerIdClaimed,
  recentMarketing,
  recipientOf,
  recordMessage,
  setConsent,
  withSendLock,
} from '../../db/repositories/messages';
import { recordInteraction } from '../../db/repositories/interactions';
import { clearWait, lastMessageAt, recordWait, waitingFor } from '../../db/repositories/message-waits';
import type { Database } from '../../db/schema';
import type {
  AbandonRequest,
  Channel,
  FrequencyCaps,
  MessageProvider,
  OutboundMessage,
  Plan,
  SendOutcome,
  SendRequest,
} from './contract';
import { COMPANY_ZONE, nextNonHolidayMorning, type HolidayPolicy } from './holidays';
import { nextSendingMoment, recipientZones, type QuietHoursPolicy } from './quiet-hours';
import { ProviderError } from './providers/errors';
import { pace } from './pacing';
import type { Personaliser } from './personalise';
import { renderTemplate } from './templates';
import { countSendOutcome } from '../business-metrics';

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
  /** Quiet hours' policy (QUIET_HOURS_*, SENDING_WINDOWS); default: DEFAULT_QUIET_HOURS. */
  quietHours?: QuietHoursPolicy;
}) {
  const { db, providers, caps } = deps;
  const now = deps.now ?? (() => new Date());

  type MessageRow = NonNullable<Awaited<ReturnType<typeof findMessageByKey>>>;
  /** A new message recorded (or another attempt's found: no row), or deferred by the cap. */
  type Recorded = { row?: MessageRow } | { deferred: SendOutcome };

  /** The outcome a recorded message already has for good, if it has one (a repeat answers it again). */
  function settledOutcome(row: MessageRow): SendOutcome | undefined {
    const channel = row.channel as Channel;
    // Sent, delivered, or failed at the carrier after the provider took it (a delivery webhook).
    if (row.status === 'sent' || row.status === 'delivered' || (row.status === 'failed' && row.provider_message_id))
      return {
        status: 'sent',
        messageId: row.id,
        providerMessageId: row.provider_message_id!,
        provider: row.provider,
        duplicate: true,
      };
    const reason = row.error?.split(':')[0] ?? 'unknown';
    if (row.status === 'blocked')
      return { status: 'blocked', reason: reason as 'opted_out' | 'suppressed', channel, messageId: row.id };
    if (row.status === 'failed')
      return { status: 'failed', reason, channel, permanent: reason !== 'retries_exhausted', messageId: row.id };
    return undefined; // sending: recorded, not confirmed
  }

  const outbound = (row: MessageRow): OutboundMessage => ({
    id: row.id,
    idempotencyKey: row.idempotency_key,
    contactId: row.contact_id,
    leadId: row.lead_id ?? undefined,
    channel: row.channel as Channel,
    to: row.to_address,
    subject: row.subject ?? undefined,
    text: row.body_text,
    html: row.body_html ?? undefined,
  });

  /**
   * Whether an earlier attempt of a recorded message reached the provider: the provider id a
   * status callback bound to the record, else the provider's answer (those that can tell: Twilio).
   * Asked only about a message recorded by an earlier attempt and never confirmed — an unknown
   * outcome —, on the send lock's connection `q`.
   */
  async function earlierAttempt(
    q: Kysely<Database>,
    provider: MessageProvider,
    row: MessageRow,
  ): Promise<string | undefined> {
    if (row.provider_message_id) return row.provider_message_id;
    try {
      return await provider.alreadySent?.(outbound(row), {
        recordedAt: row.created_at,
        db: q,
        claimed: (providerMessageId) => providerIdClaimed(q, row.provider, providerMessageId, row.id),
      });
    } catch (err) {
      // Whatever the lookup's trouble, the outcome of the earlier attempt is still unknown: retry.
      if (err instanceof ProviderError) {
        const unknown = new ProviderError(err.provider, 'transient', 'lookup_failed', err.detail);
        unknown.messageId = row.id;
        throw unknown;
      }
      throw err;
    }
  }

  /** Records that the provider has the message (once on the customer's timeline, whichever attempt gets here). */
  async function confirm(q: Kysely<Database>, row: MessageRow, providerMessageId: string, at: Date) {
    await markSent(q, row.id, providerMessageId);
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
  }

  const sentOutcome = (row: MessageRow, providerMessageId: string, duplicate: boolean): SendOutcome => ({
    status: 'sent',
    messageId: row.id,
    providerMessageId,
    provider: row.provider,
    duplicate,
  });

  /**
   * As the only attempt deciding the recorded message (its send lock): its settled outcome, else —
   * for an unknown outcome — whether an earlier attempt reached the provider after all.
   */
  async function resolveUnder<T>(
    provider: MessageProvider,
    row: MessageRow,
    at: Date,
    recordedNow: boolean,
    then: (conn: Kysely<Database>, current: MessageRow) => Promise<T>,
    /** When the provider cannot be asked (it is down): give up on knowing (abandon), or retry (send). */
    ifUnknown: 'retry' | 'unknown' = 'retry',
  ): Promise<SendOutcome | T> {
    const decided = await withSendLock(db, row.id, async (conn): Promise<SendOutcome | T> => {
      const current = (await findMessageByKey(conn, row.idempotency_key)) ?? row;
      const settled = settledOutcome(current);
      if (settled) return settled;
      const ask = () =>
        ifUnknown === 'retry'
          ? earlierAttempt(conn, provider, current)
          : earlierAttempt(conn, provider, current).catch(() => undefined);
      const earlier = recordedNow && !current.provider_message_id ? undefined : await ask();
      if (earlier) {
        await confirm(conn, current, earlier, at);
        return sentOutcome(current, earlier, true);
      }
      return then(conn, current);
    });
    if (!decided.held) throw new MessageInFlightError(row.id);
    return decided.value;
  }

  /** Delivers a recorded message unless it went out meanwhile, as the only attempt calling the provider. */
  function deliverOnce(provider: MessageProvider, row: MessageRow, at: Date, recordedNow: boolean) {
    return resolveUnder(provider, row, at, recordedNow, async (conn, current): Promise<SendOutcome> => {
      // Consent once more, where no other attempt can act, just before the provider call: a STOP
      // or an unsubscribe that arrived since the checks (or since an earlier attempt) wins.
      const consent = await consentOf(conn, current.channel, current.to_address);
      if (consent !== 'subscribed') {
        await markUnsent(conn, current.id, 'blocked', consent);
        return { status: 'blocked', reason: consent, channel: current.channel as Channel, messageId: current.id };
      }
      let providerMessageId: string;
      try {
        providerMessageId = (await provider.send(outbound(current), { db: conn })).providerMessageId;
      } catch (err) {
        if (!(err instanceof ProviderError)) throw err;
        err.messageId = current.id;
        if (err.kind === 'transient') throw err; // retried by Temporal, within the send's bound
        return refused(conn, current, err);
      }
      await confirm(conn, current, providerMessageId, at);
      return sentOutcome(current, providerMessageId, !recordedNow);
    });
  }

  /** A provider's refusal for good, recorded: an opt-out (consent, then `blocked`) or `failed`. */
  async function refused(q: Kysely<Database>, row: MessageRow, err: ProviderError): Promise<SendOutcome> {
    const channel = row.channel as Channel;
    if (err.kind === 'opted_out') {
      await setConsent(q, {
        channel,
        address: row.to_address,
        status: 'opted_out',
        source: 'provider',
        reason: err.detail,
        detail: { provider: err.provider, error: err.detail, messageId: row.id },
      });
      await markUnsent(q, row.id, 'blocked', `opted_out: ${err.detail}`);
      return { status: 'blocked', reason: 'opted_out', channel, messageId: row.id };
    }
    await markUnsent(q, row.id, 'failed', `${err.reason}: ${err.detail}`);
    return { status: 'failed', reason: err.reason, channel, permanent: true, messageId: row.id };
  }

  /**
   * The cap a marketing message to the contact would break at `at`, as a deferral; undefined if none.
   * `except`: the recorded message being retried (its own record is not over its cap).
   */
  async function overCap(
    q: Kysely<Database>,
    contactId: string,
    at: Date,
    except?: string,
  ): Promise<SendOutcome | undefined> {
    const week = await recentMarketing(q, contactId, new Date(at.getTime() - 7 * DAY), except);
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

  /** Every check and, if the message passes them, its delivery. */
  async function decide(req: SendRequest, at: Date): Promise<SendOutcome> {
    // A repeat (retried activity, duplicate signal) finds the first record and its outcome.
    const existing = await findMessageByKey(db, req.idempotencyKey);
    const settled = existing && settledOutcome(existing);
    if (settled) return settled;
    // The key names one message: a recorded one goes out on its own channel.
    const channel = (existing?.channel ?? req.channel) as Channel;
    const provider = providers[channel];
    if (!provider) throw new Error(`no provider configured for ${channel}`);
    // Recorded but not confirmed — an earlier attempt died around the provider call, was deferred,
    // or is still there. Did it reach the provider after all? Then it is sent, whatever the checks
    // would say now. If not, it goes out only if it passes every check below now, as a new
    // message would, to the address it was recorded for.
    if (existing) {
      const resolved = await resolveUnder(provider, existing, at, false, () => Promise.resolve(undefined));
      if (resolved) return resolved;
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
    // A recorded message goes to the address it was recorded for.
    const address = existing ? existing.to_address : to;
    if (!address) return { status: 'blocked', reason: 'no_address', channel: req.channel };
    // A number known to be a landline cannot take an SMS (only non-US numbers tell: see docs).
    if (req.channel === 'sms' && !existing && recipient?.phoneLineType === 'fixed_line')
      return { status: 'blocked', reason: 'landline', channel: req.channel };
    const consent = await consentOf(db, req.channel, address);
    if (consent !== 'subscribed')
      // A recorded one is marked blocked where every attempt decides: under its send lock.
      return existing
        ? deliverOnce(provider, existing, at, false)
        : { status: 'blocked', reason: consent, channel: req.channel };

    const marketing = (req.kind ?? 'marketing') === 'marketing';
    const phone = PHONE_CHANNELS.includes(req.channel);
    const holidays =
      marketing && deps.holidays && (deps.holidays.observed || deps.holidays.extra.length > 0)
        ? deps.holidays
        : undefined;
    const zones =
      phone || holidays
        ? await recipientZones(
            { state: recipient!.state, zip: recipient!.zip, phone: recipient!.phone },
            deps.quietHours,
          )
        : undefined;
    if (phone && zones) {
      // Marketing also keeps the stricter state windows (rules/sending-windows.ts).
      const allowed = nextSendingMoment(at, zones, { marketing, windows: deps.quietHours?.windows });
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
    const capped = marketing ? await overCap(db, req.contactId, at, existing?.id) : undefined;
    if (capped) return capped;
    const waitTurn = marketing ? await paced(db, req, at, existing?.id) : undefined;
    if (waitTurn) return waitTurn;
    // Recorded by an earlier attempt and allowed now: delivered as it was recorded.
    if (existing) return deliverOnce(provider, existing, at, false);

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
    const message = { ...req, ...content, id, kind: req.kind ?? 'marketing', to: address, provider: provider.name };
    // Marketing: the cap checked again and the message recorded while no other send to the
    // contact is deciding (two workflows at the same moment would both pass the check above).
    const recorded: Recorded = marketing
      ? await db.transaction().execute(async (tx): Promise<Recorded> => {
          await lockMarketingOf(tx, req.contactId);
          if (await findMessageByKey(tx, req.idempotencyKey)) return { row: undefined }; // another attempt's
          const deferred = (await overCap(tx, req.contactId, at)) ?? (await paced(tx, req, at));
          return deferred ? { deferred } : { row: await recordMessage(tx, message) };
        })
      : { row: await recordMessage(db, message) };
    if ('deferred' in recorded) return recorded.deferred; // the cap filled meanwhile
    // No row: another attempt recorded it between our look and our insert; theirs is the message.
    const row = recorded.row ?? (await findMessageByKey(db, req.idempotencyKey))!;
    return deliverOnce(provider, row, at, recorded.row !== undefined);
  }

  /**
   * One person, one conversation (pacing.ts): a marketing message waits the least gap after the
   * contact's last message, and gives way to a more important plan's message waiting for the slot.
   * `except`: the recorded message being retried (its own record is not "the last message").
   */
  async function paced(
    q: Kysely<Database>,
    req: SendRequest,
    at: Date,
    except?: string,
  ): Promise<SendOutcome | undefined> {
    if (!caps.minGapMs) return undefined;
    const last = await lastMessageAt(q, req.contactId, except);
    const waiting = await waitingFor(q, req.contactId, req.idempotencyKey);
    const decision = pace({
      at: at.getTime(),
      plan: req.plan ?? 'other',
      lastMessageAt: last?.getTime(),
      waiting: waiting.map((w) => ({ plan: w.plan as Plan, notBefore: w.notBefore.getTime() })),
      minGapMs: caps.minGapMs,
    });
    return decision.ok
      ? undefined
      : { status: 'deferred', reason: 'pacing', notBefore: new Date(decision.notBefore).toISOString() };
  }

  /**
   * Every answer about a marketing message: while it is deferred, it holds its place (its plan and
   * time) for pacing; once it is anything else, it no longer waits.
   */
  async function rememberWait(req: SendRequest, outcome: SendOutcome): Promise<SendOutcome> {
    if ((req.kind ?? 'marketing') !== 'marketing' || !caps.minGapMs) return outcome;
    if (outcome.status === 'deferred')
      await recordWait(db, {
        idempotencyKey: req.idempotencyKey,
        contactId: req.contactId,
        plan: req.plan ?? 'other',
        notBefore: new Date(outcome.notBefore),
      });
    else await clearWait(db, req.idempotencyKey);
    return outcome;
  }

  /** `at`: when the send happens, for quiet hours, caps and pacing (default: now). */
  async function send(req: SendRequest, at: Date = now()): Promise<SendOutcome> {
    const outcome = await decide(req, at);
    countSendOutcome(req.channel, outcome);
    return rememberWait(req, outcome);
  }

  return {
    send,

    /**
     * The caller gives a send up (AbandonRequest): a recorded message is marked `failed` with the
     * reason, so no later attempt sends it — unless an earlier attempt turns out to have reached the
     * provider (then it is sent, and that is the answer). The provider is asked where it can tell,
     * but not waited for: if it is down, the message is marked failed with its outcome unknown.
     */
    async abandon(req: AbandonRequest, at: Date = now()): Promise<SendOutcome> {
      const unsent = {
        status: 'failed' as const,
        reason: req.reason,
        channel: req.channel,
        permanent: req.reason !== 'retries_exhausted',
      };
      const row = await findMessageByKey(db, req.idempotencyKey);
      if (!row) return unsent; // nothing recorded: nothing to mark, nothing sent
      const provider = providers[row.channel as Channel] ?? {
        name: row.provider,
        send: () => Promise.reject(new Error('given up: not sent')),
      };
      return resolveUnder(
        provider,
        row,
        at,
        false,
        async (conn, current): Promise<SendOutcome> => {
          await markUnsent(conn, current.id, 'failed', req.reason);
          return { ...unsent, channel: current.channel as Channel, messageId: current.id };
        },
        'unknown',
      );
    },
  };
}
