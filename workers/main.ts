// Worker entrypoint for deployments (Docker): Postgres and Temporal are external services.
// Production unless APP_ENV says otherwise (config/env.ts): it writes no file in the project folder.
import { resolvePayloadKeys } from '../config/dev-secrets';
import { loadDeploymentConfig } from '../config/env';
import { createLogger } from '../config/logger';
import { createDb } from '../db/connection';
import { installTemporalLogging } from '../temporal/runtime-logging';
import { createProcessWorker, workerSettingsOf } from './worker';
import { openModelStore } from '../activities/ml/model-store';

async function main(): Promise<void> {
  const config = loadDeploymentConfig('worker');
  const logger = createLogger(config.LOG_LEVEL, 'worker');
  installTemporalLogging(logger);
  const db = createDb(config.DATABASE_URL!, config.DB_POOL_SIZE);
  const modelStore = await openModelStore(db, logger);
  const { worker, connection } = await createProcessWorker({
    ...workerSettingsOf(config),
    address: config.TEMPORAL_ADDRESS!,
    payloadKeys: resolvePayloadKeys(config),
    db,
    modelStore,
  });
  process.once('SIGINT', () => worker.shutdown());
  process.once('SIGTERM', () => worker.shutdown());
  try {
    // run() resolves after shutdown() once in-flight tasks have drained.
    await worker.run();
  } finally {
    await connection.close();
    await db.destroy();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
