// The routed lead with the real activities and a real Postgres on the time-skipping server: the
// SLA breach path end to end — the manager is told, the lead moves to another Troy rep (never back
// to the one who missed it), the loads follow, and closing frees the new rep's place.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { ModelStore } from '../../activities/ml/model-store';
import { createLeadOnce } from '../../db/repositories/leads';
import { seedDemoData } from '../../db/seed';
import { leadIntake } from '../../workflows';
import { closeLeadSignal, contactedUpdate, statusQuery } from '../../workflows/lead-intake/messages';
import { DEFAULT_POLICY } from '../../workflows/lead-intake/rules/sla-policy';
import { bundleWorkflows } from '../../workers/worker';
import { testLogger } from '../helpers/logger';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';
import { createTimeSkippingEnv, taskQueueFor } from '../helpers/temporal';

describe('leadIntake with real activities', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: { code: string };
  let pg: TestPostgres;

  beforeAll(async () => {
    [env, workflowBundle, pg] = await Promise.all([
      createTimeSkippingEnv(),
      bundleWorkflows(testLogger),
      startTestPostgres(),
    ]);
    await seedDemoData(pg.db, testLogger);
  });
  afterAll(async () => {
    await env?.teardown();
    await pg?.stop();
  });

  it('an SLA breach tells the manager and moves the lead to another rep; closing frees the place', async () => {
    const { lead } = await createLeadOnce(
      pg.db,
      {
        firstName: 'Bo',
        lastName: 'Real',
        phone: '+12485550199',
        source: 'website',
        address: { street: '9 Maple Rd', city: 'Troy', state: 'MI', zip: '48083' },
        property: {},
        signals: { intent: 'requested_appointment', websiteVisits48h: 5 },
      },
      { requestHash: 'real-1', dedupeWindowHours: 24, workflowIdFor: (id) => `lead-${id}` },
    );
    const taskQueue = taskQueueFor('real activities breach');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle,
      activities: createActivities({ db: pg.db, modelStore: new ModelStore(), python: 'unused' }),
    });
    const load = async (repId: string) =>
      (await pg.db.selectFrom('reps').select('active_leads').where('id', '=', repId).executeTakeFirstOrThrow())
        .active_leads;

    await worker.runUntil(async () => {
      const h = await env.client.workflow.start(leadIntake, {
        workflowId: lead.workflow_id,
        taskQueue,
        args: [
          {
            leadId: lead.id,
            source: 'website',
            zip: lead.zip,
            city: lead.city,
            property: {},
            signals: lead.signals,
            policy: DEFAULT_POLICY,
          },
        ],
      });
      await expect.poll(async () => (await h.query(statusQuery)).stage, { timeout: 20_000 }).toBe('assigned');
      const first = (await h.query(statusQuery)).assignment!.repId;
      expect(['rep-jane-doe', 'rep-sam-lee']).toContain(first);
      expect(await load(first)).toBe(1);

      await env.sleep('3 minutes'); // HOT: 2-minute SLA
      await expect.poll(async () => (await h.query(statusQuery)).assignment?.attempt, { timeout: 20_000 }).toBe(2);
      const second = (await h.query(statusQuery)).assignment!.repId;
      expect(second).not.toBe(first);
      expect(await load(first)).toBe(0);
      expect(await load(second)).toBe(1);
      const breach = await pg.db
        .selectFrom('notifications')
        .selectAll()
        .where('lead_id', '=', lead.id)
        .where('kind', '=', 'sla_breach')
        .executeTakeFirstOrThrow();
      expect(breach.recipient).toBe('rep:mgr-pat-morgan');
      const ended = await pg.db
        .selectFrom('lead_assignments')
        .select(['attempt', 'rep_id', 'end_reason'])
        .where('lead_id', '=', lead.id)
        .orderBy('attempt')
        .execute();
      expect(ended[0]).toMatchObject({ attempt: 1, rep_id: first, end_reason: 'breached' });
      const audit = await pg.db
        .selectFrom('assignment_audit')
        .select(['attempt', 'decision'])
        .where('lead_id', '=', lead.id)
        .where('attempt', '=', 2)
        .executeTakeFirstOrThrow();
      expect((audit.decision as { excluded: { repId: string; reason: string }[] }).excluded).toContainEqual({
        repId: first,
        reason: 'already missed this lead’s SLA',
      });

      await h.executeUpdate(contactedUpdate, { args: [{ repId: second }] });
      await h.signal(closeLeadSignal, { reason: 'won', dealValue: 31_000 });
      await expect
        .poll(
          async () =>
            await pg.db
              .selectFrom('leads')
              .select(['stage', 'deal_value'])
              .where('id', '=', lead.id)
              .executeTakeFirstOrThrow(),
        )
        .toEqual({ stage: 'won', deal_value: 31_000 });
      expect(await load(second)).toBe(0);
    });
  });
});
