import { sql, type Kysely } from 'kysely';

// Forward-only: schema changes get a new migration, never an edited one.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('contacts')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('first_name', 'text', (c) => c.notNull())
    .addColumn('last_name', 'text', (c) => c.notNull())
    .addColumn('phone', 'text')
    .addColumn('email', 'text')
    .addColumn('preferred_language', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('contacts_reachable', sql`phone is not null or email is not null`)
    .execute();
  await db.schema.createIndex('contacts_phone_idx').on('contacts').column('phone').execute();
  await db.schema.createIndex('contacts_email_idx').on('contacts').column('email').execute();

  await db.schema
    .createTable('leads')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('contact_id', 'uuid', (c) => c.notNull().references('contacts.id'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('street', 'text', (c) => c.notNull())
    .addColumn('city', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('zip', 'text', (c) => c.notNull())
    .addColumn('property', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('signals', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('notes', 'text')
    .addColumn('temperature', 'text')
    .addColumn('temperature_score', 'integer')
    .addColumn('temperature_reasons', 'jsonb')
    .addColumn('temperature_revision', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('stage', 'text', (c) => c.notNull().defaultTo('new'))
    .addColumn('workflow_id', 'text', (c) => c.notNull().unique())
    .addColumn('idempotency_key', 'text', (c) => c.unique())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('leads_contact_created_idx').on('leads').columns(['contact_id', 'created_at']).execute();

  await db.schema
    .createTable('reps')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('phone', 'text')
    .addColumn('territories', sql`text[]`, (c) => c.notNull())
    .addColumn('skills', sql`text[]`, (c) => c.notNull())
    .addColumn('languages', sql`text[]`, (c) => c.notNull())
    .addColumn('max_active_leads', 'integer', (c) => c.notNull().defaultTo(15))
    .addColumn('performance_tier', 'text', (c) => c.notNull())
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('app_meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}
