// Which SQLite pragmas make the file-backed dev server (`make start`) fast enough?
// For each pragma set: a fresh server on a fresh file, then N no-op workflows (one activity each)
// started and completed with C in flight; reports workflows/s and start-to-completion latency.
// Run: node --import tsx bench/sqlite-pragmas.ts [N=300] [C=20]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { createLogger } from '../config/logger';
import { temporalCliPath } from '../temporal/binaries';
import { startDevServer } from '../temporal/dev-server';
import { installTemporalLogging } from '../temporal/runtime-logging';
import { freePort } from '../test/helpers/ports';

const N = Number(process.argv[2] ?? 300);
const C = Number(process.argv[3] ?? 20);
const logger = createLogger('warn', 'bench');
installTemporalLogging(logger);

const variants: { name: string; dbFile: boolean; pragmas: string[] }[] = [
  { name: 'in-memory (ceiling)', dbFile: false, pragmas: [] },
  { name: 'file, SQLite defaults', dbFile: true, pragmas: [] },
  { name: 'file, journal_mode=wal', dbFile: true, pragmas: ['journal_mode=wal'] },
  {
    name: 'file, wal + synchronous=normal (chosen)',
    dbFile: true,
    pragmas: ['journal_mode=wal', 'synchronous=normal'],
  },
  { name: 'file, wal + synchronous=off', dbFile: true, pragmas: ['journal_mode=wal', 'synchronous=off'] },
];

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function measure(variant: (typeof variants)[number], workflowBundle: { code: string }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-sqlite-'));
  const server = await startDevServer({
    cliPath: temporalCliPath(),
    port: await freePort(),
    dbFile: variant.dbFile ? path.join(dir, 'temporal.db') : undefined,
    pragmas: variant.pragmas,
    logger,
  });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const taskQueue = 'bench';
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowBundle,
    activities: { noop: async () => undefined },
  });
  const latencies: number[] = [];
  let started = 0;
  const t0 = performance.now();
  await worker.runUntil(async () => {
    const lane = async () => {
      while (started < N) {
        const i = started++;
        const s = performance.now();
        await client.workflow.execute('noopWorkflow', { workflowId: `noop-${i}`, taskQueue });
        latencies.push(performance.now() - s);
      }
    };
    await Promise.all(Array.from({ length: C }, lane));
  });
  const seconds = (performance.now() - t0) / 1000;
  await connection.close();
  await nativeConnection.close();
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  return { perSecond: N / seconds, p50: pct(latencies, 50), p95: pct(latencies, 95), p99: pct(latencies, 99) };
}

async function main(): Promise<void> {
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('./noop-workflow'),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error },
  });
  const rows: string[] = [];
  let ceiling = 0;
  for (const variant of variants) {
    const r = await measure(variant, workflowBundle);
    if (!variant.dbFile) ceiling = r.perSecond;
    rows.push(
      `| ${variant.name} | ${r.perSecond.toFixed(1)} | ${(r.perSecond / ceiling).toFixed(2)} | ${r.p50.toFixed(0)} | ${r.p95.toFixed(0)} | ${r.p99.toFixed(0)} |`,
    );
    process.stderr.write(`${rows.at(-1)}\n`);
  }
  process.stdout.write(
    [
      `${N} no-op workflows (1 activity each), ${C} in flight, ${os.cpus().length} cores, ${new Date().toISOString().slice(0, 10)}`,
      '',
      '| server persistence | workflows/s | × in-memory | p50 ms | p95 ms | p99 ms |',
      '|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
