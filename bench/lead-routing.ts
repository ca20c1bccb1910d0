// Leads from POST to assigned, through the real API, dev server, Postgres and worker, beside the
// baseline of this server on this machine (a workflow with one no-op activity), for the in-memory
// dev server and the file-backed one `make start` uses.
//   latency: leads posted at a steady RATE for SECONDS; POST sent → assignment committed (p50/95/99)
//   throughput: N leads posted by C concurrent clients, until the last is assigned; the baseline
//   starts N no-op workflows the same way, until the last completes.
// Run: node --import tsx bench/lead-routing.ts [RATE=20] [SECONDS=10] [N=300] [C=20]
import '../api/openapi';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { sql } from 'kysely';
import { ModelStore } from '../activities/ml/model-store';
import { createApp } from '../api/app';
import { createLogger } from '../config/logger';
import { insertReps } from '../db/repositories/reps';
import type { NewRep } from '../db/schema';
import { temporalCliPath, venvBin } from '../temporal/binaries';
import { createDataConverter } from '../temporal/data-converter';
import { startDevServer, SQLITE_PRAGMAS } from '../temporal/dev-server';
import { installTemporalLogging } from '../temporal/runtime-logging';
import { DEFAULT_POLICY } from '../workflows/lead-intake/rules/sla-policy';
import { bundleWorkflows, createProcessWorker } from '../workers/worker';
import { freePort } from '../test/helpers/ports';
import { startTestPostgres } from '../test/helpers/postgres';

const arg = (i: number, fallback: number): number => Number(process.argv[i + 2] ?? fallback);
const [RATE, SECONDS, N, C] = [arg(0, 20), arg(1, 10), arg(2, 300), arg(3, 20)] as const;
const KEY = 'bench-key-'.padEnd(32, 'x');
const logger = createLogger('warn', 'bench');
installTemporalLogging(logger);
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const allWeek = JSON.stringify(
  Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ['00:00', '24:00']])),
);
// Enough reps that capacity never runs out: the benchmark measures speed, not a full team.
const team: NewRep[] = Array.from({ length: 40 }, (_, i) => ({
  id: `bench-rep-${i}`,
  name: `Rep ${i}`,
  email: `rep${i}@bench.example`,
  territories: ['Troy'],
  skills: ['residential', 'insurance_claims'],
  languages: ['English'],
  performance_tier: ['top', 'standard', 'new_hire'][i % 3]!,
  max_active_leads: 50,
  working_hours: allWeek,
}));
let serial = 0;
const leadBody = () =>
  JSON.stringify({
    firstName: 'Bench',
    lastName: `Lead${++serial}`,
    email: `lead${serial}-${process.pid}@bench.example`,
    address: { street: `${serial} Main St`, city: 'Troy', state: 'MI', zip: '48083' },
    source: 'website',
    property: { propertyValue: 380_000, roofAge: 21, damageSeverity: 'moderate', insuranceClaim: true },
    signals: { responseTimeMinutes: 4, contactQuality: 7, intent: 'requested_quote' },
  });

async function variant(
  name: string,
  dbFile: boolean,
  pragmas: string[],
  noopBundle: { code: string },
  leadBundle: { code: string },
) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-routing-'));
  const server = await startDevServer({
    cliPath: temporalCliPath(),
    port: await freePort(),
    dbFile: dbFile ? path.join(dir, 'temporal.db') : undefined,
    pragmas,
    logger,
  });
  const pg = await startTestPostgres();
  await insertReps(pg.db, team);
  const payloadKeys = [{ id: 'bench', key: randomBytes(32) }];
  const dataConverter = createDataConverter(payloadKeys);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, dataConverter });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const modelStore = new ModelStore();
  const { worker, connection: workerConnection } = await createProcessWorker({
    address: server.address,
    namespace: 'default',
    taskQueue: 'bench-leads',
    payloadKeys,
    db: pg.db,
    modelStore,
    python: venvBin('python'),
    workflowBundle: leadBundle,
  });
  const noopWorker = await Worker.create({
    connection: nativeConnection,
    taskQueue: 'bench-noop',
    workflowBundle: noopBundle,
    activities: { noop: async () => undefined },
    dataConverter,
  });
  const app = createApp({
    db: pg.db,
    client,
    logger,
    apiKeys: [{ key: KEY, role: 'crm' }],
    taskQueue: 'bench-leads',
    dedupeWindowHours: 24,
    temporalTimeoutMs: 5000,
    modelStore,
    promotionMargin: 0.005,
    routingPolicy: DEFAULT_POLICY,
  });
  const http = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(http.address() as { port: number }).port}/api/v1/leads`;
  const post = async (): Promise<{ leadId: string; sentAt: number }> => {
    const sentAt = Date.now();
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: leadBody(),
    });
    if (res.status !== 202) throw new Error(`POST ${res.status}: ${await res.text()}`);
    return { leadId: ((await res.json()) as { leadId: string }).leadId, sentAt };
  };
  /** Waits until every lead is assigned; returns each lead's assigned_at (the commit's clock). */
  const assignedAt = async (leadIds: string[]): Promise<Map<string, number>> => {
    for (;;) {
      const rows = await pg.db
        .selectFrom('lead_assignments')
        .select(['lead_id', sql<Date>`min(assigned_at)`.as('at')])
        .where('lead_id', 'in', leadIds)
        .groupBy('lead_id')
        .execute();
      if (rows.length === leadIds.length) return new Map(rows.map((r) => [r.lead_id, r.at.getTime()]));
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const done = measure();
  const [result] = await Promise.all([worker.runUntil(done), noopWorker.runUntil(done)]);
  http.close();
  await workerConnection.close();
  await nativeConnection.close();
  await connection.close();
  await pg.stop();
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  return { name, ...result };

  async function measure() {
    await post(); // warm up: bundle, sessions, pools
    // Latency at a steady rate.
    const sends: Promise<{ leadId: string; sentAt: number }>[] = [];
    const t0 = Date.now();
    for (let i = 0; i < RATE * SECONDS; i++) {
      const due = t0 + (i * 1000) / RATE;
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
      sends.push(post());
    }
    const steady = await Promise.all(sends);
    const at = await assignedAt(steady.map((s) => s.leadId));
    const latencies = steady.map((s) => at.get(s.leadId)! - s.sentAt).sort((a, b) => a - b);

    // Throughput: N leads by C clients.
    let next = 0;
    const burst: string[] = [];
    const b0 = Date.now();
    await Promise.all(
      Array.from({ length: C }, async () => {
        while (next++ < N) burst.push((await post()).leadId);
      }),
    );
    const burstAt = await assignedAt(burst);
    const leadsPerSecond = N / ((Math.max(...burstAt.values()) - b0) / 1000);

    // Baseline: N no-op workflows by C clients, on the same server.
    const noopClient = new Client({ connection, dataConverter });
    let started = 0;
    const n0 = performance.now();
    await Promise.all(
      Array.from({ length: C }, async () => {
        while (started < N) {
          const i = started++;
          await noopClient.workflow.execute('noopWorkflow', {
            workflowId: `noop-${i}-${Date.now()}`,
            taskQueue: 'bench-noop',
          });
        }
      }),
    );
    const baselinePerSecond = N / ((performance.now() - n0) / 1000);
    return {
      p50: pct(latencies, 50),
      p95: pct(latencies, 95),
      p99: pct(latencies, 99),
      leadsPerSecond,
      baselinePerSecond,
    };
  }
}

async function main(): Promise<void> {
  const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error };
  const noopBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./noop-workflow'), logger: quiet });
  const leadBundle = await bundleWorkflows(logger);
  const rows: string[] = [];
  for (const [name, file, pragmas] of [
    ['in-memory', false, []],
    ['file, SQLite defaults', true, []],
    ['file, WAL + synchronous=normal (make start)', true, SQLITE_PRAGMAS],
  ] as const) {
    const r = await variant(name, file, [...pragmas], noopBundle, leadBundle);
    rows.push(
      `| ${r.name} | ${r.p50} | ${r.p95} | ${r.p99} | ${r.leadsPerSecond.toFixed(1)} | ${r.baselinePerSecond.toFixed(1)} | ${(r.leadsPerSecond / r.baselinePerSecond).toFixed(2)} |`,
    );
    process.stderr.write(`${rows.at(-1)}\n`);
  }
  process.stdout.write(
    [
      `${os.cpus().length} cores, ${new Date().toISOString().slice(0, 10)}; latency: ${RATE} leads/s for ${SECONDS} s; throughput: ${N} leads (and ${N} no-op workflows) by ${C} clients`,
      '',
      '| dev server | POST → assigned p50 ms | p95 ms | p99 ms | leads assigned/s | baseline no-op workflows/s | × baseline |',
      '|---|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
