// Sending from a workflow on the time-skipping server, with the real gateway and Postgres: an SMS
// asked for at 22:30 local waits durably and goes out at 08:00 the next morning; a worker that dies
// right after the provider call is retried by Temporal and the message is still sent once.
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { DateTime } from 'luxon';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessagingActivities } from '../../activities/messaging/activities';
import type { MessageProvider, OutboundMessage } from '../../activities/messaging/contract';
import { createGateway, localProvider } from '../../activities/messaging/gateway';
import { createLeadOnce } from '../../db/repositories/leads';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';
import { bundleFixture, createTimeSkippingEnv, taskQueueFor } from '../helpers/temporal';
import { messagingTaskQueue } from '../../temporal/task-queues';
import type { sendOneMessage } from './fixtures/send-message';

describe('sending from a workflow', () => {
  let env: TestWorkflowEnvironment;
  let pg: TestPostgres;
  let workflowBundle: { code: string };
  let contactId: string;

  beforeAll(async () => {
    [env, pg, workflowBundle] = await Promise.all([
      createTimeSkippingEnv(),
      startTestPostgres(),
      bundleFixture(path.resolve(__dirname, 'fixtures', 'send-message.ts')),
    ]);
    const { lead } = await createLeadOnce(
      pg.db,
      {
        firstName: 'Ava',
        lastName: 'Night',
        phone: '+12485550188',
        email: 'ava@example.com',
        source: 'website',
        address: { street: '4 Main St', city: 'Troy', state: 'MI', zip: '48083' },
        property: {},
        signals: {},
      },
      { requestHash: 'm', dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
    );
    contactId = lead.contact_id;
  });
  afterAll(async () => {
    await env?.teardown();
    await pg?.stop();
  });

  /** The workflow's worker, and beside it the sending worker on its own queue, as in production. */
  async function run<T>(title: string, activities: object, body: (taskQueue: string) => Promise<T>): Promise<T> {
    const taskQueue = taskQueueFor(title);
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities: {} });
    const sending = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: messagingTaskQueue(taskQueue),
      activities,
    });
    const done = body(taskQueue);
    const [result] = await Promise.all([worker.runUntil(done), sending.runUntil(done)]);
    return result;
  }

  it('an SMS asked for at 22:30 in Detroit waits and goes out at 08:00 the next morning', async () => {
    const gateway = createGateway({
      db: pg.db,
      providers: { sms: localProvider('sms') },
      caps: { perDay: 10, perWeek: 20 },
    });
    // Move the server's clock to the next 22:30 in Detroit.
    const now = DateTime.fromMillis(await env.currentTimeMs(), { zone: 'America/Detroit' });
    let evening = now.set({ hour: 22, minute: 30, second: 0, millisecond: 0 });
    if (evening <= now) evening = evening.plus({ days: 1 });
    await env.sleep(evening.toMillis() - now.toMillis());

    const result = await run('quiet hours', createMessagingActivities({ gateway }), (taskQueue) =>
      env.client.workflow.execute<typeof sendOneMessage>('sendOneMessage', {
        workflowId: 'send-late-evening',
        taskQueue,
        args: [
          {
            idempotencyKey: 'send-late-evening:reminder',
            contactId,
            channel: 'sms',
            text: 'Your inspection is tomorrow at 9.',
          },
        ],
      }),
    );
    const morning = evening.plus({ days: 1 }).set({ hour: 8, minute: 0 });
    expect(result.deferredUntil).toBe(morning.toUTC().toISO());
    expect(result.outcome.status).toBe('sent');
    const sentAt = DateTime.fromISO(result.sentAt).setZone('America/Detroit');
    expect(sentAt >= morning && sentAt < morning.plus({ minutes: 5 })).toBe(true);
  });

  it('a worker dying right after the provider call: Temporal retries, the message goes out once', async () => {
    const delivered: OutboundMessage[] = [];
    const provider: MessageProvider = {
      name: 'counting',
      send: async (m) => {
        delivered.push(m);
        return { providerMessageId: `P${delivered.length}` };
      },
    };
    const gateway = createGateway({ db: pg.db, providers: { email: provider }, caps: { perDay: 10, perWeek: 20 } });
    const real = createMessagingActivities({ gateway });
    const activities = {
      async sendMessage(request: Parameters<typeof real.sendMessage>[0]) {
        const outcome = await real.sendMessage(request);
        if (Context.current().info.attempt === 1) throw new Error('worker crashed after the provider call');
        return outcome;
      },
    };
    const result = await run('crash after send', activities, (taskQueue) =>
      env.client.workflow.execute<typeof sendOneMessage>('sendOneMessage', {
        workflowId: 'send-crash',
        taskQueue,
        args: [{ idempotencyKey: 'send-crash:welcome', contactId, channel: 'email', text: 'Welcome!' }],
      }),
    );
    expect(result.outcome).toMatchObject({ status: 'sent', duplicate: true, providerMessageId: 'P1' });
    expect(delivered).toHaveLength(1);
  });
});
