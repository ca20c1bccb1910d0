// modelRetrain timelines on the time-skipping server with the real activities: real Postgres, the
// real Python trainer and evaluator. A weak champion is beaten; an equal challenger is rejected and
// kept; two retrains at once promote once; cancellation kills the trainer; a broken trainer fails.
// Each test has a database of its own, starting from the bundled champions: any one runs alone.
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseSource, ModelStore } from '../../activities/ml/model-store';
import { MODEL_NAMES, type ModelName } from '../../activities/ml/registry';
import { createRetrainActivities } from '../../activities/model-retrain';
import { challengersOf, championGeneration, getRetrain, loadChampions } from '../../db/repositories/ml-models';
import type { Database } from '../../db/schema';
import { venvBin } from '../../temporal/binaries';
import { modelRetrain } from '../../workflows';
import { retrainStatusQuery } from '../../workflows/model-retrain/messages';
import { PRIMARY_METRIC } from '../../workflows/model-retrain/rules/promotion';
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
/** The bundled models' version (models/registry.json): the champions of a fresh database. */
const BUNDLED = '1.0.0';
const ALL_MODELS = [...MODEL_NAMES].sort();
/**
 * The longest one retrain may take here: the real Python trainer and evaluator run it in 10-20 s on
 * an idle 2-core machine; a busy CI runner of the same size can be several times slower.
 */
const RETRAIN_BUDGET_MS = 150_000;
/** A test's timeout: its retrains one after another, plus its set-up (a database, models loaded). */
const retrainsInTurn = (n: number) => ({ timeout: n * RETRAIN_BUDGET_MS + 30_000 });

describe('modelRetrain', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: { code: string };
  let pg: TestPostgres;

  beforeAll(async () => {
    [env, workflowBundle, pg] = await Promise.all([
      createTimeSkippingEnv(),
      bundleWorkflows(testLogger),
      startTestPostgres(),
    ]);
  });
  afterAll(async () => {
    await env?.teardown();
    await pg?.stop();
  });

  /** What one test's worker works on: a database of its own and the store serving from it. */
  interface Models {
    db: Kysely<Database>;
    store: ModelStore;
  }
  /**
   * Each test starts from the same place, whatever ran before it: a fresh database whose champions
   * are the bundled models (generation 1), loaded by a worker's store.
   */
  async function bundledChampions(): Promise<Models> {
    const db = await pg.freshDatabase();
    const store = new ModelStore(databaseSource(db));
    await store.models();
    expect(await championGeneration(db)).toBe(1);
    return { db, store };
  }

  function activities(
    { db, store }: Models,
    overrides: (real: Activities) => Partial<Activities> = () => ({}),
    python = venvBin('python'),
  ): Activities {
    const real = createRetrainActivities({ db, python, modelStore: store });
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
        timeout: RETRAIN_BUDGET_MS,
        interval: 250,
      })
      .toBe(true);
    return handle.result();
  }

  const servedVersion = async (store: ModelStore, model: string) =>
    (await store.model(model as ModelName)).entry.version;
  /** A model's primary metric (the one promotion judges it by) in a metrics object. */
  const primaryMetric = (model: string, metrics: unknown): unknown =>
    PRIMARY_METRIC[model]!.reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], metrics);

  it(
    'promotes the challengers better than the champion by the margin, and workers serve them at once',
    retrainsInTurn(2),
    async () => {
      const models = await bundledChampions();
      // A weak champion first: little data, promoted whatever its metrics (a negative margin).
      const weak = await run('weak champion', activities(models), async (start) => {
        const handle = await start('ml-retrain-weak', {
          trigger: 'test',
          ...{ seed: 42, nLeads: 1000, nCustomers: 1000 },
          margin: -1,
        });
        return finished(handle);
      });
      expect(weak.outcome).toEqual({ outcome: 'promoted', promoted: ALL_MODELS, generation: 2 });
      for (const model of ALL_MODELS) expect(await servedVersion(models.store, model), model).toBe(weak.version);

      const better = await run('better challenger', activities(models), async (start) => {
        const handle = await start('ml-retrain-better', { trigger: 'test', seed: 100, margin: 0.005 });
        const result = await finished(handle);
        expect(await handle.query(retrainStatusQuery)).toMatchObject({ phase: result.outcome!.outcome });
        await keepHistory(handle, 'model-retrain', 'promoted');
        return result;
      });
      expect(better.outcome!.outcome).toBe('promoted');
      expect(better.decisions!.map((d) => d.model)).toEqual(ALL_MODELS);
      // Exactly the models whose primary metric gained the margin moved, and nothing else.
      const winners = better.decisions!.filter((d) => d.challenger - d.champion! >= 0.005).map((d) => d.model);
      // Both branches in one run (seed 100 against the weak champion): some models move, some stay.
      expect(winners.length).toBeGreaterThan(0);
      expect(winners.length).toBeLessThan(ALL_MODELS.length);
      expect(better.outcome!.promoted).toEqual(winners);
      const champions = await loadChampions(models.db);
      for (const d of better.decisions!) {
        const expected = d.promote ? better.version : weak.version;
        expect(champions.models.find((c) => c.model === d.model)!.version, d.model).toBe(expected);
        // The worker's own store swapped right after the promotion, without a restart.
        expect(await servedVersion(models.store, d.model), d.model).toBe(expected);
      }
      expect(better.data).toMatchObject({
        export: { closedLeads: 0, usableLeadRows: 0 },
        models: { lead_conversion: { kind: 'synthetic', seed: 100 } },
      });
    },
  );

  it('rejects a challenger no better than the champion and keeps it with its metrics', retrainsInTurn(1), async () => {
    const models = await bundledChampions();
    const same = await run('equal challenger', activities(models), async (start) => {
      // Seed 41 on synthetic data of the default size is how the bundled champions were trained:
      // the same weights, so no gain at all.
      const handle = await start('ml-retrain-equal', { trigger: 'test', seed: 41, margin: 0.005 });
      const result = await finished(handle);
      await keepHistory(handle, 'model-retrain', 'rejected');
      return result;
    });
    expect(same.outcome).toEqual({ outcome: 'rejected', promoted: [], generation: 1 });
    expect(same.decisions!.map((d) => d.model)).toEqual(ALL_MODELS);
    for (const d of same.decisions!)
      expect({ gain: d.challenger - d.champion!, promote: d.promote }, d.model).toEqual({ gain: 0, promote: false });

    // Every challenger is kept, rejected, with the decision about it and its own holdout metrics.
    const kept = await models.db
      .selectFrom('ml_model_versions')
      .select(['model', 'version', 'status', 'decision', 'entry'])
      .where('retrain_id', '=', 'ml-retrain-equal')
      .orderBy('model')
      .execute();
    expect(kept.map((k) => k.model)).toEqual(ALL_MODELS);
    for (const k of kept) {
      const decision = same.decisions!.find((d) => d.model === k.model)!;
      expect(k, k.model).toMatchObject({ version: same.version, status: 'rejected', decision });
      expect(decision.reason).toMatch(/below the margin/);
      const trained = primaryMetric(k.model, (k.entry as { metrics?: unknown }).metrics);
      expect(trained, k.model).toBeTypeOf('number');
      expect(trained as number, k.model).toBeCloseTo(decision.challenger, 4);
    }
    // The champions stayed, and so did what the worker serves.
    expect(await championGeneration(models.db)).toBe(1);
    for (const model of ALL_MODELS) expect(await servedVersion(models.store, model), model).toBe(BUNDLED);
  });

  it(
    'two retrains at once: both evaluated against the same champions, exactly one promotes',
    retrainsInTurn(1),
    async () => {
      const models = await bundledChampions();
      await insertClosedLeads(models.db, 600, { seed: 11 });
      // Neither promotes before both have evaluated, then both promote at once: the worst interleaving.
      let arrived = 0;
      let release!: () => void;
      const bothEvaluated = new Promise<void>((resolve) => (release = resolve));
      const evaluatedAgainst: number[] = [];
      const acts = activities(models, (real) => ({
        async promoteChallengers(input) {
          evaluatedAgainst.push(input.generation);
          if (++arrived === 2) release();
          await bothEvaluated;
          return real.promoteChallengers(input);
        },
      }));
      const { handles, results } = await run('two at once', acts, async (start) => {
        // A negative margin: each would promote every challenger alone; only the compare-and-set decides.
        const handles = await Promise.all([
          start('ml-retrain-race-1', { trigger: 'test', ...SMALL, margin: -1 }),
          start('ml-retrain-race-2', { trigger: 'test', ...SMALL, seed: 7, margin: -1 }),
        ]);
        return { handles, results: await Promise.all(handles.map((h) => finished(h))) };
      });
      expect(evaluatedAgainst).toEqual([1, 1]);
      expect(results.map((r) => r.outcome!.outcome).sort()).toEqual(['promoted', 'superseded']);
      const winner = results.find((r) => r.outcome!.outcome === 'promoted')!;
      const loser = results.findIndex((r) => r.outcome!.outcome === 'superseded');
      await keepHistory(handles[loser]!, 'model-retrain', 'superseded');
      expect(winner.outcome).toEqual({ outcome: 'promoted', promoted: ALL_MODELS, generation: 2 });
      expect(results[loser]!.outcome).toEqual({ outcome: 'superseded', promoted: [], generation: 2 });
      expect(await championGeneration(models.db)).toBe(2);
      for (const model of ALL_MODELS) expect(await servedVersion(models.store, model), model).toBe(winner.version);
      const lost = await models.db
        .selectFrom('ml_model_versions')
        .select('status')
        .where('retrain_id', '=', results[loser]!.retrainId)
        .execute();
      expect(lost.map((v) => v.status)).toEqual(ALL_MODELS.map(() => 'superseded'));
      // Both exported the CRM's closed leads: enough for the conversion model; the others stayed synthetic.
      for (const r of results) {
        expect(r.data).toMatchObject({
          export: { usableLeadRows: 600 },
          models: { lead_conversion: { kind: 'csv' }, clv: { kind: 'synthetic' } },
        });
      }
    },
  );

  it('cancelled while training: the trainer is stopped and the retrain recorded as cancelled', async () => {
    const models = await bundledChampions();
    await run('cancel training', activities(models), async (start) => {
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
    expect(await getRetrain(models.db, 'ml-retrain-cancelled')).toMatchObject({ status: 'cancelled' });
    expect(await challengersOf(models.db, 'ml-retrain-cancelled')).toHaveLength(0);
  });

  it('fails, recorded as failed, when the trainer cannot run', async () => {
    const models = await bundledChampions();
    await run('broken trainer', activities(models, undefined, '/nonexistent/python'), async (start) => {
      const handle = await start('ml-retrain-broken', { trigger: 'test' });
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const status: ModelRetrainStatus = await handle.query(retrainStatusQuery);
      expect(status).toMatchObject({ phase: 'failed' });
      expect(status.error).toMatch(/^trainChallengers: .*nonexistent/);
      await keepHistory(handle, 'model-retrain', 'failed');
    });
    const row = await getRetrain(models.db, 'ml-retrain-broken');
    expect(row).toMatchObject({ status: 'failed' });
    expect(JSON.stringify(row!.evaluation)).toMatch(/nonexistent/);
    expect(await championGeneration(models.db)).toBe(1);
  });
});
