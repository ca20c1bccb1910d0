// `make start`: the whole system on embedded defaults in one command — Temporal dev server (+ Web UI),
// Postgres, migrations, demo seed, the worker and the API — stopped cleanly, in reverse, on Ctrl-C.
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { resolveSecrets } from '../config/dev-secrets';
import { ConfigError, loadConfig } from '../config/env';
import { createLogger } from '../config/logger';
import { startApiServers } from '../api/server';
import { createDb } from '../db/connection';
import { startEmbeddedPostgres } from '../db/embedded-postgres';
import { migrateToLatest } from '../db/migrate';
import { seedDemoData } from '../db/seed';
import { temporalCliPath } from '../temporal/binaries';
import { connectClient } from '../temporal/client';
import { startDevServer, waitForFrontend } from '../temporal/dev-server';
import { registerSearchAttributes } from '../temporal/register-search-attributes';
import { installTemporalLogging } from '../temporal/runtime-logging';
import { bundleWorkflows, createProcessWorker } from '../workers/worker';

async function main(): Promise<void> {
  const startedAt = Date.now();
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'make-start');
  installTemporalLogging(logger);
  const secrets = resolveSecrets(config);

  // Everything started is stopped in reverse order; a second Ctrl-C forces the exit.
  const stops: { name: string; stop: () => Promise<void> }[] = [];
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) {
      logger.warn('second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    for (const { name, stop } of stops.reverse()) {
      try {
        await stop();
        logger.info(`${name} stopped`);
      } catch (err) {
        logger.error({ err }, `${name} did not stop cleanly`);
      }
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  const codecEndpoint = `http://${config.CODEC_HOST === '0.0.0.0' ? '127.0.0.1' : config.CODEC_HOST}:${config.CODEC_PORT}`;
  const [temporalAddress, databaseUrl, workflowBundle] = await Promise.all([
    (async () => {
      if (config.TEMPORAL_ADDRESS) {
        await waitForFrontend(config.TEMPORAL_ADDRESS, 30_000);
        const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
        const added = await registerSearchAttributes(connection, config.TEMPORAL_NAMESPACE).finally(() => connection.close());
        if (added.length) logger.info({ added }, 'registered search attributes');
        return config.TEMPORAL_ADDRESS;
      }
      const server = await startDevServer({
        cliPath: temporalCliPath(config.TEMPORAL_CLI),
        port: config.TEMPORAL_PORT,
        uiPort: config.TEMPORAL_UI_PORT,
        dbFile: path.join(config.DATA_DIR, 'temporal.db'),
        pidFile: path.join(config.DATA_DIR, 'temporal.pid'),
        codecEndpoint,
        logger,
      });
      stops.push({ name: 'Temporal dev server', stop: server.stop });
      return server.address;
    })(),
    (async () => {
      if (config.DATABASE_URL) return config.DATABASE_URL;
      const pg = await startEmbeddedPostgres({ dataDir: path.join(config.DATA_DIR, 'pg'), port: config.EMBEDDED_PG_PORT, logger });
      stops.push({ name: 'Postgres', stop: pg.stop });
      return pg.url;
    })(),
    bundleWorkflows(logger),
  ]);

  const db = createDb(databaseUrl, config.DB_POOL_SIZE);
  stops.push({ name: 'database pool', stop: () => db.destroy() });
  await migrateToLatest(db, logger);
  if (config.SEED_DEMO_DATA) await seedDemoData(db, logger);

  const { worker, connection } = await createProcessWorker({
    address: temporalAddress,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    payloadKeys: secrets.payloadKeys,
    db,
    workflowBundle,
  });
  const running = worker.run();
  stops.push({
    name: 'worker',
    stop: async () => {
      worker.shutdown();
      await running;
      await connection.close();
    },
  });

  const client = await connectClient({ address: temporalAddress, namespace: config.TEMPORAL_NAMESPACE, payloadKeys: secrets.payloadKeys });
  stops.push({ name: 'Temporal client', stop: () => client.connection.close() });
  const api = await startApiServers({ config, secrets, db, client, logger });
  stops.push({ name: 'API', stop: api.close });

  const uiUrl = config.TEMPORAL_ADDRESS ? '(external Temporal: see its own Web UI)' : `http://localhost:${config.TEMPORAL_UI_PORT}`;
  const lines = [
    '',
    `  Ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
    `  API           ${api.apiUrl}/api/v1`,
    `  OpenAPI docs  ${api.apiUrl}/docs`,
    `  Temporal UI   ${uiUrl}   (codec endpoint ${api.codecUrl})`,
    `  Temporal      ${temporalAddress}  namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.TEMPORAL_TASK_QUEUE}`,
    `  Postgres      ${databaseUrl.replace(/:[^:@/]+@/, ':***@')}`,
    ...(secrets.generatedApiKeys
      ? secrets.apiKeys.map((k) => `  Dev API key   ${k.key}  (${k.role}; stored in ${config.DATA_DIR}/dev-api-keys)`)
      : []),
    '  Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`make start failed: ${(err as Error).stack ?? String(err)}\n`);
  }
  process.exit(1);
});
