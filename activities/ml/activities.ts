// ML inference as activities: workflows score leads and customers through these.
// Invalid input fails at once and for good (retrying cannot fix it); a model error is retried.
import { ApplicationFailure } from '@temporalio/activity';
import type { z } from 'zod';
import type { ModelStore } from './model-store';
import {
  predictChurn,
  predictCustomerValue,
  predictLeads,
  type ChurnPrediction,
  type CustomerValuePrediction,
  type LeadPrediction,
} from './predict';
import {
  churnFeaturesSchema,
  customerValueFeaturesSchema,
  leadFeaturesSchema,
  type ChurnFeatures,
  type CustomerValueFeatures,
  type LeadFeatures,
} from './schemas';

function validated<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`);
  throw ApplicationFailure.create({
    type: 'InvalidModelInput',
    message: `invalid model input — ${fields.join('; ')}`,
    nonRetryable: true,
    details: [fields],
  });
}

// Records are typed for callers, and validated anyway: a workflow's input came from outside too.
export function createMlActivities({ modelStore }: { modelStore: ModelStore }) {
  return {
    async predictLead(record: LeadFeatures): Promise<LeadPrediction> {
      const [prediction] = await predictLeads(modelStore, [validated(leadFeaturesSchema, record)]);
      return prediction!;
    },
    async predictCustomerValue(record: CustomerValueFeatures): Promise<CustomerValuePrediction> {
      const [prediction] = await predictCustomerValue(modelStore, [validated(customerValueFeaturesSchema, record)]);
      return prediction!;
    },
    async predictChurn(record: ChurnFeatures): Promise<ChurnPrediction> {
      const [prediction] = await predictChurn(modelStore, [validated(churnFeaturesSchema, record)]);
      return prediction!;
    },
  };
}
