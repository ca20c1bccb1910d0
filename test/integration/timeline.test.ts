// The unified timeline over HTTP: a sent message appears once, reps log calls and visits (once per
// client key), and paging walks the whole history newest first without gaps or repeats.
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../activities/messaging/gateway';
import { localProvider } from '../../activities/messaging/providers/local';
import { ModelStore } from '../../activities/ml/model-store';
import { createApp } from '../../api/app';
import { createLeadOnce } from '../../db/repositories/leads';
import { consentOf } from '../../db/repositories/messages';
import { seedDemoData } from '../../db/seed';
import { testLogger } from '../helpers/logger';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';

const KEY = 'timeline-test-key-0123456789abcdef';

describe('customer timeline', () => {
  let pg: TestPostgres;
  let server: Server;
  let base: string;
  let customer: string;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${base}/api/v1${path}`, {
      ...init,
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...init.headers },
    });
  const log = (body: unknown) =>
    api(`/customers/${customer}/interactions`, { method: 'POST', body: JSON.stringify(body) });

  beforeAll(async () => {
    pg = await startTestPostgres();
    await seedDemoData(pg.db, testLogger);
    const { lead } = await createLeadOnce(
      pg.db,
      {
        firstName: 'Tia',
        lastName: 'Line',
        email: 'tia@example.com',
        source: 'website',
        address: { street: '7 Main St', city: 'Troy', state: 'MI', zip: '48083' },
        property: {},
        signals: {},
      },
      { requestHash: 't', dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
    );
    customer = lead.contact_id;
    const gateway = createGateway({
      db: pg.db,
      providers: { email: localProvider('email', pg.db) },
      caps: { perDay: 10, perWeek: 10 },
    });
    const request = {
      idempotencyKey: 'journey-x:welcome',
      contactId: customer,
      leadId: lead.id,
      channel: 'email' as const,
      subject: 'Welcome to iSwitch Roofs',
      text: 'Welcome!',
    };
    await gateway.send(request, new Date('2026-01-01T15:00:00Z'));
    await gateway.send(request, new Date('2026-01-01T15:00:00Z')); // a retry: still one interaction
    const app = createApp({
      db: pg.db,
      client: {} as Client,
      logger: testLogger,
      apiKeys: [{ key: KEY, role: 'crm' }],
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

  it('validates what reps log, and stores a repeated client key once', async () => {
    expect((await log({ channel: 'call', direction: 'outbound' })).status).toBe(422);
    expect((await log({ channel: 'fax', direction: 'outbound', summary: 'x' })).status).toBe(422);
    expect((await log({ channel: 'call', direction: 'outbound', summary: 'Called', repId: 'rep-nobody' })).status).toBe(
      404,
    );
    expect((await api('/customers/00000000-0000-4000-8000-000000000000/timeline')).status).toBe(404);
    const call = {
      channel: 'call',
      direction: 'outbound',
      summary: 'Discussed the quote',
      durationSeconds: 420,
      outcome: 'answered',
      sentiment: 0.6,
      repId: 'rep-jane-doe',
      clientKey: 'phone-app-123',
      occurredAt: '2026-01-02T10:00:00Z',
    };
    const first = await log(call);
    expect(first.status).toBe(201);
    const again = await log(call);
    expect(((await again.json()) as { id: string }).id).toBe(((await first.json()) as { id: string }).id);
  });

  it('pages the whole timeline newest first, without gaps or repeats', async () => {
    for (let i = 0; i < 23; i++) {
      expect(
        (
          await log({
            channel: i % 2 ? 'visit' : 'note',
            direction: 'internal',
            summary: `Entry ${i}`,
            occurredAt: new Date(Date.UTC(2026, 1, 1 + i)).toISOString(),
          })
        ).status,
      ).toBe(201);
    }
    const seen: { id: string; occurredAt: string; summary: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await api(`/customers/${customer}/timeline?limit=10${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as {
        items: { id: string; occurredAt: string; summary: string }[];
        nextCursor: string | null;
      };
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(25); // 23 entries, the call, the welcome email once
    expect(new Set(seen.map((s) => s.id)).size).toBe(25);
    const times = seen.map((s) => Date.parse(s.occurredAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(seen[0]!.summary).toBe('Entry 22');
    expect(seen.filter((s) => s.summary === 'Welcome to iSwitch Roofs')).toHaveLength(1);
    expect((await api(`/customers/${customer}/timeline?cursor=garbage`)).status).toBe(422);
  });

  it('a call the customer answered is owed to their journey (it calls off the "no response" call); a voicemail is not', async () => {
    const owed = async (interactionId: string) =>
      pg.db
        .selectFrom('workflow_signals')
        .select(['workflow_id', 'signal', 'args'])
        .where('source', '=', `interaction:${interactionId}`)
        .execute();
    const answered = await log({
      channel: 'call',
      direction: 'outbound',
      summary: 'Quote questions',
      outcome: 'answered',
    });
    expect(answered.status).toBe(201);
    const a = (await answered.json()) as { id: string };
    expect(await owed(a.id)).toEqual([
      {
        workflow_id: `journey-${customer}`,
        signal: 'customerResponded',
        args: [{ kind: 'call', ref: `interaction-${a.id}` }],
      },
    ]);
    const voicemail = await log({
      channel: 'call',
      direction: 'outbound',
      summary: 'Left a message',
      outcome: 'voicemail',
    });
    expect(voicemail.status).toBe(201);
    expect(await owed(((await voicemail.json()) as { id: string }).id)).toEqual([]);
  });

  it('one-click unsubscribe (RFC 8058) opts the email address out; unknown links are 404', async () => {
    const message = await pg.db
      .selectFrom('messages')
      .select(['id', 'to_address'])
      .where('idempotency_key', '=', 'journey-x:welcome')
      .executeTakeFirstOrThrow();
    const pageRes = await fetch(`${base}/unsubscribe/${message.id}`);
    expect(pageRes.status).toBe(200);
    expect(await pageRes.text()).toContain('<button type="submit">Unsubscribe</button>');
    expect(await consentOf(pg.db, 'email', message.to_address)).toBe('subscribed');
    const res = await fetch(`${base}/unsubscribe/${message.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
    expect(await consentOf(pg.db, 'email', message.to_address)).toBe('opted_out');
    expect((await fetch(`${base}/unsubscribe/00000000-0000-4000-8000-000000000000`, { method: 'POST' })).status).toBe(
      404,
    );
    expect((await fetch(`${base}/unsubscribe/not-an-id`)).status).toBe(404);
  });
});
