// Lead-model inference speed: one prediction in process and over HTTP (p50/p99), and a 10,000-lead
// batch (leads/s), beside the roadmap's own figures (4.1 A: < 2 s per prediction; 100-200 req/min).
// Run: node --import tsx bench/ml-inference.ts [singleRuns=5000] [batchRuns=20]
// First: zod 4 adds .openapi() to schemas created after this import only (the API documents them).
import type { Server } from 'node:http';
import os from 'node:os';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { ModelStore } from '../activities/ml/model-store';
import { predictLeads } from '../activities/ml/predict';
import { createApp } from '../api/app';
import { createLogger } from '../config/logger';
import type { Database } from '../db/schema';
import { validLead } from '../test/helpers/ml-records';

const SINGLE = Number(process.argv[2] ?? 5000);
const BATCHES = Number(process.argv[3] ?? 20);
const KEY = 'b'.repeat(32);
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const ms = (v: number) => `${v.toFixed(3)} ms`;

async function timeEach(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  // What a promotion costs each process: loading all five sessions (median of 10 cold loads).
  const loads = await timeEach(10, () => new ModelStore().models());
  const store = new ModelStore();
  const leads = Array.from({ length: 10_000 }, (_, i) => ({
    ...validLead,
    roofAge: i % 51,
    contactQuality: i % 11,
    responseTimeMinutes: i % 600,
  }));
  await predictLeads(store, leads.slice(0, 100)); // load sessions and warm up

  const inProcess = await timeEach(SINGLE, (i) => predictLeads(store, [leads[i % leads.length]!]));

  const app = createApp({
    db: {} as Kysely<Database>,
    client: {} as Client,
    logger: createLogger('silent'),
    apiKeys: [{ key: KEY, role: 'crm' }],
    taskQueue: 'bench',
    dedupeWindowHours: 24,
    temporalTimeoutMs: 1000,
    modelStore: store,
    promotionMargin: 0.005,
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/v1/ml/predict`;
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
  const overHttp = await timeEach(Math.min(SINGLE, 2000), (i) =>
    fetch(url, { method: 'POST', headers, body: JSON.stringify(leads[i % leads.length]) }).then((r) => r.json()),
  );

  const batchInProcess = await timeEach(BATCHES, () => predictLeads(store, leads));
  const batchUrl = `${url}/batch`;
  const batchBody = JSON.stringify({ leads });
  const batchHttp = await timeEach(Math.max(3, Math.floor(BATCHES / 4)), () =>
    fetch(batchUrl, { method: 'POST', headers, body: batchBody }).then((r) => r.json()),
  );
  server.close();

  const leadsPerSecond = (sorted: number[]) => (10_000 / (pct(sorted, 50) / 1000)).toFixed(0);
  const lines = [
    `${os.cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; conversion + next-best-action models (two ONNX runs per prediction)`,
    '',
    '| measure | ours | roadmap figure | ratio |',
    '|---|---|---|---|',
    `| one prediction in process, p50 / p99 (${SINGLE} runs) | ${ms(pct(inProcess, 50))} / ${ms(pct(inProcess, 99))} | < 2 s | ${(2000 / pct(inProcess, 99)).toFixed(0)}× under |`,
    `| one prediction over HTTP, p50 / p99 (${Math.min(SINGLE, 2000)} runs) | ${ms(pct(overHttp, 50))} / ${ms(pct(overHttp, 99))} | < 2 s | ${(2000 / pct(overHttp, 99)).toFixed(0)}× under |`,
    `| sequential HTTP predictions per minute (1 client) | ${(60_000 / pct(overHttp, 50)).toFixed(0)} | 100-200 | ${(60_000 / pct(overHttp, 50) / 200).toFixed(0)}× the upper figure |`,
    `| batch of 10,000 in process (median of ${BATCHES}) | ${pct(batchInProcess, 50).toFixed(1)} ms = ${leadsPerSecond(batchInProcess)} leads/s | — | goal 20,000 leads/s: ${(Number(leadsPerSecond(batchInProcess)) / 20_000).toFixed(1)}× |`,
    `| batch of 10,000 over HTTP, JSON both ways (median of ${batchHttp.length}) | ${pct(batchHttp, 50).toFixed(1)} ms = ${leadsPerSecond(batchHttp)} leads/s | — | ${(Number(leadsPerSecond(batchHttp)) / 20_000).toFixed(1)}× the in-process goal |`,
    `| loading all five models (a promotion's swap, per process; median of 10) | ${pct(loads, 50).toFixed(1)} ms | — | — |`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
