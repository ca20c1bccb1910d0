// Work only one process may do at a time: a session advisory lock on one connection, which the
// work is given for its own queries (so it needs no second connection from the pool). A process
// that dies mid-way loses its connection and with it the lock: nothing stays locked after a crash.
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema';

/** Runs `work` if nobody holds `name` now; `{ held: false }` (and nothing run) when someone does. */
export async function withSessionLock<T>(
  db: Kysely<Database>,
  name: string,
  work: (conn: Kysely<Database>) => Promise<T>,
): Promise<{ held: true; value: T } | { held: false }> {
  return db.connection().execute(async (conn) => {
    const { rows } = await sql<{ held: boolean }>`select pg_try_advisory_lock(hashtext(${name})) as held`.execute(conn);
    if (!rows[0]?.held) return { held: false } as const;
    try {
      return { held: true, value: await work(conn) } as const;
    } finally {
      await sql`select pg_advisory_unlock(hashtext(${name}))`.execute(conn);
    }
  });
}
