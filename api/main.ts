// API entrypoint for deployments (Docker): migrates the schema, then serves the API and codec endpoint.
// Production unless APP_ENV says otherwise (config/env.ts): it writes no file, so the image's project
// folder may stay read-only.
import { resolveSecrets } from '../config/dev-secrets';
import { loadDeploymentConfig } from '../config/env';
import { createLogger } from '../config/logger';
import { createDb } from '../db/connection';
import { migrateToLatest } from '../db/migrate';
import { seedDemoData } from '../db/seed';
import type { Connection } from '@temporalio/client';
import { connectClient } from '../temporal/client';
import { frontendAuthOf } from '../temporal/frontend-auth';
import { registerSearchAttributes } from '../temporal/register-search-attributes';
import { startApiServers } from './server';
import { openModelStore } from '../activities/ml/model-store';
import { ensureRetierSchedule, ensureRetrainSchedule } from '../temporal/schedules';
import { installTracingFromConfig } from '../temporal/tracing';

async function main(): Promise<void> {
  const config = loadDeploymentConfig('api');
  const logger = createLogger(config.LOG_LEVEL, 'api');
  // Before the client connects: it gets the tracing interceptors.
  const tracing = installTracingFromConfig(config, 'crm-api');
  const secrets = resolveSecrets(config);
  const db = createDb(config.DATABASE_URL!, config.DB_POOL_SIZE);
  await migrateToLatest(db, logger);
  if (config.SEED_DEMO_DATA) await seedDemoData(db, logger);
  const client = await connectClient({
    address: config.TEMPORAL_ADDRESS!,
    namespace: config.TEMPORAL_NAMESPACE,
    payloadKeys: secrets.payloadKeys,
    allowUnencryptedPayloads: config.ALLOW_UNENCRYPTED_PAYLOADS,
    auth: frontendAuthOf(config),
  });
  const added = await registerSearchAttributes(client.connection as Connection, config.TEMPORAL_NAMESPACE);
  if (added.length) logger.info({ added }, 'registered search attributes');
  const schedule = await ensureRetrainSchedule(client, {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    cron: config.ML_RETRAIN_CRON,
    margin: config.ML_PROMOTION_MARGIN,
  });
  logger.info({ schedule, cron: config.ML_RETRAIN_CRON }, 'retrain schedule');
  const retier = await ensureRetierSchedule(client, {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    cron: config.REP_RETIER_CRON,
  });
  logger.info({ schedule: retier, cron: config.REP_RETIER_CRON }, 'rep re-tiering schedule');
  const modelStore = await openModelStore(db, logger);
  const api = await startApiServers({ config, secrets, db, client, logger, modelStore });
  logger.info({ api: api.apiUrl, codec: api.codecUrl }, 'API listening');
  const stop = async (): Promise<void> => {
    await api.close();
    await client.connection.close();
    await tracing?.shutdown(); // the last spans exported
    await db.destroy();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
