// Bounded histories (issue 14, item 8): each long-lived loop continues as new on its history's
// size, so 15,000 duplicate signals — a duplicate POST per newLead, a burst of engagement events, a
// capacity freed anywhere waking a waiting lead — leave every run under 10,000 events (Temporal
// warns from 10,240 and terminates at 51,200), and the workflow still answers with its state.
import type { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { messagingTaskQueue } from '../../temporal/task-queues';
import { customerJourney, followUpCadence, leadIntake } from '../../workflows';
import { cadenceStatusQuery } from '../../workflows/cadence/messages';
import { messageEventSignal } from '../../workflows/messaging/messages';
import { journeyStatusQuery, newLeadSignal } from '../../workflows/journey/messages';
import { capacityFreedSignal, statusQuery } from '../../workflows/lead-intake/messages';
import { DEFAULT_POLICY } from '../../workflows/lead-intake/rules/sla-policy';
import { memoryCadenceStore } from '../helpers/cadence-memory';
import { fakeCrm } from '../helpers/fake-crm';
import { fakeSender } from '../helpers/fake-sender';
import { keepHistory } from '../helpers/histories';
import { taskQueueFor, useTimeSkippingEnv } from '../helpers/temporal';
import { runLengths, taskSettled } from '../helpers/workflow-history';

const SIGNALS = 15_000;
const RUN_LIMIT = 10_000;
/** Signals in flight at once within a burst, and signals per burst. */
const IN_FLIGHT = 16;
const BURST = 1_000;

/** Sends `count` signals in bursts of `BURST`, `IN_FLIGHT` at a time, each burst taken in before the next. */
async function duplicates(count: number, handle: WorkflowHandle, send: () => Promise<void>): Promise<void> {
  for (let sent = 0; sent < count; sent += BURST) {
    let left = Math.min(BURST, count - sent);
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (left > 0) {
          left -= 1;
          await send();
        }
      }),
    );
    await expect.poll(() => taskSettled(handle), { timeout: 60_000, interval: 100 }).toBe(true);
  }
}

/** Every run under the bound, more than one run, and the last still running. */
async function expectBoundedRuns(client: Client, handle: WorkflowHandleWithFirstExecutionRunId): Promise<void> {
  const lengths = await runLengths(client, handle.workflowId, handle.firstExecutionRunId);
  expect(Math.max(...lengths)).toBeLessThan(RUN_LIMIT);
  expect(lengths.length).toBeGreaterThan(1);
  expect((await handle.describe()).status.name).toBe('RUNNING');
}

describe('bounded histories: 15,000 duplicate signals', { timeout: 600_000 }, () => {
  const temporal = useTimeSkippingEnv();

  /** Runs `body` with a workflow worker (its `activities`) and a sending worker (the fake sender) on a fresh queue. */
  async function withWorkers(
    title: string,
    activities: object,
    body: (taskQueue: string, sender: ReturnType<typeof fakeSender>) => Promise<void>,
  ): Promise<void> {
    const taskQueue = taskQueueFor(title);
    const sender = fakeSender();
    const worker = await Worker.create({
      connection: temporal.env.nativeConnection,
      taskQueue,
      workflowBundle: temporal.workflowBundle,
      activities,
    });
    const sending = await Worker.create({
      connection: temporal.env.nativeConnection,
      taskQueue: messagingTaskQueue(taskQueue),
      activities: sender.activities,
    });
    const done = (async () => {
      sender.start(await temporal.env.currentTimeMs());
      await body(taskQueue, sender);
    })();
    await Promise.all([worker.runUntil(done), sending.runUntil(done)]);
  }

  it('customerJourney: a newLead per duplicate POST', async () => {
    await withWorkers('journey duplicate new leads', {}, async (taskQueue, sender) => {
      const h = await temporal.env.client.workflow.start(customerJourney, {
        workflowId: 'journey-duplicate-new-leads',
        taskQueue,
        args: [{ customerId: '00000000-0000-4000-8000-0000000000d1', leadId: 'lead-first' }],
      });
      try {
        await expect.poll(() => sender.sent.length).toBe(1); // the welcome email
        for (let i = 0; i < 3; i++) await h.signal(newLeadSignal, { leadId: 'lead-again' });
        await expect.poll(() => taskSettled(h)).toBe(true);
        await keepHistory(h, 'customer-journey', 'duplicate-new-leads');
        await duplicates(SIGNALS, h, () => h.signal(newLeadSignal, { leadId: 'lead-again' }));
        await expectBoundedRuns(temporal.env.client, h);
        // The state went on from run to run: the one new lead, once.
        expect((await h.query(journeyStatusQuery)).leads.map((l) => l.leadId)).toEqual(['lead-again']);
      } finally {
        await h.terminate('test over').catch(() => undefined);
      }
    });
  });

  it('followUpCadence: a provider status callback retried, each one re-planning the next touch', async () => {
    const settings = { policy: { maxTouches: 12, minGapDays: 0.5 }, cooldownDays: 30, touchesPerRun: 10 };
    const store = memoryCadenceStore(settings, () => Date.now());
    await withWorkers('cadence duplicate events', store.activities, async (taskQueue) => {
      const h = await temporal.env.client.workflow.start(followUpCadence, {
        workflowId: 'cadence-duplicate-events',
        taskQueue,
        args: [
          { leadId: 'lead-dup', contactId: '00000000-0000-4000-8000-0000000000d2', definition: 'plain', settings },
        ],
      });
      try {
        await expect.poll(async () => (await h.query(cadenceStatusQuery)).next?.step).toBeDefined();
        const event = { messageId: 'm-0', channel: 'email', event: 'failed' as const, at: new Date(0).toISOString() };
        for (let i = 0; i < 3; i++) await h.signal(messageEventSignal, event);
        await expect.poll(() => taskSettled(h)).toBe(true);
        await keepHistory(h, 'follow-up-cadence', 'duplicate-events');
        await duplicates(SIGNALS, h, () => h.signal(messageEventSignal, event));
        await expectBoundedRuns(temporal.env.client, h);
        const status = await h.query(cadenceStatusQuery);
        expect(status.touches).toEqual([]); // nothing was due: the plan was only made again
        expect(status.next?.step).toBeDefined();
      } finally {
        await h.terminate('test over').catch(() => undefined);
      }
    });
  });

  it('leadIntake: a lead waiting for a rep, woken each time an assignment ends anywhere', async () => {
    const crm = fakeCrm();
    crm.world.repsFree = false;
    await withWorkers('lead duplicate wakes', crm.activities, async (taskQueue) => {
      const h = await temporal.env.client.workflow.start(leadIntake, {
        workflowId: 'lead-duplicate-wakes',
        taskQueue,
        workflowTaskTimeout: '2 minutes', // a busy 2-core machine (see lead-intake.test.ts)
        args: [
          {
            leadId: 'duplicate-wakes',
            source: 'website',
            zip: '48083',
            city: 'Troy',
            property: {},
            signals: {},
            policy: DEFAULT_POLICY,
          },
        ],
      });
      try {
        await expect.poll(async () => (await h.query(statusQuery)).stage).toBe('waiting_for_rep');
        await duplicates(SIGNALS, h, () => h.signal(capacityFreedSignal));
        await expectBoundedRuns(temporal.env.client, h);
        // Waiting on from run to run: ops were told once, the stage written once.
        expect((await h.query(statusQuery)).stage).toBe('waiting_for_rep');
        expect(crm.world.notifications.filter((n) => n.kind === 'no_rep_available')).toHaveLength(1);
        expect(crm.world.stages).toEqual(['waiting_for_rep']);
      } finally {
        await h.terminate('test over').catch(() => undefined);
      }
    });
  });
});
