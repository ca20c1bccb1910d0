// modelRetrain timelines on the time-skipping server with the real activities: real Postgres, the
// real Python trainer and evaluator. A weak champion is beaten; an equal challenger is rejected and
// kept; two retrains at once promote once; cancellation kills the trainer; a broken trainer fails.
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseSource, ModelStore } from '../../activities/ml/model-store';
import { createRetrainActivities } from '../../activities/model-retrain';
import { challengersOf, championGeneration, getRetrain, loadChampions } from '../../db/repositories/ml-models';
import { venvBin } from '../../temporal/binaries';
import { modelRetrain } from '../../workflows';
import { retrainStatusQuery } from '../../workflows/model-retrain/messages';
import type { ModelRetrainInput, ModelRetrainStatus } from '../../workflows/model-retrain/types';
import { bundleWorkflows } from '../../workers/worker';
import { insertClosedLeads } from '../helpers/closed-leads';
import { keepHistory } from '../helpers/histories';
import { testLogger } from '../helpers/logger';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';
import { createTimeSkippingEnv, taskQueueFor } from '../helpers/temporal';

type Activities = ReturnType<typeof createRetrainActivities>;
/** Small synthetic sets: a full retrain in a few seconds. */
const SMALL = { nLeads: 4000, nCustomers: 2000 };

describe('modelRetrain', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: { code: string };
  let pg: TestPostgres;
  let store: ModelStore;

  beforeAll(async () => {
    [env, workflowBundle, pg] = await Promise.all([
      createTimeSkippingEnv(),
      bundleWorkflows(testLogger),
      startTestPostgres(),
    ]);
    store = new ModelStore(databaseSource(pg.db));
    await store.models(); // the bundled models become the champions (generation 1)
  });
  afterAll(async () => {
    await env?.teardown();
    await pg?.stop();
  });

  function activities(
    overrides: (real: Activities) => Partial<Activities> = () => ({}),
    python = venvBin('python'),
  ): Activities {
    const real = createRetrainActivities({ db: pg.db, python, modelStore: store });
    return { ...real, ...overrides(real) };
  }

  async function run<T>(
    title: string,
    acts: Activities,
    body: (start: (id: string, input: ModelRetrainInput) => ReturnType<typeof startRetrain>) => Promise<T>,
  ): Promise<T> {
    const taskQueue = taskQueueFor(title);
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle,
      activities: acts,
      maxHeartbeatThrottleInterval: '3 seconds',
    });
    return worker.runUntil(body((id, input) => startRetrain(taskQueue, id, input)));
  }
  const startRetrain = (taskQueue: string, workflowId: string, input: ModelRetrainInput) =>
    env.client.workflow.start(modelRetrain, { workflowId, taskQueue, args: [input] });

  /**
   * Waits for the end by querying, then takes the result. Awaiting result() directly would let the
   * time-skipping server jump to the next deadline while a real activity (Python) is still running.
   */
  async function finished(handle: {
    query: (q: typeof retrainStatusQuery) => Promise<ModelRetrainStatus>;
    result: () => Promise<ModelRetrainStatus>;
  }) {
    const ended = ['promoted', 'rejected', 'superseded', 'failed', 'cancelled'];
    await expect
      .poll(async () => ended.includes((await handle.query(retrainStatusQuery)).phase), {
        timeout: 180_000,
        interval: 250,
      })
      .toBe(true);
    return handle.result();
  }

  const servedVersion = async (model: 'lead_conversion' | 'clv') => (await store.model(model)).entry.version;

  it('promotes the challengers better than the champion by the margin, and workers serve them at once', async () => {
    // A weak champion first: little data, promoted whatever its metrics (a negative margin).
    const weak = await run('weak champion', activities(), async (start) => {
      const handle = await start('ml-retrain-weak', {
        trigger: 'test',
        ...{ nLeads: 1000, nCustomers: 1000 },
        margin: -1,
      });
      return finished(handle);
    });
    expect(weak.outcome!.outcome).toBe('promoted');
    expect(weak.outcome!.promoted.sort()).toEqual([
      'churn_30d',
      'churn_60d',
      'clv',
      'lead_conversion',
      'next_best_action',
    ]);
    expect(await servedVersion('clv')).toBe(weak.version);

    const better = await run('better challenger', activities(), async (start) => {
      const handle = await start('ml-retrain-better', { trigger: 'test', seed: 100, margin: 0.005 });
      const result = await finished(handle);
      expect(await handle.query(retrainStatusQuery)).toMatchObject({ phase: result.outcome!.outcome });
      await keepHistory(handle, 'model-retrain', 'promoted');
      return result;
    });
    expect(better.outcome!.outcome).toBe('promoted');
    // Exactly the models whose primary metric gained the margin moved, and nothing else.
    const winners = better.decisions!.filter((d) => d.challenger - d.champion! >= 0.005).map((d) => d.model);
    expect(winners.length).toBeGreaterThan(0);
    expect(better.outcome!.promoted).toEqual(winners);
    const champions = await loadChampions(pg.db);
    for (const d of better.decisions!) {
      expect(champions.models.find((c) => c.model === d.model)!.version).toBe(
        d.promote ? better.version : weak.version,
      );
    }
    expect(better.data).toMatchObject({
      export: { closedLeads: 0, usableLeadRows: 0 },
      models: { lead_conversion: { kind: 'synthetic', seed: 100 } },
    });
    // The worker's own store swapped right after the promotion, without a restart.
    if (winners.includes('clv')) expect(await servedVersion('clv')).toBe(better.version);
  });

  it('rejects a challenger no better than the champion and keeps it with its metrics', async () => {
    const generation = await championGeneration(pg.db);
    const same = await run('equal challenger', activities(), async (start) => {
      // The same data and seed as the champion: the same weights, so no gain at all.
      const handle = await start('ml-retrain-equal', { trigger: 'test', seed: 100, margin: 0.005 });
      const result = await finished(handle);
      await keepHistory(handle, 'model-retrain', 'rejected');
      return result;
    });
    expect(same.outcome).toEqual({ outcome: 'rejected', promoted: [], generation });
    for (const d of same.decisions!) if (d.champion === d.challenger) expect(d.promote).toBe(false);
    const kept = await pg.db
      .selectFrom('ml_model_versions')
      .select(['status', 'decision', 'entry'])
      .where('retrain_id', '=', 'ml-retrain-equal')
      .execute();
    expect(kept).toHaveLength(5);
    expect(kept.every((k) => k.status === 'rejected' && (k.decision as { reason: string }).reason.length > 0)).toBe(
      true,
    );
    expect(await championGeneration(pg.db)).toBe(generation);
  });

  it('two retrains at once: both evaluated against the same champions, exactly one promotes', async () => {
    await insertClosedLeads(pg.db, 600, { seed: 11 });
    const generation = await championGeneration(pg.db);
    // Neither promotes before both have evaluated, then both promote at once: the worst interleaving.
    let arrived = 0;
    let release!: () => void;
    const bothEvaluated = new Promise<void>((resolve) => (release = resolve));
    const evaluatedAgainst: number[] = [];
    const acts = activities((real) => ({
      async promoteChallengers(input) {
        evaluatedAgainst.push(input.generation);
        if (++arrived === 2) release();
        await bothEvaluated;
        return real.promoteChallengers(input);
      },
    }));
    const results = await run('two at once', acts, async (start) => {
      const handles = await Promise.all([
        start('ml-retrain-race-1', { trigger: 'test', ...SMALL, margin: 0 }),
        start('ml-retrain-race-2', { trigger: 'test', ...SMALL, seed: 7, margin: 0 }),
      ]);
      const done = await Promise.all(handles.map((h) => finished(h)));
      const loser = done.findIndex((r) => r.outcome!.outcome === 'superseded');
      if (loser >= 0) await keepHistory(handles[loser]!, 'model-retrain', 'superseded');
      return done;
    });
    const outcomes = results.map((r) => r.outcome!.outcome).sort();
    expect(evaluatedAgainst).toEqual([generation, generation]);
    expect(outcomes).toEqual(['promoted', 'superseded']);
    expect(results.every((r) => (r.data as { export: { usableLeadRows: number } }).export.usableLeadRows === 600)).toBe(
      true,
    );
    // The CRM's closed leads were enough for the conversion model; the others stayed synthetic.
    expect((results[0]!.data as { models: Record<string, { kind: string }> }).models).toMatchObject({
      lead_conversion: { kind: 'csv' },
      clv: { kind: 'synthetic' },
    });
    expect(await championGeneration(pg.db)).toBe(generation + 1);
  });

  it('cancelled while training: the trainer is stopped and the retrain recorded as cancelled', async () => {
    await run('cancel training', activities(), async (start) => {
      const handle = await start('ml-retrain-cancelled', { trigger: 'test', nLeads: 200_000, nCustomers: 100_000 });
      await expect
        .poll(async () => (await handle.query(retrainStatusQuery)).phase, { timeout: 20_000, interval: 200 })
        .toBe('training');
      await handle.cancel();
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      await keepHistory(handle, 'model-retrain', 'cancelled');
    });
    expect(await getRetrain(pg.db, 'ml-retrain-cancelled')).toMatchObject({ status: 'cancelled' });
    expect(await challengersOf(pg.db, 'ml-retrain-cancelled')).toHaveLength(0);
  });

  it('fails, recorded as failed, when the trainer cannot run', async () => {
    const generation = await championGeneration(pg.db);
    await run('broken trainer', activities(undefined, '/nonexistent/python'), async (start) => {
      const handle = await start('ml-retrain-broken', { trigger: 'test' });
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const status: ModelRetrainStatus = await handle.query(retrainStatusQuery);
      expect(status).toMatchObject({ phase: 'failed' });
      expect(status.error).toMatch(/^trainChallengers: .*nonexistent/);
      await keepHistory(handle, 'model-retrain', 'failed');
    });
    const row = await getRetrain(pg.db, 'ml-retrain-broken');
    expect(row).toMatchObject({ status: 'failed' });
    expect(JSON.stringify(row!.evaluation)).toMatch(/nonexistent/);
    expect(await championGeneration(pg.db)).toBe(generation);
  });
});
