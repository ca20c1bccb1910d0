// Leads from POST to assigned, through the real API, dev server, Postgres and worker, beside the
// baseline of this server on this machine (a workflow with one no-op activity), for the in-memory
// dev server and the file-backed one `make start` uses.
//   latency: leads posted at a steady RATE for SECONDS; POST sent → assignment committed (p50/95/99)
//   burst: 50 leads posted at the same instant; POST sent → assignment committed (p95, max)
//   throughput: N leads posted by C concurrent clients, until the last is assigned; the baseline
//   starts N no-op workflows the same way, until the last completes.
// Run: node --import tsx bench/lead-routing.ts [RATE=20] [SECONDS=10] [N=300] [C=20]
import os from 'node:os';
import { bundleWorkflowCode } from '@temporalio/worker';
import { SQLITE_PRAGMAS } from '../temporal/dev-server';
import { bundleWorkflows } from '../workers/worker';
import { benchCommit } from './commit';
import { logger, pct, startRoutingSystem } from './routing-system';

const arg = (i: number, fallback: number): number => Number(process.argv[i + 2] ?? fallback);
const [RATE, SECONDS, N, C] = [arg(0, 20), arg(1, 10), arg(2, 300), arg(3, 20)] as const;
/** Roadmap 4.4 C's storm: fifty leads at once, each to be assigned within 1.5 s (p95). */
const BURST = 50;

async function variant(
  name: string,
  dbFile: boolean,
  pragmas: string[],
  noopBundle: { code: string },
  leadBundle: { code: string },
) {
  const system = await startRoutingSystem({ dbFile, pragmas, leadBundle, noopBundle });
  const { post, assignedAt, client } = system;
  return { name, ...(await system.run(measure)) };

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

    // A burst: BURST leads posted at the same instant (a form campaign, a storm), POST → assigned.
    const burst0 = await Promise.all(Array.from({ length: BURST }, () => post()));
    const burstAssigned = await assignedAt(burst0.map((s) => s.leadId));
    const burstLatencies = burst0.map((s) => burstAssigned.get(s.leadId)! - s.sentAt).sort((a, b) => a - b);

    // Throughput: N leads by C clients.
    let next = 0;
    const many: string[] = [];
    const b0 = Date.now();
    await Promise.all(
      Array.from({ length: C }, async () => {
        while (next++ < N) many.push((await post()).leadId);
      }),
    );
    const manyAt = await assignedAt(many);
    const leadsPerSecond = N / ((Math.max(...manyAt.values()) - b0) / 1000);

    // Baseline: N no-op workflows by C clients, on the same server.
    let started = 0;
    const n0 = performance.now();
    await Promise.all(
      Array.from({ length: C }, async () => {
        while (started < N) {
          const i = started++;
          await client.workflow.execute('noopWorkflow', {
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
      burstP95: pct(burstLatencies, 95),
      burstMax: burstLatencies.at(-1)!,
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
      `| ${r.name} | ${r.p50} | ${r.p95} | ${r.p99} | ${r.burstP95} | ${r.burstMax} | ${r.leadsPerSecond.toFixed(1)} | ${r.baselinePerSecond.toFixed(1)} | ${(r.leadsPerSecond / r.baselinePerSecond).toFixed(2)} |`,
    );
    process.stderr.write(`${rows.at(-1)}\n`);
  }
  process.stdout.write(
    [
      `commit ${benchCommit()}, ${os.cpus().length} cores, ${new Date().toISOString().slice(0, 10)}; latency: ${RATE} leads/s for ${SECONDS} s; burst: ${BURST} leads at once; throughput: ${N} leads (and ${N} no-op workflows) by ${C} clients`,
      '',
      '| dev server | POST → assigned p50 ms | p95 ms | p99 ms | burst of 50: p95 ms | max ms | leads assigned/s | baseline no-op workflows/s | × baseline |',
      '|---|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
