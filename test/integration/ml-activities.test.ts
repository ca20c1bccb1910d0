// ML activities: each prediction equals what Python's onnxruntime makes of the same record (the
// reference of the parity test, models/training/parity.py) and says what the record means — a
// strong lead converts and a weak one is nurtured, a wealthy customer is ultra-premium and a modest
// one is not, an at-risk customer churns and a loyal one stays; bad input fails for good, naming
// the field (no retries).
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMlActivities } from '../../activities/ml/activities';
import { ModelStore } from '../../activities/ml/model-store';
import { readRegistry } from '../../activities/ml/registry';
import type { NextBestAction } from '../../activities/ml/schemas';
import {
  atRiskCustomer,
  loyalCustomer,
  modestCustomer,
  validCustomer,
  validLead,
  weakLead,
} from '../helpers/ml-records';
import { NEXT_BEST_ACTION_COLUMNS, pythonReference, type Reference } from '../helpers/ml-reference';

const activities = createMlActivities({ modelStore: new ModelStore() });
/** Runs fn inside a mock activity context (its run() cannot infer the result type). */
const inActivity = <R>(fn: () => Promise<R>): Promise<R> => new MockActivityEnvironment().run(fn) as Promise<R>;
/** The bundled models' versions (a ModelStore without a database serves these). */
const versionOf = Object.fromEntries([...readRegistry().entries].map(([name, e]) => [name, e.version]));
/** Within 1e-5 (the parity test's bound), relative for dollar amounts. */
const near = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected) / Math.max(1, Math.abs(expected))).toBeLessThan(1e-5);

describe('ML activities', () => {
  let ref: Required<Reference>;
  beforeAll(async () => {
    ref = (await pythonReference({
      leads: [validLead, weakLead],
      customers: [validCustomer, modestCustomer],
      churn: [atRiskCustomer, loyalCustomer],
    })) as Required<Reference>;
  }, 60_000);

  it('scores a lead as the Python reference does: the strong lead converts and gets an inspection, the weak one is nurtured', async () => {
    const [strong, weak] = [
      await inActivity(() => activities.predictLead(validLead)),
      await inActivity(() => activities.predictLead(weakLead)),
    ];
    [strong, weak].forEach((p, i) => {
      expect(p.conversion).toMatchObject({ model: 'lead_conversion', version: versionOf.lead_conversion });
      near(p.conversion.probability, ref.lead_conversion[i]![1]!);
      expect(p.nextBestAction).toMatchObject({ model: 'next_best_action', version: versionOf.next_best_action });
      // Each action's probability is the model's column of that name.
      expect(Object.keys(p.nextBestAction.probabilities).sort()).toEqual([...NEXT_BEST_ACTION_COLUMNS].sort());
      NEXT_BEST_ACTION_COLUMNS.forEach((a, k) =>
        near(p.nextBestAction.probabilities[a as NextBestAction], ref.next_best_action[i]![k]!),
      );
      expect(p.nextBestAction.confidence).toBe(Math.max(...Object.values(p.nextBestAction.probabilities)));
      expect(p.conversion.topFeatures).toHaveLength(3);
    });
    expect(strong.conversion.probability).toBeGreaterThan(0.8);
    expect(weak.conversion.probability).toBeLessThan(0.05);
    expect(strong.nextBestAction.action).toBe('schedule_inspection');
    expect(weak.nextBestAction.action).toBe('nurture');
  });

  it('fails non-retryably on an out-of-range feature, naming it', async () => {
    const err = await inActivity(() => activities.predictLead({ ...validLead, roofAge: 500 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'InvalidModelInput', nonRetryable: true });
    expect((err as Error).message).toMatch(/roofAge/);
  });

  it('scores customer value as the Python reference does: the wealthy customer is ultra-premium, the modest one is not', async () => {
    const [wealthy, modest] = [
      await inActivity(() => activities.predictCustomerValue(validCustomer)),
      await inActivity(() => activities.predictCustomerValue(modestCustomer)),
    ];
    [wealthy, modest].forEach((v, i) => {
      expect(v).toMatchObject({ model: 'clv', version: versionOf.clv });
      near(v.firstProjectValue, ref.clv[i]![0]!);
      near(v.clv3Year, ref.clv[i]![1]!);
    });
    expect(wealthy.ultraPremium).toBe(true); // first project over $45K
    expect(wealthy.firstProjectValue).toBeGreaterThan(45_000);
    expect(modest.ultraPremium).toBe(false);
    expect(modest.firstProjectValue).toBeLessThan(45_000);
    expect(wealthy.clv3Year).toBeGreaterThan(2 * modest.clv3Year);
  });

  it('scores churn as the Python reference does: the at-risk customer is likely to leave, the loyal one is not', async () => {
    const [atRisk, loyal] = [
      await inActivity(() => activities.predictChurn(atRiskCustomer)),
      await inActivity(() => activities.predictChurn(loyalCustomer)),
    ];
    [atRisk, loyal].forEach((c, i) => {
      expect(c.churn30d).toMatchObject({ model: 'churn_30d', version: versionOf.churn_30d });
      expect(c.churn60d).toMatchObject({ model: 'churn_60d', version: versionOf.churn_60d });
      near(c.churn30d.probability, ref.churn_30d[i]![1]!);
      near(c.churn60d.probability, ref.churn_60d[i]![1]!);
    });
    expect(atRisk.churn30d.probability).toBeGreaterThan(0.7);
    expect(atRisk.churn60d.probability).toBeGreaterThan(0.7);
    expect(loyal.churn30d.probability).toBeLessThan(0.05);
    expect(loyal.churn60d.probability).toBeLessThan(0.05);
  });
});
