// Temporal test environments on the pip-installed binaries (never downloaded at run time).
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll } from 'vitest';
import { failureConverterPath } from '../../temporal/data-converter';
import { bundleWorkflows } from '../../workers/worker';
import { installTemporalLogging } from '../../temporal/runtime-logging';
import { testLogger } from './logger';
import { temporalCliPath, temporalTestServerPath } from '../../temporal/binaries';
import { registerSearchAttributes } from '../../temporal/register-search-attributes';
import { searchAttributes } from '../../temporal/search-attributes';

// The SDK's own logs go through pino at the test log level (silent by default).
installTemporalLogging(testLogger);

/** The real dev server (supports updates, Schedules, visibility) with our search attributes. */
export function createLocalEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      searchAttributes: [...searchAttributes],
      extraArgs: ['--log-level', 'error'],
    },
  });
}

/** The time-skipping test server: timers fire as soon as nothing else is running. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalTestServerPath() } },
  });
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
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
    [env, workflowBundle] = await Promise.all([createTimeSkippingEnv(), bundleWorkflows(testLogger)]);
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
