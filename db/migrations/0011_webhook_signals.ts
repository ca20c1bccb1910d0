import { sql, type Kysely } from 'kysely';

// What a provider event must tell a workflow, written in the transaction that records and applies
// the event (webhook_events), then delivered after commit: a signal Temporal did not take stays
// here, pending, until the relay in the API process delivers it (api/webhook-signals.ts).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('webhook_signals')
    .addColumn('id', 'bigserial', (c) => c.primaryKey()) // delivery order
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('signal', 'text', (c) => c.notNull()) // messageEvent | householdReply
    .addColumn('args', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('delivered_at', 'timestamptz')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    // Claimed by a delivery until then (or, after a failure, not retried before then).
    .addColumn('lease_until', 'timestamptz')
    .addColumn('last_error', 'text')
    .addForeignKeyConstraint('webhook_signals_event_fk', ['provider', 'event_id'], 'webhook_events', [
      'provider',
      'event_id',
    ])
    .execute();
  await sql`create index webhook_signals_pending on webhook_signals (id) where delivered_at is null`.execute(db);
  await db.schema
    .createIndex('webhook_signals_event_idx')
    .on('webhook_signals')
    .columns(['provider', 'event_id'])
    .execute();
}
