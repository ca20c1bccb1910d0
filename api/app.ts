// The HTTP API: thin handlers that validate, store, and start/signal/query workflows.
import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import swaggerUi from 'swagger-ui-express';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { ApiKey } from '../config/dev-secrets';
import type { RateLimitSettings } from '../config/env';
import type { Logger } from '../config/logger';
import type { Database } from '../db/schema';
import { authenticate } from './auth';
import { buildOpenApiDocument, createRegistry } from './openapi';
import { ProblemError, problemHandler } from './problem';
import { healthRoutes } from './routes/health';
import { leadRoutes, registerLeadPaths } from './routes/leads';
import { leadActionRoutes, registerLeadActionPaths } from './routes/lead-actions';
import { analyticsRoutes, registerAnalyticsPaths } from './routes/analytics';
import { notificationRoutes, registerNotificationPaths } from './routes/notifications';
import { customerRoutes, registerCustomerPaths } from './routes/customers';
import { cadenceRoutes, registerCadencePaths } from './routes/cadences';
import { dealRoutes, registerDealPaths } from './routes/deals';
import { registerRepPaths, repRoutes } from './routes/reps';
import { onCallRoutes, registerOnCallPaths } from './routes/on-call';
import { mlRoutes, registerMlPaths } from './routes/ml';
import { collectDefaultMetrics, register } from 'prom-client';
import type { ModelStore } from '../activities/ml/model-store';
import type { RoutingPolicy } from '../workflows/lead-intake/rules/sla-policy';
import type { WebhookSecrets } from '../config/dev-secrets';
import { webhookRoutes } from './routes/webhooks';
import { unsubscribeRoutes } from './routes/unsubscribe';
import { devOutboxRoutes } from './routes/dev-outbox';
import { requestLogSerializers } from './request-log';
import { createRateLimits } from './rate-limit';
import { jsonBodies } from './body-limits';
import { refuseNulCharacters } from './nul-characters';
import { capConcurrency } from './concurrency-cap';
import { activeTracing } from '../temporal/tracing';
import { traceRequests } from './request-tracing';

export interface ApiDeps {
  db: Kysely<Database>;
  client: Client;
  logger: Logger;
  apiKeys: ApiKey[];
  taskQueue: string;
  dedupeWindowHours: number;
  temporalTimeoutMs: number;
  modelStore: ModelStore;
  /** Where the retrain endpoint starts its workflow, and with which margin. */
  promotionMargin: number;
  routingPolicy?: RoutingPolicy;
  /** Provider webhooks (signed); absent in tests that do not need them. */
  webhooks?: { secrets: WebhookSecrets; publicBaseUrl: string; devOutbox?: boolean; sendgridMaxAgeSeconds?: number };
  /** Requests a minute per key, address and provider (api/rate-limit.ts); absent: not limited. */
  rateLimits?: RateLimitSettings;
  /** Batch predictions run at once (ML_BATCH_CONCURRENCY); default 2. */
  mlBatchConcurrency?: number;
}

let defaultMetricsCollected = false;

export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  // Links and callbacks issued while PUBLIC_BASE_URL ended in a slash read `//unsubscribe/…`: route
  // them as `/unsubscribe/…`. `originalUrl` keeps the slashes, so a Twilio callback to such a URL
  // is still checked against the URL Twilio signed.
  app.use((req, _res, next) => {
    if (req.url.startsWith('//')) req.url = req.url.replace(/^\/+/, '/');
    next();
  });

  app.use(
    pinoHttp({
      logger: deps.logger,
      serializers: requestLogSerializers,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && /^[\w.-]{1,100}$/.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      autoLogging: { ignore: (req) => req.url === '/healthz' },
    }),
  );
  if (activeTracing()) app.use(traceRequests());

  // Rate limits: per address on the routes that take no key, per provider on the webhooks, per key
  // after authentication (below). Probes and /metrics are not limited.
  const limits = createRateLimits(deps.db, deps.rateLimits);
  app.use(['/docs', '/api/v1/openapi.json', '/unsubscribe', '/dev/outbox'], limits.byIp);
  app.use('/webhooks', limits.byProvider);

  const registry = createRegistry();
  registerLeadPaths(registry);
  registerLeadActionPaths(registry);
  registerCadencePaths(registry);
  registerAnalyticsPaths(registry);
  registerNotificationPaths(registry);
  registerCustomerPaths(registry);
  registerDealPaths(registry);
  registerRepPaths(registry);
  registerOnCallPaths(registry);
  registerMlPaths(registry);
  const openApiDocument = buildOpenApiDocument(registry);

  app.use(healthRoutes(deps));
  if (!defaultMetricsCollected) {
    collectDefaultMetrics({ register });
    defaultMetricsCollected = true;
  }
  // Prometheus scrapes this inside the network; it holds counts and timings, no personal data.
  app.get('/metrics', async (_req, res) => {
    res.type(register.contentType).send(await register.metrics());
  });
  app.get('/api/v1/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(undefined, { swaggerOptions: { url: '/api/v1/openapi.json' } }));

  // Providers authenticate by signature, not by API key: verified before anything is applied.
  if (deps.webhooks) app.use('/webhooks', webhookRoutes({ ...deps, ...deps.webhooks }));
  // Offline development: the local providers' outbox, acting as recipients through the signed webhooks.
  if (deps.webhooks?.devOutbox) app.use('/dev/outbox', devOutboxRoutes({ ...deps, ...deps.webhooks }));
  // Recipients, not API clients: the message id in the link is the credential.
  app.use('/unsubscribe', unsubscribeRoutes(deps));

  // Authenticate before parsing: an anonymous caller's body is never read.
  app.use('/api/v1', authenticate(deps.apiKeys), limits.byKey);
  app.post('/api/v1/ml/predict/batch', capConcurrency(deps.mlBatchConcurrency ?? 2, 'batch predictions'));
  app.use(
    '/api/v1',
    jsonBodies(),
    refuseNulCharacters,
    leadRoutes(deps),
    leadActionRoutes(deps),
    repRoutes(deps),
    onCallRoutes(deps),
    analyticsRoutes(deps),
    notificationRoutes(deps),
    customerRoutes(deps),
    dealRoutes(deps),
    cadenceRoutes(deps),
    mlRoutes(deps),
  );

  app.use((req, _res) => {
    throw new ProblemError(404, 'Not found', `No route for ${req.method} ${req.path}`);
  });
  app.use(problemHandler);
  return app;
}
