// The SLA path on real parts (roadmap 4.4 C): the dev server's real clock, the real activities on
// Postgres, a short SLA (12 s, given in the workflow input as the configuration gives it). The worker
// is stopped while the first SLA runs and a new one started after its deadline: the timer fired on
// the server meanwhile, and the breach is handled all the same. Three breaches → the ops queue →
// the lead is handed to its follow-up cadence. Each breach is counted once in sla_breaches_total.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { register } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { ModelStore } from '../../activities/ml/model-store';
import { startLeadIntake } from '../../api/start-workflows';
import { createLeadOnce } from '../../db/repositories/leads';
import { seedDemoData } from '../../db/seed';
import { cadenceWorkflowId } from '../../temporal/workflow-ids';
import { statusQuery } from '../../workflows/lead-intake/messages';
import { DEFAULT_POLICY } from '../../workflows/lead-intake/rules/sla-policy';
import { bundleWorkflows } from '../../workers/worker';
import { testLogger } from '../helpers/logger';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';
import { createLocalEnv, taskQueueFor } from '../helpers/temporal';
import { routingTaskQueue } from '../../temporal/task-queues';

const SLA_SECONDS = 12;
const policy = { ...DEFAULT_POLICY, slaMinutes: { ...DEFAULT_POLICY.slaMinutes, HOT: SLA_SECONDS / 60 } };

describe('SLA breaches on the real system', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: { code: string };
  let pg: TestPostgres;

  beforeAll(async () => {
    [env, workflowBundle, pg] = await Promise.all([createLocalEnv(), bundleWorkflows(testLogger), startTestPostgres()]);
    await seedDemoData(pg.db, testLogger);
  });
  afterAll(async () => {
    await env?.teardown();
    await pg?.stop();
  });

  it('three breaches → ops queue → follow-up, with the worker restarted mid-SLA', { timeout: 120_000 }, async () => {
    const { lead } = await createLeadOnce(
      pg.db,
      {
        firstName: 'Sla',
        lastName: 'Real',
        phone: '+12485550177',
        source: 'website',
        address: { street: '3 Oak St', city: 'Troy', state: 'MI', zip: '48083' },
        property: {},
        signals: { intent: 'requested_appointment', websiteVisits48h: 5 },
      },
      { requestHash: 'sla-real-1', dedupeWindowHours: 24, workflowIdFor: (id) => `lead-${id}` },
    );
    const taskQueue = taskQueueFor('sla breaches real system');
    const newWorker = () =>
      Worker.create({
        connection: env.nativeConnection,
        // startLeadIntake starts leads on the routing queue (its journey waits on the main one: not this test's).
        taskQueue: routingTaskQueue(taskQueue),
        workflowBundle,
        activities: createActivities({ db: pg.db, modelStore: new ModelStore(), python: 'unused' }),
      });
    const handle = env.client.workflow.getHandle(lead.workflow_id);
    const status = () => handle.query(statusQuery);
    /** What this process's activities counted (the worker runs here), as GET /metrics serves it. */
    const breachesCounted = async (tier: string) =>
      (await register.getSingleMetric('sla_breaches_total')!.get()).values.find((v) => v.labels.tier === tier)!.value;
    const countedBefore = await breachesCounted('HOT');

    // First worker: the lead is assessed and assigned, then the worker stops inside the SLA.
    const first = await newWorker();
    const firstDeadline = await first.runUntil(async () => {
      await startLeadIntake(env.client, taskQueue, lead, policy);
      await expect.poll(async () => (await status()).stage, { timeout: 20_000 }).toBe('assigned');
      return Date.parse((await status()).assignment!.slaDeadline);
    });
    expect(firstDeadline - Date.now()).toBeGreaterThan(0); // stopped before the deadline
    await new Promise((r) => setTimeout(r, firstDeadline - Date.now() + 2000)); // no worker at the deadline
    const beforeRestart = await pg.db
      .selectFrom('lead_assignments')
      .select(['attempt', 'end_reason'])
      .where('lead_id', '=', lead.id)
      .execute();
    expect(beforeRestart).toEqual([{ attempt: 1, end_reason: null }]);

    // A new worker: the fired timer is handled, and the lead goes on to breach twice more.
    const second = await newWorker();
    await second.runUntil(async () => {
      await expect.poll(async () => (await status()).stage, { timeout: 60_000, interval: 500 }).toBe('escalated');
      const s = await status();
      expect(s.breaches).toBe(3);
      expect(s.followUp).toEqual({ workflowId: cadenceWorkflowId(lead.id), startedBecause: 'no rep reached the lead' });
      const cadence = await env.client.workflow.getHandle(cadenceWorkflowId(lead.id)).describe();
      expect(cadence.type).toBe('followUpCadence');
      expect(cadence.status.name).toBe('RUNNING');
    });

    const assignments = await pg.db
      .selectFrom('lead_assignments')
      .select(['attempt', 'rep_id', 'end_reason'])
      .where('lead_id', '=', lead.id)
      .orderBy('attempt')
      .execute();
    expect(assignments.map((a) => a.end_reason)).toEqual(['breached', 'breached', 'breached']);
    expect(new Set(assignments.map((a) => a.rep_id)).size).toBe(3); // never back to a rep who missed it
    const kinds = await pg.db
      .selectFrom('notifications')
      .select('kind')
      .where('lead_id', '=', lead.id)
      .where('kind', 'in', ['sla_breach', 'sla_ops_queue'])
      .execute();
    expect(kinds.filter((k) => k.kind === 'sla_breach')).toHaveLength(3);
    expect(kinds.filter((k) => k.kind === 'sla_ops_queue')).toHaveLength(1);
    const stored = await pg.db
      .selectFrom('leads')
      .select(['stage', 'temperature', 'is_vip'])
      .where('id', '=', lead.id)
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ stage: 'escalated', temperature: 'HOT', is_vip: false });
    // Three breaches of a HOT lead's SLA, counted once each (the new worker replayed the first run's history).
    expect(await breachesCounted('HOT')).toBe(countedBefore + 3);
    await handle.terminate('test over');
    await env.client.workflow.getHandle(cadenceWorkflowId(lead.id)).terminate('test over');
  });
});
