// leadIntake timelines on the time-skipping server, with in-memory activities.
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, ActivityFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeLeadSignal, engagementSignal, statusQuery } from '../../workflows/lead-intake/messages';
import type { LeadIntakeInput, LeadStage } from '../../workflows/lead-intake/types';
import { leadIntake } from '../../workflows';
import { keepHistory } from '../helpers/histories';
import { createTimeSkippingEnv, taskQueueFor } from '../helpers/temporal';
import { bundleWorkflows } from '../../workers/worker';
import { testLogger } from '../helpers/logger';

type TemperatureWrite = { leadId: string; temperature: string; score: number; revision: number; stage: LeadStage };

/** Activities that record what the workflow asked for; `failTimes` makes the first calls fail. */
function fakeActivities(opts: { failTimes?: number; missingLead?: boolean } = {}) {
  const temperatures: TemperatureWrite[] = [];
  const stages: { leadId: string; stage: LeadStage }[] = [];
  let failures = opts.failTimes ?? 0;
  return {
    temperatures,
    stages,
    activities: {
      async recordLeadTemperature(input: TemperatureWrite) {
        if (opts.missingLead) throw ApplicationFailure.create({ type: 'LeadNotFound', message: 'gone', nonRetryable: true });
        if (failures-- > 0) throw new Error('Postgres unreachable');
        temperatures.push(input);
      },
      async recordLeadStage(input: { leadId: string; stage: LeadStage }) {
        stages.push(input);
      },
    },
  };
}

const input = (leadId: string, signals: LeadIntakeInput['signals'] = {}): LeadIntakeInput => ({
  leadId,
  source: 'website',
  zip: '48083',
  city: 'Troy',
  property: { roofAge: 22 },
  signals,
});

describe('leadIntake', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: { code: string };

  beforeAll(async () => {
    [env, workflowBundle] = await Promise.all([createTimeSkippingEnv(), bundleWorkflows(testLogger)]);
  });
  afterAll(async () => {
    await env?.teardown();
  });

  async function run<T>(title: string, fake: ReturnType<typeof fakeActivities>, body: (taskQueue: string) => Promise<T>): Promise<T> {
    const taskQueue = taskQueueFor(title);
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities: fake.activities });
    return worker.runUntil(body(taskQueue));
  }

  it('scores at intake, writes the temperature back and answers the status query', async () => {
    const fake = fakeActivities();
    await run('scores at intake', fake, async (taskQueue) => {
      const handle = await env.client.workflow.start(leadIntake, {
        workflowId: 'lead-hot',
        taskQueue,
        args: [input('hot', { intent: 'requested_appointment', websiteVisits48h: 4 })],
      });
      // The query is answered once the first activity has completed.
      await expect.poll(() => fake.temperatures.length).toBe(1);
      const status = await handle.query(statusQuery);
      expect(status).toMatchObject({ leadId: 'hot', stage: 'scored', revision: 1, temperature: { temperature: 'HOT', score: 100 } });
      expect(fake.temperatures[0]).toMatchObject({ leadId: 'hot', temperature: 'HOT', score: 100, revision: 1, stage: 'scored' });
      await handle.signal(closeLeadSignal, { reason: 'won' });
      expect(await handle.result()).toMatchObject({ stage: 'won' });
      expect(fake.stages).toEqual([{ leadId: 'hot', stage: 'won' }]);
      await keepHistory(handle, 'lead-intake', 'hot-lead-won');
    });
  });

  it('re-scores when engagement arrives, with a higher revision each time', async () => {
    const fake = fakeActivities();
    await run('re-scores on engagement', fake, async (taskQueue) => {
      const handle = await env.client.workflow.start(leadIntake, { workflowId: 'lead-warming', taskQueue, args: [input('warming')] });
      await expect.poll(() => fake.temperatures.length).toBe(1);
      expect(fake.temperatures[0]).toMatchObject({ temperature: 'COLD', score: 50 });
      await handle.signal(engagementSignal, { budget: 'discussed', emailOpenRate: 0.6 });
      await expect.poll(() => fake.temperatures.length).toBe(2);
      await handle.signal(engagementSignal, { intent: 'requested_quote', responseTimeMinutes: 2 });
      await expect.poll(() => fake.temperatures.length).toBe(3);
      expect(fake.temperatures.map((t) => [t.temperature, t.revision])).toEqual([
        ['COLD', 1],
        ['WARM', 2],
        ['HOT', 3],
      ]);
      const status = await handle.query(statusQuery);
      expect(status.signals).toEqual({ budget: 'discussed', emailOpenRate: 0.6, intent: 'requested_quote', responseTimeMinutes: 2 });
      await handle.signal(closeLeadSignal, { reason: 'lost' });
      expect((await handle.result()).stage).toBe('lost');
      await keepHistory(handle, 'lead-intake', 'cold-to-hot-then-lost');
    });
  });

  it('takes a signal sent before the first score (signal-with-start) into the first temperature', async () => {
    const fake = fakeActivities();
    await run('early signal', fake, async (taskQueue) => {
      const handle = await env.client.workflow.signalWithStart(leadIntake, {
        workflowId: 'lead-early',
        taskQueue,
        args: [input('early')],
        signal: engagementSignal,
        signalArgs: [{ intent: 'requested_appointment' }],
      });
      await expect.poll(() => fake.temperatures.length).toBeGreaterThanOrEqual(1);
      await expect.poll(async () => (await handle.query(statusQuery)).temperature?.temperature).toBe('HOT');
      await handle.signal(closeLeadSignal, { reason: 'duplicate' });
      await handle.result();
      await keepHistory(handle, 'lead-intake', 'early-engagement-signal');
    });
  });

  it('keeps the first close reason when a late second close arrives', async () => {
    const fake = fakeActivities();
    await run('late close', fake, async (taskQueue) => {
      const handle = await env.client.workflow.start(leadIntake, { workflowId: 'lead-closed-twice', taskQueue, args: [input('twice')] });
      await expect.poll(() => fake.temperatures.length).toBe(1);
      await handle.signal(closeLeadSignal, { reason: 'won' });
      await handle.signal(closeLeadSignal, { reason: 'lost' }).catch(() => undefined);
      expect((await handle.result()).stage).toBe('won');
      expect(fake.stages).toEqual([{ leadId: 'twice', stage: 'won' }]);
    });
  });

  it('retries the write-back while Postgres is down, then continues', async () => {
    const fake = fakeActivities({ failTimes: 3 });
    await run('retries write-back', fake, async (taskQueue) => {
      const handle = await env.client.workflow.start(leadIntake, { workflowId: 'lead-retry', taskQueue, args: [input('retry', { budget: 'confirmed' })] });
      await handle.signal(closeLeadSignal, { reason: 'won' });
      // Awaiting the result lets the test server skip the retry backoff.
      await handle.result();
      expect(fake.temperatures).toHaveLength(1);
      expect(fake.stages).toEqual([{ leadId: 'retry', stage: 'won' }]);
      await keepHistory(handle, 'lead-intake', 'write-back-retried');
    });
  });

  it('fails without retrying when the lead row is gone', async () => {
    const fake = fakeActivities({ missingLead: true });
    await run('missing lead', fake, async (taskQueue) => {
      const handle = await env.client.workflow.start(leadIntake, { workflowId: 'lead-missing', taskQueue, args: [input('missing')] });
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ActivityFailure);
      expect((cause as ActivityFailure).cause).toMatchObject({ type: 'LeadNotFound' });
    });
  });

  it('ends as cancelled, with no further writes, when ops cancel it', async () => {
    const fake = fakeActivities();
    await run('cancellation', fake, async (taskQueue) => {
      const handle = await env.client.workflow.start(leadIntake, { workflowId: 'lead-cancelled', taskQueue, args: [input('cancelled')] });
      await expect.poll(() => fake.temperatures.length).toBe(1);
      await handle.cancel();
      const err = await handle.result().catch((e: unknown) => e);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      expect(fake.stages).toEqual([]);
      expect(fake.temperatures).toHaveLength(1);
      await keepHistory(handle, 'lead-intake', 'cancelled');
    });
  });
});
