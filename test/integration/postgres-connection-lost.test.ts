// A Postgres connection ended by the server while the application holds it between two queries
// (inside a transaction, or holding the send lock) — what every checked-out connection meets when
// Postgres restarts (fault test 6, docs/reliability.md). The process must not crash on it: the
// next query on that connection fails as "Postgres unreachable" (a 503 at the API, a retried
// activity), and the pool hands out a working connection after it.
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDependencyUnavailable } from '../../api/problem';
import { createDb } from '../../db/connection';
import type { Database } from '../../db/schema';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';

describe('a connection the server ends while it is checked out', () => {
  let pg: TestPostgres;
  let db: Kysely<Database>;
  beforeAll(async () => {
    pg = await startTestPostgres();
    db = createDb(pg.url, 2);
  });
  afterAll(async () => {
    await db?.destroy();
    await pg?.stop();
  });

  it('crashes nothing: its next query fails as Postgres unreachable, and the pool recovers', async () => {
    const uncaught: unknown[] = [];
    const record = (err: unknown): void => void uncaught.push(err);
    process.on('uncaughtException', record);
    try {
      const failed = await db.connection().execute(async (conn) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(conn);
        // Ended by the server (57P01, as a fast shutdown ends every connection) while we hold it idle.
        await sql`select pg_terminate_backend(${rows[0]!.pid})`.execute(pg.db);
        await new Promise((r) => setTimeout(r, 500));
        return sql`select 1`.execute(conn).then(
          () => undefined,
          (err: unknown) => err,
        );
      });
      expect(failed).toBeInstanceOf(Error);
      expect(isDependencyUnavailable(failed)).toBe(true);
      expect((await sql<{ one: number }>`select 1 as one`.execute(db)).rows).toEqual([{ one: 1 }]);
    } finally {
      process.off('uncaughtException', record);
    }
    expect(uncaught).toEqual([]);
  });
});
