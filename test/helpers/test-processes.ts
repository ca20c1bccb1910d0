// Which processes a test file started, and stopping them. Every process inherits its parent's
// environment, so a mark set in the test process at load time (test/setup/stop-servers.ts) is
// carried by everything the file starts, however it is started: the time-skipping server and dev
// server the SDK spawns, `temporal server start-dev` in a process group of its own, and the
// Postgres that pg_ctl daemonises (its parent is init, not us). /proc/<pid>/environ is the
// environment a process started with, so a mark set later in a process is not seen on itself.
// Linux only (/proc); elsewhere nothing is found and nothing is stopped.
import fs from 'node:fs';

/** The test file that started a process: one value per test file (one vitest fork each). */
export const FILE_MARK = 'CRM_TEST_FILE';
/** The vitest run that started it: the pid of vitest's main process. */
export const RUN_MARK = 'CRM_TEST_RUN';

export interface TestProcess {
  pid: number;
  /** The executable's short name (`postgres`, `temporal-test-`, `temporal`, `node`…). */
  name: string;
  ppid: number;
  /** Its command line, for messages. */
  command: string;
}

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined; // gone meanwhile, or not ours to read
  }
}

function describeProcess(pid: number): TestProcess | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // pid (comm) state ppid …: comm may hold spaces and parentheses, so split at the last ')'.
  const close = stat.lastIndexOf(')');
  const [state, ppid] = stat.slice(close + 2).split(' ');
  if (state === 'Z') return undefined; // exited, waiting for its parent to reap it
  return {
    pid,
    name: stat.slice(stat.indexOf('(') + 1, close),
    ppid: Number(ppid),
    command: (read(`/proc/${pid}/cmdline`) ?? '').split('\0').join(' ').trim(),
  };
}

function allPids(): number[] {
  try {
    return fs
      .readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  } catch {
    return [];
  }
}

/** Live processes started with `name=value` in their environment (never this process). */
export function processesMarked(name: string, value: string): TestProcess[] {
  const entry = `${name}=${value}`;
  return allPids().flatMap((pid) => {
    if (pid === process.pid) return [];
    const environ = read(`/proc/${pid}/environ`);
    if (!environ?.split('\0').includes(entry)) return [];
    const p = describeProcess(pid);
    return p ? [p] : [];
  });
}

/** Whether the process still runs (a zombie does not: it has exited). */
export function isRunning(pid: number): boolean {
  return describeProcess(pid) !== undefined;
}

/** This process's live child whose command line has `port` as an argument: the server listening there. */
export function childServerOnPort(port: number): TestProcess | undefined {
  return allPids()
    .map(describeProcess)
    .find((p) => p?.ppid === process.pid && p.command.split(' ').includes(String(port)));
}

/**
 * Postgres is stopped through its postmaster, which takes its backends down with it (signalled
 * one by one, a killed backend sends the postmaster into crash recovery); a backend is signalled
 * only once its postmaster is gone.
 */
function postmasters(ps: TestProcess[]): TestProcess[] {
  const pids = new Set(ps.map((p) => p.pid));
  return ps.filter((p) => !(p.name === 'postgres' && pids.has(p.ppid)));
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * Stops the processes at once, without waiting (for a process about to exit): Postgres by an
 * immediate shutdown (SIGQUIT: it stops its backends and frees its shared memory), the rest SIGKILL.
 */
export function killNow(ps: TestProcess[]): void {
  for (const p of postmasters(ps)) signal(p.pid, p.name === 'postgres' ? 'SIGQUIT' : 'SIGKILL');
}

/**
 * Stops the processes in order: Postgres by a fast shutdown (SIGINT), the rest SIGTERM; whatever
 * still runs after `graceMs` is SIGKILLed. Answers what was still running after the grace.
 */
export async function stopProcesses(ps: TestProcess[], graceMs = 10_000): Promise<TestProcess[]> {
  for (const p of postmasters(ps)) signal(p.pid, p.name === 'postgres' ? 'SIGINT' : 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (ps.some((p) => isRunning(p.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const stubborn = ps.filter((p) => isRunning(p.pid));
  for (const p of stubborn) signal(p.pid, 'SIGKILL');
  return stubborn;
}
