// A fresh embedded Postgres cluster per test file, in a temporary folder, migrated to latest.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { createDb } from '../../db/connection';
import { startEmbeddedPostgres } from '../../db/embedded-postgres';
import { migrateToLatest } from '../../db/migrate';
import type { Database } from '../../db/schema';
import { testLogger } from './logger';
import { freePort } from './ports';

export interface TestPostgres {
  url: string;
  db: Kysely<Database>;
  stop(): Promise<void>;
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-test-pg-'));
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort(), logger: testLogger });
  const db = createDb(pg.url, 5);
  await migrateToLatest(db, testLogger);
  return {
    url: pg.url,
    db,
    stop: async () => {
      await db.destroy();
      await pg.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
