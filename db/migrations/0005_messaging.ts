import { sql, type Kysely } from 'kysely';

// The messaging gateway (roadmap 4.3, 7.1 A): every outbound message recorded before it is sent
// (exactly once, by idempotency key), and the consent state of every address with its history.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('messages')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique()) // workflow id + step
    .addColumn('workflow_id', 'text')
    .addColumn('contact_id', 'uuid', (c) => c.notNull().references('contacts.id'))
    .addColumn('lead_id', 'uuid', (c) => c.references('leads.id'))
    .addColumn('channel', 'text', (c) => c.notNull()) // email | sms | call | postcard | messenger | nextdoor
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('marketing')) // marketing | transactional
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('body_text', 'text', (c) => c.notNull())
    .addColumn('body_html', 'text')
    .addColumn('template', 'text')
    .addColumn('status', 'text', (c) => c.notNull()) // sending | sent | delivered | failed
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('provider_message_id', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('messages_contact_sent_idx')
    .on('messages')
    .columns(['contact_id', 'created_at'])
    .execute();

  // Opt-outs are per address (a phone number, an email address), as carriers and the law see them.
  await db.schema
    .createTable('channel_consents')
    .addColumn('channel', 'text', (c) => c.notNull()) // sms (also calls) | email
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull()) // subscribed | opted_out | suppressed
    .addColumn('reason', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('channel_consents_pk', ['channel', 'address'])
    .execute();
  // Every change, kept: when, how, and what came with it.
  await db.schema
    .createTable('consent_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull()) // sms_keyword | unsubscribe_link | bounce | spam_report | api
    .addColumn('detail', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}
