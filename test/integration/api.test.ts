// The real API over HTTP against a real dev server, Postgres and worker.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { reconcileLeadWorkflows } from '../../api/lead-reconciler';
import { createDb } from '../../db/connection';
import { temporalCliPath } from '../../temporal/binaries';
import { connectClient } from '../../temporal/client';
import { testLogger } from '../helpers/logger';
import { startTestSystem, type TestSystem } from '../helpers/system';

const run = promisify(execFile);

const lead = (overrides: Record<string, unknown> = {}) => ({
  firstName: 'Ann',
  lastName: 'Lee',
  phone: `248555${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`,
  address: { street: '1 Main St', city: 'Troy', state: 'MI', zip: '48083' },
  source: 'website',
  property: { roofAge: 22, damageSeverity: 'moderate' },
  signals: { intent: 'requested_quote', websiteVisits48h: 3 },
  ...overrides,
});

describe('HTTP API', () => {
  let sys: TestSystem;
  let sql: pg.Client;
  const api = (path: string, init: RequestInit & { key?: string | null } = {}) => {
    const { key = sys.crmKey, headers, ...rest } = init;
    return fetch(`${sys.apiUrl}${path}`, {
      ...rest,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), 'content-type': 'application/json', ...headers },
    });
  };
  const count = async (table: string) => Number((await sql.query(`select count(*) from ${table}`)).rows[0].count);

  beforeAll(async () => {
    sys = await startTestSystem();
    sql = new pg.Client({ connectionString: sys.databaseUrl });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await sys?.stop();
  });

  it('creates a lead, starts lead-<id>, and GET shows its temperature and live status', async () => {
    const res = await api('/api/v1/leads', { method: 'POST', body: JSON.stringify(lead()) });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { leadId: string; workflowId: string; deduplicated: boolean };
    expect(body.workflowId).toBe(`lead-${body.leadId}`);
    expect(body.deduplicated).toBe(false);
    expect(res.headers.get('location')).toBe(`/api/v1/leads/${body.leadId}`);

    await expect
      .poll(
        async () => {
          const lead = (await (await api(`/api/v1/leads/${body.leadId}`)).json()) as {
            temperature: string;
            stage: string;
          };
          return [lead.temperature, lead.stage];
        },
        { timeout: 20_000 },
      )
      // Scored at the assessment, assigned a moment later (the assignment's own transaction).
      .toEqual(['HOT', 'assigned']);
    const view = (await (await api(`/api/v1/leads/${body.leadId}`)).json()) as Record<string, unknown>;
    expect(view).toMatchObject({
      id: body.leadId,
      stage: 'assigned',
      temperature: 'HOT',
      temperatureScore: 100,
      contact: { firstName: 'Ann', lastName: 'Lee' },
      isVip: false,
      workflow: {
        workflowId: body.workflowId,
        status: 'RUNNING',
        live: { stage: 'assigned', temperature: { temperature: 'HOT' } },
      },
    });
    // A Troy lead goes to a Troy rep, with the HOT 2-minute SLA; the models could not score it
    // (intake did not give every feature) and the view says which were missing.
    const { assignment, prediction } = view as {
      assignment: { repId: string; slaDeadline: string };
      prediction: { missing: string[] };
    };
    expect(['rep-jane-doe', 'rep-sam-lee']).toContain(assignment.repId);
    expect(Date.parse(assignment.slaDeadline) - Date.parse(view.createdAt as string)).toBeLessThan(3 * 60_000);
    expect(prediction.missing).toEqual(expect.arrayContaining(['contactQuality', 'responseTimeMinutes']));
    expect((prediction as { clv?: { missing: string[] } }).clv!.missing).toEqual(
      expect.arrayContaining(['incomeEstimate', 'householdSize']),
    );
  });

  it('lists the workflow with its search attributes through the Temporal CLI', async () => {
    const res = await api('/api/v1/leads', { method: 'POST', body: JSON.stringify(lead({ source: 'realtor' })) });
    const { leadId } = (await res.json()) as { leadId: string };
    const list = async () => {
      const { stdout } = await run(temporalCliPath(), [
        'workflow',
        'list',
        '--address',
        sys.temporalAddress,
        '--output',
        'json',
        '--query',
        `LeadId = '${leadId}' AND LeadSource = 'realtor' AND Temperature = 'HOT' AND Stage = 'assigned' AND IsVip = true AND Territory = 'Troy'`,
      ]);
      return stdout;
    };
    await expect.poll(list, { timeout: 20_000, interval: 500 }).toContain(`lead-${leadId}`);
  });

  it('stores workflow inputs encrypted: the server holds ciphertext only', async () => {
    const res = await api('/api/v1/leads', {
      method: 'POST',
      body: JSON.stringify(
        lead({ address: { street: '9 Secret Lane', city: 'Birmingham', state: 'MI', zip: '48009' } }),
      ),
    });
    const { workflowId } = (await res.json()) as { workflowId: string };
    const { stdout } = await run(temporalCliPath(), [
      'workflow',
      'show',
      '--address',
      sys.temporalAddress,
      '-w',
      workflowId,
      '--output',
      'json',
    ]);
    const started = JSON.parse(stdout).events[0].workflowExecutionStartedEventAttributes;
    const payload = started.input.payloads[0];
    expect(Buffer.from(payload.metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(payload.data, 'base64').toString('latin1')).not.toContain('Birmingham');
    expect(stdout).not.toContain(Buffer.from('Birmingham').toString('base64').slice(0, 12));
  });

  it('makes one lead and one workflow from the same request sent twice (Idempotency-Key)', async () => {
    const body = JSON.stringify(lead());
    const headers = { 'idempotency-key': `key-${Date.now()}` };
    const before = await count('leads');
    const [a, b] = await Promise.all([
      api('/api/v1/leads', { method: 'POST', body, headers }),
      api('/api/v1/leads', { method: 'POST', body, headers }),
    ]);
    const [ja, jb] = (await Promise.all([a.json(), b.json()])) as { leadId: string; deduplicated: boolean }[];
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(ja!.leadId).toBe(jb!.leadId);
    expect([ja!.deduplicated, jb!.deduplicated].sort()).toEqual([false, true]);
    expect(await count('leads')).toBe(before + 1);

    const reused = await api('/api/v1/leads', { method: 'POST', body: JSON.stringify(lead()), headers });
    expect(reused.status).toBe(409);
  });

  it('makes one lead from the same phone within 24 h, even without a key', async () => {
    const first = lead();
    const a = (await (await api('/api/v1/leads', { method: 'POST', body: JSON.stringify(first) })).json()) as {
      leadId: string;
    };
    const b = (await (
      await api('/api/v1/leads', { method: 'POST', body: JSON.stringify({ ...first, firstName: 'Annie' }) })
    ).json()) as {
      leadId: string;
      deduplicated: boolean;
    };
    expect(b).toMatchObject({ leadId: a.leadId, deduplicated: true });
    const { stdout } = await run(temporalCliPath(), [
      'workflow',
      'count',
      '--address',
      sys.temporalAddress,
      '--query',
      `WorkflowId = 'lead-${a.leadId}'`,
    ]);
    expect(stdout).toMatch(/Total: 1/);
  });

  it('answers bad input with problem+json and changes nothing', async () => {
    const before = await count('leads');
    const malformed = await api('/api/v1/leads', { method: 'POST', body: '{"firstName": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toMatch(/application\/problem\+json/);

    const invalid = await api('/api/v1/leads', {
      method: 'POST',
      body: JSON.stringify(
        lead({
          phone: 'call me',
          address: { street: '', city: 'Troy', state: 'Michigan', zip: '1' },
          property: { roofAge: 500 },
        }),
      ),
    });
    expect(invalid.status).toBe(422);
    const problem = (await invalid.json()) as { errors: { path: string }[]; status: number; title: string };
    expect(problem.errors.map((e) => e.path).sort()).toEqual([
      'address.state',
      'address.street',
      'address.zip',
      'phone',
      'property.roofAge',
    ]);
    expect(JSON.stringify(problem)).not.toMatch(/at .*\.ts:\d+/);

    const badKey = await api('/api/v1/leads', {
      method: 'POST',
      body: JSON.stringify(lead()),
      headers: { 'idempotency-key': 'x'.repeat(300) },
    });
    expect(badKey.status).toBe(422);

    const wrongType = await api('/api/v1/leads', {
      method: 'POST',
      body: 'firstName=Ann',
      headers: { 'content-type': 'text/plain' },
    });
    expect(wrongType.status).toBe(415);
    expect(await count('leads')).toBe(before);
  });

  it('401 without or with a wrong key, 403 with the wrong role', async () => {
    expect((await api('/api/v1/leads/00000000-0000-0000-0000-000000000000', { key: null })).status).toBe(401);
    const wrong = await api('/api/v1/reps', { key: 'not-a-real-key-at-all' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer');
    expect((await api('/api/v1/reps')).status).toBe(403);
    const reps = await api('/api/v1/reps', { key: sys.opsKey });
    expect(reps.status).toBe(200);
    expect(((await reps.json()) as { items: { role: string }[] }).items.map((r) => r.role).sort()).toEqual([
      'manager',
      'rep',
      'rep',
      'rep',
      'rep',
    ]);
  });

  it('404 for an unknown lead and an unknown route', async () => {
    expect((await api('/api/v1/leads/7b4a3f0e-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await api('/api/v1/leads/not-a-uuid')).status).toBe(404);
    const route = await api('/api/v1/nothing-here');
    expect(route.status).toBe(404);
    expect(route.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('serves health, readiness, the OpenAPI document and the docs page', async () => {
    expect((await fetch(`${sys.apiUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${sys.apiUrl}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', temporal: 'ok' } });
    const doc = (await (await fetch(`${sys.apiUrl}/api/v1/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/leads', '/api/v1/leads/{id}', '/api/v1/reps']),
    );
    const docs = await fetch(`${sys.apiUrl}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui');
  });

  it("decodes payloads for the Web UI's origin only", async () => {
    const { stdout } = await run(temporalCliPath(), [
      'workflow',
      'list',
      '--address',
      sys.temporalAddress,
      '--output',
      'json',
      '--limit',
      '1',
    ]);
    const workflowId = JSON.parse(stdout)[0].execution.workflowId as string;
    const history = JSON.parse(
      (
        await run(temporalCliPath(), [
          'workflow',
          'show',
          '--address',
          sys.temporalAddress,
          '-w',
          workflowId,
          '--output',
          'json',
        ])
      ).stdout,
    );
    const encrypted = history.events[0].workflowExecutionStartedEventAttributes.input.payloads;
    const uiOrigin = `http://localhost:${sys.config.TEMPORAL_UI_PORT}`;

    const preflight = await fetch(`${sys.codecUrl}/decode`, {
      method: 'OPTIONS',
      headers: { origin: uiOrigin, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(uiOrigin);

    // The exact call the Web UI 2.54 makes (seen from a browser session against `make start`).
    const decoded = await fetch(`${sys.codecUrl}/decode?preserveStorageRefs=true`, {
      method: 'POST',
      headers: { origin: uiOrigin, 'content-type': 'application/json', 'x-namespace': 'default' },
      body: JSON.stringify({ payloads: encrypted }),
    });
    expect(decoded.status).toBe(200);
    const plain = ((await decoded.json()) as { payloads: { metadata: Record<string, string>; data: string }[] })
      .payloads[0]!;
    expect(Buffer.from(plain.metadata.encoding!, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(plain.data, 'base64').toString())).toHaveProperty('leadId');

    const foreign = await fetch(`${sys.codecUrl}/decode`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
      body: JSON.stringify({ payloads: encrypted }),
    });
    expect(foreign.status).toBe(403);
  });

  it('starts the workflow of a lead stored while Temporal was unreachable (reconciler)', async () => {
    const posted = (await (await api('/api/v1/leads', { method: 'POST', body: JSON.stringify(lead()) })).json()) as {
      leadId: string;
    };
    // Make a copy of that lead as if its POST had died after the insert, a minute ago.
    const orphanId = '0d3f6a52-1c1b-4c55-9a37-5b8e2f1d9c01';
    const contactId = '0d3f6a52-1c1b-4c55-9a37-5b8e2f1d9c02';
    await sql.query(
      `insert into contacts (id, first_name, last_name, email) values ($1, 'Orphan', 'Lead', 'orphan@example.com')`,
      [contactId],
    );
    await sql.query(
      `insert into leads (id, contact_id, source, street, city, state, zip, workflow_id, request_hash, created_at)
       select $1::uuid, $2::uuid, source, street, city, state, zip, 'lead-' || $1, 'x', now() - interval '1 minute'
       from leads where id = $3`,
      [orphanId, contactId, posted.leadId],
    );
    const db = createDb(sys.databaseUrl, 1);
    const client = await connectClient({
      address: sys.temporalAddress,
      namespace: 'default',
      payloadKeys: sys.secrets.payloadKeys,
    });
    try {
      expect(
        await reconcileLeadWorkflows({ db, client, taskQueue: sys.config.TEMPORAL_TASK_QUEUE, logger: testLogger }),
      ).toBe(1);
      expect(
        await reconcileLeadWorkflows({ db, client, taskQueue: sys.config.TEMPORAL_TASK_QUEUE, logger: testLogger }),
      ).toBe(0);
      await expect
        .poll(async () => ((await (await api(`/api/v1/leads/${orphanId}`)).json()) as { stage: string }).stage, {
          timeout: 20_000,
        })
        .toBe('assigned');
    } finally {
      await client.connection.close();
      await db.destroy();
    }
  });
});
