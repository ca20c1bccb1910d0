// Lead intelligence over HTTP (roadmap 4.1 A): single and batch predictions, model info and health.
import { Router } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { ModelStore } from '../../activities/ml/model-store';
import { predictLeads } from '../../activities/ml/predict';
import { MODEL_NAMES } from '../../activities/ml/registry';
import { leadFeaturesSchema } from '../../activities/ml/schemas';
import { requireRole } from '../auth';
import { problemResponses, z } from '../openapi';
import { ProblemError, validationProblem } from '../problem';

export const MAX_BATCH = 10_000;
const batchSchema = z.strictObject({ leads: z.array(leadFeaturesSchema).min(1).max(MAX_BATCH) });

const contribution = z.object({ feature: z.string(), contribution: z.number() });
const leadPredictionSchema = z
  .object({
    conversion: z.object({ model: z.string(), version: z.string(), probability: z.number(), topFeatures: z.array(contribution) }),
    nextBestAction: z.object({
      model: z.string(),
      version: z.string(),
      action: z.string(),
      confidence: z.number(),
      probabilities: z.record(z.string(), z.number()),
      topFeatures: z.array(contribution),
    }),
  })
  .openapi('LeadPrediction');

export function mlRoutes({ modelStore }: { modelStore: ModelStore }): Router {
  const router = Router();

  router.post('/ml/predict', requireRole('crm', 'ops'), async (req, res) => {
    const record = leadFeaturesSchema.safeParse(req.body);
    if (!record.success) throw validationProblem(record.error);
    const [prediction] = await predictLeads(modelStore, [record.data]);
    res.json(prediction);
  });

  router.post('/ml/predict/batch', requireRole('crm', 'ops'), async (req, res) => {
    const batch = batchSchema.safeParse(req.body);
    if (!batch.success) throw validationProblem(batch.error);
    res.json({ predictions: await predictLeads(modelStore, batch.data.leads) });
  });

  router.get('/ml/model/info', requireRole('crm', 'ops'), async (_req, res) => {
    const models = await modelStore.models();
    res.json({
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
          trainedOn: 'synthetic data (see the model card)',
        };
      }),
    });
  });

  router.get('/ml/health', requireRole('crm', 'ops'), async (_req, res) => {
    try {
      const models = await modelStore.models();
      res.json({ status: 'ok', models: Object.fromEntries(MODEL_NAMES.map((n) => [n, models.get(n)!.entry.version])) });
    } catch (err) {
      throw new ProblemError(503, 'Models unavailable', (err as Error).message.split('\n')[0], {}, { 'Retry-After': '30' });
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
    responses: { 200: { description: 'The prediction', content: { 'application/json': { schema: leadPredictionSchema } } }, ...problemResponses(400, 401, 403, 422) },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/ml/predict/batch',
    summary: `Predictions for up to ${MAX_BATCH.toLocaleString('en-US')} leads in one response`,
    request: { body: { content: { 'application/json': { schema: batchSchema } } } },
    responses: {
      200: { description: 'One prediction per lead, in order', content: { 'application/json': { schema: z.object({ predictions: z.array(leadPredictionSchema) }) } } },
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
    method: 'get',
    path: '/api/v1/ml/health',
    summary: 'Whether every model is loaded, with its version',
    responses: { 200: { description: 'Models loaded' }, ...problemResponses(401, 403, 503) },
  });
}
