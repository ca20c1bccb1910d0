// The cadence's rules on the real store: followUpCadence on the time-skipping server with the real
// cadence activities (activities/cadence.ts) on a real Postgres, where the memory store of
// follow-up-cadence.test.ts stands in elsewhere — one cadence per contact (the contact found from
// the lead), the cooldown after it ends, an ops hold on the rep read from cadence_holds, and the
// contact released however the cadence ends: failed (by the workflow) or terminated (by the claim
// reconciler of the API process). The sending side is the fake sender: what is sent is not the
// question here.
import { ApplicationFailure } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCadenceActivities } from '../../activities/cadence';
import { releaseClaimsOfClosedCadences } from '../../api/cadence-claim-reconciler';
import { createHold, findCadence, releaseHold } from '../../db/repositories/cadences';
import { createLeadOnce } from '../../db/repositories/leads';
import { messagingTaskQueue } from '../../temporal/task-queues';
import { bundleWorkflows } from '../../workers/worker';
import { followUpCadence } from '../../workflows';
import { cadenceStatusQuery, stopCadenceSignal } from '../../workflows/cadence/messages';
import type { CadenceSettings } from '../../workflows/cadence/types';
import { fakeSender } from '../helpers/fake-sender';
import { keepHistory } from '../helpers/histories';
import { testLogger } from '../helpers/logger';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';
import { createTimeSkippingEnv, taskQueueFor } from '../helpers/temporal';

const DAY = 86_400_000;

describe('followUpCadence on the real cadence store', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: { code: string };
  let pg: TestPostgres;
  let n = 0;

  beforeAll(async () => {
    [env, workflowBundle, pg] = await Promise.all([
      createTimeSkippingEnv(),
      bundleWorkflows(testLogger),
      startTestPostgres(),
    ]);
  });
  afterAll(async () => {
    await env?.teardown();
    await pg?.stop();
  });

  const settingsOf = (maxTouches: number): CadenceSettings => ({
    policy: { maxTouches, minGapDays: 0.5 },
    cooldownDays: 30,
    touchesPerRun: 10,
  });

  async function newLead() {
    const email = `real-store-${++n}@example.com`;
    const { lead } = await createLeadOnce(
      pg.db,
      {
        firstName: 'Rea',
        lastName: `Store${n}`,
        email,
        source: 'website',
        address: { street: `${n} Store St`, city: 'Troy', state: 'MI', zip: '48083' },
        property: {},
        signals: {},
      },
      { requestHash: `real-store-${n}`, dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
    );
    return { leadId: lead.id, contactId: lead.contact_id };
  }

  /** The real cadence activities (or `activities`) on the workflow queue, the fake sender on the messaging queue. */
  async function withWorkers(
    title: string,
    sender: ReturnType<typeof fakeSender>,
    body: (q: string) => Promise<void>,
    activities = createCadenceActivities({ db: pg.db }),
  ) {
    const taskQueue = taskQueueFor(title);
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle,
      activities,
    });
    const sending = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: messagingTaskQueue(taskQueue),
      activities: sender.activities,
    });
    const done = (async () => {
      sender.start(await env.currentTimeMs());
      await body(taskQueue);
    })();
    await Promise.all([worker.runUntil(done), sending.runUntil(done)]);
  }
  // No contactId: the activity finds the lead's contact in Postgres, as for a lead's real cadence.
  const start = (taskQueue: string, workflowId: string, o: { leadId: string; repId?: string; maxTouches: number }) =>
    env.client.workflow.start(followUpCadence, {
      workflowId,
      taskQueue,
      args: [{ leadId: o.leadId, repId: o.repId, definition: 'plain', settings: settingsOf(o.maxTouches) }],
    });
  const runOf = (workflowId: string) => findCadence(pg.db, workflowId);

  it('one cadence per contact: another for them is refused while it runs, then cools down for 30 days from its end', async () => {
    const sender = fakeSender();
    const lead = await newLead();
    const wf = `cadence-${lead.leadId}`;
    await withWorkers('real store one per contact', sender, async (taskQueue) => {
      const a = await start(taskQueue, wf, { leadId: lead.leadId, maxTouches: 12 });
      await expect.poll(async () => (await a.query(cadenceStatusQuery)).next).toMatchObject({ step: 'day-1' });
      expect(await runOf(wf)).toMatchObject({ contact_id: lead.contactId, ended_at: null });

      // Another cadence for the same person (their lead handed over twice, say).
      const b = await start(taskQueue, `${wf}-second`, { leadId: lead.leadId, maxTouches: 12 });
      expect((await b.result()).ended).toBe(`not started: the contact is already in cadence ${wf}`);
      expect(await runOf(`${wf}-second`)).toBeUndefined(); // never claimed

      await a.signal(stopCadenceSignal, { reason: 'lead lost' });
      // Not a.result(): with nothing left running, the test server may skip far ahead.
      await expect.poll(async () => (await runOf(wf))?.end_reason).toBe('lead lost');
      const ended = (await runOf(wf))!.ended_at!;

      const c = await start(taskQueue, `${wf}-third`, { leadId: lead.leadId, maxTouches: 12 });
      expect((await c.result()).ended).toBe(
        `not started: cooling down after the last cadence until ${new Date(ended.getTime() + 30 * DAY).toISOString()}`,
      );

      // The store's clock is the real one (the test server skips only the workflows'): 31 days pass
      // for it when the last run's end moves 31 days back.
      await pg.db
        .updateTable('cadences')
        .set({ ended_at: new Date(ended.getTime() - 31 * DAY) })
        .where('workflow_id', '=', wf)
        .execute();
      const d = await start(taskQueue, `${wf}-later`, { leadId: lead.leadId, maxTouches: 1 });
      expect((await d.result()).ended).toBe('touch cap of 1 reached');
      expect(await runOf(`${wf}-later`)).toMatchObject({
        contact_id: lead.contactId,
        end_reason: 'touch cap of 1 reached',
        touches: 1,
      });
    });
    // The refused cadences sent nothing (the first may have sent its day-1 email while the test waited).
    expect(sender.sent.filter((s) => s.workflowId !== wf).map((s) => s.workflowId)).toEqual([`${wf}-later`]);
  });

  it('an ops hold on the rep in cadence_holds stops touches until it is released; a missed release signal is noticed the next day', async () => {
    const sender = fakeSender();
    const lead = await newLead();
    const repId = `rep-real-store-${lead.leadId.slice(0, 8)}`;
    const { hold } = await createHold(pg.db, { scope: 'rep', target: repId, reason: 'vacation', createdBy: 'ops' });
    await withWorkers('real store rep hold', sender, async (taskQueue) => {
      const h = await start(taskQueue, `cadence-${lead.leadId}`, { leadId: lead.leadId, repId, maxTouches: 2 });
      await env.sleep(3.5 * DAY);
      expect(sender.sent).toEqual([]);
      expect(await h.query(cadenceStatusQuery)).toMatchObject({
        paused: true,
        heldBy: 'rep',
        pausedBecause: 'held (rep): vacation',
      });
      // Released in Postgres without telling the workflow (the API's signal was lost).
      expect(await releaseHold(pg.db, hold.id)).toMatchObject({ id: hold.id });
      expect((await h.result()).ended).toBe('touch cap of 2 reached');
    });
    // Held from day 1 to the first daily check after day 3.5 (day 4): the plan's day 1 falls then.
    expect(sender.sent.map((s) => s.channel)).toEqual(['email', 'sms']);
    expect(sender.sent[0]!.day).toBeCloseTo(4, 1);
    expect(await runOf(`cadence-${lead.leadId}`)).toMatchObject({ rep_id: repId, touches: 2 });
  });

  it('a cadence that fails (an activity refuses for good) releases its contact: the cooldown runs from the failure', async () => {
    const sender = fakeSender();
    const lead = await newLead();
    const wf = `cadence-${lead.leadId}`;
    const broken = {
      ...createCadenceActivities({ db: pg.db }),
      cadenceHold: async () => {
        throw ApplicationFailure.create({
          type: 'HoldsUnreadable',
          message: 'the holds are unreadable',
          nonRetryable: true,
        });
      },
    };
    await withWorkers(
      'real store failure',
      sender,
      async (taskQueue) => {
        const h = await start(taskQueue, wf, { leadId: lead.leadId, maxTouches: 3 });
        expect(await h.result().catch((e: unknown) => e)).toBeInstanceOf(WorkflowFailedError);
        expect(await runOf(wf)).toMatchObject({
          contact_id: lead.contactId,
          ended_at: expect.any(Date),
          end_reason: expect.stringMatching(/^failed: /),
        });
        await keepHistory(h, 'follow-up-cadence', 'failed-releases-claim');
      },
      broken,
    );
    expect(sender.sent).toEqual([]);
  });

  it('a cadence terminated by ops: the claim reconciler releases its contact as of the termination; a running one keeps it', async () => {
    const sender = fakeSender();
    const [gone, running] = [await newLead(), await newLead()];
    await withWorkers('real store terminated', sender, async (taskQueue) => {
      const a = await start(taskQueue, `cadence-${gone.leadId}`, { leadId: gone.leadId, maxTouches: 12 });
      const b = await start(taskQueue, `cadence-${running.leadId}`, { leadId: running.leadId, maxTouches: 12 });
      for (const h of [a, b])
        await expect.poll(async () => (await h.query(cadenceStatusQuery)).next).toMatchObject({ step: 'day-1' });
      await a.terminate('ended by ops');
      // Nothing ran in the workflow: the contact is still held.
      expect(await runOf(a.workflowId)).toMatchObject({ ended_at: null });

      const deps = { db: pg.db, client: env.client, logger: testLogger, timeoutMs: 10_000 };
      expect(await releaseClaimsOfClosedCadences(deps, { graceMinutes: 0 })).toBe(1);
      const closedAt = (await a.describe()).closeTime!;
      expect(await runOf(a.workflowId)).toMatchObject({
        end_reason: 'claim released: its workflow terminated without releasing it',
        ended_at: closedAt,
      });
      expect(await runOf(b.workflowId)).toMatchObject({ ended_at: null, workflow_checked_at: expect.any(Date) });
      expect(await releaseClaimsOfClosedCadences(deps, { graceMinutes: 0 })).toBe(0); // b not looked at again this hour
      await b.signal(stopCadenceSignal, { reason: 'test over' });
      await expect.poll(async () => (await runOf(b.workflowId))?.end_reason).toBe('test over');
    });
  });
});
