import { sql, type Kysely } from 'kysely';

// The unified timeline (roadmap 7.1 A): every interaction with a customer stored once — messages
// sent and received, calls with duration and outcome, visits, meetings, notes — threaded by contact.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('interactions')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('contact_id', 'uuid', (c) => c.notNull().references('contacts.id'))
    .addColumn('lead_id', 'uuid', (c) => c.references('leads.id'))
    .addColumn('channel', 'text', (c) => c.notNull()) // email | sms | call | postcard | messenger | nextdoor | visit | meeting | note
    .addColumn('direction', 'text', (c) => c.notNull()) // outbound | inbound | internal
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('body', 'text')
    .addColumn('sentiment', 'real') // -1 .. 1, when known
    .addColumn('duration_seconds', 'integer')
    .addColumn('outcome', 'text')
    .addColumn('rep_id', 'text', (c) => c.references('reps.id'))
    // Once per source: a message, an inbound provider event, or a client-supplied key.
    .addColumn('source_key', 'text', (c) => c.unique())
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('interactions_contact_time_idx')
    .on('interactions')
    .columns(['contact_id', 'occurred_at', 'id'])
    .execute();
}
