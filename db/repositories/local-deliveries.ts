// The local providers' delivery log (migration 0014): appended once per provider call, read back
// to answer whether a message was handed over already.
import type { Kysely } from 'kysely';
import type { Database } from '../schema';

/** One provider call: appended, never merged with an earlier one for the same message. */
export async function recordLocalDelivery(
  db: Kysely<Database>,
  d: { messageId: string; channel: string; to: string },
): Promise<void> {
  await db
    .insertInto('local_deliveries')
    .values({ message_id: d.messageId, channel: d.channel, to_address: d.to })
    .execute();
}

/** Whether the message was handed to a local provider (by any attempt). */
export async function hasLocalDelivery(db: Kysely<Database>, messageId: string): Promise<boolean> {
  const row = await db
    .selectFrom('local_deliveries')
    .select('id')
    .where('message_id', '=', messageId)
    .limit(1)
    .executeTakeFirst();
  return Boolean(row);
}
