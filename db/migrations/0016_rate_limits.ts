import { sql, type Kysely } from 'kysely';

// Request counters of the API's rate limits (api/rate-limit.ts), one row per limited key, shared by
// every API replica. The columns are the ones rate-limiter-flexible's Postgres store reads and
// writes (key, points, expire in epoch ms), in its order: it inserts without naming them. Unlogged:
// a counter lost in a crash only restarts a one-minute window, and it spares the WAL a write per request.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('rate_limits')
    .modifyFront(sql`unlogged`)
    .addColumn('key', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('points', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expire', 'bigint')
    .execute();
}
