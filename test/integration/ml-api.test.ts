// The ML endpoints over HTTP with the shipped ONNX artefacts (no Postgres or Temporal needed).
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelStore } from '../../activities/ml/model-store';
import { createApp } from '../../api/app';
import { MODEL_NAMES } from '../../activities/ml/registry';
import type { LeadPrediction } from '../../activities/ml/predict';
import type { Database } from '../../db/schema';
import { testLogger } from '../helpers/logger';
import { NEXT_BEST_ACTION_COLUMNS, pythonReference } from '../helpers/ml-reference';
import { validLead } from '../helpers/ml-records';

const KEY = 'c'.repeat(32);

describe('ML endpoints', () => {
  let server: Server;
  let url: string;
  const post = (path: string, body: unknown) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    // The ML routes touch neither Postgres nor Temporal.
    const app = createApp({
      db: {} as Kysely<Database>,
      client: {} as Client,
      logger: testLogger,
      apiKeys: [{ key: KEY, role: 'crm' }],
      taskQueue: 'unused',
      dedupeWindowHours: 24,
      temporalTimeoutMs: 1000,
      modelStore: new ModelStore(),
      promotionMargin: 0.005,
    });
    await new Promise<void>((resolve) => {
      server = app.listen(0, '127.0.0.1', () => resolve());
    });
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => server?.close());

  it('predicts one lead with model, version, confidence and the top features behind it', async () => {
    const res = await post('/api/v1/ml/predict', validLead);
    expect(res.status).toBe(200);
    const p = (await res.json()) as LeadPrediction;
    expect(p.conversion).toMatchObject({ model: 'lead_conversion', version: expect.any(String) });
    // The values the Python reference computes for the same record: HTTP serves the model, not a stub.
    const ref = await pythonReference({ leads: [validLead] });
    expect(p.conversion.probability).toBeCloseTo(ref.lead_conversion![0]![1]!, 5);
    expect(p.conversion.topFeatures).toHaveLength(3);
    const probabilities = p.nextBestAction.probabilities as Record<string, number>;
    NEXT_BEST_ACTION_COLUMNS.forEach((action, k) =>
      expect(probabilities[action], action).toBeCloseTo(ref.next_best_action![0]![k]!, 5),
    );
    const probs = Object.values(probabilities);
    expect(p.nextBestAction.confidence).toBe(Math.max(...probs));
    expect(probabilities[p.nextBestAction.action]).toBe(Math.max(...probs)); // the action is the likeliest
  });

  it('moves the conversion probability the way the data says: a fast, warm insurance-agent lead beats a slow, cold one', async () => {
    const hot = (await (await post('/api/v1/ml/predict', validLead)).json()) as { conversion: { probability: number } };
    const cold = (await (
      await post('/api/v1/ml/predict', {
        ...validLead,
        leadSource: 'direct_mail',
        contactQuality: 1,
        responseTimeMinutes: 4000,
        previousInteraction: false,
      })
    ).json()) as { conversion: { probability: number } };
    expect(hot.conversion.probability).toBeGreaterThan(cold.conversion.probability);
  });

  it.each([
    ['roofAge', { roofAge: 500 }],
    ['propertyValue', { propertyValue: -1 }],
    ['leadSource', { leadSource: 'carrier_pigeon' }],
    ['season', { season: 'monsoon' }],
    ['contactQuality', { contactQuality: 11 }],
    ['zip', { zip: 'ABCDE' }],
  ])('rejects a bad %s with a 422 naming it', async (field, patch) => {
    const res = await post('/api/v1/ml/predict', { ...validLead, ...patch });
    expect(res.status).toBe(422);
    const problem = (await res.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path)).toEqual([field]);
  });

  it('rejects a missing feature', async () => {
    const { roofAge: _roofAge, ...missing } = validLead;
    const res = await post('/api/v1/ml/predict', missing);
    expect(res.status).toBe(422);
    expect(((await res.json()) as { errors: { path: string }[] }).errors[0]!.path).toBe('roofAge');
  });

  it('answers a batch of 10,000 leads in one response, in order, and refuses 10,001', async () => {
    const leads = Array.from({ length: 10_000 }, (_, i) => ({ ...validLead, roofAge: i % 51, contactQuality: i % 11 }));
    const res = await post('/api/v1/ml/predict/batch', { leads });
    expect(res.status).toBe(200);
    const { predictions } = (await res.json()) as { predictions: { conversion: { probability: number } }[] };
    expect(predictions).toHaveLength(10_000);
    const single = (await (await post('/api/v1/ml/predict', leads[1234])).json()) as {
      conversion: { probability: number };
    };
    expect(predictions[1234]!.conversion.probability).toBeCloseTo(single.conversion.probability, 6);

    const tooMany = await post('/api/v1/ml/predict/batch', { leads: [...leads, validLead] });
    expect(tooMany.status).toBe(422);
    const badRow = await post('/api/v1/ml/predict/batch', { leads: [validLead, { ...validLead, roofAge: 500 }] });
    expect(((await badRow.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual([
      'leads.1.roofAge',
    ]);
  });

  it('describes every model and reports health', async () => {
    const info = (await (
      await fetch(`${url}/api/v1/ml/model/info`, { headers: { authorization: `Bearer ${KEY}` } })
    ).json()) as {
      models: { name: string; sha256: string; features: string[] }[];
    };
    expect(info.models.map((m) => m.name)).toEqual([...MODEL_NAMES]);
    expect(info.models.find((m) => m.name === 'lead_conversion')!.features).toHaveLength(29);
    const health = await fetch(`${url}/api/v1/ml/health`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(health.status).toBe(200);
  });

  it('exposes prediction counts and latency per model in Prometheus format', async () => {
    await post('/api/v1/ml/predict', validLead);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/ml_predictions_total\{model="lead_conversion"\} \d+/);
    expect(text).toMatch(/ml_inference_seconds_bucket\{le="0\.001",model="next_best_action"\} \d+/);
    expect(text).toContain('process_cpu_user_seconds_total');
  });
});
