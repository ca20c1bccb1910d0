// Builds the workflow bundle the way the worker does, as it runs without tracing and with it (the
// OpenTelemetry workflow interceptors bundled: temporal/tracing.ts). tsc misses a Node built-in
// pulled into workflow code (directly or through a library); the SDK's bundler refuses it, so this
// fails CI early.
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createLogger } from '../config/logger';
import { installTracing } from '../temporal/tracing';
import { bundleWorkflows } from '../workers/worker';

async function check(variant: string): Promise<void> {
  const started = Date.now();
  const { code } = await bundleWorkflows(createLogger('warn', 'bundle-check'));
  process.stdout.write(
    `workflow bundle (${variant}) OK: ${(code.length / 1024).toFixed(0)} KiB in ${Date.now() - started} ms\n`,
  );
}

check('tracing off')
  .then(() => {
    installTracing({ serviceName: 'bundle-check', spanProcessor: new NoopSpanProcessor() });
    return check('tracing on');
  })
  .catch((err: unknown) => {
    process.stderr.write(`workflow bundle failed: ${(err as Error).message}\n`);
    process.exit(1);
  });
