// How long a model retrain takes, phase by phase, at two data sizes: the retrain activities run
// in order against an embedded Postgres, as the modelRetrain workflow calls them (minus Temporal).
// Run: node --import tsx bench/model-retrain.ts [runs=2]
import os from 'node:os';
import { MockActivityEnvironment } from '@temporalio/testing';
import { databaseSource, ModelStore } from '../activities/ml/model-store';
import { createRetrainActivities } from '../activities/model-retrain';
import { venvBin } from '../temporal/binaries';
import { decide } from '../workflows/model-retrain/rules/promotion';
import { startTestPostgres } from '../test/helpers/postgres';

const RUNS = Number(process.argv[2] ?? 2);
const SIZES = [
  { label: '20,000 leads + 10,000 customers (defaults)', nLeads: 20_000, nCustomers: 10_000 },
  { label: '100,000 leads + 50,000 customers', nLeads: 100_000, nCustomers: 50_000 },
];

async function main(): Promise<void> {
  const pg = await startTestPostgres();
  try {
    const store = new ModelStore(databaseSource(pg.db));
    await store.models();
    const acts = createRetrainActivities({ db: pg.db, python: venvBin('python'), modelStore: store });
    const quiet = {
      log: () => undefined,
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    };
    const inActivity = <R>(fn: () => Promise<R>): Promise<R> =>
      new MockActivityEnvironment(undefined, { logger: quiet }).run(fn) as Promise<R>;
    const lines = [
      `${os.cpus().length} cores, ${new Date().toISOString().slice(0, 10)}; median of ${RUNS} runs per size, seconds`,
      '',
      '| synthetic data | export | train (5 models) | evaluate (both sets) | promote | total | × defaults |',
      '|---|---|---|---|---|---|---|',
    ];
    let baseline = 0;
    let n = 0;
    for (const size of SIZES) {
      const runs: number[][] = [];
      for (let r = 0; r < RUNS; r++) {
        const retrainId = `bench-${++n}`;
        const t: number[] = [performance.now()];
        await inActivity(() => acts.beginModelRetrain({ retrainId, trigger: 'test' }));
        await inActivity(() => acts.exportTrainingData({ retrainId }));
        t.push(performance.now());
        await inActivity(() => acts.trainChallengers({ retrainId, nLeads: size.nLeads, nCustomers: size.nCustomers }));
        t.push(performance.now());
        const { generation, evaluations } = await inActivity(() => acts.evaluateChallengers({ retrainId }));
        t.push(performance.now());
        await inActivity(() =>
          acts.promoteChallengers({ retrainId, generation, decisions: decide(evaluations, 0.005) }),
        );
        t.push(performance.now());
        runs.push([...t.slice(1).map((v, i) => (v - t[i]!) / 1000), (t.at(-1)! - t[0]!) / 1000]);
      }
      const median = runs[0]!.map((_, col) => runs.map((r) => r[col]!).sort((a, b) => a - b)[Math.floor(RUNS / 2)]!);
      baseline ||= median[4]!;
      lines.push(
        `| ${size.label} | ${median.map((v) => v.toFixed(2)).join(' | ')} | ${(median[4]! / baseline).toFixed(2)} |`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await pg.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
