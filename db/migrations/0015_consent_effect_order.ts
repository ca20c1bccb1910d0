import { sql, type Kysely } from 'kysely';

// Consent in the order people gave it, not the order their webhooks arrived. Each change carries
// when it took effect (`effective_at`: the provider's event time, or when we first received the
// event); the current consent is the latest by that time, so a late or retried event — a STOP
// whose first delivery failed and came back after the START — is kept in the history and changes
// nothing. `webhook_arrivals` keeps when each provider event first reached us, outside the
// transaction that applies it, so a delivery whose apply failed still dates the event.
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [table, from] of [
    ['channel_consents', 'changed_at'],
    ['consent_events', 'created_at'],
  ] as const) {
    await db.schema.alterTable(table).addColumn('effective_at', 'timestamptz').execute();
    await sql`update ${sql.table(table)} set effective_at = ${sql.ref(from)}`.execute(db);
    await db.schema
      .alterTable(table)
      .alterColumn('effective_at', (c) => c.setNotNull())
      .execute();
    await db.schema
      .alterTable(table)
      .alterColumn('effective_at', (c) => c.setDefault(sql`now()`))
      .execute();
  }
  await db.schema
    .createTable('webhook_arrivals')
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
    .addPrimaryKeyConstraint('webhook_arrivals_pk', ['provider', 'event_id'])
    .execute();
}
