// The run's last resort (vitest `globalSetup`, in vitest's main process): a test file's process
// SIGKILLed before its own clean-up (test/setup/stop-servers.ts) leaves its servers marked with
// this process's pid; they are stopped when the run ends.
import { RUN_MARK, processesMarked, stopProcesses } from '../helpers/test-processes';

export default function setup(): () => Promise<void> {
  return async () => {
    const left = processesMarked(RUN_MARK, String(process.pid));
    if (left.length === 0) return;
    await stopProcesses(left);
    process.stderr.write(
      `[stop-servers] stopped ${left.length} process(es) left running by test files:\n` +
        left.map((p) => `  ${p.pid} ${p.command.slice(0, 160)}\n`).join(''),
    );
  };
}
