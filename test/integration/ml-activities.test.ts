// ML activities: a valid record is scored; bad input fails for good, naming the field (no retries).
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createMlActivities } from '../../activities/ml/activities';
import { ModelStore } from '../../activities/ml/model-store';
import { atRiskCustomer, validCustomer, validLead } from '../helpers/ml-records';

const activities = createMlActivities({ modelStore: new ModelStore() });
/** Runs fn inside a mock activity context (its run() cannot infer the result type). */
const inActivity = <R>(fn: () => Promise<R>): Promise<R> => new MockActivityEnvironment().run(fn) as Promise<R>;

describe('ML activities', () => {
  it('scores a lead', async () => {
    const prediction = await inActivity(() => activities.predictLead(validLead));
    expect(prediction.conversion.model).toBe('lead_conversion');
    expect(prediction.nextBestAction.topFeatures.length).toBeGreaterThan(0);
  });

  it('fails non-retryably on an out-of-range feature, naming it', async () => {
    const err = await inActivity(() => activities.predictLead({ ...validLead, roofAge: 500 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'InvalidModelInput', nonRetryable: true });
    expect((err as Error).message).toMatch(/roofAge/);
  });

  it('scores customer value and churn', async () => {
    const clv = await inActivity(() => activities.predictCustomerValue(validCustomer));
    expect(clv.clv3Year).toBeGreaterThan(0);
    expect(clv.ultraPremium).toBe(clv.firstProjectValue > 45_000);
    const churn = await inActivity(() => activities.predictChurn(atRiskCustomer));
    expect(churn.churn60d.probability).toBeGreaterThanOrEqual(churn.churn30d.probability - 0.05);
  });
});
