// Loaded before every test file (vitest `setupFiles`): whatever the file started — time-skipping
// and dev servers, Postgres, worker processes — is stopped when the file ends, passed or failed,
// even when its own teardown threw, hung or never ran (a beforeAll that failed half-way).
// The file's own teardown runs first (this afterAll is registered before the file's hooks, and
// vitest runs after-hooks in reverse); what is left after it is stopped here and named on stderr.
import { randomUUID } from 'node:crypto';
import { afterAll } from 'vitest';
import { FILE_MARK, RUN_MARK, killNow, processesMarked, stopProcesses } from '../helpers/test-processes';

const fileMark = randomUUID();
// Every process this file starts inherits both (test/helpers/test-processes.ts).
process.env[FILE_MARK] = fileMark;
process.env[RUN_MARK] = String(process.ppid); // vitest's main process: test/setup/stop-servers.global.ts

afterAll(async () => {
  const left = processesMarked(FILE_MARK, fileMark);
  if (left.length === 0) return;
  const stubborn = await stopProcesses(left);
  process.stderr.write(
    `[stop-servers] stopped ${left.length} process(es) the file left running` +
      `${stubborn.length ? ` (${stubborn.length} needed SIGKILL)` : ''}:\n` +
      left.map((p) => `  ${p.pid} ${p.command.slice(0, 160)}\n`).join(''),
  );
}, 60_000);

// Vitest ends the file's process with SIGTERM (SIGKILL 0.5 s later): a hook that never finished
// gets no other chance. Without a handler Node would die at once and leave its servers running.
process.once('SIGTERM', () => {
  killNow(processesMarked(FILE_MARK, fileMark));
  process.exit(143);
});
