import { defineConfig } from 'vitest/config';

// forks, not threads: Temporal's native module does not survive worker threads.
// Files run one at a time: the time-skipping server skips time for everyone connected to it, and
// the integration files each start a dev server and a Postgres on this 2-core machine.
export default defineConfig({
  test: {
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 60_000,
    // expect.poll waits on a workflow reaching a state: one workflow task on a busy 2-core machine
    // can take seconds (seen: > 1 s, vitest's default). A poll that times out still fails the test,
    // 15 s later; the wrong state never passes.
    expect: { poll: { timeout: 15_000, interval: 50 } },
    hookTimeout: 180_000,
    include: ['test/**/*.test.ts'],
    // Whatever a test file started (servers, Postgres, worker processes) is stopped when the file
    // ends, passed or failed; what a killed file's process left, when the run ends.
    setupFiles: ['test/setup/stop-servers.ts'],
    globalSetup: ['test/setup/stop-servers.global.ts'],
    reporters: ['default'],
  },
});
