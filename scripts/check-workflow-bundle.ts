// Builds the workflow bundle the way the worker does. tsc misses a Node built-in pulled into workflow
// code (directly or through a library); the SDK's bundler refuses it, so this fails CI early.
import { createLogger } from '../config/logger';
import { bundleWorkflows } from '../workers/worker';

const started = Date.now();
bundleWorkflows(createLogger('warn', 'bundle-check')).then(
  ({ code }) =>
    process.stdout.write(`workflow bundle OK: ${(code.length / 1024).toFixed(0)} KiB in ${Date.now() - started} ms\n`),
  (err: unknown) => {
    process.stderr.write(`workflow bundle failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
