import { sql, type Kysely } from 'kysely';

// Direct-mail postcards the local print provider received (the offline stand-in for a print house).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('postcards')
    .addColumn('message_id', 'uuid', (c) => c.primaryKey())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('pdf', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}
