import { sql, type Kysely } from 'kysely';

// Deals and their lifecycle events (roadmap 7.1 C): the journey a lead takes to customer and
// advocate, recorded once per event and validated against what happened before.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('deals')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('lead_id', 'uuid', (c) => c.notNull().unique().references('leads.id'))
    .addColumn('contact_id', 'uuid', (c) => c.notNull().references('contacts.id'))
    .addColumn('stage', 'text', (c) => c.notNull().defaultTo('lead'))
    .addColumn('value', 'integer')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable('deal_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('deal_id', 'uuid', (c) => c.notNull().references('deals.id'))
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('stage_after', 'text', (c) => c.notNull())
    .addColumn('details', 'jsonb')
    .addColumn('client_key', 'text')
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('deal_events_client_key', ['deal_id', 'client_key'])
    .execute();
}
