// Follow-up cadences over the real system (dev server, Postgres, worker, API; the demo team is on
// call around the clock; the local messaging providers record to Postgres): marking a lead
// contacted starts its cadence, whose plan the API shows; engagement reaches it; an ops hold on
// the rep pauses it and its release resumes it; the A/B report counts a touch and its open for
// the lead's variant; closing the lead ends it.
// Each test makes the lead (and hold) it needs and releases its holds: any one runs alone.
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createGateway } from '../../activities/messaging/gateway';
import { localProvider } from '../../activities/messaging/providers/local';
import { createDb } from '../../db/connection';
import { findCadence, recordTouch } from '../../db/repositories/cadences';
import type { Database } from '../../db/schema';
import { connectClient } from '../../temporal/client';
import { cadenceStatusQuery } from '../../workflows/cadence/messages';
import { SLAS_THAT_DO_NOT_LAPSE, startTestSystem, type TestSystem } from '../helpers/system';

interface CadenceView {
  workflowId: string;
  definition: string;
  repId: string | null;
  startedAt: string;
  endedAt: string | null;
  endReason: string | null;
  touches: number;
  paused: boolean;
  pausedBecause: string | null;
  next: { channel: string; at: string; mode: string; step: string; variant: string; because: string } | null;
  blockedChannels: string[];
}
interface Hold {
  id: string;
  scope: string;
  target: string;
  reason: string;
  createdBy: string | null;
  createdAt: string;
}
interface VariantRow {
  definition: string;
  step: string;
  variant: string;
  touches: number;
  leads: number;
  opened: number;
  clicked: number;
  replied: number;
  won: number;
  openRate: number;
  clickRate: number;
  replyRate: number;
  winRate: number;
}
const DAY = 86_400_000;

describe('cadence API', () => {
  let sys: TestSystem;
  let client: Client;
  let db: Kysely<Database>;
  const api = (path: string, init: RequestInit & { key?: string } = {}) => {
    const { key = sys.crmKey, headers, ...rest } = init;
    return fetch(`${sys.apiUrl}${path}`, {
      ...rest,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    });
  };
  const post = (path: string, body: unknown, key?: string) =>
    api(path, { method: 'POST', body: JSON.stringify(body), key });
  const leadView = async (id: string) =>
    (await (await api(`/api/v1/leads/${id}`)).json()) as { stage: string; assignment: { repId: string } | null };
  const cadenceOf = async (id: string) => {
    const res = await api(`/api/v1/leads/${id}/cadence`);
    return { status: res.status, body: res.status === 200 ? ((await res.json()) as CadenceView) : undefined };
  };
  let n = 0;
  async function assignedLead(): Promise<{ id: string; repId: string }> {
    n += 1;
    const res = await post('/api/v1/leads', {
      firstName: 'Cade',
      lastName: `Test${n}`,
      email: `cade${n}-${Date.now()}@example.com`,
      address: { street: `${n} Cadence Ct`, city: 'Troy', state: 'MI', zip: '48083' },
      source: 'website',
      signals: { intent: 'requested_appointment', websiteVisits48h: 4 },
    });
    expect(res.status).toBe(202);
    const { leadId } = (await res.json()) as { leadId: string };
    await expect.poll(async () => (await leadView(leadId)).stage, { timeout: 20_000 }).toBe('assigned');
    return { id: leadId, repId: (await leadView(leadId)).assignment!.repId };
  }
  /** A lead its rep accepted and contacted: its cadence has begun and planned its next touch. */
  async function leadInCadence(): Promise<{ id: string; repId: string }> {
    const lead = await assignedLead();
    expect((await post(`/api/v1/leads/${lead.id}/accept`, { repId: lead.repId })).status).toBe(200);
    expect((await post(`/api/v1/leads/${lead.id}/contacted`, { repId: lead.repId })).status).toBe(200);
    await expect
      .poll(async () => (await cadenceOf(lead.id)).body?.next ?? null, { timeout: 20_000, interval: 500 })
      .not.toBeNull();
    return lead;
  }
  const holds = async () =>
    ((await (await api('/api/v1/cadences/holds', { key: sys.opsKey })).json()) as { holds: Hold[] }).holds;
  /** Holds `repId`'s cadences; released when the test ends, however it ends, so no other test sees it. */
  async function holdRep(repId: string, reason = 'vacation') {
    const res = await post('/api/v1/cadences/holds', { scope: 'rep', target: repId, reason }, sys.opsKey);
    const held = (await res.json()) as { id: string; created: boolean; paused: number };
    if (held.id)
      onTestFinished(
        async () => void (await api(`/api/v1/cadences/holds/${held.id}`, { method: 'DELETE', key: sys.opsKey })),
      );
    return { res, held };
  }

  beforeAll(async () => {
    // SLAs that cannot lapse: a lead must still be its rep's when the test accepts it.
    sys = await startTestSystem(SLAS_THAT_DO_NOT_LAPSE);
    client = await connectClient({
      address: sys.temporalAddress,
      namespace: sys.config.TEMPORAL_NAMESPACE,
      payloadKeys: sys.secrets.payloadKeys,
    });
    db = createDb(sys.databaseUrl, 2);
  });
  afterAll(async () => {
    await db?.destroy();
    await client?.connection.close();
    await sys?.stop();
  });

  it('a lead never contacted has no cadence; an unknown lead is 404', async () => {
    const quiet = await assignedLead();
    const res = await api(`/api/v1/leads/${quiet.id}/cadence`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    expect((await api('/api/v1/leads/00000000-0000-4000-8000-000000000000/cadence')).status).toBe(404);
    expect((await api('/api/v1/leads/not-a-uuid/cadence')).status).toBe(404);
    expect(
      (await post('/api/v1/leads/00000000-0000-4000-8000-000000000000/cadence/engagement', { kind: 'website_visit' }))
        .status,
    ).toBe(404);
  });

  it('marking the lead contacted starts its cadence: the next touch is the day-1 email, held by the rep', async () => {
    const lead = await assignedLead();
    expect((await post(`/api/v1/leads/${lead.id}/accept`, { repId: lead.repId })).status).toBe(200);
    expect((await post(`/api/v1/leads/${lead.id}/contacted`, { repId: lead.repId })).status).toBe(200);
    const contactedAt = Date.now();

    await expect
      .poll(async () => (await cadenceOf(lead.id)).body?.next ?? null, { timeout: 20_000, interval: 500 })
      .not.toBeNull();
    const cadence = (await cadenceOf(lead.id)).body!;
    expect(cadence).toMatchObject({
      workflowId: `cadence-${lead.id}`,
      definition: 'standard',
      repId: lead.repId,
      endedAt: null,
      endReason: null,
      touches: 0,
      paused: false,
      pausedBecause: null,
      blockedChannels: [],
    });
    expect(cadence.next).toMatchObject({ channel: 'email', step: 'day-1', mode: 'ADJUST' });
    expect(['A', 'B']).toContain(cadence.next!.variant);
    expect(cadence.next!.because).toMatch(/day 1: email/);
    // A day after the cadence began (which was after the lead was created and before now).
    const at = Date.parse(cadence.next!.at);
    expect(Math.abs(at - (Date.parse(cadence.startedAt) + DAY))).toBeLessThan(10_000);
    expect(at).toBeGreaterThan(contactedAt + DAY - 60_000);
    expect(at).toBeLessThan(Date.now() + DAY);
    // The ops key may read it too.
    expect((await api(`/api/v1/leads/${lead.id}/cadence`, { key: sys.opsKey })).status).toBe(200);
  });

  it('engagement the webhooks do not see reaches the cadence; a bad kind is 422', async () => {
    const lead = await leadInCadence();
    const res = await post(`/api/v1/leads/${lead.id}/cadence/engagement`, { kind: 'website_visit' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: true, kind: 'website_visit' });
    await expect
      .poll(
        async () =>
          (await client.workflow.getHandle(`cadence-${lead.id}`).query(cadenceStatusQuery)).events.map((e) => e.kind),
        { timeout: 10_000 },
      )
      .toContain('website_visit');

    const bad = await post(`/api/v1/leads/${lead.id}/cadence/engagement`, { kind: 'sent_flowers' });
    expect(bad.status).toBe(422);
    expect(bad.headers.get('content-type')).toMatch(/problem\+json/);
    expect(
      (await post(`/api/v1/leads/${lead.id}/cadence/engagement`, { kind: 'website_visit', extra: 1 })).status,
    ).toBe(422);
  });

  it('holds are for ops only, the variant report for crm and ops (README); no key is 401', async () => {
    const lead = await leadInCadence();
    // crm may not list, place or release holds.
    expect((await api('/api/v1/cadences/holds')).status).toBe(403);
    const forbidden = await post('/api/v1/cadences/holds', { scope: 'rep', target: lead.repId, reason: 'vacation' });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('content-type')).toMatch(/problem\+json/);
    expect(
      (await api('/api/v1/cadences/holds/00000000-0000-4000-8000-000000000000', { method: 'DELETE' })).status,
    ).toBe(403);
    // ops may; nothing was held by the refused request.
    const opsList = await api('/api/v1/cadences/holds', { key: sys.opsKey });
    expect(opsList.status).toBe(200);
    expect(((await opsList.json()) as { holds: Hold[] }).holds).toEqual([]);
    expect((await cadenceOf(lead.id)).body!.paused).toBe(false);
    // The variant report: both roles.
    expect((await api('/api/v1/cadences/variants')).status).toBe(200);
    expect((await api('/api/v1/cadences/variants', { key: sys.opsKey })).status).toBe(200);
    // Without a key (or with an unknown one), neither.
    for (const path of ['/api/v1/cadences/holds', '/api/v1/cadences/variants']) {
      expect((await fetch(`${sys.apiUrl}${path}`)).status).toBe(401);
      expect((await api(path, { key: 'not-a-key-of-anyone-0123456789' })).status).toBe(401);
    }
  });

  it("a hold on the rep pauses the rep's cadences at once; holding again returns the same hold", async () => {
    const lead = await leadInCadence();
    expect(
      (await post('/api/v1/cadences/holds', { scope: 'definition', target: 'nope', reason: 'holiday' }, sys.opsKey))
        .status,
    ).toBe(422);
    const unknownRep = await post(
      '/api/v1/cadences/holds',
      { scope: 'rep', target: 'rep-nobody', reason: 'vacation' },
      sys.opsKey,
    );
    expect(unknownRep.status).toBe(404);
    expect(unknownRep.headers.get('content-type')).toMatch(/problem\+json/);
    expect(
      (
        await post(
          '/api/v1/cadences/holds',
          { scope: 'lead', target: '00000000-0000-4000-8000-000000000000', reason: 'quiet' },
          sys.opsKey,
        )
      ).status,
    ).toBe(404);
    expect(
      (await post('/api/v1/cadences/holds', { scope: 'team', target: lead.repId, reason: 'vacation' }, sys.opsKey))
        .status,
    ).toBe(422);
    expect(
      (await post('/api/v1/cadences/holds', { scope: 'rep', target: lead.repId, reason: 'x' }, sys.opsKey)).status,
    ).toBe(422);
    expect(await holds()).toEqual([]);

    const { res, held } = await holdRep(lead.repId);
    expect(res.status).toBe(201);
    expect(held).toMatchObject({ scope: 'rep', target: lead.repId, reason: 'vacation', created: true });
    expect(held.paused).toBeGreaterThanOrEqual(1);
    expect(res.headers.get('location')).toBe(`/api/v1/cadences/holds/${held.id}`);
    const holdId = held.id;

    await expect.poll(async () => (await cadenceOf(lead.id)).body!.paused, { timeout: 10_000 }).toBe(true);
    expect((await cadenceOf(lead.id)).body).toMatchObject({
      paused: true,
      pausedBecause: 'held (rep): vacation',
      endedAt: null,
    });

    const again = await post(
      '/api/v1/cadences/holds',
      { scope: 'rep', target: lead.repId, reason: 'vacation, again' },
      sys.opsKey,
    );
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ id: holdId, created: false, reason: 'vacation' });

    const list = await api('/api/v1/cadences/holds', { key: sys.opsKey });
    expect(list.status).toBe(200);
    const listed = ((await list.json()) as { holds: Hold[] }).holds;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      id: holdId,
      scope: 'rep',
      target: lead.repId,
      reason: 'vacation',
      createdBy: 'ops',
    });
    expect(Date.parse(listed[0]!.createdAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('releasing the hold resumes the cadence; releasing it again is 404', async () => {
    const lead = await leadInCadence();
    const { res: holding, held } = await holdRep(lead.repId);
    expect(holding.status).toBe(201);
    const holdId = held.id;
    await expect.poll(async () => (await cadenceOf(lead.id)).body!.paused, { timeout: 10_000 }).toBe(true);

    const res = await api(`/api/v1/cadences/holds/${holdId}`, { method: 'DELETE', key: sys.opsKey });
    expect(res.status).toBe(200);
    const released = (await res.json()) as { id: string; released: boolean; resumed: number };
    expect(released).toMatchObject({ id: holdId, released: true });
    expect(released.resumed).toBeGreaterThanOrEqual(1);

    await expect.poll(async () => (await cadenceOf(lead.id)).body!.paused, { timeout: 10_000 }).toBe(false);
    const cadence = (await cadenceOf(lead.id)).body!;
    expect(cadence).toMatchObject({ paused: false, pausedBecause: null, endedAt: null });
    // The plan is back, still the day-1 email (a short pause shifts it, it does not skip it).
    await expect.poll(async () => (await cadenceOf(lead.id)).body!.next?.step, { timeout: 10_000 }).toBe('day-1');

    const twice = await api(`/api/v1/cadences/holds/${holdId}`, { method: 'DELETE', key: sys.opsKey });
    expect(twice.status).toBe(404);
    expect(twice.headers.get('content-type')).toMatch(/problem\+json/);
    expect((await api('/api/v1/cadences/holds/not-a-uuid', { method: 'DELETE', key: sys.opsKey })).status).toBe(404);
    expect(await holds()).toEqual([]);
  });

  it('reports the A/B variants: nothing before the first touch, then the touch and its open for its variant; an unknown definition is 422', async () => {
    const report = async (query = '', key?: string) => {
      const res = await api(`/api/v1/cadences/variants${query}`, { key });
      expect(res.status).toBe(200);
      return ((await res.json()) as { variants: VariantRow[] }).variants;
    };
    // No cadence has touched anyone yet: an empty report, for either role and for the definition.
    expect(await report('', sys.crmKey)).toEqual([]);
    expect(await report('', sys.opsKey)).toEqual([]);
    expect(await report('?definition=standard')).toEqual([]);

    const lead = await leadInCadence();
    // The day-1 email, sent as the cadence sends it (the gateway, the local provider) and recorded as
    // its touch with the lead's variant. The dev server cannot skip the day the cadence waits for it.
    const run = (await findCadence(db, `cadence-${lead.id}`))!;
    const variant = (await cadenceOf(lead.id)).body!.next!.variant;
    const gateway = createGateway({
      db,
      providers: { email: localProvider('email', db) },
      caps: { perDay: 10, perWeek: 10 },
    });
    const sent = await gateway.send({
      idempotencyKey: `${run.id}:touch-1`,
      workflowId: run.workflow_id,
      contactId: run.contact_id,
      leadId: lead.id,
      channel: 'email',
      kind: 'marketing',
      subject: 'Your free roof inspection',
      text: 'When may we look at your roof?',
    });
    expect(sent.status).toBe('sent');
    const messageId = (sent as { messageId: string }).messageId;
    await recordTouch(db, {
      cadenceId: run.id,
      touchNo: 1,
      step: 'day-1',
      variant,
      channel: 'email',
      messageId,
      sentAt: new Date(),
    });
    const row = (counts: Partial<VariantRow>): VariantRow => ({
      definition: 'standard',
      step: 'day-1',
      variant,
      touches: 1,
      leads: 1,
      opened: 0,
      clicked: 0,
      replied: 0,
      won: 0,
      openRate: 0,
      clickRate: 0,
      replyRate: 0,
      winRate: 0,
      ...counts,
    });
    expect(await report()).toEqual([row({})]);

    // The recipient opens it: a signed SendGrid event, through the dev outbox, to the real webhook.
    const open = await fetch(`${sys.apiUrl}/dev/outbox/${messageId}/open`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sys.opsKey}` },
      redirect: 'manual',
    });
    expect(open.status).toBe(303);
    await expect.poll(() => report('?definition=standard')).toEqual([row({ opened: 1, openRate: 1 })]);
    expect(await report('', sys.opsKey)).toEqual([row({ opened: 1, openRate: 1 })]);
    expect(await report('?definition=storm')).toEqual([]);

    const bad = await api('/api/v1/cadences/variants?definition=nope');
    expect(bad.status).toBe(422);
    expect(bad.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('closing the lead ends its cadence; engagement after the end is 409', async () => {
    const lead = await leadInCadence();
    expect((await post(`/api/v1/leads/${lead.id}/close`, { reason: 'lost' })).status).toBe(202);
    await expect.poll(async () => (await cadenceOf(lead.id)).body!.endedAt, { timeout: 20_000 }).not.toBeNull();
    const cadence = (await cadenceOf(lead.id)).body!;
    expect(cadence).toMatchObject({ endReason: 'lead lost', paused: false, next: null, touches: 0 });
    expect(Date.parse(cadence.endedAt!)).toBeGreaterThanOrEqual(Date.parse(cadence.startedAt));
    expect((await leadView(lead.id)).stage).toBe('lost');

    const late = await post(`/api/v1/leads/${lead.id}/cadence/engagement`, { kind: 'call_answered' });
    expect(late.status).toBe(409);
    expect(((await late.json()) as { detail: string }).detail).toBe('the cadence ended: lead lost');
  });
});
