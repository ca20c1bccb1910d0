// Request and response shapes of the lead-intelligence endpoints (validation and OpenAPI from one source).
import { leadFeaturesSchema } from '../../activities/ml/schemas';
import { z } from '../openapi';

export const MAX_BATCH = 10_000;
export const predictBatchSchema = z.strictObject({ leads: z.array(leadFeaturesSchema).min(1).max(MAX_BATCH) });

/** Optional knobs of an on-demand retrain; an empty body uses the configured defaults. */
export const retrainRequestSchema = z
  .strictObject({
    margin: z
      .number()
      .min(0)
      .max(0.5)
      .optional()
      .describe('required gain of the primary holdout metric (default ML_PROMOTION_MARGIN)'),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .optional()
      .describe('synthetic data and holdout seed (default: from the retrain number)'),
    nLeads: z
      .number()
      .int()
      .min(1000)
      .max(200_000)
      .optional()
      .describe('synthetic lead rows for models without enough CRM history'),
    nCustomers: z.number().int().min(1000).max(100_000).optional().describe('synthetic customer rows'),
  })
  .openapi('RetrainRequest');
export const retrainStartedSchema = z
  .object({
    workflowId: z.string(),
    started: z.boolean().describe('false when this Idempotency-Key started a retrain before'),
  })
  .openapi('RetrainStarted');

const contribution = z.object({ feature: z.string(), contribution: z.number() });
export const leadPredictionSchema = z
  .object({
    conversion: z.object({
      model: z.string(),
      version: z.string(),
      probability: z.number(),
      topFeatures: z.array(contribution),
    }),
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
/** The batch answer: one prediction per lead, in order. */
export const predictionsSchema = z.object({ predictions: z.array(leadPredictionSchema) });
