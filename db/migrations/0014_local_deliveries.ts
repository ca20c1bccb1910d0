import { sql, type Kysely } from 'kysely';

// The local providers' delivery log (activities/messaging/providers/local.ts): one row per provider
// call, appended and never updated — no unique key, so a message handed over twice shows as two
// rows, as a real provider's log would show it. The gateway's record (`messages`) says what we
// meant to send; this says what the provider was given.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('local_deliveries')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('message_id', 'uuid', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('delivered_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
    .execute();
  await db.schema.createIndex('local_deliveries_message_idx').on('local_deliveries').column('message_id').execute();
}
