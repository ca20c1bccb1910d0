// Notifications to people (a rep's tasks, a manager's escalations, the ops queue): stored once per
// key (workflow id + step), read newest first.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../schema';

export async function notify(
  db: Kysely<Database> | Transaction<Database>,
  n: { key: string; recipient: string; kind: string; leadId: string | null; payload: Record<string, unknown> },
): Promise<void> {
  await db
    .insertInto('notifications')
    .values({ key: n.key, recipient: n.recipient, kind: n.kind, lead_id: n.leadId, payload: JSON.stringify(n.payload) })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}

/** A recipient's notifications, newest first. */
export async function listNotifications(db: Kysely<Database>, recipient: string, limit: number) {
  return db
    .selectFrom('notifications')
    .selectAll()
    .where('recipient', '=', recipient)
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute();
}
