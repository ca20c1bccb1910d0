// Where one lead's time goes, POST → assigned, on the file-backed dev server `make start` runs:
// the API's own round trips (timed by a client interceptor on the API's client), then every step of
// the lead workflow's history up to the assignment (server event times: a workflow task waiting in
// its queue, the worker running it, an activity queued, run), then the assignment's commit. Leads
// are posted at a steady RATE for SECONDS; each row is the p50/p95 of that step over all of them.
// Run: node --import tsx bench/lead-profile.ts [RATE=20] [SECONDS=10]
import os from 'node:os';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { SQLITE_PRAGMAS } from '../temporal/dev-server';
import { leadWorkflowId } from '../temporal/workflow-ids';
import { bundleWorkflows } from '../workers/worker';
import { benchCommit } from './commit';
import { logger, pct, startRoutingSystem } from './routing-system';

const arg = (i: number, fallback: number): number => Number(process.argv[i + 2] ?? fallback);
const [RATE, SECONDS] = [arg(0, 20), arg(1, 10)] as const;
const { EventType } = temporal.api.enums.v1;

/** Milliseconds of each named step, over every lead. */
const steps = new Map<string, number[]>();
const record = (step: string, ms: number) => steps.set(step, [...(steps.get(step) ?? []), ms]);

/** Times the API's calls to the server: the lead's start, the journey's signal-with-start. */
const apiRoundTrips: WorkflowClientInterceptor = {
  async startWithDetails(input, next) {
    const t0 = performance.now();
    try {
      return await next(input);
    } finally {
      record(`API: start ${input.workflowType}`, performance.now() - t0);
    }
  },
  async signalWithStart(input, next) {
    const t0 = performance.now();
    try {
      return await next(input);
    } finally {
      record(`API: signal-with-start ${input.workflowType}`, performance.now() - t0);
    }
  },
};

const eventName = (e: temporal.api.history.v1.IHistoryEvent): string =>
  (EventType[e.eventType ?? 0] ?? 'UNKNOWN').replace(/^EVENT_TYPE_/, '').toLowerCase();

async function main(): Promise<void> {
  const leadBundle = await bundleWorkflows(logger);
  const system = await startRoutingSystem({
    dbFile: true,
    pragmas: [...SQLITE_PRAGMAS],
    leadBundle,
    clientInterceptors: [apiRoundTrips],
  });
  await system.run(async () => {
    await system.post(); // warm up: bundle, sessions, pools
    steps.clear();
    const sends: ReturnType<typeof system.post>[] = [];
    const t0 = Date.now();
    for (let i = 0; i < RATE * SECONDS; i++) {
      await new Promise((r) => setTimeout(r, Math.max(0, t0 + (i * 1000) / RATE - Date.now())));
      sends.push(system.post());
    }
    const posted = await Promise.all(sends);
    const assigned = await system.assignedAt(posted.map((p) => p.leadId));
    for (const p of posted) {
      record('API: POST sent → 202 answered (all of it)', p.answeredAt - p.sentAt);
      const committed = assigned.get(p.leadId)!; // the assignment transaction's now()
      record('total: POST sent → assignment written', committed - p.sentAt);
      const { events } = await system.client.workflow.getHandle(leadWorkflowId(p.leadId)).fetchHistory();
      const activityOf = new Map<string, string>();
      let previous = p.sentAt;
      let previousName = 'POST sent';
      let n = 0;
      for (const e of events ?? []) {
        const at = tsToMs(e.eventTime);
        // Up to the assignment: with local activities it is written inside a workflow task, before
        // that task's own events (the activities' markers) are.
        if (at > committed) break;
        let name = eventName(e);
        const scheduled = e.activityTaskScheduledEventAttributes;
        if (scheduled) activityOf.set(String(e.eventId), scheduled.activityType?.name ?? '?');
        const ofActivity =
          e.activityTaskStartedEventAttributes?.scheduledEventId ??
          e.activityTaskCompletedEventAttributes?.scheduledEventId;
        const activity = scheduled?.activityType?.name ?? (ofActivity ? activityOf.get(String(ofActivity)) : undefined);
        if (activity) name += ` (${activity})`;
        record(`${String(++n).padStart(2)}. ${previousName} → ${name}`, at - previous);
        [previous, previousName] = [at, name];
      }
      record(`${String(++n).padStart(2)}. ${previousName} → assignment written (Postgres clock)`, committed - previous);
    }
  });

  const rows = [...steps.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([step, ms]) => {
      const sorted = [...ms].sort((a, b) => a - b);
      return `| ${step} | ${ms.length} | ${pct(sorted, 50).toFixed(0)} | ${pct(sorted, 95).toFixed(0)} |`;
    });
  process.stdout.write(
    [
      `commit ${benchCommit()}, ${os.cpus().length} cores, ${new Date().toISOString().slice(0, 10)}; file-backed dev server (WAL + synchronous=normal); ${RATE} leads/s for ${SECONDS} s`,
      '',
      '| step | leads | p50 ms | p95 ms |',
      '|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
