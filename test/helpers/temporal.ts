// Temporal test environments on the pip-installed binaries (never downloaded at run time).
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
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
    logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: (m) => testLogger.error(m) },
  });
}
