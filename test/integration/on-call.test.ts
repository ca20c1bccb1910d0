// After hours and SLA deadlines on a real Postgres (issue 22 items 4-5): with the team in office hours
// and a lead at night, the assignment transaction reads the on-call rota — a manager on call takes it
// with the SLA from now; nobody on call: the first rep on shift, the SLA from their shift start, the
// row saying so; a retry answers the same; a lead started before after-hours routing still waits.
// The rota's endpoints (zod, problem+json) and the after-hours backlog over HTTP. A lead turning HOT
// brings its assignment's deadline forward, never back.
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelStore } from '../../activities/ml/model-store';
import { createApp } from '../../api/app';
import { assignLead, tightenSlaDeadline } from '../../db/repositories/assignments';
import { createLeadOnce } from '../../db/repositories/leads';
import { addOnCall } from '../../db/repositories/on-call';
import { insertReps } from '../../db/repositories/reps';
import type { NewRep } from '../../db/schema';
import { chooseRep } from '../../workflows/lead-intake/rules/choose-rep';
import { testLogger } from '../helpers/logger';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';

const KEY = 'on-call-test-key-0123456789abcdef';
const office = JSON.stringify(
  Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, ['08:00', '17:00']])),
);
const team: NewRep[] = [
  {
    id: 'mgr-pat',
    name: 'Pat Morgan',
    email: 'pat@x.example',
    territories: [],
    skills: [],
    languages: ['English'],
    performance_tier: 'standard',
    role: 'manager',
    working_hours: office,
  },
  ...['ann', 'ben'].map((n, i) => ({
    id: `rep-${n}`,
    name: `${n[0]!.toUpperCase()}${n.slice(1)} Rep`,
    email: `${n}@x.example`,
    territories: i === 0 ? ['Troy'] : ['Detroit'],
    skills: ['residential'],
    languages: ['English'],
    performance_tier: 'standard',
    manager_id: 'mgr-pat',
    working_hours: office,
  })),
];
// Tuesday 2026-11-24 02:00 in Detroit (UTC-5); the shift starts at 08:00 (13:00Z).
const NIGHT = new Date('2026-11-24T07:00:00Z');
const SHIFT_START = new Date('2026-11-24T13:00:00Z');
const MIN = 60_000;

describe('after hours on Postgres', () => {
  let pg: TestPostgres;
  let server: Server;
  let base: string;
  let n = 0;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${base}/api/v1${path}`, {
      ...init,
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...init.headers },
    });
  async function newLead(): Promise<string> {
    n += 1;
    const { lead } = await createLeadOnce(
      pg.db,
      {
        firstName: 'Nia',
        lastName: `Night${n}`,
        email: `nia${n}@example.com`,
        source: 'website',
        address: { street: `${n} Main St`, city: 'Troy', state: 'MI', zip: '48083' },
        property: {},
        signals: {},
      },
      { requestHash: `h${n}`, dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
    );
    return lead.id;
  }
  const assign = (leadId: string, at: Date, afterHours = true, attempt = 1) =>
    assignLead(
      pg.db,
      {
        leadId,
        attempt,
        at,
        slaDeadline: new Date(at.getTime() + 2 * MIN),
        notificationKey: `lead-${leadId}`,
        isVip: false,
        lead: { city: 'Troy', needs: ['residential'], isVip: false, excludeRepIds: [] },
        ...(afterHours && { afterHours: { slaMinutes: 2 } }),
      },
      chooseRep,
    );
  const assignmentRow = (leadId: string) =>
    pg.db.selectFrom('lead_assignments').selectAll().where('lead_id', '=', leadId).executeTakeFirstOrThrow();

  beforeAll(async () => {
    pg = await startTestPostgres();
    await insertReps(pg.db, team);
    const app = createApp({
      db: pg.db,
      client: {} as Client,
      logger: testLogger,
      apiKeys: [{ key: KEY, role: 'ops' }],
      taskQueue: 'q',
      dedupeWindowHours: 24,
      temporalTimeoutMs: 1000,
      modelStore: new ModelStore(),
      promotionMargin: 0.005,
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await pg?.stop();
  });

  it('before after-hours routing a lead at night waits (nobody on shift); since, it goes to the first rep on shift, SLA from the shift start', async () => {
    const old = await newLead();
    expect((await assign(old, NIGHT, false)).outcome).toBe('no_rep_available');

    const lead = await newLead();
    const result = await assign(lead, NIGHT);
    expect(result).toMatchObject({ outcome: 'assigned', repId: 'rep-ann' });
    expect(result.slaDeadline).toEqual(new Date(SHIFT_START.getTime() + 2 * MIN));
    expect(result.afterHours).toMatchObject({
      via: 'next_shift',
      slaStartsAt: SHIFT_START,
      timeZone: 'America/Detroit',
    });
    expect(result.afterHours!.contactId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await assignmentRow(lead)).toMatchObject({
      rep_id: 'rep-ann',
      after_hours: 'next_shift',
      sla_starts_at: SHIFT_START,
      sla_deadline: new Date(SHIFT_START.getTime() + 2 * MIN),
    });
    const leadRow = await pg.db.selectFrom('leads').selectAll().where('id', '=', lead).executeTakeFirstOrThrow();
    expect(leadRow).toMatchObject({
      assigned_rep_id: 'rep-ann',
      sla_deadline: new Date(SHIFT_START.getTime() + 2 * MIN),
    });
    // A retry answers what was decided, the deadline and after hours included.
    const again = await assign(lead, NIGHT);
    expect(again).toMatchObject({ repId: 'rep-ann', slaDeadline: result.slaDeadline, afterHours: result.afterHours });
    const load = await pg.db
      .selectFrom('reps')
      .select('active_leads')
      .where('id', '=', 'rep-ann')
      .executeTakeFirstOrThrow();
    expect(load.active_leads).toBe(1);
  });

  it('a manager on call takes a night lead with the SLA from now; the rota is read at the decision’s instant', async () => {
    await addOnCall(pg.db, {
      personId: 'mgr-pat',
      startsAt: new Date('2026-11-23T22:00:00Z'),
      endsAt: SHIFT_START,
      note: 'first on call',
    });
    const lead = await newLead();
    const result = await assign(lead, NIGHT);
    expect(result).toMatchObject({
      outcome: 'assigned',
      repId: 'mgr-pat',
      slaDeadline: new Date(NIGHT.getTime() + 2 * MIN),
    });
    expect(result.afterHours).toMatchObject({ via: 'on_call', slaStartsAt: NIGHT });
    expect(await assignmentRow(lead)).toMatchObject({
      rep_id: 'mgr-pat',
      after_hours: 'on_call',
      sla_starts_at: NIGHT,
    });
    const audit = await pg.db
      .selectFrom('assignment_audit')
      .select('decision')
      .where('lead_id', '=', lead)
      .executeTakeFirstOrThrow();
    expect(audit.decision).toMatchObject({ chosenRepId: 'mgr-pat', afterHours: { via: 'on_call' } });
    // By day the rota does not matter: the usual routing, no after hours.
    const day = await newLead();
    const byDay = await assign(day, new Date('2026-11-24T15:00:00Z'));
    expect(byDay.repId).toMatch(/^rep-/);
    expect(byDay.afterHours).toBeUndefined();
    expect((await assignmentRow(day)).after_hours).toBeNull();
  });

  it('a lead turning HOT brings the deadline forward, never back, and tells the rep once', async () => {
    const lead = await newLead();
    const at = new Date('2026-11-24T15:00:00Z');
    await assignLead(
      pg.db,
      {
        leadId: lead,
        attempt: 1,
        at,
        slaDeadline: new Date(at.getTime() + 60 * MIN),
        notificationKey: `lead-${lead}`,
        isVip: false,
        lead: { city: 'Troy', needs: ['residential'], isVip: false, excludeRepIds: [] },
      },
      chooseRep,
    );
    const sooner = new Date(at.getTime() + 12 * MIN);
    const req = {
      leadId: lead,
      attempt: 1,
      deadline: sooner,
      key: `lead-${lead}:sla-tightened:1:2`,
      temperature: 'HOT',
    };
    const repId = await tightenSlaDeadline(pg.db, req);
    expect(repId).toMatch(/^rep-/);
    await tightenSlaDeadline(pg.db, req); // a retry
    await tightenSlaDeadline(pg.db, { ...req, deadline: new Date(at.getTime() + 50 * MIN), key: 'later' }); // never later
    expect((await assignmentRow(lead)).sla_deadline).toEqual(sooner);
    const leadRow = await pg.db
      .selectFrom('leads')
      .select('sla_deadline')
      .where('id', '=', lead)
      .executeTakeFirstOrThrow();
    expect(leadRow.sla_deadline).toEqual(sooner);
    const told = await pg.db
      .selectFrom('notifications')
      .select(['recipient', 'kind'])
      .where('lead_id', '=', lead)
      .where('kind', '=', 'lead_sla_tightened')
      .execute();
    expect(told).toHaveLength(2); // once per key: the retry added none
    expect(told[0]).toEqual({ recipient: `rep:${repId}`, kind: 'lead_sla_tightened' });
  });

  it('the rota over HTTP: validated create (problem+json), list, change, remove', async () => {
    const bad = await api('/on-call', {
      method: 'POST',
      body: JSON.stringify({ personId: 'rep-ann', startsAt: '2026-12-01T22:00:00Z', endsAt: '2026-12-01T20:00:00Z' }),
    });
    expect(bad.status).toBe(422);
    expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(await bad.json())).toContain('must be after startsAt');
    const nobody = await api('/on-call', {
      method: 'POST',
      body: JSON.stringify({ personId: 'rep-zed', startsAt: '2026-12-01T22:00:00Z', endsAt: '2026-12-02T13:00:00Z' }),
    });
    expect(nobody.status).toBe(422);
    expect(
      (await api('/on-call', { method: 'POST', body: JSON.stringify({ personId: 'rep-ann', startsAt: 'tonight' }) }))
        .status,
    ).toBe(422);

    const created = await api('/on-call', {
      method: 'POST',
      body: JSON.stringify({
        personId: 'rep-ben',
        startsAt: '2026-12-01T22:00:00Z',
        endsAt: '2026-12-02T13:00:00Z',
        note: 'Tue night',
      }),
    });
    expect(created.status).toBe(201);
    const shift = (await created.json()) as { id: string; personId: string };
    expect(shift).toMatchObject({ personId: 'rep-ben', startsAt: '2026-12-01T22:00:00.000Z', note: 'Tue night' });
    const list = (await (await api('/on-call?from=2026-12-01T00:00:00Z&to=2026-12-03T00:00:00Z')).json()) as {
      items: { id: string; personName: string; role: string }[];
    };
    expect(list.items).toEqual([expect.objectContaining({ id: shift.id, personName: 'Ben Rep', role: 'rep' })]);

    const changed = await api(`/on-call/${shift.id}`, {
      method: 'PATCH',
      body: JSON.stringify({ personId: 'mgr-pat' }),
    });
    expect(changed.status).toBe(200);
    expect(((await changed.json()) as { personId: string }).personId).toBe('mgr-pat');
    expect(
      (await api(`/on-call/${shift.id}`, { method: 'PATCH', body: JSON.stringify({ endsAt: '2026-11-30T00:00:00Z' }) }))
        .status,
    ).toBe(422);
    expect((await api(`/on-call/${shift.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/on-call/${shift.id}`)).status).toBe(404);
    expect((await api('/on-call/abc')).status).toBe(404);
  });

  it('the after-hours backlog shows the night leads not yet contacted, with their shift starts', async () => {
    const res = await api('/routing/after-hours');
    expect(res.status).toBe(200);
    const backlog = (await res.json()) as {
      items: { via: string; repId: string; slaStartsAt: string; acknowledgement: string | null }[];
      waitingForShift: number;
      waitingForRep: number;
    };
    expect(backlog.items.map((i) => [i.via, i.repId])).toEqual([
      ['on_call', 'mgr-pat'],
      ['next_shift', 'rep-ann'],
    ]);
    expect(backlog.items[1]).toMatchObject({ slaStartsAt: SHIFT_START.toISOString(), acknowledgement: null });
    // 2026-11-24 is in the past for this run: the shift has started, nobody waits for it any more.
    expect(backlog.waitingForShift).toBe(0);
    const spec = (await (await api('/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/api/v1/on-call', '/api/v1/on-call/{id}', '/api/v1/routing/after-hours']),
    );
  });
});
