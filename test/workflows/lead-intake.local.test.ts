// leadIntake on the real dev server (createLocal, pip-installed CLI): what ops managers see in the
// Web UI — search attributes, the readable summary and current details — with encrypted payloads.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lead } from '../../db/schema';
import { createDataConverter } from '../../temporal/data-converter';
import { startLeadIntake } from '../../api/start-workflows';
import { routingTaskQueue } from '../../temporal/task-queues';
import { RUNNING_BEFORE_ROUTING } from '../../workflows/lead-intake/before-routing';
import { closeLeadSignal, statusQuery } from '../../workflows/lead-intake/messages';
import { bundleWorkflows } from '../../workers/worker';
import { fakeCrm } from '../helpers/fake-crm';
import { testLogger } from '../helpers/logger';
import { bundleFixture, createLocalEnv, taskQueueFor } from '../helpers/temporal';

const dataConverter = createDataConverter([{ id: 'test-key', key: randomBytes(32) }]);

const lead = (id: string): Lead =>
  ({
    id,
    contact_id: `contact-${id}`,
    source: 'referral',
    city: 'Bloomfield Hills',
    zip: '48301',
    property: { propertyValue: 720_000 },
    signals: { budget: 'confirmed', responseTimeMinutes: 3 },
  }) as unknown as Lead;

/** The ISO time `seconds` away from `iso`, without a fraction. */
const wholeSecond = (iso: string, seconds: number): string =>
  new Date(Math.floor(Date.parse(iso) / 1000) * 1000 + seconds * 1000).toISOString().replace('.000Z', 'Z');

describe('leadIntake on the dev server', () => {
  let env: TestWorkflowEnvironment;
  let client: Client;
  let workflowBundle: { code: string };
  const crm = fakeCrm({ lead: { source: 'referral', city: 'Bloomfield Hills', propertyValue: 720_000 } });
  const activities = crm.activities;

  beforeAll(async () => {
    [env, workflowBundle] = await Promise.all([createLocalEnv(), bundleWorkflows(testLogger)]);
    client = new Client({ connection: env.connection, namespace: env.namespace, dataConverter });
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('is findable by its search attributes and shows a readable summary through the codec', async () => {
    const taskQueue = taskQueueFor('dev server search attributes');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: routingTaskQueue(taskQueue), // where startLeadIntake starts leads
      workflowBundle,
      activities,
      dataConverter,
    });
    await worker.runUntil(async () => {
      const workflowId = await startLeadIntake(client, taskQueue, lead('sa-1'));
      expect(workflowId).toBe('lead-sa-1');
      const handle = client.workflow.getHandle(workflowId);
      await expect.poll(async () => (await handle.query(statusQuery)).stage, { timeout: 20_000 }).toBe('assigned');

      // What ops filter on: the lead's flags, who has it, where, and until when.
      const deadline = (await handle.query(statusQuery)).assignment!.slaDeadline;
      const query = [
        `LeadId = 'sa-1'`,
        `LeadSource = 'referral'`,
        `Temperature = 'HOT'`,
        `LeadScore = 100`,
        `Stage = 'assigned'`,
        `IsVip = true`,
        `AssignedRep = 'rep-ann'`,
        `Territory = 'Bloomfield Hills'`,
        // A range of whole seconds around it: the dev server's SQLite visibility compares datetimes as
        // text in Go's format, which drops trailing zeros ('…12.12Z'), so a bound of '…12.120Z' (1 deadline
        // in 10) or any bound within the same second misses; ops filter deadlines by range anyway.
        `SlaDeadline >= '${wholeSecond(deadline, -1)}'`,
        `SlaDeadline <= '${wholeSecond(deadline, +1)}'`,
      ].join(' AND ');
      const found = async () => {
        const ids: string[] = [];
        for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId);
        return ids;
      };
      await expect.poll(found, { timeout: 20_000, interval: 250 }).toEqual(['lead-sa-1']);
      // The one-line summary ops read in the list.
      const details = await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata');
      expect(details.currentDetails).toBe(
        `HOT 100 · VIP · waiting for Ann, SLA ${deadline.slice(11, 16)} UTC · referral · Bloomfield Hills 48301`,
      );

      const description = await handle.describe();
      expect(await description.staticSummary()).toBe('Lead intake · referral · Bloomfield Hills 48301');

      // Without the key (the server's view, or a UI without the codec) the input is ciphertext.
      const raw = await env.client.workflow.getHandle(workflowId).fetchHistory();
      const input = raw.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
      expect(Buffer.from(input.metadata!.encoding!).toString()).toBe('binary/encrypted');
      expect(Buffer.from(input.data!).toString('latin1')).not.toContain('Bloomfield');

      await handle.signal(closeLeadSignal, { reason: 'won' });
      expect((await handle.result()).stage).toBe('won');
      expect(crm.world.temperatures.map((t) => t.temperature)).toEqual(['HOT']);
    });
  });

  it('starts one workflow per lead however often it is asked', async () => {
    const taskQueue = taskQueueFor('dev server start once');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: routingTaskQueue(taskQueue), // where startLeadIntake starts leads
      workflowBundle,
      activities,
      dataConverter,
    });
    await worker.runUntil(async () => {
      const ids = await Promise.all([1, 2, 3].map(() => startLeadIntake(client, taskQueue, lead('once-1'))));
      expect(new Set(ids)).toEqual(new Set(['lead-once-1']));
      // (The customer's journey is owed through the signal outbox: test/integration/durable-signals.test.ts.)
      const handle = client.workflow.getHandle('lead-once-1');
      const firstRun = (await handle.describe()).runId;
      await handle.signal(closeLeadSignal, { reason: 'lost' });
      await handle.result();
      // A closed lead stays closed: asking again neither fails nor starts a second run.
      await startLeadIntake(client, taskQueue, lead('once-1'));
      expect((await handle.describe()).runId).toBe(firstRun);
    });
  });

  it('RUNNING_BEFORE_ROUTING finds a run still on the pre-routing path, and no routed lead', async () => {
    const routedQueue = taskQueueFor('dev server routed lead');
    const oldQueue = taskQueueFor('dev server pre-routing lead');
    const oldBundle = await bundleFixture(path.resolve(__dirname, 'fixtures', 'lead-before-routing.ts'));
    const routed = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: routingTaskQueue(routedQueue),
      workflowBundle,
      activities,
      dataConverter,
    });
    const old = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: oldQueue,
      workflowBundle: oldBundle,
      activities,
      dataConverter,
    });
    const running = async () => {
      const ids: string[] = [];
      for await (const wf of client.workflow.list({ query: RUNNING_BEFORE_ROUTING })) ids.push(wf.workflowId);
      return ids.sort();
    };
    const work = async () => {
      const routedId = await startLeadIntake(client, routedQueue, lead('qr-1'));
      const oldHandle = await client.workflow.start('leadIntake', {
        workflowId: 'lead-qr-old',
        taskQueue: oldQueue,
        args: [{ leadId: 'qr-old', source: 'website', zip: '48083', city: 'Troy', property: {}, signals: {} }],
      });
      const routedHandle = client.workflow.getHandle(routedId);
      await expect
        .poll(async () => (await routedHandle.query(statusQuery)).stage, { timeout: 20_000 })
        .toBe('assigned');
      await expect.poll(async () => (await oldHandle.query(statusQuery)).stage, { timeout: 20_000 }).toBe('scored');
      await expect.poll(running, { timeout: 20_000, interval: 250 }).toEqual(['lead-qr-old']);
      // Once the last one ends, nothing is left on the old path.
      await oldHandle.signal(closeLeadSignal, { reason: 'lost' });
      await oldHandle.result();
      await expect.poll(running, { timeout: 20_000, interval: 250 }).toEqual([]);
      await routedHandle.signal(closeLeadSignal, { reason: 'lost' });
      await routedHandle.result();
    };
    await routed.runUntil(old.runUntil(work));
  });
});
