// Postgres or Temporal unreachable: a 503 problem with Retry-After, never a 500 or a stack trace.
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelStore } from '../../activities/ml/model-store';
import { createApp } from '../../api/app';
import { createDb } from '../../db/connection';
import { testLogger } from '../helpers/logger';
import { freePort } from '../helpers/ports';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';

const KEY = 'k'.repeat(32);
const body = JSON.stringify({
  firstName: 'Ann',
  lastName: 'Lee',
  email: 'ann@example.com',
  address: { street: '1 Main St', city: 'Troy', state: 'MI', zip: '48083' },
  source: 'website',
});

async function serve(app: ReturnType<typeof createApp>): Promise<{ url: string; server: Server }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server }),
    );
  });
}

const modelStore = new ModelStore();

describe('dependencies unreachable', () => {
  let pg: TestPostgres;
  let deadTemporal: Client;
  beforeAll(async () => {
    pg = await startTestPostgres();
    const connection = await Connection.connect({
      address: `127.0.0.1:${await freePort()}`,
      connectTimeout: 500,
    }).catch(() => Connection.lazy({ address: `127.0.0.1:1`, connectTimeout: 500 }));
    deadTemporal = new Client({ connection });
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('Postgres down: 503 with Retry-After on POST, and /readyz says which check failed', async () => {
    const db = createDb(`postgres://nobody:x@127.0.0.1:${await freePort()}/none`, 1);
    const { url, server } = await serve(
      createApp({
        db,
        client: deadTemporal,
        logger: testLogger,
        apiKeys: [{ key: KEY, role: 'crm' }],
        taskQueue: 'q',
        dedupeWindowHours: 24,
        temporalTimeoutMs: 1000,
        modelStore,
        promotionMargin: 0.005,
      }),
    );
    try {
      const res = await fetch(`${url}/api/v1/leads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body,
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      expect(await res.text()).not.toMatch(/ECONNREFUSED|\.ts:\d+/);
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(503);
      const checks = ((await ready.json()) as { checks: Record<string, string> }).checks;
      expect(checks.postgres).toMatch(/^unreachable/);
      expect(checks.temporal).toMatch(/^unreachable/);
    } finally {
      server.close();
      await db.destroy();
    }
  });

  it('Temporal down: 503 on POST and GET, and a retried POST finds the stored lead instead of adding one', async () => {
    const { url, server } = await serve(
      createApp({
        db: pg.db,
        client: deadTemporal,
        logger: testLogger,
        apiKeys: [{ key: KEY, role: 'crm' }],
        taskQueue: 'q',
        dedupeWindowHours: 24,
        temporalTimeoutMs: 1000,
        modelStore,
        promotionMargin: 0.005,
      }),
    );
    try {
      const headers = {
        authorization: `Bearer ${KEY}`,
        'content-type': 'application/json',
        'idempotency-key': 'retry-me',
      };
      const res = await fetch(`${url}/api/v1/leads`, { method: 'POST', headers, body });
      expect(res.status).toBe(503);
      const again = await fetch(`${url}/api/v1/leads`, { method: 'POST', headers, body });
      expect(again.status).toBe(503);
      const rows = await pg.db.selectFrom('leads').select('id').execute();
      expect(rows).toHaveLength(1);
      const get = await fetch(`${url}/api/v1/leads/${rows[0]!.id}`, { headers });
      expect(get.status).toBe(503);
    } finally {
      server.close();
    }
  });
});
