// The unified timeline: interactions stored once (by source key), read newest first in pages.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, InteractionsTable } from '../schema';

export type NewInteraction = Omit<
  InteractionsTable,
  'id' | 'created_at' | 'lead_id' | 'body' | 'sentiment' | 'duration_seconds' | 'outcome' | 'rep_id' | 'source_key'
> &
  Partial<
    Pick<InteractionsTable, 'lead_id' | 'body' | 'sentiment' | 'duration_seconds' | 'outcome' | 'rep_id' | 'source_key'>
  >;

/** Stores an interaction; a second one with the same source key is the first (returned as is). */
export async function recordInteraction(db: Kysely<Database>, i: NewInteraction) {
  const inserted = await db
    .insertInto('interactions')
    .values({ id: randomUUID(), ...i })
    .onConflict((oc) => oc.column('source_key').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return inserted;
  return db.selectFrom('interactions').selectAll().where('source_key', '=', i.source_key!).executeTakeFirstOrThrow();
}

/**
 * A page of a contact's timeline, newest first. The cursor is the last item's (occurred_at, id):
 * stable while new interactions arrive, unlike an offset.
 */
export async function timelinePage(
  db: Kysely<Database>,
  contactId: string,
  limit: number,
  before?: { at: Date; id: string },
) {
  let q = db.selectFrom('interactions').selectAll().where('contact_id', '=', contactId);
  if (before)
    q = q.where((eb) =>
      eb.or([eb('occurred_at', '<', before.at), eb.and([eb('occurred_at', '=', before.at), eb('id', '<', before.id)])]),
    );
  const rows = await q
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  return { items: rows.slice(0, limit), hasMore: rows.length > limit };
}

export async function contactExists(db: Kysely<Database>, contactId: string): Promise<boolean> {
  return Boolean(await db.selectFrom('contacts').select('id').where('id', '=', contactId).executeTakeFirst());
}
