import { sql, type Kysely } from 'kysely';

// Marketing messages deferred by the gateway, per contact and plan: while one waits, a less
// important plan's message to the same person does not take its slot (activities/messaging/pacing.ts).
// One row per idempotency key; removed when the message is sent or blocked, ignored once stale.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('message_waits')
    .addColumn('idempotency_key', 'text', (c) => c.primaryKey())
    .addColumn('contact_id', 'uuid', (c) => c.notNull().references('contacts.id'))
    .addColumn('plan', 'text', (c) => c.notNull())
    .addColumn('not_before', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('message_waits_contact_idx')
    .on('message_waits')
    .columns(['contact_id', 'not_before'])
    .execute();
}
