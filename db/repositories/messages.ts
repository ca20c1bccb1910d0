// Outbound messages and consent: the only SQL about messaging lives here.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema';
import { withSessionLock } from '../session-lock';

export type ConsentStatus = 'subscribed' | 'opted_out' | 'suppressed';
/** SMS opt-outs also stop calls to the number: one consent per phone number. */
export const consentChannel = (channel: string): string => (channel === 'call' ? 'sms' : channel);

export async function findMessageByKey(db: Kysely<Database>, key: string) {
  return db.selectFrom('messages').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
}

/** Records a message before it is sent; undefined when the key was recorded first by someone else. */
export async function recordMessage(
  db: Kysely<Database>,
  m: {
    id?: string;
    idempotencyKey: string;
    workflowId?: string;
    contactId: string;
    leadId?: string;
    channel: string;
    kind: string;
    to: string;
    subject?: string;
    text: string;
    html?: string;
    template?: string;
    provider: string;
  },
) {
  return db
    .insertInto('messages')
    .values({
      id: m.id ?? randomUUID(),
      idempotency_key: m.idempotencyKey,
      workflow_id: m.workflowId ?? null,
      contact_id: m.contactId,
      lead_id: m.leadId ?? null,
      channel: m.channel,
      kind: m.kind,
      to_address: m.to,
      subject: m.subject ?? null,
      body_text: m.text,
      body_html: m.html ?? null,
      template: m.template ?? null,
      status: 'sending',
      provider: m.provider,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returningAll()
    .executeTakeFirst();
}

/**
 * Runs `send` while this attempt alone may call the provider for the message (db/session-lock.ts:
 * `send` is given the lock's connection for its own queries, so it needs no second one from the
 * pool). `{ held: false }` when another attempt holds it now.
 */
export async function withSendLock<T>(
  db: Kysely<Database>,
  messageId: string,
  send: (conn: Kysely<Database>) => Promise<T>,
): Promise<{ held: true; value: T } | { held: false }> {
  return withSessionLock(db, `message-send:${messageId}`, send);
}

/**
 * Inside a transaction: waits until no other transaction is deciding a marketing message to this
 * contact, so a cap is checked and the message recorded as one step (held until commit).
 */
export async function lockMarketingOf(tx: Kysely<Database>, contactId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`marketing:${contactId}`}))`.execute(tx);
}

/**
 * How far a message has got. A status only moves up: our record of the provider's acceptance and
 * the provider's own events race (a `delivered` webhook can beat the reply to our request), and
 * webhooks arrive late, twice and out of order. `failed` (bounced, undelivered, refused) and
 * `blocked` (never sent: consent) are final too.
 */
export const MESSAGE_STATUS_RANK = { sending: 0, sent: 1, delivered: 2, failed: 2, blocked: 2 } as const;
type MessageStatus = keyof typeof MESSAGE_STATUS_RANK;
/** The statuses a message may move to `status` from: those ranked below it. */
const below = (status: MessageStatus): MessageStatus[] =>
  (Object.keys(MESSAGE_STATUS_RANK) as MessageStatus[]).filter(
    (s) => MESSAGE_STATUS_RANK[s] < MESSAGE_STATUS_RANK[status],
  );

/** The provider took the message: its id recorded; the status `sent` unless an event already took it further. */
export async function markSent(db: Kysely<Database>, id: string, providerMessageId: string): Promise<void> {
  await db
    .updateTable('messages')
    .set({
      status: sql<string>`case when status in (${sql.join(below('sent'))}) then 'sent' else status end`,
      provider_message_id: providerMessageId,
      sent_at: new Date(),
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .execute();
}

/**
 * A recorded message that will not be sent: `blocked` (consent) or `failed` (the provider refused
 * it, or its retries ran out), with the reason. Only while it is still `sending`: a message
 * confirmed meanwhile keeps its status.
 */
export async function markUnsent(
  db: Kysely<Database>,
  id: string,
  status: 'blocked' | 'failed',
  reason: string,
): Promise<void> {
  await db
    .updateTable('messages')
    .set({ status, error: reason, updated_at: new Date() })
    .where('id', '=', id)
    .where('status', '=', 'sending')
    .execute();
}

/** Whether a provider's message id belongs to one of our messages other than `except`. */
export async function providerIdClaimed(
  db: Kysely<Database>,
  provider: string,
  providerMessageId: string,
  except: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('messages')
    .select('id')
    .where('provider', '=', provider)
    .where('provider_message_id', '=', providerMessageId)
    .where('id', '!=', except)
    .executeTakeFirst();
  return Boolean(row);
}

/**
 * A provider's status callback names our message (its id rides in the callback URL): its provider
 * id is recorded if we never heard it (the reply to our request was lost). `other`: the provider
 * id the message had already, when it is another — the provider has the message twice.
 */
export async function bindProviderMessageId(
  db: Kysely<Database>,
  id: string,
  providerMessageId: string,
): Promise<{ found: boolean; other?: string }> {
  const row = await db.selectFrom('messages').select('provider_message_id').where('id', '=', id).executeTakeFirst();
  if (!row) return { found: false };
  if (row.provider_message_id === null) {
    await db
      .updateTable('messages')
      .set({ provider_message_id: providerMessageId, updated_at: new Date() })
      .where('id', '=', id)
      .where('provider_message_id', 'is', null)
      .execute();
    return { found: true };
  }
  return { found: true, other: row.provider_message_id === providerMessageId ? undefined : row.provider_message_id };
}

/**
 * Marketing messages to a contact since `since` (sent, or being sent), oldest first; `except`: a
 * message not to count (the one being retried, which counted itself when it was recorded).
 */
export async function recentMarketing(
  db: Kysely<Database>,
  contactId: string,
  since: Date,
  except?: string,
): Promise<Date[]> {
  let q = db
    .selectFrom('messages')
    .select('created_at')
    .where('contact_id', '=', contactId)
    .where('kind', '=', 'marketing')
    .where('status', 'in', ['sending', 'sent', 'delivered'])
    .where('created_at', '>', since);
  if (except) q = q.where('id', '!=', except);
  const rows = await q.orderBy('created_at').execute();
  return rows.map((r) => r.created_at);
}

export async function consentOf(db: Kysely<Database>, channel: string, address: string): Promise<ConsentStatus> {
  const row = await db
    .selectFrom('channel_consents')
    .select('status')
    .where('channel', '=', consentChannel(channel))
    .where('address', '=', address)
    .executeTakeFirst();
  return row?.status ?? 'subscribed';
}

/**
 * Records a consent change and keeps it in the history (inside the caller's transaction, if any).
 * `effectiveAt`: when the person made it (default: now). The address's consent becomes this one
 * unless a change that took effect later is already current — a late or retried event is kept in
 * the history and changes nothing. Answers whether it became the current consent.
 */
export async function setConsent(
  db: Kysely<Database>,
  c: {
    channel: string;
    address: string;
    status: ConsentStatus;
    source: string;
    reason?: string;
    detail?: Record<string, unknown>;
    effectiveAt?: Date;
  },
): Promise<boolean> {
  const channel = consentChannel(c.channel);
  const effectiveAt = c.effectiveAt ?? new Date();
  const write = async (tx: Kysely<Database>): Promise<boolean> => {
    const current = await tx
      .insertInto('channel_consents')
      .values({
        channel,
        address: c.address,
        status: c.status,
        source: c.source,
        reason: c.reason ?? null,
        effective_at: effectiveAt,
      })
      .onConflict((oc) =>
        oc
          .columns(['channel', 'address'])
          .doUpdateSet({
            status: c.status,
            source: c.source,
            reason: c.reason ?? null,
            changed_at: sql<Date>`now()`,
            effective_at: effectiveAt,
          })
          .where('channel_consents.effective_at', '<=', effectiveAt),
      )
      .returning('status')
      .executeTakeFirst();
    await tx
      .insertInto('consent_events')
      .values({
        channel,
        address: c.address,
        status: c.status,
        source: c.source,
        detail: c.detail ? JSON.stringify(c.detail) : null,
        effective_at: effectiveAt,
      })
      .execute();
    return current !== undefined;
  };
  return db.isTransaction ? write(db) : db.transaction().execute(write);
}

/** Where to reach a contact on a channel (and what kind of line the phone is), and the address (of their latest lead) for quiet hours. */
export async function recipientOf(db: Kysely<Database>, contactId: string) {
  const contact = await db
    .selectFrom('contacts')
    .select(['id', 'phone', 'phone_line_type', 'email', 'first_name', 'last_name'])
    .where('id', '=', contactId)
    .executeTakeFirst();
  if (!contact) return undefined;
  const lead = await db
    .selectFrom('leads')
    .select(['street', 'city', 'state', 'zip'])
    .where('contact_id', '=', contactId)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  // The postal address, one line per part, as a postcard is addressed.
  const postal = lead
    ? [`${contact.first_name} ${contact.last_name}`, lead.street, `${lead.city}, ${lead.state} ${lead.zip}`].join('\n')
    : null;
  return {
    phone: contact.phone,
    /** Of `phone`, where known (null: not recorded). An SMS to a `fixed_line` cannot arrive. */
    phoneLineType: contact.phone_line_type,
    email: contact.email,
    postal,
    state: lead?.state,
    zip: lead?.zip,
  };
}

/** Stores a provider event once; false when it was stored before (a redelivery). */
export async function recordWebhookEvent(
  db: Kysely<Database>,
  e: { provider: string; eventId: string; kind: string; messageId?: string | null; payload: Record<string, unknown> },
): Promise<boolean> {
  const row = await db
    .insertInto('webhook_events')
    .values({
      provider: e.provider,
      event_id: e.eventId,
      kind: e.kind,
      message_id: e.messageId ?? null,
      payload: JSON.stringify(e.payload),
    })
    .onConflict((oc) => oc.columns(['provider', 'event_id']).doNothing())
    .returning('event_id')
    .executeTakeFirst();
  return Boolean(row);
}

/** The message a provider id (or our own id) names. */
export async function findMessageForEvent(db: Kysely<Database>, ref: { id?: string; providerMessageId?: string }) {
  let q = db.selectFrom('messages').select(['id', 'workflow_id', 'channel', 'status', 'provider_message_id']);
  if (ref.id && /^[0-9a-f-]{36}$/i.test(ref.id)) q = q.where('id', '=', ref.id);
  else if (ref.providerMessageId) q = q.where('provider_message_id', '=', ref.providerMessageId);
  else return undefined;
  return q.executeTakeFirst();
}

/** Delivery outcomes move a message's status up its rank, never back; engagement events do not change it. */
export async function updateMessageStatus(
  db: Kysely<Database>,
  id: string,
  status: 'delivered' | 'failed',
  error?: string,
): Promise<void> {
  await db
    .updateTable('messages')
    .set({ status, error: error ?? null, updated_at: new Date() })
    .where('id', '=', id)
    .where('status', 'in', below(status))
    .execute();
}

/** When a provider event first reached us (recorded now if this is its first delivery), outside any apply. */
export async function firstArrivalOf(db: Kysely<Database>, provider: string, eventId: string): Promise<Date> {
  await db
    .insertInto('webhook_arrivals')
    .values({ provider, event_id: eventId })
    .onConflict((oc) => oc.columns(['provider', 'event_id']).doNothing())
    .execute();
  const row = await db
    .selectFrom('webhook_arrivals')
    .select('first_seen_at')
    .where('provider', '=', provider)
    .where('event_id', '=', eventId)
    .executeTakeFirstOrThrow();
  return row.first_seen_at;
}

export async function savePostcard(
  db: Kysely<Database>,
  messageId: string,
  address: string,
  pdf: Uint8Array,
): Promise<void> {
  await db
    .insertInto('postcards')
    .values({ message_id: messageId, address, pdf: Buffer.from(pdf) })
    .onConflict((oc) => oc.column('message_id').doNothing())
    .execute();
}
