// `make start` as a user runs it: the real script in a child process, Ctrl-C, and a second start
// that finds the lead and its workflow where the first one left them.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { testEnvironment } from '../helpers/system';

const root = path.resolve(__dirname, '..', '..');

interface Started {
  child: ChildProcess;
  output: () => string;
}

async function makeStart(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: root,
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in 120 s:\n${output}`)), 120_000);
    const check = (): void => {
      if (output.includes('Ctrl-C stops everything')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`make start exited early (${code}):\n${output}`)));
  });
  return { child, output: () => output };
}

async function ctrlC({ child }: Started): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  return exited;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('make start', () => {
  let env: Record<string, string>;
  let current: Started | undefined;
  afterAll(async () => {
    if (current?.child.exitCode === null) await ctrlC(current);
    if (env) fs.rmSync(env.DATA_DIR!, { recursive: true, force: true });
  });

  it('runs everything, stops cleanly on Ctrl-C, and a second start finds the lead and its workflow', async () => {
    env = await testEnvironment();
    current = await makeStart(env);
    expect(current.output()).toMatch(/Ready in [\d.]+ s/);
    expect(current.output()).toContain(`Temporal UI   http://localhost:${env.TEMPORAL_UI_PORT}`);
    expect(current.output()).toMatch(/OpenAPI docs {2}http:\/\/127\.0\.0\.1:\d+\/docs/);
    const apiUrl = `http://127.0.0.1:${env.API_PORT}`;
    const crmKey = fs.readFileSync(path.join(env.DATA_DIR!, 'dev-api-keys'), 'utf8').split(',')[0]!.split(':')[0]!;
    expect(current.output()).toContain(crmKey);
    const auth = { authorization: `Bearer ${crmKey}`, 'content-type': 'application/json' };

    const ui = await fetch(`http://localhost:${env.TEMPORAL_UI_PORT}/`);
    expect(ui.status).toBe(200);

    const posted = await fetch(`${apiUrl}/api/v1/leads`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        firstName: 'Rita',
        lastName: 'Moreno',
        email: 'rita@example.com',
        address: { street: '5 Lake Shore', city: 'Grosse Pointe', state: 'MI', zip: '48230' },
        source: 'insurance_agent',
        property: { propertyValue: 650_000, insuranceClaim: true, insuranceClaimValue: 42_000 },
        signals: { budget: 'discussed' },
      }),
    });
    expect(posted.status).toBe(202);
    const { leadId } = (await posted.json()) as { leadId: string };
    const lead = async () =>
      (await (await fetch(`${apiUrl}/api/v1/leads/${leadId}`, { headers: auth })).json()) as Record<string, unknown>;
    await expect.poll(async () => (await lead()).temperature, { timeout: 20_000 }).toBe('WARM');

    // Ops delete a demo rep: the next start must not seed it again (demo data is for the first run only).
    const sql = new pg.Client({
      connectionString: `postgres://postgres:postgres@127.0.0.1:${env.EMBEDDED_PG_PORT}/crm`,
    });
    await sql.connect();
    await sql.query(`delete from reps where id = 'rep-sam-lee'`); // a new hire: never this VIP lead's rep
    await sql.end();

    const temporalPid = Number(fs.readFileSync(path.join(env.DATA_DIR!, 'temporal.pid'), 'utf8'));
    const postmasterPid = Number(
      fs.readFileSync(path.join(env.DATA_DIR!, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    expect(alive(temporalPid) && alive(postmasterPid)).toBe(true);

    expect(await ctrlC(current), current.output()).toBe(0);
    expect(alive(temporalPid)).toBe(false);
    await expect.poll(() => alive(postmasterPid), { timeout: 5000 }).toBe(false);
    expect(fs.existsSync(path.join(env.DATA_DIR!, 'pg', 'postmaster.pid'))).toBe(false);

    current = await makeStart(env);
    const after = await lead();
    expect(after).toMatchObject({
      id: leadId,
      temperature: 'WARM',
      stage: 'assigned',
      workflow: { status: 'RUNNING', live: { stage: 'assigned' } },
    });
    const opsKey = fs
      .readFileSync(path.join(env.DATA_DIR!, 'dev-api-keys'), 'utf8')
      .trim()
      .split(',')[1]!
      .split(':')[0]!;
    const reps = (await (
      await fetch(`${apiUrl}/api/v1/reps`, { headers: { authorization: `Bearer ${opsKey}` } })
    ).json()) as { items: { id: string }[] };
    expect(reps.items.map((r) => r.id).sort()).toEqual([
      'mgr-pat-morgan',
      'rep-jane-doe',
      'rep-john-smith',
      'rep-maria-garcia',
    ]);
    expect(await ctrlC(current)).toBe(0);
  }, 300_000);

  it('refuses bad configuration at start, naming the variable', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: root,
      env: { ...process.env, API_PORT: 'three thousand', TEMPORAL_ADDRESS: 'nowhere' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/API_PORT/);
    expect(stderr).toMatch(/TEMPORAL_ADDRESS: expected host:port/);
    expect(stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});
