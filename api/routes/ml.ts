// Lead intelligence over HTTP (roadmap 4.1 A): single and batch predictions, model info and health.
import { createHash, randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { ModelStore } from '../../activities/ml/model-store';
import { listModelVersions, listRetrains } from '../../db/repositories/ml-models';
import type { Database } from '../../db/schema';
import { startModelRetrain } from '../start-workflows';
import { predictLeads } from '../../activities/ml/predict';
import { MODEL_NAMES } from '../../activities/ml/registry';
import { leadFeaturesSchema } from '../../activities/ml/schemas';
import { requireRole } from '../auth';
import { problemResponses, z } from '../openapi';
import { idempotencyKeySchema } from '../schemas/common';
import {
  leadPredictionSchema,
  MAX_BATCH,
  predictBatchSchema,
  predictionsSchema,
  retrainRequestSchema,
  retrainStartedSchema,
} from '../schemas/ml';
import { ProblemError, validationProblem } from '../problem';
import { deadlineFor } from '../temporal-deadline';

export interface MlRouteDeps {
  modelStore: ModelStore;
  db: Kysely<Database>;
  client: Client;
  taskQueue: string;
  temporalTimeoutMs: number;
  promotionMargin: number;
}

export function mlRoutes({
  modelStore,
  db,
  client,
  taskQueue,
  temporalTimeoutMs,
  promotionMargin,
}: MlRouteDeps): Router {
  const router = Router();
  const withinDeadline = deadlineFor(client, temporalTimeoutMs);

  // Starts the modelRetrain workflow (ops only): it may replace the models every rep relies on.
  router.post('/ml/model/retrain', requireRole('ops'), async (req, res) => {
    const key = idempotencyKeySchema.safeParse(req.header('Idempotency-Key'));
    if (!key.success) throw validationProblem(key.error, 'header.Idempotency-Key');
    const body = retrainRequestSchema.safeParse(req.body ?? {});
    if (!body.success) throw validationProblem(body.error);
    const runKey = key.data ? `key-${createHash('sha256').update(key.data).digest('hex').slice(0, 32)}` : randomUUID();
    const { margin = promotionMargin, ...rest } = body.data;
    const started = await withinDeadline(() =>
      startModelRetrain(client, taskQueue, runKey, { trigger: 'api', margin, ...rest }),
    );
    req.log.info({ workflowId: started.workflowId, started: started.started }, 'retrain requested');
    res.status(202).location(`/api/v1/ml/model/retrains`).json(started);
  });

  router.get('/ml/model/retrains', requireRole('crm', 'ops'), async (_req, res) => {
    const [retrains, versions] = await Promise.all([listRetrains(db, 20), listModelVersions(db, 50)]);
    res.json({ retrains, versions });
  });

  router.post('/ml/predict', requireRole('crm', 'ops'), async (req, res) => {
    const record = leadFeaturesSchema.safeParse(req.body);
    if (!record.success) throw validationProblem(record.error);
    const [prediction] = await predictLeads(modelStore, [record.data]);
    res.json(prediction);
  });

  router.post('/ml/predict/batch', requireRole('crm', 'ops'), async (req, res) => {
    const batch = predictBatchSchema.safeParse(req.body);
    if (!batch.success) throw validationProblem(batch.error);
    res.json({ predictions: await predictLeads(modelStore, batch.data.leads) });
  });

  router.get('/ml/model/info', requireRole('crm', 'ops'), async (_req, res) => {
    const models = await modelStore.models();
    res.json({
      generation: await modelStore.servingGeneration(),
      models: MODEL_NAMES.map((name) => {
        const { entry } = models.get(name)!;
        return {
          name,
          version: entry.version,
          file: entry.file,
          sha256: entry.sha256,
          trainingDataSha256: entry.trainingDataSha256,
          features: entry.features.map((f) => f.name),
          metrics: entry.metrics,
          trainingData: entry.trainingData,
        };
      }),
    });
  });

  router.get('/ml/health', requireRole('crm', 'ops'), async (_req, res) => {
    try {
      const models = await modelStore.models();
      res.json({ status: 'ok', models: Object.fromEntries(MODEL_NAMES.map((n) => [n, models.get(n)!.entry.version])) });
    } catch (err) {
      throw new ProblemError(
        503,
        'Models unavailable',
        (err as Error).message.split('\n')[0],
        {},
        { 'Retry-After': '30' },
      );
    }
  });

  return router;
}

export function registerMlPaths(registry: OpenAPIRegistry): void {
  registry.register('LeadFeatures', leadFeaturesSchema);
  registry.registerPath({
    method: 'post',
    path: '/api/v1/ml/predict',
    summary: 'Conversion probability and next best action for one lead, with the features behind them',
    request: { body: { content: { 'application/json': { schema: leadFeaturesSchema } } } },
    responses: {
      200: { description: 'The prediction', content: { 'application/json': { schema: leadPredictionSchema } } },
      ...problemResponses(400, 401, 403, 422),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/ml/predict/batch',
    summary: `Predictions for up to ${MAX_BATCH.toLocaleString('en-US')} leads in one response`,
    request: { body: { content: { 'application/json': { schema: predictBatchSchema } } } },
    responses: {
      200: {
        description: 'One prediction per lead, in order',
        content: { 'application/json': { schema: predictionsSchema } },
      },
      ...problemResponses(400, 401, 403, 413, 422),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/ml/model/info',
    summary: 'Every model: version, artefact hash, features in order, holdout metrics',
    responses: { 200: { description: 'Model metadata' }, ...problemResponses(401, 403) },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/ml/model/retrain',
    summary:
      'Start the modelRetrain workflow (ops): export, train, evaluate against the champions, promote if better by the margin',
    request: {
      headers: z.object({ 'Idempotency-Key': idempotencyKeySchema }),
      body: { required: false, content: { 'application/json': { schema: retrainRequestSchema } } },
    },
    responses: {
      202: {
        description: 'Started (or, for a reused Idempotency-Key, already started)',
        content: { 'application/json': { schema: retrainStartedSchema } },
      },
      ...problemResponses(400, 401, 403, 422, 503),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/ml/model/retrains',
    summary:
      'Recent retrains with their outcome, and every stored model version with its metrics and the decision about it',
    responses: { 200: { description: 'Retrains and model versions' }, ...problemResponses(401, 403, 503) },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/ml/health',
    summary: 'Whether every model is loaded, with its version',
    responses: { 200: { description: 'Models loaded' }, ...problemResponses(401, 403, 503) },
  });
}
