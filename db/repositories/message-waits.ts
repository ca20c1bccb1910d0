// What the gateway's pacing reads and writes (activities/messaging/pacing.ts): the contact's newest
// message and the other plans' deferred marketing to them. Called under the contact's lock.
import type { Kysely } from 'kysely';
import type { Database } from '../schema';

/**
 * When the contact's newest message (any kind, any plan) was recorded, if any is sending or sent;
 * `except`: a message not to count (the one being retried).
 */
export async function lastMessageAt(
  db: Kysely<Database>,
  contactId: string,
  except?: string,
): Promise<Date | undefined> {
  let query = db
    .selectFrom('messages')
    .select('created_at')
    .where('contact_id', '=', contactId)
    .where('status', 'in', ['sending', 'sent', 'delivered']);
  if (except) query = query.where('id', '!=', except);
  const row = await query.orderBy('created_at', 'desc').limit(1).executeTakeFirst();
  return row?.created_at;
}

/** Other messages to the contact waiting for their time (not the one asking, `exceptKey`). */
export async function waitingFor(
  db: Kysely<Database>,
  contactId: string,
  exceptKey: string,
): Promise<{ plan: string; notBefore: Date }[]> {
  const rows = await db
    .selectFrom('message_waits')
    .select(['plan', 'not_before'])
    .where('contact_id', '=', contactId)
    .where('idempotency_key', '!=', exceptKey)
    .execute();
  return rows.map((r) => ({ plan: r.plan, notBefore: r.not_before }));
}

/** The message `key` waits until `notBefore` (a later deferral moves it). */
export async function recordWait(
  db: Kysely<Database>,
  w: { idempotencyKey: string; contactId: string; plan: string; notBefore: Date },
): Promise<void> {
  await db
    .insertInto('message_waits')
    .values({ idempotency_key: w.idempotencyKey, contact_id: w.contactId, plan: w.plan, not_before: w.notBefore })
    .onConflict((oc) => oc.column('idempotency_key').doUpdateSet({ not_before: w.notBefore, updated_at: new Date() }))
    .execute();
}

/** The message no longer waits: recorded for sending, blocked, or failed. */
export async function clearWait(db: Kysely<Database>, idempotencyKey: string): Promise<void> {
  await db.deleteFrom('message_waits').where('idempotency_key', '=', idempotencyKey).execute();
}
