// The fairness report (roadmap 4.4 B "Track lead quality distribution", issue 22 item 8) over HTTP
// on Postgres: per rep, the leads received in the last days with their temperature as received,
// VIPs, premium leads and expected value; older assignments and other roles' keys are left out,
// and bad input is a 422 problem.
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelStore } from '../../activities/ml/model-store';
import { createApp } from '../../api/app';
import { createLeadOnce } from '../../db/repositories/leads';
import { insertReps } from '../../db/repositories/reps';
import { testLogger } from '../helpers/logger';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';

const OPS = 'fairness-ops-key-0123456789abcdef';
const CRM = 'fairness-crm-key-0123456789abcdef';
const DAY = 86_400_000;

describe('GET /api/v1/reps/fairness', () => {
  let pg: TestPostgres;
  let server: Server;
  let base: string;
  const get = (query: string, key = OPS) =>
    fetch(`${base}/api/v1/reps/fairness${query}`, { headers: { authorization: `Bearer ${key}` } });
  let n = 0;
  /** A lead assigned to `repId` `daysAgo` days ago, with its quality as received. */
  async function received(
    repId: string,
    daysAgo: number,
    q: { temperature?: string; isVip?: boolean; premium?: boolean; value?: number } = {},
  ) {
    n += 1;
    const { lead } = await createLeadOnce(
      pg.db,
      {
        firstName: 'Fay',
        lastName: `R${n}`,
        email: `fay${n}@example.com`,
        source: 'website',
        address: { street: `${n} Main St`, city: 'Troy', state: 'MI', zip: '48083' },
        property: {},
        signals: {},
      },
      { requestHash: `fay${n}`, dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
    );
    const at = new Date(Date.now() - daysAgo * DAY);
    await pg.db
      .insertInto('lead_assignments')
      .values({
        lead_id: lead.id,
        attempt: 1,
        rep_id: repId,
        status: 'ended',
        assigned_at: at,
        sla_deadline: at,
        temperature: q.temperature ?? null,
        is_vip: q.isVip ?? false,
        premium: q.premium ?? false,
        value: q.value ?? null,
      })
      .execute();
    return lead.id;
  }

  beforeAll(async () => {
    pg = await startTestPostgres();
    const rep = (id: string, tier: string) => ({
      id,
      name: id,
      email: `${id}@x.example`,
      territories: ['Troy'],
      skills: ['residential'],
      languages: ['English'],
      performance_tier: tier,
    });
    await insertReps(pg.db, [rep('ann', 'top'), rep('ben', 'standard'), rep('cal', 'new_hire')]);
    await received('ann', 1, { temperature: 'HOT', isVip: true, premium: true, value: 52_000 });
    await received('ann', 2, { temperature: 'WARM', value: 18_000 });
    await received('ann', 40, { temperature: 'HOT', premium: true }); // outside 30 days
    await received('ben', 3, { temperature: 'COLD' });
    await received('ben', 4, { temperature: 'HOT', premium: true, value: 30_000 });
    // Assigned before 0018 recorded the quality: the lead as it is now.
    const old = await received('ben', 5);
    await pg.db
      .updateTable('lead_assignments')
      .set({ temperature: null, is_vip: null, premium: null })
      .where('lead_id', '=', old)
      .execute();
    await pg.db.updateTable('leads').set({ temperature: 'WARM', is_vip: true }).where('id', '=', old).execute();
    const app = createApp({
      db: pg.db,
      client: {} as Client,
      logger: testLogger,
      apiKeys: [
        { key: OPS, role: 'ops' },
        { key: CRM, role: 'crm' },
      ],
      taskQueue: 'q',
      dedupeWindowHours: 24,
      temporalTimeoutMs: 1000,
      modelStore: new ModelStore(),
      promotionMargin: 0.005,
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    server?.close();
    await pg?.stop();
  });

  it('shows each rep’s leads of the last 30 days by temperature, VIP, premium and value', async () => {
    const res = await get('');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { days: number; items: Record<string, unknown>[] };
    expect(body.days).toBe(30);
    expect(body.items).toEqual([
      {
        repId: 'ann',
        name: 'ann',
        performanceTier: 'top',
        active: true,
        weight: 1.3,
        leads: 2,
        share: 0.4,
        temperature: { HOT: 1, WARM: 1, COLD: 0, unscored: 0 },
        vip: 1,
        premium: 1,
        premiumShare: 0.3333,
        value: { known: 2, total: 70_000, average: 35_000 },
      },
      {
        repId: 'ben',
        name: 'ben',
        performanceTier: 'standard',
        active: true,
        weight: 1,
        leads: 3,
        share: 0.6,
        temperature: { HOT: 1, WARM: 1, COLD: 1, unscored: 0 },
        vip: 1,
        premium: 2,
        premiumShare: 0.6667,
        value: { known: 1, total: 30_000, average: 30_000 },
      },
      {
        repId: 'cal',
        name: 'cal',
        performanceTier: 'new_hire',
        active: true,
        weight: 0.5,
        leads: 0,
        share: 0,
        temperature: { HOT: 0, WARM: 0, COLD: 0, unscored: 0 },
        vip: 0,
        premium: 0,
        premiumShare: 0,
        value: { known: 0, total: 0, average: null },
      },
    ]);
    // A longer window takes in ann's older HOT lead.
    const longer = (await (await get('?days=60')).json()) as { items: { repId: string; leads: number }[] };
    expect(longer.items.find((r) => r.repId === 'ann')!.leads).toBe(3);
  });

  it('bad input is a 422 problem; the crm role may not read it', async () => {
    for (const query of ['?days=0', '?days=366', '?days=thirty', '?days=1.5', '?days=7&since=x']) {
      const res = await get(query);
      expect(res.status, query).toBe(422);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect((await get('', CRM)).status).toBe(403);
  });

  it('a new hire’s training period ends on a date ops set (YYYY-MM-DD)', async () => {
    const patch = (body: unknown) =>
      fetch(`${base}/api/v1/reps/cal`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${OPS}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const res = await patch({ trainingEndsOn: '2027-01-31' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { trainingEndsOn: string }).trainingEndsOn).toBe('2027-01-31');
    expect((await patch({ trainingEndsOn: '31/01/2027' })).status).toBe(422);
    expect(((await (await patch({ trainingEndsOn: null })).json()) as { trainingEndsOn: null }).trainingEndsOn).toBe(
      null,
    );
  });
});
