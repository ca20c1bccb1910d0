// The whole system on embedded defaults — Temporal dev server (+ Web UI), Postgres, migrations, demo
// seed, the worker (unless it runs in a process of its own) and the API — started in dependency
// order and stopped in reverse.
// `make start` runs it; the integration tests run the very same function.
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { resolveSecrets, type Secrets } from '../config/dev-secrets';
import type { Config } from '../config/env';
import type { Logger } from '../config/logger';
import { startApiServers } from '../api/server';
import { createDb } from '../db/connection';
import { startEmbeddedPostgres } from '../db/embedded-postgres';
import { migrateToLatest } from '../db/migrate';
import { seedDemoData } from '../db/seed';
import { temporalCliPath } from '../temporal/binaries';
import { connectClient } from '../temporal/client';
import { frontendAuthOf } from '../temporal/frontend-auth';
import { startDevServer, waitForFrontend } from '../temporal/dev-server';
import { registerSearchAttributes } from '../temporal/register-search-attributes';
import { installTemporalLogging } from '../temporal/runtime-logging';
import { bundleWorkflows, createProcessWorker, workerSettingsOf } from '../workers/worker';
import { openModelStore } from '../activities/ml/model-store';
import { ensureRetierSchedule, ensureRetrainSchedule } from '../temporal/schedules';

export interface RunningSystem {
  secrets: Secrets;
  apiUrl: string;
  codecUrl: string;
  uiUrl?: string;
  temporalAddress: string;
  databaseUrl: string;
  /** Stops everything started, in reverse order; logs and continues past a part that fails. */
  stop(): Promise<void>;
}

export interface SystemOptions {
  /**
   * Run the worker in this process (default). `false`: everything but the worker — it runs
   * elsewhere, e.g. as its deployment entrypoint (`workers/main.ts`) in a process of its own.
   */
  worker?: boolean;
}

export async function startSystem(config: Config, logger: Logger, options: SystemOptions = {}): Promise<RunningSystem> {
  const runWorker = options.worker ?? true;
  // The SDK logs through our logger (once per process; the first caller's logger wins).
  installTemporalLogging(logger);
  const secrets = resolveSecrets(config);
  const stops: { name: string; stop: () => Promise<void> }[] = [];
  const stop = async (): Promise<void> => {
    for (const part of stops.splice(0).reverse()) {
      try {
        await part.stop();
        logger.info(`${part.name} stopped`);
      } catch (err) {
        logger.error({ err }, `${part.name} did not stop cleanly`);
      }
    }
  };

  try {
    const codecHost = config.CODEC_HOST === '0.0.0.0' ? '127.0.0.1' : config.CODEC_HOST;
    // The three slow parts start side by side.
    const [temporalAddress, databaseUrl, workflowBundle] = await Promise.all([
      (async () => {
        if (config.TEMPORAL_ADDRESS) {
          await waitForFrontend(config.TEMPORAL_ADDRESS, 30_000);
          const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS, ...frontendAuthOf(config) });
          const added = await registerSearchAttributes(connection, config.TEMPORAL_NAMESPACE).finally(() =>
            connection.close(),
          );
          if (added.length) logger.info({ added }, 'registered search attributes');
          return config.TEMPORAL_ADDRESS;
        }
        const server = await startDevServer({
          cliPath: temporalCliPath(config.TEMPORAL_CLI),
          port: config.TEMPORAL_PORT,
          uiPort: config.TEMPORAL_UI_PORT,
          dbFile: path.join(config.DATA_DIR, 'temporal.db'),
          pidFile: path.join(config.DATA_DIR, 'temporal.pid'),
          codecEndpoint: `http://${codecHost}:${config.CODEC_PORT}`,
          logger,
        });
        stops.push({ name: 'Temporal dev server', stop: server.stop });
        return server.address;
      })(),
      (async () => {
        if (config.DATABASE_URL) return config.DATABASE_URL;
        const pg = await startEmbeddedPostgres({
          dataDir: path.join(config.DATA_DIR, 'pg'),
          port: config.EMBEDDED_PG_PORT,
          logger,
        });
        stops.push({ name: 'Postgres', stop: pg.stop });
        return pg.url;
      })(),
      runWorker ? bundleWorkflows(logger) : undefined,
    ]);

    const db = createDb(databaseUrl, config.DB_POOL_SIZE);
    stops.push({ name: 'database pool', stop: () => db.destroy() });
    await migrateToLatest(db, logger);
    if (config.SEED_DEMO_DATA) await seedDemoData(db, logger);
    // One store for the worker and the API: the sessions are loaded once for both.
    const modelStore = await openModelStore(db, logger);

    let workerConnection: NativeConnection | undefined;
    if (runWorker) {
      const { worker, connection } = await createProcessWorker({
        ...workerSettingsOf(config),
        address: temporalAddress,
        payloadKeys: secrets.payloadKeys,
        db,
        modelStore,
        workflowBundle,
      });
      workerConnection = connection;
      const running = worker.run();
      stops.push({
        name: 'worker',
        stop: async () => {
          // Drains: polls stop, in-flight tasks finish (or hit shutdownGraceTime), then run() resolves.
          worker.shutdown();
          await running;
          await connection.close();
        },
      });
    }

    const client = await connectClient({
      address: temporalAddress,
      namespace: config.TEMPORAL_NAMESPACE,
      payloadKeys: secrets.payloadKeys,
      allowUnencryptedPayloads: config.ALLOW_UNENCRYPTED_PAYLOADS,
      auth: frontendAuthOf(config),
      // One connection for both in one process: the API's lead starts run their first task here at once.
      workerConnection,
    });
    // On the worker's connection, the worker closes it once it has drained.
    if (!workerConnection) stops.push({ name: 'Temporal client', stop: () => client.connection.close() });
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
    const api = await startApiServers({ config, secrets, db, client, logger, modelStore });
    stops.push({ name: 'API', stop: api.close });

    return {
      secrets,
      apiUrl: api.apiUrl,
      codecUrl: api.codecUrl,
      uiUrl: config.TEMPORAL_ADDRESS ? undefined : `http://localhost:${config.TEMPORAL_UI_PORT}`,
      temporalAddress,
      databaseUrl,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
