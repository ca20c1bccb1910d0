// The one way to reach Postgres: a kysely instance over a pg pool.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema';

// Return bigint counts as numbers; our counts stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
// A calendar date (a new hire's end of training) stays the YYYY-MM-DD it is: no time zone to shift it.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

export function createDb(connectionString: string, poolSize = 10): Kysely<Database> {
  const pool = new pg.Pool({ connectionString, max: poolSize, connectionTimeoutMillis: 5000 });
  // A client losing its server (Postgres restarted, a connection terminated) must not crash the
  // process. Idle, the pool reports it here and drops it. Checked out between two queries (inside a
  // transaction, holding the send lock), nothing is listening: the client emits 'error' on its own,
  // which would be an uncaught exception. Its next query fails instead (a 503 at the API, a retried
  // activity), and the pool drops it when it is released.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * Runs `work` in a transaction: the caller's, when `db` is one (so a repository's writes can share
 * it with what the change owes, e.g. the signals of db/repositories/workflow-signals.ts), else a new one.
 */
export function inTransaction<T>(db: Kysely<Database>, work: (tx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}
