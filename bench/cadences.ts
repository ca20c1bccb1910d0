// Follow-up cadences at scale, and the simulator's speed.
//   sleeping: N cadences started on the file-backed dev server `make start` runs, one worker (the
//   real bundle; cadence activities in memory, so only Temporal is measured): the time to start
//   them, the time until every one has begun and sleeps towards its first touch, and the memory of
//   the worker process and of the server — with the SDK's default workflow cache and with a cache
//   of CACHE workflows, side by side.
//   simulator: `npm run simulate` runs of LEADS leads × DAYS days and of 4× the leads, in simulated
//   lead-days per wall-second.
// Run: node --import tsx bench/cadences.ts [N=10000] [CACHE=1000] [LEADS=100] [DAYS=90]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { memoryCadenceStore } from '../test/helpers/cadence-memory';
import { createLogger } from '../config/logger';
import { temporalCliPath } from '../temporal/binaries';
import { startDevServer } from '../temporal/dev-server';
import { installTemporalLogging } from '../temporal/runtime-logging';
import type { followUpCadence } from '../workflows';
import { DEFAULT_CADENCE_SETTINGS } from '../workflows/cadence/types';
import { bundleWorkflows } from '../workers/worker';
import { SCENARIOS } from '../scripts/simulate/scenarios';
import { simulate } from '../scripts/simulate';
import { freePort } from '../test/helpers/ports';

const arg = (i: number, fallback: number): number => Number(process.argv[i + 2] ?? fallback);
const [N, CACHE, LEADS, DAYS] = [arg(0, 10_000), arg(1, 1000), arg(2, 100), arg(3, 90)] as const;
const logger = createLogger('warn', 'bench');
installTemporalLogging(logger);
const MB = 1024 * 1024;
const rssOf = (pid: number): number =>
  Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

async function sleeping(cache: number | undefined, workflowBundle: { code: string }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cadences-'));
  const server = await startDevServer({
    cliPath: temporalCliPath(),
    port: await freePort(),
    dbFile: path.join(dir, 'temporal.db'),
    logger,
  });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const settings = DEFAULT_CADENCE_SETTINGS;
  const store = memoryCadenceStore(settings, () => Date.now());
  const taskQueue = `bench-cadences-${cache ?? 'default'}`;
  global.gc?.();
  const workerBefore = process.memoryUsage().rss;
  const serverBefore = rssOf(server.pid!);
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowBundle,
    activities: store.activities,
    ...(cache !== undefined && { maxCachedWorkflows: cache }),
  });
  const result = await worker.runUntil(async () => {
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        while (next < N) {
          const i = next++;
          await client.workflow.start<typeof followUpCadence>('followUpCadence', {
            workflowId: `bench-cadence-${i}`,
            taskQueue,
            args: [{ leadId: `lead-${i}`, contactId: `contact-${i}`, definition: 'standard', settings }],
          });
        }
      }),
    );
    const started = performance.now() - t0;
    // Begun = claimed the contact; then each plans and sleeps towards day 1.
    while (store.runs.size < N) await new Promise((r) => setTimeout(r, 200));
    const sleepingAt = performance.now() - t0;
    const probe = await client.workflow.getHandle(`bench-cadence-${N - 1}`).describe();
    await new Promise((r) => setTimeout(r, 3000)); // the last workflow tasks settle
    global.gc?.();
    return {
      started,
      sleepingAt,
      status: probe.status.name,
      worker: process.memoryUsage().rss - workerBefore,
      server: rssOf(server.pid!) - serverBefore,
      serverTotal: rssOf(server.pid!),
    };
  });
  await nativeConnection.close();
  await connection.close();
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  return result;
}

async function main(): Promise<void> {
  const workflowBundle = await bundleWorkflows(logger);
  const rows = [];
  for (const cache of [undefined, CACHE]) {
    const r = await sleeping(cache, workflowBundle);
    rows.push({ cache: cache === undefined ? 'SDK default' : String(cache), ...r });
  }
  console.log(`\n${N} sleeping cadences, file-backed dev server (WAL + synchronous=normal), one worker:`);
  console.log(
    '| workflow cache | start N (s) | starts/s | all begun (s) | worker RSS +MB | per cadence KB | server RSS +MB | per cadence KB | server total MB |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.cache} | ${(r.started / 1000).toFixed(1)} | ${((N * 1000) / r.started).toFixed(0)} | ${(r.sleepingAt / 1000).toFixed(1)} | ${(r.worker / MB).toFixed(0)} | ${(r.worker / N / 1024).toFixed(1)} | ${(r.server / MB).toFixed(0)} | ${(r.server / N / 1024).toFixed(1)} | ${(r.serverTotal / MB).toFixed(0)} |`,
    );
  }
  const [a, b] = rows as [(typeof rows)[0], (typeof rows)[0]];
  console.log(
    `worker memory with a ${CACHE}-workflow cache: ${(b.worker / a.worker).toFixed(2)}× the default's; time until all begun: ${(b.sleepingAt / a.sleepingAt).toFixed(2)}×`,
  );

  console.log(`\nSimulator (baseline scenario, ${DAYS} days):`);
  console.log('| leads | lead-days | wall (s) | lead-days per wall-second | touches per lead |');
  console.log('|---|---|---|---|---|');
  const sims = [];
  for (const leads of [LEADS, LEADS * 4]) {
    const out = await simulate({
      leads,
      days: DAYS,
      seed: 1,
      scenario: SCENARIOS.baseline!,
      definition: 'standard',
      policy: { maxTouches: 12, minGapDays: 0.5 },
      json: true,
    });
    const perLead = [...out.tally.touchesPerLead.values()].reduce((x, y) => x + y, 0) / leads;
    sims.push({ leads, rate: (leads * DAYS) / out.wallSeconds });
    console.log(
      `| ${leads} | ${leads * DAYS} | ${out.wallSeconds.toFixed(1)} | ${((leads * DAYS) / out.wallSeconds).toFixed(0)} | ${perLead.toFixed(2)} |`,
    );
  }
  console.log(`rate at 4× the leads: ${(sims[1]!.rate / sims[0]!.rate).toFixed(2)}× the smaller run's`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
