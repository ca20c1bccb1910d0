// Worker entrypoint for deployments (Docker): Postgres and Temporal are external services.
// Production unless APP_ENV says otherwise (config/env.ts): it writes no file in the project folder.
import { resolvePayloadKeys } from '../config/dev-secrets';
import { loadDeploymentConfig, sdkMetricsAddressOf } from '../config/env';
import { createLogger } from '../config/logger';
import { createDb } from '../db/connection';
import { installTemporalLogging } from '../temporal/runtime-logging';
import { installTracingFromConfig } from '../temporal/tracing';
import { serveWorkerMetrics } from './metrics-server';
import { createProcessWorker, workerSettingsOf } from './worker';
import { openModelStore } from '../activities/ml/model-store';

async function main(): Promise<void> {
  const config = loadDeploymentConfig('worker');
  const logger = createLogger(config.LOG_LEVEL, 'worker');
  installTemporalLogging(logger, { sdkMetricsAddress: sdkMetricsAddressOf(config) });
  // Before the worker bundles its workflows: the tracing interceptors go into the bundle.
  const tracing = installTracingFromConfig(config, 'crm-worker');
  const db = createDb(config.DATABASE_URL!, config.DB_POOL_SIZE);
  const modelStore = await openModelStore(db, logger);
  const metrics =
    config.WORKER_METRICS_PORT === undefined
      ? undefined
      : await serveWorkerMetrics({ host: config.WORKER_METRICS_HOST, port: config.WORKER_METRICS_PORT, logger });
  if (metrics) logger.info({ url: metrics.url }, 'worker metrics');
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
    await metrics?.close();
    await tracing?.shutdown(); // the last spans exported
    await db.destroy();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
