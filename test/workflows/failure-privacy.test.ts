// Failures are encrypted like payloads: a provider's error naming the recipient ("The 'To' number
// +1… is not valid") reaches the workflow and its caller intact, but the Temporal server's history
// holds the message and the stack trace only as ciphertext (temporal/failure-converter.cjs).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { decodeOptionalFailureToOptionalError, loadDataConverter } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AbandonRequest, SendOutcome } from '../../activities/messaging/contract';
import { createDataConverter } from '../../temporal/data-converter';
import { messagingTaskQueue } from '../../temporal/task-queues';
import { bundleFixture, createTimeSkippingEnv, taskQueueFor } from '../helpers/temporal';
import type { failWith } from './fixtures/fail-with';
import type { sendOneMessage } from './fixtures/send-message';

const PHONE = '+12485550123';
const EMAIL = 'jane.roofless@example.com';

describe('failures in workflow histories', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: { code: string };
  let failingBundle: { code: string };
  const dataConverter = createDataConverter([{ id: 'test-key', key: randomBytes(32) }]);

  beforeAll(async () => {
    [env, workflowBundle, failingBundle] = await Promise.all([
      createTimeSkippingEnv(),
      bundleFixture(path.resolve(__dirname, 'fixtures', 'send-message.ts')),
      bundleFixture(path.resolve(__dirname, 'fixtures', 'fail-with.ts')),
    ]);
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it("a failed send's history holds no phone number or email in plain text; the holder of the keys reads the error", async () => {
    const taskQueue = taskQueueFor('failure privacy');
    const client = new Client({ connection: env.connection, namespace: env.namespace, dataConverter });
    const sendMessage = () => {
      throw ApplicationFailure.nonRetryable(
        `The 'To' number ${PHONE} is not valid (contact ${EMAIL})`,
        'InvalidMessage',
        { to: PHONE },
      );
    };
    // Refused for good: the send helper gives the message up and the workflow goes on.
    const abandonMessage = (req: AbandonRequest): SendOutcome => ({
      status: 'failed',
      reason: req.reason,
      channel: req.channel,
      permanent: true,
    });
    const workers = await Promise.all([
      Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities: {}, dataConverter }),
      Worker.create({
        connection: env.nativeConnection,
        taskQueue: messagingTaskQueue(taskQueue),
        activities: { sendMessage, abandonMessage },
        dataConverter,
      }),
    ]);
    const handle = await client.workflow.start<typeof sendOneMessage>('sendOneMessage', {
      workflowId: 'failure-privacy',
      taskQueue,
      args: [{ idempotencyKey: 'failure-privacy:1', contactId: 'c-1', channel: 'sms', text: 'hi' }],
    });
    const [result] = await Promise.all(workers.map((w) => w.runUntil(handle.result())));
    expect(result!.outcome).toMatchObject({ status: 'failed', reason: 'invalid_message' });

    // The server's copy: every byte of the history, strings and payloads alike.
    const history = await handle.fetchHistory();
    const failed = history.events!.find(
      (e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
    );
    expect(failed).toBeDefined();
    expectNoneIn(history, [PHONE, PHONE.slice(2), EMAIL, 'is not valid']);
    // The holder of the keys reads the provider's message from it.
    const error = await decodeOptionalFailureToOptionalError(
      loadDataConverter(dataConverter),
      failed!.activityTaskFailedEventAttributes!.failure,
    );
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error!.message).toBe(`The 'To' number ${PHONE} is not valid (contact ${EMAIL})`);
  });

  it("a workflow's own failure is encrypted too (converted in the sandbox, by the bundle's converter)", async () => {
    const taskQueue = taskQueueFor('workflow failure privacy');
    const client = new Client({ connection: env.connection, namespace: env.namespace, dataConverter });
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: failingBundle,
      dataConverter,
    });
    const handle = await client.workflow.start<typeof failWith>('failWith', {
      workflowId: 'workflow-failure-privacy',
      taskQueue,
      args: [`no reply from ${EMAIL}`],
    });
    const failed = await worker.runUntil(handle.result()).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect((failed as WorkflowFailedError).cause?.message).toBe(`no reply from ${EMAIL}`);
    expectNoneIn(await handle.fetchHistory(), [EMAIL, 'no reply from']);
  });
});

/** Every byte of the history as the server stores it (strings and payloads alike) lacks each secret. */
function expectNoneIn(history: temporal.api.history.v1.IHistory, secrets: string[]) {
  const stored = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1');
  for (const secret of secrets) expect(stored.includes(secret), `history contains "${secret}"`).toBe(false);
}
