// Runs pending migrations one at a time, each in its own transaction (forward-only).
import { Migrator, type Kysely } from 'kysely';
import type { Logger } from '../config/logger';
import { migrations } from './migrations';
import type { Database } from './schema';

export async function migrateToLatest(db: Kysely<Database>, logger: Logger): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const applied: string[] = [];
  for (;;) {
    const { error, results } = await migrator.migrateUp();
    const result = results?.[0];
    if (error || result?.status === 'Error') {
      throw new Error(
        `migration ${result?.migrationName ?? '?'} failed: ${(error as Error)?.message ?? 'unknown error'}`,
      );
    }
    if (!result) break;
    applied.push(result.migrationName);
    logger.info({ migration: result.migrationName }, 'migration applied');
  }
  return applied;
}
