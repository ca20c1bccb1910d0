// Temporal test environments on the pip-installed binaries (never downloaded at run time), whose
// teardown stops their workers and their server even after a test that hung past its timeout.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type NativeConnectionPlugin, type Worker, type WorkerPlugin } from '@temporalio/worker';
import { afterAll, beforeAll } from 'vitest';
import { failureConverterPath } from '../../temporal/data-converter';
import { bundleWorkflows } from '../../workers/worker';
import { installTemporalLogging } from '../../temporal/runtime-logging';
import { testLogger } from './logger';
import { temporalCliPath, temporalTestServerPath } from '../../temporal/binaries';
import { registerSearchAttributes } from '../../temporal/register-search-attributes';
import { searchAttributes } from '../../temporal/search-attributes';
import { childServerOnPort, stopProcesses } from './test-processes';

// The SDK's own logs go through pino at the test log level (silent by default).
installTemporalLogging(testLogger);

/** How long a worker may take to drain at teardown, and the SDK's teardown to close and stop the server. */
const WORKERS_STOP_MS = 15_000;
const TEARDOWN_MS = 30_000;

/**
 * The workers that run on an environment's connection (a plugin on it: the SDK hands it every
 * worker created on that connection, as it starts running), so teardown can stop them first.
 */
class RunningWorkers implements WorkerPlugin, NativeConnectionPlugin {
  readonly name = 'test-running-workers';
  private readonly runs = new Map<Worker, Promise<void>>();

  runWorker(worker: Worker, next: (w: Worker) => Promise<void>): Promise<void> {
    const run = next(worker);
    this.runs.set(worker, run);
    const forget = (): void => void this.runs.delete(worker);
    run.then(forget, forget);
    return run;
  }

  /** Shuts every running worker down (polls stop, in-flight tasks end) and waits for them, at most `boundMs`. */
  async stop(boundMs: number): Promise<void> {
    for (const worker of this.runs.keys()) if (worker.getState() === 'RUNNING') worker.shutdown();
    await within(Promise.allSettled(this.runs.values()), boundMs);
  }
}

function within(p: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise((r) => (timer = setTimeout(r, ms)))]).finally(() => clearTimeout(timer));
}

/**
 * The SDK's environment with a teardown that survives a test that hung past its timeout: such a
 * test leaves its worker running, and the SDK's own teardown then fails to close the connection
 * ("Cannot close connection while Workers hold a reference"). Here the workers are shut down
 * first (bounded), then the SDK's teardown runs (bounded), and a server process that outlived it
 * is stopped by its pid. The SDK builds the instance with `new this`, so the static factories
 * called on this class return one.
 */
class StoppableTestEnvironment extends TestWorkflowEnvironment {
  override async teardown(): Promise<void> {
    const workers = this.options.plugins.find((p): p is RunningWorkers => p instanceof RunningWorkers);
    await workers?.stop(WORKERS_STOP_MS);
    await within(super.teardown(), TEARDOWN_MS);
    const server = childServerOnPort(Number(this.address.split(':').pop()));
    if (server) await stopProcesses([server], 5_000);
  }
}

/** The real dev server (supports updates, Schedules, visibility) with our search attributes. */
export function createLocalEnv(): Promise<TestWorkflowEnvironment> {
  return StoppableTestEnvironment.createLocal({
    plugins: [new RunningWorkers()],
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      searchAttributes: [...searchAttributes],
      extraArgs: ['--log-level', 'error'],
    },
  });
}

/** The time-skipping test server: timers fire as soon as nothing else is running. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await StoppableTestEnvironment.createTimeSkipping({
    plugins: [new RunningWorkers()],
    server: { executable: { type: 'existing-path', path: temporalTestServerPath() } },
  });
  try {
    await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  } catch (err) {
    await env.teardown();
    throw err;
  }
  return env;
}

/** The time-skipping server and the worker's workflow bundle of one describe block. */
export interface TimeSkippingSuite {
  readonly env: TestWorkflowEnvironment;
  readonly workflowBundle: { code: string };
}

/**
 * Call inside a describe block: starts the time-skipping server and bundles the worker's workflows
 * (in parallel) before its tests, and tears the server down after them. Read the fields in tests,
 * hooks and what they call: they are getters, filled in by beforeAll, and throw if read before it
 * instead of handing out undefined.
 */
export function useTimeSkippingEnv(): TimeSkippingSuite {
  let env: TestWorkflowEnvironment | undefined;
  let workflowBundle: { code: string } | undefined;
  beforeAll(async () => {
    // Settled, not Promise.all: a server that started while the bundle failed is still torn down.
    const [server, bundle] = await Promise.allSettled([createTimeSkippingEnv(), bundleWorkflows(testLogger)]);
    if (server.status === 'fulfilled') env = server.value;
    if (bundle.status === 'fulfilled') workflowBundle = bundle.value;
    for (const r of [server, bundle]) if (r.status === 'rejected') throw r.reason;
  });
  afterAll(async () => {
    await env?.teardown();
  });
  const ready = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`useTimeSkippingEnv: ${name} is read before beforeAll has run`);
    return value;
  };
  return {
    get env() {
      return ready(env, 'env');
    },
    get workflowBundle() {
      return ready(workflowBundle, 'workflowBundle');
    },
  };
}

/** A task queue per test, so workers of different tests never steal each other's tasks. */
export function taskQueueFor(title: string): string {
  return `test-${title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 60)}`;
}

/** Bundles a test-only workflow file (fixtures), quietly. */
export function bundleFixture(file: string): Promise<{ code: string }> {
  const quiet = (): void => undefined;
  return bundleWorkflowCode({
    workflowsPath: file,
    failureConverterPath,
    logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: (m) => testLogger.error(m) },
  });
}
