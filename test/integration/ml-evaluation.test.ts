// The retrain's evaluator (models/training/evaluate.py, scikit-learn's metrics) checked against an
// independent computation: the same holdout rows through Node's feature code and onnxruntime-node,
// and the metrics written out here from their definitions. A wrong metric in either place (a
// swapped probability column, AUC on labels, an unrounded or mis-averaged F1) makes them disagree,
// and promotion decisions rest on these numbers.
import { spawnSync } from 'node:child_process';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { churnFeatureVector, customerValueFeatureVector, leadFeatureVector } from '../../activities/ml/features';
import { databaseSource, ModelStore } from '../../activities/ml/model-store';
import { runModel } from '../../activities/ml/predict';
import { projectRoot, type ModelName } from '../../activities/ml/registry';
import {
  churnFeaturesSchema,
  customerValueFeaturesSchema,
  leadFeaturesSchema,
  NEXT_BEST_ACTIONS,
} from '../../activities/ml/schemas';
import { createRetrainActivities } from '../../activities/model-retrain';
import { beginRetrain, saveChallengers } from '../../db/repositories/ml-models';
import { venvBin } from '../../temporal/binaries';
import { bundledChallengers } from '../helpers/challengers';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';

type Row = Record<string, string | number | boolean | null>;

/** The training CSV (models/README.md) back into typed cells: booleans, numbers, ZIPs as text. */
function parseCsv(csv: string): Row[] {
  const [header, ...lines] = csv.trim().split('\n');
  const columns = header!.split(',');
  return lines.map((line) =>
    Object.fromEntries(
      line.split(',').map((cell, i) => {
        const column = columns[i]!;
        if (cell === '') return [column, null];
        if (cell === 'true' || cell === 'false') return [column, cell === 'true'];
        if (column !== 'zip' && /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(cell)) return [column, Number(cell)];
        return [column, cell];
      }),
    ),
  );
}

const pick = (row: Row, keys: string[]) => Object.fromEntries(keys.map((k) => [k, row[k]]));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const argmax = (xs: number[]) => xs.indexOf(Math.max(...xs));
/** Rows renormalised to sum to 1 in double precision, as evaluate.py does with float32 output. */
const normalised = (rows: number[][]) => rows.map((r) => r.map((p) => p / r.reduce((a, b) => a + b, 0)));

/** ROC AUC as the Mann-Whitney statistic: the chance a positive outranks a negative (ties count half). */
function rocAuc(y: boolean[], score: number[]): number {
  const order = score.map((s, i) => ({ s, i })).sort((a, b) => a.s - b.s);
  const rank = new Array<number>(score.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]!.s === order[i]!.s) j++;
    for (let k = i; k <= j; k++) rank[order[k]!.i] = (i + j) / 2 + 1; // average rank of a tie
    i = j + 1;
  }
  const positives = y.filter(Boolean).length;
  const negatives = y.length - positives;
  const rankSum = y.reduce((sum, yes, i) => sum + (yes ? rank[i]! : 0), 0);
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

function binaryMetrics(y: boolean[], proba: number[][]) {
  const p1 = proba.map((r) => r[1]!);
  return {
    rows: y.length,
    accuracy: mean(y.map((yes, i) => Number(argmax(proba[i]!) === Number(yes)))),
    positiveRate: mean(y.map(Number)),
    rocAuc: rocAuc(y, p1),
    logLoss: -mean(y.map((yes, i) => Math.log(yes ? p1[i]! : 1 - p1[i]!))),
    brier: mean(y.map((yes, i) => (p1[i]! - Number(yes)) ** 2)),
  };
}

function multiclassMetrics(y: number[], proba: number[][], classes: number) {
  const predicted = proba.map(argmax);
  const f1 = Array.from({ length: classes }, (_, k) => {
    const tp = y.filter((c, i) => c === k && predicted[i] === k).length;
    const fp = y.filter((c, i) => c !== k && predicted[i] === k).length;
    const fn = y.filter((c, i) => c === k && predicted[i] !== k).length;
    return tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  });
  return {
    rows: y.length,
    accuracy: mean(y.map((c, i) => Number(predicted[i] === c))),
    macroF1: mean(f1),
    logLoss: -mean(y.map((c, i) => Math.log(proba[i]![c]!))),
  };
}

function regressionMetrics(y: number[], predicted: number[]) {
  const avg = mean(y);
  const ssRes = y.reduce((s, v, i) => s + (v - predicted[i]!) ** 2, 0);
  const ssTot = y.reduce((s, v) => s + (v - avg) ** 2, 0);
  return {
    mae: mean(y.map((v, i) => Math.abs(v - predicted[i]!))),
    rmse: Math.sqrt(ssRes / y.length),
    r2: 1 - ssRes / ssTot,
    mean: avg,
  };
}

/** Every number in `expected` is close to the one at the same place in `actual` (`digits` after the point). */
function expectClose(actual: unknown, expected: Record<string, unknown>, digits: number, where: string) {
  for (const [key, value] of Object.entries(expected)) {
    const got = (actual as Record<string, unknown>)[key];
    if (typeof value === 'number') expect(got, `${where}.${key}`).toBeCloseTo(value, digits);
    else expectClose(got, value as Record<string, unknown>, digits, `${where}.${key}`);
  }
}

describe('the retrain evaluator agrees with an independent computation', () => {
  let pg: TestPostgres;
  let store: ModelStore;
  let metrics: Record<string, { challenger: unknown; champion: unknown }>;
  let rows: Row[];

  beforeAll(async () => {
    pg = await startTestPostgres();
    store = new ModelStore(databaseSource(pg.db));
    // A holdout written by the synthetic generator, unseen by the bundled models (another seed).
    const generated = spawnSync(
      venvBin('python'),
      ['models/training/generate.py', '--csv', '-', '--seed', '9001', '--n-leads', '400', '--n-customers', '400'],
      { cwd: projectRoot, encoding: 'utf8' },
    );
    expect(generated.status, generated.stderr).toBe(0);
    // Every third lead loses its next-best-action label, as when nobody recorded the winning action.
    const [header, ...lines] = generated.stdout.trim().split('\n');
    const nba = header!.split(',').indexOf('nextBestAction');
    let lead = 0;
    const holdoutCsv = [
      header,
      ...lines.map((line) => {
        const cells = line.split(',');
        if (cells[0] === 'lead' && lead++ % 3 === 0) cells[nba] = '';
        return cells.join(',');
      }),
    ].join('\n');
    rows = parseCsv(holdoutCsv);
    // The bundled models as the challengers, each with this holdout; the champions are the same
    // models, so both sides of every evaluation must come out equal too.
    const { version } = await beginRetrain(pg.db, 'ml-retrain-evaluation', 'test');
    await saveChallengers(
      pg.db,
      'ml-retrain-evaluation',
      bundledChallengers(version, (c) => ({ ...c, holdoutCsv })),
    );
    const activities = createRetrainActivities({ db: pg.db, modelStore: store, python: venvBin('python') });
    const { evaluations } = (await new MockActivityEnvironment().run(activities.evaluateChallengers, {
      retrainId: 'ml-retrain-evaluation',
    })) as Awaited<ReturnType<typeof activities.evaluateChallengers>>;
    metrics = Object.fromEntries(evaluations.map((e) => [e.model, e]));
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
  });

  const leads = () => rows.filter((r) => r.dataset === 'lead');
  const customers = () => rows.filter((r) => r.dataset === 'customer');
  const outputs = (model: ModelName, vectors: number[][]) => runModel(store, model, vectors);

  it('scores the lead-conversion model as Node computes it', async () => {
    const lead = leads();
    const vectors = lead.map((r) =>
      leadFeatureVector(leadFeaturesSchema.parse(pick(r, Object.keys(leadFeaturesSchema.shape)))),
    );
    const expected = binaryMetrics(
      lead.map((r) => r.converted === true),
      normalised(await outputs('lead_conversion', vectors)),
    );
    expect(expected.rows).toBe(400);
    expectClose(metrics.lead_conversion!.challenger, expected, 4, 'lead_conversion');
    expect(metrics.lead_conversion!.champion).toEqual(metrics.lead_conversion!.challenger);
  });

  it('scores the next-best-action model on the labelled leads only, with a macro-averaged F1', async () => {
    const labelled = leads().filter((r) => r.nextBestAction !== null);
    expect(labelled.length).toBeLessThan(leads().length); // the unlabelled rows are really left out
    const vectors = labelled.map((r) =>
      leadFeatureVector(leadFeaturesSchema.parse(pick(r, Object.keys(leadFeaturesSchema.shape)))),
    );
    const y = labelled.map((r) => NEXT_BEST_ACTIONS.indexOf(r.nextBestAction as (typeof NEXT_BEST_ACTIONS)[number]));
    expect(y).not.toContain(-1);
    const expected = multiclassMetrics(
      y,
      normalised(await outputs('next_best_action', vectors)),
      NEXT_BEST_ACTIONS.length,
    );
    expectClose(metrics.next_best_action!.challenger, expected, 4, 'next_best_action');
  });

  it('scores CLV with MAE, RMSE and R² per target', async () => {
    const customer = customers();
    const vectors = customer.map((r) =>
      customerValueFeatureVector(
        customerValueFeaturesSchema.parse(pick(r, Object.keys(customerValueFeaturesSchema.shape))),
      ),
    );
    const predicted = await outputs('clv', vectors);
    const [first, clv3] = [0, 1].map((j) =>
      regressionMetrics(
        customer.map((r) => (j === 0 ? r.firstProjectValue : r.clv3Year) as number),
        predicted.map((p) => p[j]!),
      ),
    );
    const scored = metrics.clv!.challenger as Record<string, Record<string, number>>;
    expect(scored.rows).toBe(customer.length);
    // Dollars are reported to the cent: compare them to a dollar (float32 output).
    for (const [target, m] of [['firstProjectValue', first!] as const, ['clv3Year', clv3!] as const]) {
      expect(scored[target]!.mae, target).toBeCloseTo(m.mae, 0);
      expect(scored[target]!.rmse, target).toBeCloseTo(m.rmse, 0);
      expect(scored[target]!.mean, target).toBeCloseTo(m.mean, 1);
      expect(scored[target]!.r2, target).toBeCloseTo(m.r2, 4);
    }
  });

  it.each(['churn_30d', 'churn_60d'] as const)('scores %s as Node computes it', async (model) => {
    const customer = customers();
    const vectors = customer.map((r) =>
      churnFeatureVector(churnFeaturesSchema.parse(pick(r, Object.keys(churnFeaturesSchema.shape)))),
    );
    const label = model === 'churn_30d' ? 'churn30d' : 'churn60d';
    const expected = binaryMetrics(
      customer.map((r) => r[label] === true),
      normalised(await outputs(model, vectors)),
    );
    expectClose(metrics[model]!.challenger, expected, 4, model);
  });
});
