// The retrain over the real system: the weekly Schedule exists after start and fires by itself, the
// endpoint starts the workflow (ops only, validated, idempotent), and a promotion is served by the
// running API.
import { ScheduleOverlapPolicy, type Client, type ScheduleSpec } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import pg from 'pg';
import { connectClient } from '../../temporal/client';
import { ensureRetrainSchedule } from '../../temporal/schedules';
import { RETRAIN_SCHEDULE_ID } from '../../temporal/workflow-ids';
import type { ModelRetrainStatus } from '../../workflows/model-retrain/types';
import { validLead } from '../helpers/ml-records';
import { startTestSystem, type TestSystem } from '../helpers/system';

describe('model retrain over the API and the Schedule', () => {
  let sys: TestSystem;
  let client: Client;
  let sql: pg.Client;
  const api = (path: string, init: RequestInit & { key?: string } = {}) => {
    const { key = sys.opsKey, headers, ...rest } = init;
    return fetch(`${sys.apiUrl}${path}`, {
      ...rest,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    });
  };
  const retrainCount = async () => Number((await sql.query('select count(*) from ml_retrains')).rows[0].count);

  beforeAll(async () => {
    sys = await startTestSystem();
    client = await connectClient({
      address: sys.temporalAddress,
      namespace: sys.config.TEMPORAL_NAMESPACE,
      payloadKeys: sys.secrets.payloadKeys,
    });
    sql = new pg.Client({ connectionString: sys.databaseUrl });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await client?.connection.close();
    await sys?.stop();
  });

  it('start created the weekly retrain Schedule, and a restart with another cron updates it', async () => {
    const described = await client.schedule.getHandle(RETRAIN_SCHEDULE_ID).describe();
    expect(described.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'modelRetrain',
      taskQueue: sys.config.TEMPORAL_TASK_QUEUE,
    });
    expect(described.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    const mondays = described.info.nextActionTimes.map((t) => [t.getUTCDay(), t.getUTCHours()]);
    expect(mondays[0]).toEqual([1, 3]);

    const opts = { taskQueue: sys.config.TEMPORAL_TASK_QUEUE, margin: 0.01 };
    expect(await ensureRetrainSchedule(client, { ...opts, cron: '30 4 * * 3' })).toBe('updated');
    const updated = await client.schedule.getHandle(RETRAIN_SCHEDULE_ID).describe();
    expect([updated.info.nextActionTimes[0]!.getUTCDay(), updated.info.nextActionTimes[0]!.getUTCHours()]).toEqual([
      3, 4,
    ]);
    expect(await ensureRetrainSchedule(client, { ...opts, cron: 'off' })).toBe('deleted');
    expect(await ensureRetrainSchedule(client, { ...opts, cron: sys.config.ML_RETRAIN_CRON })).toBe('created');
  });

  it('refuses the crm role and bad bodies, starting nothing', async () => {
    const before = await retrainCount();
    const forbidden = await api('/api/v1/ml/model/retrain', { method: 'POST', key: sys.crmKey, body: '{}' });
    expect(forbidden.status).toBe(403);
    const bad = await api('/api/v1/ml/model/retrain', {
      method: 'POST',
      body: JSON.stringify({ margin: 2, nLeads: 5, shoeSize: 9 }),
    });
    expect(bad.status).toBe(422);
    expect(bad.headers.get('content-type')).toMatch(/problem\+json/);
    const fields = ((await bad.json()) as { errors: { path: string }[] }).errors.map((e) => e.path).sort();
    expect(fields).toEqual(expect.arrayContaining(['margin', 'nLeads']));
    expect(await retrainCount()).toBe(before);
    const doc = (await (await api('/api/v1/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/ml/model/retrain', '/api/v1/ml/model/retrains']),
    );
    const list = await client.workflow.count(`WorkflowType = 'modelRetrain'`);
    expect(list.count).toBe(0);
  });

  it('starts a retrain once per Idempotency-Key; its promotion is served by the running API at once', async () => {
    // Seed 41 on synthetic data reproduces the bundled models exactly: no gain, promoted at margin 0.
    const body = JSON.stringify({ seed: 41, margin: 0 });
    const headers = { 'idempotency-key': 'retrain-test-1' };
    const first = await api('/api/v1/ml/model/retrain', { method: 'POST', body, headers });
    expect(first.status).toBe(202);
    const started = (await first.json()) as { workflowId: string; started: boolean };
    expect(started).toMatchObject({
      started: true,
      workflowId: expect.stringMatching(/^ml-retrain-key-[0-9a-f]{32}$/) as unknown,
    });
    const again = (await (await api('/api/v1/ml/model/retrain', { method: 'POST', body, headers })).json()) as {
      workflowId: string;
      started: boolean;
    };
    expect(again).toEqual({ workflowId: started.workflowId, started: false });

    const result: ModelRetrainStatus = await client.workflow.getHandle(started.workflowId).result();
    expect(result.outcome).toMatchObject({ outcome: 'promoted' });
    expect(result.decisions!.map((d) => [d.model, d.challenger - d.champion!])).toEqual(
      result.decisions!.map((d) => [d.model, 0]),
    );

    const prediction = (await (
      await api('/api/v1/ml/predict', { method: 'POST', body: JSON.stringify(validLead) })
    ).json()) as {
      conversion: { version: string };
    };
    expect(prediction.conversion.version).toBe(result.version);
    const info = (await (await api('/api/v1/ml/model/info')).json()) as { models: { version: string }[] };
    expect(info.models.every((m) => m.version === result.version)).toBe(true);
    const retrains = (await (await api('/api/v1/ml/model/retrains')).json()) as {
      retrains: { id: string; status: string }[];
      versions: { status: string }[];
    };
    expect(retrains.retrains[0]).toMatchObject({ id: started.workflowId, status: 'promoted' });
    expect(retrains.versions.filter((v) => v.status === 'retired')).toHaveLength(5);
  });

  // One retrain of the default size: ~20 s on an idle 2-core machine, several times that on a busy one.
  it('the Schedule starts a retrain on its own', { timeout: 240_000 }, async () => {
    // The Schedule start created, unchanged but for its times: every 5 s instead of weekly, until it
    // has fired once. Nothing here starts the workflow or triggers the Schedule.
    const schedule = client.schedule.getHandle(RETRAIN_SCHEDULE_ID);
    let weekly: ScheduleSpec | undefined;
    await schedule.update((previous) => {
      weekly = previous.spec;
      return { ...previous, spec: { intervals: [{ every: '5 seconds' }] } };
    });
    const backToWeekly = () => schedule.update((previous) => ({ ...previous, spec: weekly! }));
    onTestFinished(backToWeekly);
    await expect
      .poll(async () => (await schedule.describe()).info.recentActions.length, { timeout: 60_000, interval: 500 })
      .toBeGreaterThan(0);
    // Weekly again while the first run still goes (overlap SKIP holds back the next 5-s tick meanwhile).
    await backToWeekly();
    const fired = (await schedule.describe()).info.recentActions;
    expect(fired).toHaveLength(1);
    const { workflowId } = fired[0]!.action.workflow;

    const result: ModelRetrainStatus = await client.workflow.getHandle(workflowId).result();
    expect(result.outcome!.outcome).toMatch(/^(promoted|rejected)$/);
    const rows = (await sql.query(`select id, status from ml_retrains where trigger = 'schedule'`)).rows as {
      id: string;
      status: string;
    }[];
    expect(rows).toEqual([{ id: workflowId, status: result.outcome!.outcome }]);
  });
});
