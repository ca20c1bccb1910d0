// A fresh embedded Postgres cluster per test file, in a temporary folder, migrated to latest; and,
// for a test that must not see what earlier tests stored, a fresh database of its own in it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { createDb } from '../../db/connection';
import { startEmbeddedPostgres } from '../../db/embedded-postgres';
import { migrateToLatest } from '../../db/migrate';
import type { Database } from '../../db/schema';
import { testLogger } from './logger';
import { freePort } from './ports';

export interface TestPostgres {
  url: string;
  db: Kysely<Database>;
  /** A new, migrated database in the same cluster; closed by stop() if not before. */
  freshDatabase(): Promise<Kysely<Database>>;
  stop(): Promise<void>;
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-test-pg-'));
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort(), logger: testLogger });
  const db = createDb(pg.url, 5);
  await migrateToLatest(db, testLogger);
  const fresh: Kysely<Database>[] = [];
  return {
    url: pg.url,
    db,
    freshDatabase: async () => {
      const url = new URL(pg.url);
      url.pathname = `/test_${fresh.length + 1}`;
      await sql`create database ${sql.id(url.pathname.slice(1))}`.execute(db);
      const other = createDb(url.toString(), 5);
      fresh.push(other);
      await migrateToLatest(other, testLogger);
      return other;
    },
    stop: async () => {
      await Promise.all(fresh.map((f) => f.destroy()));
      await db.destroy();
      await pg.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
