// Sending from a workflow on the time-skipping server, with the real gateway and Postgres: an SMS
// asked for at 22:30 local waits durably and goes out at 08:00 the next morning; a provider down
// for good is retried for a day, then the send ends failed (the message marked so) instead of
// retrying forever; a sending worker process killed while the provider has the message (SIGKILL,
// no answer recorded) is replaced by another, which finishes the send: the message goes out once.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { DateTime } from 'luxon';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessagingActivities } from '../../activities/messaging/activities';
import { createGateway } from '../../activities/messaging/gateway';
import { localProvider } from '../../activities/messaging/providers/local';
import type { MessageProvider } from '../../activities/messaging/contract';
import { ProviderError } from '../../activities/messaging/providers/errors';
import { createLeadOnce } from '../../db/repositories/leads';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';
import { readSentLog, sentLogProvider } from '../helpers/sent-log-provider';
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
      providers: { sms: localProvider('sms', pg.db) },
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

  it('a provider down for good: the send is retried for a day, then ends failed and the message is marked failed', async () => {
    let attempts = 0;
    const down: MessageProvider = {
      name: 'down',
      async send() {
        attempts += 1;
        throw new ProviderError('down', 'transient', 'provider_error', 'down HTTP 503');
      },
    };
    const gateway = createGateway({ db: pg.db, providers: { email: down }, caps: { perDay: 10, perWeek: 20 } });
    const key = 'send-provider-down:welcome';
    const startedAt = await env.currentTimeMs();
    const result = await run('provider down', createMessagingActivities({ gateway }), (taskQueue) =>
      env.client.workflow.execute<typeof sendOneMessage>('sendOneMessage', {
        workflowId: 'send-provider-down',
        taskQueue,
        args: [{ idempotencyKey: key, contactId, channel: 'email', kind: 'transactional', text: 'Welcome!' }],
      }),
    );
    expect(result.outcome).toMatchObject({
      status: 'failed',
      reason: 'retries_exhausted',
      channel: 'email',
      permanent: false,
    });
    const gaveUpAfter = Date.parse(result.sentAt) - startedAt;
    expect(gaveUpAfter).toBeGreaterThan(23 * 3_600_000);
    expect(gaveUpAfter).toBeLessThan(25 * 3_600_000);
    expect(attempts).toBeGreaterThan(10); // retried with backoff meanwhile
    expect(
      await pg.db
        .selectFrom('messages')
        .select(['status', 'error'])
        .where('idempotency_key', '=', key)
        .executeTakeFirstOrThrow(),
    ).toEqual({ status: 'failed', error: 'retries_exhausted' });
  }, 120_000);

  it('a sending worker killed while the provider has the message: another worker finishes it, sent once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sent-log-'));
    const sentLog = path.join(dir, 'sent.jsonl');
    const taskQueue = taskQueueFor('killed mid send');
    const key = 'send-killed:welcome';
    // The workflow's worker here; the sending worker in a process of its own, which is killed.
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities: {} });
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/sending-worker-process.ts'], {
      cwd: path.resolve(__dirname, '..', '..'),
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: env.address,
        DATABASE_URL: pg.url,
        TASK_QUEUE: taskQueue,
        SENT_LOG: sentLog,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));

    // Never leave the child behind, whatever fails first.
    const result = await worker
      .runUntil(async () => {
        const h = await env.client.workflow.start<typeof sendOneMessage>('sendOneMessage', {
          workflowId: 'send-killed',
          taskQueue,
          args: [{ idempotencyKey: key, contactId, channel: 'email', text: 'Welcome!' }],
        });
        // The provider has taken the message; its answer never comes: the worker process dies now.
        await expect.poll(() => out, { timeout: 60_000 }).toContain('at-provider');
        child.kill('SIGKILL');
        expect(await exited).toBe('SIGKILL');
        expect(readSentLog(sentLog)).toHaveLength(1);
        const recorded = await pg.db
          .selectFrom('messages')
          .select(['status', 'provider_message_id'])
          .where('idempotency_key', '=', key)
          .executeTakeFirstOrThrow();
        expect(recorded).toEqual({ status: 'sending', provider_message_id: null }); // we never heard back

        // A new sending worker with the same provider. Temporal notices the dead attempt when its
        // 1-minute start-to-close timeout passes (in real time: the test server skips no time while an
        // activity is out) and gives the retry to this worker.
        const sending = await Worker.create({
          connection: env.nativeConnection,
          taskQueue: messagingTaskQueue(taskQueue),
          activities: createMessagingActivities({
            gateway: createGateway({
              db: pg.db,
              providers: { email: sentLogProvider(sentLog) },
              caps: { perDay: 10, perWeek: 20 },
            }),
          }),
        });
        return sending.runUntil(h.result());
      })
      .finally(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      });

    const [entry] = readSentLog(sentLog);
    expect(readSentLog(sentLog)).toHaveLength(1); // sent once: by the killed worker's attempt
    expect(entry).toMatchObject({ idempotencyKey: key, pid: child.pid });
    expect(result.outcome).toMatchObject({
      status: 'sent',
      duplicate: true,
      providerMessageId: entry!.providerMessageId,
    });
    expect(
      await pg.db
        .selectFrom('messages')
        .select(['status', 'provider_message_id'])
        .where('idempotency_key', '=', key)
        .executeTakeFirstOrThrow(),
    ).toEqual({ status: 'sent', provider_message_id: entry!.providerMessageId });
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});
