// The real worker in a process of its own: the deployment entrypoint (`workers/main.ts`) run with
// the test system's settings, as a container would run it. A test can SIGKILL it mid-flight (no
// drain, no cleanup: in-flight activities and workflow tasks are simply gone) and start another.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { messagingTaskQueue } from '../../temporal/task-queues';
import { FILE_MARK, RUN_MARK } from './test-processes';
import type { TestSystem } from './system';

const root = path.resolve(__dirname, '..', '..');

export interface WorkerProcess {
  pid: number;
  /** Resolves when the process has exited, with its signal (SIGKILL, SIGTERM) or exit code. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What it wrote to stdout and stderr (its logs at LOG_LEVEL warn). */
  output(): string;
  /** SIGKILL: the process dies where it stands. */
  kill(): Promise<void>;
  /** SIGTERM: the worker drains (polls stop, in-flight tasks finish) and exits. */
  stop(): Promise<void>;
}

/**
 * The environment a deployed worker gets (DEPLOYMENT_REQUIRED.worker): the system's Postgres,
 * Temporal and payload key (the dev key `resolveSecrets` wrote into DATA_DIR), and every setting
 * the system was started with — development, as the system runs (the entrypoint's default is
 * production, which would refuse the local providers the tests count deliveries from).
 */
export function workerEnvironment(sys: TestSystem): Record<string, string> {
  // And the test file's marks, so the file's clean-up finds the process (test/helpers/test-processes.ts).
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ', FILE_MARK, RUN_MARK];
  const base = Object.fromEntries(keep.flatMap((k) => (process.env[k] ? [[k, process.env[k]]] : [])));
  const payloadKey = fs.readFileSync(path.join(sys.config.DATA_DIR, 'dev-payload-key'), 'utf8').trim();
  return {
    ...base,
    APP_ENV: 'development',
    ...sys.env,
    DATABASE_URL: sys.databaseUrl,
    TEMPORAL_ADDRESS: sys.temporalAddress,
    TEMPORAL_NAMESPACE: sys.config.TEMPORAL_NAMESPACE,
    TEMPORAL_TASK_QUEUE: sys.config.TEMPORAL_TASK_QUEUE,
    PAYLOAD_KEYS: payloadKey,
    LOG_LEVEL: 'warn',
  };
}

/** Whether a process (by pid: the SDK's default worker identity is `<pid>@<host>`) polls `taskQueue`. */
async function polls(client: Client, taskQueue: string, type: 'workflow' | 'activity', pid: number) {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType:
      type === 'workflow'
        ? temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW
        : temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  });
  return (pollers ?? []).some((p) => p.identity?.startsWith(`${pid}@`));
}

/**
 * Starts `workers/main.ts` and resolves once it polls all three queues (the processes' workflow
 * and activity tasks, and the sending queue); rejects if it exits first or takes over `timeoutMs`.
 * `env`: settings to add to (or replace in) workerEnvironment's.
 */
export async function startWorkerProcess(
  sys: TestSystem,
  client: Client,
  { timeoutMs = 180_000, env = {} }: { timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
    cwd: root,
    env: { ...workerEnvironment(sys), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const pid = child.pid!;
  const queue = sys.config.TEMPORAL_TASK_QUEUE;
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`the worker process exited before it polled:\n${output}`);
    const ready =
      (await polls(client, queue, 'workflow', pid)) &&
      (await polls(client, queue, 'activity', pid)) &&
      (await polls(client, messagingTaskQueue(queue), 'activity', pid));
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the worker process did not poll within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250)); // polling for readiness, not a wait for correctness
  }
  const signalled = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    pid,
    exited,
    output: () => output,
    kill: () => signalled('SIGKILL'),
    stop: () => signalled('SIGTERM'),
  };
}
