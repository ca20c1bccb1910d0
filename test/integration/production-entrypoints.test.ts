// The deployment entrypoints as the Docker image runs them (issue 14, items 3, 5 and 6): production
// by default, with a project folder they cannot write to (DATA_DIR can never be created, as /app/.data
// cannot for the image's `node` user), against the test system's Postgres and Temporal. They refuse
// to start without a provider for SMS and email, serve no dev outbox, seed no demo reps, and refuse
// payloads that are not encrypted — the codec endpoint and the worker alike.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { decodeOptionalFailureToOptionalError, loadDataConverter } from '@temporalio/common/lib/internal-non-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AesGcmPayloadCodec } from '../../temporal/codec';
import { toJson } from '../../temporal/codec-server';
import { connectClient } from '../../temporal/client';
import { createDataConverter } from '../../temporal/data-converter';
import { freePort } from '../helpers/ports';
import { startTestSystem, type TestSystem } from '../helpers/system';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';

const root = path.resolve(__dirname, '..', '..');
/** A folder that can never be created (ENOTDIR, even for root): any write into it fails. */
const UNWRITABLE = '/dev/null/data';

interface Entrypoint {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function runEntrypoint(file: string, env: Record<string, string>): Entrypoint {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];
  const base = Object.fromEntries(keep.flatMap((k) => (process.env[k] ? [[k, process.env[k]]] : [])));
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: root,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

describe('the deployment entrypoints in production', () => {
  let sys: TestSystem;
  let client: Client;
  let production: Record<string, string>;
  const started: Entrypoint[] = [];
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    // The demo reps are a development convenience: this system seeds none, so any rep is the API's.
    sys = await startTestSystem({ SEED_DEMO_DATA: 'false', ML_RETRAIN_CRON: 'off' }, { worker: false });
    client = await connectClient({
      address: sys.temporalAddress,
      namespace: sys.config.TEMPORAL_NAMESPACE,
      payloadKeys: sys.secrets.payloadKeys,
    });
    // What docker-compose.yml gives the containers (no APP_ENV: the entrypoints' default applies).
    production = {
      DATA_DIR: UNWRITABLE,
      DATABASE_URL: sys.databaseUrl,
      TEMPORAL_ADDRESS: sys.temporalAddress,
      TEMPORAL_NAMESPACE: sys.config.TEMPORAL_NAMESPACE,
      TEMPORAL_TASK_QUEUE: sys.config.TEMPORAL_TASK_QUEUE,
      PAYLOAD_KEYS: fs.readFileSync(path.join(sys.dataDir, 'dev-payload-key'), 'utf8').trim(),
      CRM_API_KEYS: `${sys.crmKey}:crm,${sys.opsKey}:ops`,
      ML_RETRAIN_CRON: 'off',
      LOG_LEVEL: 'warn',
    };
  }, 240_000);

  afterAll(async () => {
    for (const e of started) if (e.child.exitCode === null) e.child.kill('SIGTERM');
    await Promise.all(started.map((e) => e.exited));
    await worker?.stop();
    await client?.connection.close();
    await sys?.stop();
  }, 120_000);

  it('refuse to start without a provider for SMS and email, naming the variables', async () => {
    const files = ['api/main.ts', 'workers/main.ts'];
    const entries = files.map((file) => runEntrypoint(file, production));
    started.push(...entries);
    for (const [i, entry] of entries.entries()) {
      expect(await entry.exited, entry.output()).toBe(1);
      for (const name of ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM_NUMBER', 'SENDGRID_API_KEY'])
        expect(entry.output(), `${files[i]}: ${name}`).toMatch(new RegExp(`${name}: required in production`));
    }
  }, 120_000);

  it('the API starts with no writable folder, seeds nobody, serves no dev outbox, and its codec endpoint refuses plain payloads', async () => {
    const [apiPort, codecPort] = [await freePort(), await freePort()];
    const api = runEntrypoint('api/main.ts', {
      ...production,
      // The explicit opt-in: texts and emails only stored (no provider keys in a test).
      MESSAGING_LOCAL_CHANNELS: 'sms,email',
      API_PORT: String(apiPort),
      CODEC_PORT: String(codecPort),
    });
    started.push(api);
    const url = `http://127.0.0.1:${apiPort}`;
    await expect
      .poll(
        async () => {
          if (api.child.exitCode !== null) throw new Error(`the API exited:\n${api.output()}`);
          return (await fetch(`${url}/readyz`).catch(() => undefined))?.status;
        },
        { timeout: 120_000, interval: 500 },
      )
      .toBe(200);

    const asOps = { authorization: `Bearer ${sys.opsKey}` };
    expect(
      ((await (await fetch(`${url}/api/v1/reps`, { headers: asOps })).json()) as { items: unknown[] }).items,
    ).toEqual([]);
    expect((await fetch(`${url}/dev/outbox`, { headers: asOps })).status).toBe(404);

    const decode = (payloads: unknown) =>
      fetch(`http://127.0.0.1:${codecPort}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ payloads }),
      });
    const plain = defaultPayloadConverter.toPayload({ reason: 'won' });
    expect((await decode([toJson(plain)])).status).toBe(422);
    const [encrypted] = await new AesGcmPayloadCodec(sys.secrets.payloadKeys).encode([plain]);
    expect((await decode([toJson(encrypted!)])).status).toBe(200);
  }, 240_000);

  it('the worker starts with no writable folder and refuses a workflow whose input is not encrypted', async () => {
    worker = await startWorkerProcess(sys, client, {
      env: { ...production, APP_ENV: 'production', MESSAGING_LOCAL_CHANNELS: 'sms,email' },
    });
    // A client without our codec — anyone who can reach the frontend — starts a journey in plain JSON.
    const plainClient = new Client({ connection: client.connection, namespace: sys.config.TEMPORAL_NAMESPACE });
    const forged = await plainClient.workflow.start('customerJourney', {
      taskQueue: sys.config.TEMPORAL_TASK_QUEUE,
      workflowId: 'journey-forged-plain-input',
      args: [{ customerId: 'forged', leadId: 'forged' }],
    });
    // The same journey from our own client, encrypted, as a control: its first task completes.
    const genuine = await client.workflow.start('customerJourney', {
      taskQueue: sys.config.TEMPORAL_TASK_QUEUE,
      workflowId: 'journey-genuine-encrypted-input',
      args: [{ customerId: 'genuine', leadId: 'genuine' }],
    });
    const taskOutcomes = async (workflowId: string) =>
      ((await plainClient.workflow.getHandle(workflowId).fetchHistory()).events ?? []).flatMap((e) => [
        ...(e.workflowTaskCompletedEventAttributes ? ['completed'] : []),
        ...(e.workflowTaskFailedEventAttributes ? ['failed'] : []),
      ]);
    await expect.poll(() => taskOutcomes(genuine.workflowId), { timeout: 60_000 }).toContain('completed');
    await expect.poll(() => taskOutcomes(forged.workflowId), { timeout: 60_000 }).toContain('failed');
    expect(await taskOutcomes(forged.workflowId)).not.toContain('completed');
    // Why it failed, read as ops would (the failure itself is encrypted: the keys decode it).
    const failed = ((await forged.fetchHistory()).events ?? []).find((e) => e.workflowTaskFailedEventAttributes);
    const reason = await decodeOptionalFailureToOptionalError(
      loadDataConverter(createDataConverter(sys.secrets.payloadKeys)),
      failed!.workflowTaskFailedEventAttributes!.failure,
    );
    expect(reason?.message).toMatch(/Refusing a payload that is not encrypted \(encoding "json\/plain"\)/);
    await Promise.all([forged.terminate('test over'), genuine.terminate('test over')]);
  }, 300_000);
});
