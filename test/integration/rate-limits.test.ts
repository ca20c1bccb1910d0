// What one client may ask of the API (issue 14, item 7): requests a minute per API key, counted in
// Postgres so that replicas share the count; per address on the routes without a key; per provider
// on the webhooks; a 429 problem with Retry-After past each. Bodies are read up to their route's
// limit, and batch predictions run a few at a time (503 with Retry-After beyond).
import http, { type Server } from 'node:http';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelStore } from '../../activities/ml/model-store';
import { createApp, type ApiDeps } from '../../api/app';
import { createDb } from '../../db/connection';
import { seedDemoData } from '../../db/seed';
import { testLogger } from '../helpers/logger';
import { freePort } from '../helpers/ports';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';

const KEY = 'rate-limit-key-one-0123456789abcdef';
const OTHER_KEY = 'rate-limit-key-two-0123456789abcdef';
const sendgridKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();
const modelStore = new ModelStore();

describe('rate limits, body limits and the batch cap', () => {
  let pg: TestPostgres;
  const servers: Server[] = [];

  beforeAll(async () => {
    pg = await startTestPostgres();
    await seedDemoData(pg.db, testLogger);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    await pg?.stop();
  });

  /** An API process (one replica) on its own port. */
  async function serve(deps: Partial<ApiDeps>): Promise<string> {
    const app = createApp({
      db: pg.db,
      client: {} as Client, // no route here reaches Temporal
      logger: testLogger,
      apiKeys: [
        { key: KEY, role: 'ops' },
        { key: OTHER_KEY, role: 'ops' },
      ],
      taskQueue: 'unused',
      dedupeWindowHours: 24,
      temporalTimeoutMs: 1000,
      modelStore,
      promotionMargin: 0.005,
      webhooks: {
        secrets: { twilioAuthToken: 't'.repeat(32), sendgridPublicKeyPem: sendgridKey },
        publicBaseUrl: 'http://x',
      },
      ...deps,
    });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    servers.push(server);
    return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }
  const get = (base: string, path: string, key?: string) =>
    fetch(`${base}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

  async function expectTooMany(res: Response): Promise<void> {
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await res.json()).toMatchObject({ status: 429, title: 'Too many requests' });
  }

  it('counts each API key in Postgres across replicas: the sixth request of five a minute is a 429 with Retry-After', async () => {
    const limits = { store: 'postgres', perKeyPerMinute: 5, perIpPerMinute: 100, webhooksPerMinute: 100 } as const;
    const [replicaA, replicaB] = await Promise.all([serve({ rateLimits: limits }), serve({ rateLimits: limits })]);
    for (const base of [replicaA, replicaA, replicaA, replicaB, replicaB])
      expect((await get(base, '/api/v1/reps', KEY)).status).toBe(200);
    await expectTooMany(await get(replicaA, '/api/v1/reps', KEY));
    await expectTooMany(await get(replicaB, '/api/v1/reps', KEY));
    // Another key has its own allowance.
    expect((await get(replicaB, '/api/v1/reps', OTHER_KEY)).status).toBe(200);
    // Counted by a hash of the key: the key itself is never stored.
    const rows = await sql<{ key: string }>`select key from rate_limits`.execute(pg.db);
    expect(rows.rows.some((r) => r.key.startsWith('api-key:key:'))).toBe(true);
    expect(JSON.stringify(rows.rows)).not.toContain(KEY);
  });

  it('limits the routes without a key per address, and the webhooks per provider, each apart', async () => {
    const base = await serve({
      rateLimits: { store: 'postgres', perKeyPerMinute: 100, perIpPerMinute: 3, webhooksPerMinute: 2 },
    });
    expect((await get(base, '/api/v1/openapi.json')).status).toBe(200);
    expect((await get(base, `/unsubscribe/${randomUUID()}`)).status).toBe(404);
    expect((await get(base, '/api/v1/openapi.json')).status).toBe(200);
    await expectTooMany(await get(base, `/unsubscribe/${randomUUID()}`));
    // Counted before the signature check: unsigned requests are 401 until the provider's limit.
    const twilio = () =>
      fetch(`${base}/webhooks/twilio/sms`, { method: 'POST', body: new URLSearchParams({ From: '+1' }) });
    expect((await twilio()).status).toBe(401);
    expect((await twilio()).status).toBe(401);
    await expectTooMany(await twilio());
    const sendgrid = await fetch(`${base}/webhooks/sendgrid/events`, { method: 'POST', body: '[]' });
    expect(sendgrid.status).toBe(401);
    // Neither touches an API key's allowance.
    expect((await get(base, '/api/v1/reps', KEY)).status).toBe(200);
  });

  it('documents the 429 on every operation of the OpenAPI document, and the 413 on those with a body', async () => {
    type Op = { responses: Record<string, unknown>; requestBody?: unknown };
    const doc = (await (await get(await serve({}), '/api/v1/openapi.json')).json()) as {
      paths: Record<string, Record<string, Op>>;
    };
    for (const [path, operations] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(operations)) {
        expect(Object.keys(op.responses), `${method} ${path}`).toContain('429');
        if (op.requestBody) expect(Object.keys(op.responses), `${method} ${path}`).toContain('413');
      }
  });

  it('keeps limiting in memory while Postgres is unreachable, without failing a request', async () => {
    const deadDb = createDb(`postgres://nobody:x@127.0.0.1:${await freePort()}/none`, 1);
    try {
      const base = await serve({
        db: deadDb,
        rateLimits: { store: 'postgres', perKeyPerMinute: 100, perIpPerMinute: 2, webhooksPerMinute: 100 },
      });
      expect((await get(base, '/api/v1/openapi.json')).status).toBe(200);
      expect((await get(base, '/api/v1/openapi.json')).status).toBe(200);
      await expectTooMany(await get(base, '/api/v1/openapi.json'));
    } finally {
      await deadDb.destroy();
    }
  });

  it('reads each body up to its route’s limit: 413 problem+json past it, larger bodies where the route takes them', async () => {
    const base = await serve({});
    const post = (path: string, body: string) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body,
      });
    const padded = (bytes: number) => JSON.stringify({ notes: 'x'.repeat(bytes) });
    for (const [path, bytes] of [
      ['/api/v1/leads', 40_000],
      ['/api/v1/ml/predict', 20_000],
      [`/api/v1/leads/${randomUUID()}/close`, 20_000],
    ] as const) {
      const res = await post(path, padded(bytes));
      expect([path, res.status, res.headers.get('content-type')]).toEqual([
        path,
        413,
        expect.stringMatching(/^application\/problem\+json/),
      ]);
    }
    // An interaction's 20,000-character body, written as \u escapes, is 120 kB: read, then validated.
    const interaction = await post(
      `/api/v1/customers/${randomUUID()}/interactions`,
      JSON.stringify({
        channel: 'note',
        direction: 'internal',
        summary: 'long note',
        body: '\u00e9'.repeat(20_000),
      }).replace(/\u00e9/g, '\\u00e9'),
    );
    expect(interaction.status).toBe(404); // the customer does not exist; the body was not refused
  });

  it('runs batch predictions a few at a time: the next waits for a slot with 503 and Retry-After', async () => {
    const base = await serve({ mlBatchConcurrency: 1 });
    const url = new URL(`${base}/api/v1/ml/predict/batch`);
    // A batch whose body is still arriving holds the only slot.
    const held = http.request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'content-length': '1000000' },
    });
    held.on('error', () => undefined);
    held.write('{"leads":[');
    const batch = () =>
      fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: '{}',
      });
    try {
      await expect.poll(async () => (await batch()).status).toBe(503);
      const refused = await batch();
      expect(refused.headers.get('retry-after')).toBe('2');
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      // Other routes are not held up.
      expect((await get(base, '/api/v1/ml/model/info', KEY)).status).toBe(200);
    } finally {
      held.destroy();
    }
    // The slot is freed when the client goes away.
    await expect.poll(async () => (await batch()).status).toBe(422);
  });
});
