// Launches `temporal server start-dev` (SQLite persistence, Web UI, our search attributes) and
// waits until its frontend answers. Used by `make start` and by the integration tests.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { Connection } from '@temporalio/client';
import type { Logger } from '../config/logger';
import { searchAttributeFlags } from './search-attributes';

/** Measured in bench/sqlite-pragmas.ts; see docs/benchmarks.md. */
export const SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'];

export interface DevServerOptions {
  cliPath: string;
  port: number;
  uiPort?: number;
  /** SQLite file; omit for an in-memory server. */
  dbFile?: string;
  codecEndpoint?: string;
  pragmas?: string[];
  /** Records the server's pid, so a server orphaned by a killed `make start` is stopped next time. */
  pidFile?: string;
  logger: Logger;
}

export interface DevServer {
  address: string;
  /** The server process (benchmarks read its memory). */
  pid?: number;
  uiUrl?: string;
  stop(): Promise<void>;
}

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--log-level', 'warn'];
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort), '--ui-disable-news-fetch');
  else args.push('--headless');
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  for (const pragma of opts.pragmas ?? SQLITE_PRAGMAS) args.push('--sqlite-pragma', pragma);
  if (opts.codecEndpoint) args.push('--ui-codec-endpoint', opts.codecEndpoint);
  args.push(...searchAttributeFlags());

  if (opts.pidFile) await stopStaleServer(opts.pidFile);
  // Its own process group: a terminal Ctrl-C reaches us first, and we stop the server last.
  const child = spawn(opts.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (opts.pidFile && child.pid) fs.writeFileSync(opts.pidFile, String(child.pid));
  // If this process dies without its shutdown path, do not leave the server behind.
  const killOnExit = (): void => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.once('exit', killOnExit);
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`temporal dev server exited (${code}):\n${output}`))),
  );
  exited.catch(() => undefined);

  const address = `127.0.0.1:${opts.port}`;
  await Promise.race([waitForFrontend(address, 60_000), exited]);
  opts.logger.debug({ address }, 'temporal dev server ready');
  return {
    address,
    pid: child.pid,
    uiUrl: opts.uiPort ? `http://localhost:${opts.uiPort}` : undefined,
    stop: async () => {
      await stopChild(child);
      process.off('exit', killOnExit);
      if (opts.pidFile) fs.rmSync(opts.pidFile, { force: true });
    },
  };
}

export async function waitForFrontend(address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.healthService.check({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`Temporal at ${address} not reachable: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(timer);
}

async function stopStaleServer(pidFile: string): Promise<void> {
  const pid = Number(fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8') : NaN);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes('start-dev')) return;
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && fs.existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 100));
  } catch {
    // Not running any more: nothing to stop.
  }
}
