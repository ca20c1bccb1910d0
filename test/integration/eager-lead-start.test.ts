// Speed to lead (issue 21): where the API and the worker share a process (`make start`), a lead's
// workflow is started eagerly — its first task comes back in the start's reply and runs on this
// process's routing worker, with no queue wait and no poll. A client with a connection of its own (a
// separate API process) starts the usual way. Both are real: dev server, Postgres, the process worker.
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelStore } from '../../activities/ml/model-store';
import { isDependencyUnavailable } from '../../api/problem';
import { startLeadIntake } from '../../api/start-workflows';
import { createLeadOnce } from '../../db/repositories/leads';
import { venvBin } from '../../temporal/binaries';
import { connectClient, startsEagerly } from '../../temporal/client';
import { createProcessWorker, type ProcessWorker } from '../../workers/worker';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';
import { createLocalEnv } from '../helpers/temporal';
import type { NativeConnection } from '@temporalio/worker';

const payloadKeys = [{ id: 'eager', key: Buffer.alloc(32, 7) }];
const TASK_QUEUE = 'eager-leads';

describe('eager lead start', () => {
  let pg: TestPostgres;
  let env: TestWorkflowEnvironment;
  let worker: ProcessWorker;
  let workerConnection: NativeConnection;
  let running: Promise<void>;
  beforeAll(async () => {
    [pg, env] = await Promise.all([startTestPostgres(), createLocalEnv()]);
    ({ worker, connection: workerConnection } = await createProcessWorker({
      address: env.address,
      namespace: 'default',
      taskQueue: TASK_QUEUE,
      payloadKeys,
      db: pg.db,
      modelStore: new ModelStore(),
      python: venvBin('python'),
    }));
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await workerConnection?.close();
    await env?.teardown();
    await pg?.stop();
  });

  /** Starts a stored lead through `client` and says whether the server handed its first task back eagerly. */
  async function startThrough(shared: boolean, n: number): Promise<{ eager: boolean; startsEagerly: boolean }> {
    let eager: boolean | undefined;
    const seeEagerness: WorkflowClientInterceptor = {
      async startWithDetails(input, next) {
        const started = await next(input);
        eager = started.eagerlyStarted;
        return started;
      },
    };
    const client = await connectClient({
      address: env.address,
      namespace: 'default',
      payloadKeys,
      workerConnection: shared ? workerConnection : undefined,
      workflowInterceptors: [seeEagerness],
    });
    const { lead } = await createLeadOnce(
      pg.db,
      {
        firstName: 'Eve',
        lastName: `Eager${n}`,
        email: `eve${n}@example.com`,
        source: 'website',
        address: { street: `${n} Main St`, city: 'Troy', state: 'MI', zip: '48083' },
        property: {},
        signals: {},
      },
      { requestHash: `eager-${n}`, dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
    );
    await startLeadIntake(client, TASK_QUEUE, lead);
    if (!shared) await client.connection.close();
    return { eager: eager!, startsEagerly: startsEagerly(client) };
  }

  it('on the worker’s connection the first task comes back with the start; on its own connection it does not', async () => {
    expect(await startThrough(true, 1)).toEqual({ eager: true, startsEagerly: true });
    expect(await startThrough(false, 2)).toEqual({ eager: false, startsEagerly: false });
  });

  it('a call past its deadline counts as Temporal unavailable (503, not 500) on either connection', async () => {
    for (const shared of [true, false]) {
      const client = await connectClient({
        address: env.address,
        namespace: 'default',
        payloadKeys,
        workerConnection: shared ? workerConnection : undefined,
      });
      // A call that cannot finish in time: the result of a workflow no worker runs. (A 1 ms deadline
      // on a describe sometimes beat the local server's answer: a CI run got 'not found'.)
      const idle = await client.workflow.start('leadIntake', {
        taskQueue: 'nobody-polls-this',
        workflowId: `lead-idle-${String(shared)}`,
        args: [],
      });
      const err: unknown = await client.withDeadline(Date.now() + 200, () => idle.result()).catch((e: unknown) => e);
      await idle.terminate();
      expect(err, shared ? 'the worker’s connection' : 'its own connection').toBeInstanceOf(Error);
      expect(isDependencyUnavailable(err), shared ? 'the worker’s connection' : 'its own connection').toBe(true);
      if (!shared) await client.connection.close();
    }
  });
});
