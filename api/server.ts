// Serves the API and, beside it, the Web UI's codec endpoint. Shared by `make start` and api/main.ts.
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Secrets } from '../config/dev-secrets';
import { rateLimitSettingsOf, routingPolicyOf, urlHost, type Config } from '../config/env';
import type { Logger } from '../config/logger';
import type { ModelStore } from '../activities/ml/model-store';
import type { Database } from '../db/schema';
import { AesGcmPayloadCodec } from '../temporal/codec';
import { createCodecServer } from '../temporal/codec-server';
import { publicBaseUrlOf } from '../activities/messaging/providers/select';
import { createApp } from './app';
import { problemOnClientError } from './problem';
import { startLeadReconciler } from './lead-reconciler';
import { startCadenceClaimReconciler } from './cadence-claim-reconciler';
import { startWorkflowSignalRelay } from './workflow-signal-relay';
import { countWaitingIn } from '../activities/business-metrics';

export interface RunningApi {
  apiUrl: string;
  codecUrl: string;
  close(): Promise<void>;
}

function listen(
  app: { listen: (port: number, host: string, cb: (err?: Error) => void) => Server },
  port: number,
  host: string,
): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(server)));
    server.once('error', reject);
    server.on('clientError', problemOnClientError);
  });
}

const close = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });

export async function startApiServers(opts: {
  config: Config;
  secrets: Secrets;
  db: Kysely<Database>;
  client: Client;
  logger: Logger;
  modelStore: ModelStore;
}): Promise<RunningApi> {
  const { config, secrets, db, client, logger, modelStore } = opts;
  // GET /metrics reads workflows_waiting from this database on each scrape.
  countWaitingIn(db);
  const app = createApp({
    db,
    client,
    logger,
    apiKeys: secrets.apiKeys,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    dedupeWindowHours: config.LEAD_DEDUPE_WINDOW_HOURS,
    temporalTimeoutMs: config.TEMPORAL_CALL_TIMEOUT_MS,
    modelStore,
    promotionMargin: config.ML_PROMOTION_MARGIN,
    routingPolicy: routingPolicyOf(config),
    webhooks: {
      secrets: secrets.webhooks,
      publicBaseUrl: publicBaseUrlOf(config),
      devOutbox: config.DEV_OUTBOX,
      sendgridMaxAgeSeconds: config.SENDGRID_WEBHOOK_MAX_AGE_SECONDS,
    },
    rateLimits: rateLimitSettingsOf(config),
    mlBatchConcurrency: config.ML_BATCH_CONCURRENCY,
  });
  const codecApp = createCodecServer({
    codec: new AesGcmPayloadCodec(secrets.payloadKeys, { allowUnencrypted: config.ALLOW_UNENCRYPTED_PAYLOADS }),
    corsOrigins: config.codecCorsOrigins,
    accessTokens: config.codecAccessTokens,
    logger: logger.child({ component: 'codec-server' }),
  });
  const api = await listen(app, config.API_PORT, config.API_HOST);
  const stopReconciler = startLeadReconciler({
    db,
    client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    logger,
    routingPolicy: routingPolicyOf(config),
  });
  // Signals changes owe workflows that Temporal did not take when the change was made.
  const stopSignalRelay = startWorkflowSignalRelay({ db, client, logger, timeoutMs: config.TEMPORAL_CALL_TIMEOUT_MS });
  // Contacts held by cadences whose workflow ended without releasing them (terminated, timed out).
  const stopClaimReconciler = startCadenceClaimReconciler({
    db,
    client,
    logger,
    timeoutMs: config.TEMPORAL_CALL_TIMEOUT_MS,
  });
  const codec = await listen(codecApp, config.CODEC_PORT, config.CODEC_HOST);
  const apiPort = (api.address() as { port: number }).port;
  const codecPort = (codec.address() as { port: number }).port;
  return {
    apiUrl: `http://${urlHost(config.API_HOST)}:${apiPort}`,
    codecUrl: `http://${urlHost(config.CODEC_HOST)}:${codecPort}`,
    close: async () => {
      stopReconciler();
      stopSignalRelay();
      stopClaimReconciler();
      await Promise.all([close(api), close(codec)]);
    },
  };
}
