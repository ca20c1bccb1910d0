// Every server a test file starts is stopped when the file ends, passed or failed (issue 14, item
// 2): a vitest run of deliberately broken files (test/integration/fixtures/leftovers/) in a child
// process — a test that hangs with a worker running, a beforeAll that fails after starting its
// servers, a teardown that hangs, a test process killed outright. Each file records the pids of
// what it started while they ran; afterwards none of them runs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FILE_MARK, RUN_MARK, processesMarked, type TestProcess } from '../helpers/test-processes';

const root = path.resolve(__dirname, '..', '..');

interface Started extends TestProcess {
  fixture: string;
  mark: string;
}

describe('servers started by a failing test file', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-leftovers-run-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('are all stopped by the time the run ends, none left behind', async () => {
    const log = path.join(tmp, 'started.jsonl');
    const child = spawn(
      process.execPath,
      [
        path.join(root, 'node_modules', 'vitest', 'vitest.mjs'),
        'run',
        '--config',
        'test/integration/fixtures/leftovers/vitest.config.mts',
      ],
      // Their temporary folders (Postgres data, dev server database) go where this test removes them.
      { cwd: root, env: { ...process.env, LEFTOVERS_LOG: log, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, output).toBe(1); // the fixtures fail, on purpose

    const started = fs
      .readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Started);
    const kinds = (fixture: string) => started.filter((p) => p.fixture === fixture).map((p) => p.command);
    // What each file had running when it recorded (the servers, and Postgres with its backends).
    expect(
      kinds('hung-worker').some((c) => c.includes('temporal-test-server')),
      output,
    ).toBe(true);
    expect(
      kinds('failed-setup').filter((c) => c.includes('start-dev')),
      output,
    ).toHaveLength(2);
    expect(
      kinds('failed-setup').some((c) => c.includes('temporal-test-server')),
      output,
    ).toBe(true);
    expect(
      kinds('failed-setup').some((c) => /bin\/postgres /.test(c)),
      output,
    ).toBe(true);
    expect(
      kinds('hung-teardown').some((c) => c.includes('temporal-test-server')),
      output,
    ).toBe(true);
    expect(
      kinds('hung-teardown').some((c) => /bin\/postgres /.test(c)),
      output,
    ).toBe(true);

    // None of them runs any more (a pid the system has reused for something else is not one of them).
    const stillRunning = () => {
      const marks = new Set(started.map((p) => p.mark));
      return [...marks].flatMap((mark) => processesMarked(FILE_MARK, mark).map((p) => `${p.pid} ${p.command}`));
    };
    await expect.poll(stillRunning, { timeout: 10_000 }).toEqual([]);
    expect(processesMarked(RUN_MARK, String(child.pid))).toEqual([]);
    console.log(
      `[leftovers] ${started.length} processes started by the failing files, 0 left running; ` +
        `stopped by the safety net: ${(output.match(/\[stop-servers\] stopped \d+ process\(es\) [a-z ]+/g) ?? []).join('; ') || 'none'}`,
    );
  }, 240_000);
});
