// A Temporal dev server and a Postgres a fault test can stop and start again on the same data and
// port while the rest of the system runs. Each is started by the function `make start` uses
// (scripts/system.ts): startDevServer with a SQLite file, startEmbeddedPostgres with a data folder;
// the system is then started on them (TEMPORAL_ADDRESS, DATABASE_URL) as it would on any server.
import path from 'node:path';
import { startEmbeddedPostgres, type RunningPostgres } from '../../db/embedded-postgres';
import { temporalCliPath } from '../../temporal/binaries';
import { startDevServer, type DevServer } from '../../temporal/dev-server';
import { testLogger } from './logger';
import { freePort } from './ports';

export interface Restartable {
  /** Stops it: the dev server SIGTERM (SIGKILL after 10 s), Postgres a fast shutdown (pg_ctl -m fast). */
  stop(): Promise<void>;
  /** Starts it again on the same data and port; resolves once it answers. */
  start(): Promise<void>;
  running(): boolean;
}

/** `temporal server start-dev` persisting to `<dir>/temporal.db` (headless: the Web UI is not under test). */
export async function restartableDevServer(dir: string): Promise<Restartable & { address: string; pid(): number }> {
  const port = await freePort();
  const launch = () =>
    startDevServer({
      cliPath: temporalCliPath(),
      port,
      dbFile: path.join(dir, 'temporal.db'),
      pidFile: path.join(dir, 'temporal.pid'),
      logger: testLogger,
    });
  let server: DevServer | undefined = await launch();
  return {
    address: server.address,
    pid: () => server?.pid ?? 0,
    running: () => server !== undefined,
    stop: async () => {
      await server?.stop();
      server = undefined;
    },
    start: async () => {
      server ??= await launch();
    },
  };
}

/** The embedded Postgres with its data in `<dir>/pg`. */
export async function restartablePostgres(dir: string): Promise<Restartable & { url: string }> {
  const port = await freePort();
  const launch = () => startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port, logger: testLogger });
  let pg: RunningPostgres | undefined = await launch();
  return {
    url: pg.url,
    running: () => pg !== undefined,
    stop: async () => {
      await pg?.stop();
      pg = undefined;
    },
    start: async () => {
      pg ??= await launch();
    },
  };
}
