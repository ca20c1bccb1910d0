// Fifty leads for one territory in the same instant, through the real API, dev server, worker and
// Postgres: no rep ends above capacity, and the leads spread exactly as routing them one at a time
// would (the weights of 4.4 A-B), because each decision is serialised on the reps' row locks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { chooseRep, type RoutingLead, type RoutingRep } from '../../workflows/lead-intake/rules/choose-rep';
import { startTestSystem, type TestSystem } from '../helpers/system';

const allWeek = Object.fromEntries(
  ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ['00:00', '24:00']]),
) as RoutingRep['workingHours'];
const TEAM = [
  { id: 'novi-top', performanceTier: 'top', closeRate: 0.44, maxActiveLeads: 15 },
  { id: 'novi-std-1', performanceTier: 'standard', closeRate: 0.38, maxActiveLeads: 15 },
  { id: 'novi-std-2', performanceTier: 'standard', closeRate: 0.36, maxActiveLeads: 15 },
  { id: 'novi-new', performanceTier: 'new_hire', closeRate: 0.3, maxActiveLeads: 8 },
] as const;

describe('fifty simultaneous leads for one territory (real system)', () => {
  let sys: TestSystem;
  let sql: pg.Client;
  beforeAll(async () => {
    // Retries far apart: a waiting lead assigned quickly was woken by the freed capacity.
    sys = await startTestSystem({ SEED_DEMO_DATA: 'false', ROUTING_RETRY_SECONDS: '600' });
    sql = new pg.Client({ connectionString: sys.databaseUrl });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await sys?.stop();
  });

  it('keeps every rep within capacity and spreads by the weights', { timeout: 180_000 }, async () => {
    const headers = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
    for (const r of TEAM) {
      const res = await fetch(`${sys.apiUrl}/api/v1/reps`, {
        method: 'POST',
        headers: headers(sys.opsKey),
        body: JSON.stringify({
          ...r,
          name: r.id,
          email: `${r.id}@example.com`,
          territories: ['Novi'],
          skills: ['residential'],
          languages: ['English'],
          workingHours: allWeek,
        }),
      });
      expect(res.status).toBe(201);
    }

    const posted = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const res = await fetch(`${sys.apiUrl}/api/v1/leads`, {
          method: 'POST',
          headers: headers(sys.crmKey),
          body: JSON.stringify({
            firstName: 'Nia',
            lastName: `Lead${i}`,
            email: `novi-${i}@example.com`,
            address: { street: `${i} Grand River Ave`, city: 'Novi', state: 'MI', zip: '48375' },
            source: 'website',
            signals: { intent: 'requested_quote' },
          }),
        });
        expect(res.status).toBe(202);
        return ((await res.json()) as { leadId: string }).leadId;
      }),
    );
    expect(new Set(posted).size).toBe(50);
    await expect
      .poll(
        async () =>
          Number(
            (await sql.query(`select count(*) from lead_assignments where lead_id = any($1::uuid[])`, [posted])).rows[0]
              .count,
          ),
        { timeout: 120_000, interval: 500 },
      )
      .toBe(50);

    const loads = Object.fromEntries(
      (await sql.query(`select id, active_leads, max_active_leads from reps where id like 'novi-%'`)).rows.map(
        (r: { id: string; active_leads: number; max_active_leads: number }) => {
          expect(r.active_leads).toBeLessThanOrEqual(r.max_active_leads);
          return [r.id, r.active_leads];
        },
      ),
    );
    const counted = Object.fromEntries(
      (
        await sql.query(
          `select rep_id, count(*)::int as n from lead_assignments where lead_id = any($1::uuid[]) group by rep_id`,
          [posted],
        )
      ).rows.map((r: { rep_id: string; n: number }) => [r.rep_id, r.n]),
    );
    expect(counted).toEqual(loads);

    // The same fifty decided one at a time.
    const model: RoutingRep[] = TEAM.map((r) => ({
      ...r,
      role: 'rep',
      active: true,
      territories: ['Novi'],
      skills: ['residential'],
      languages: ['English'],
      activeLeads: 0,
      timeZone: 'America/Detroit',
      workingHours: allWeek,
      timeOff: [],
    }));
    const lead: RoutingLead = { city: 'Novi', needs: ['residential'], isVip: false, excludeRepIds: [] };
    const expected: Record<string, number> = {};
    for (let i = 0; i < 50; i++) {
      const id = chooseRep(lead, model, new Date()).chosenRepId!;
      expected[id] = (expected[id] ?? 0) + 1;
      model.find((m) => m.id === id)!.activeLeads += 1;
    }
    expect(loads).toEqual(expected);
    expect(loads['novi-top']).toBeGreaterThan(loads['novi-new']!);
    // Every decision is in the audit log with all four candidates scored or excluded.
    const audits = (await sql.query(`select decision from assignment_audit where lead_id = any($1::uuid[])`, [posted]))
      .rows as { decision: { candidates: unknown[]; excluded: unknown[] } }[];
    expect(audits).toHaveLength(50);
    expect(audits.every((a) => a.decision.candidates.length + a.decision.excluded.length === 4)).toBe(true);
  });

  it('a lead waiting for a rep is assigned the moment another lead closes', { timeout: 120_000 }, async () => {
    const headers = { authorization: `Bearer ${sys.crmKey}`, 'content-type': 'application/json' };
    // The team holds 50 of its 53 places: four more leads leave one waiting.
    const more = await Promise.all(
      Array.from({ length: 4 }, async (_, i) => {
        const res = await fetch(`${sys.apiUrl}/api/v1/leads`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            firstName: 'Ola',
            lastName: `More${i}`,
            email: `novi-more-${i}@example.com`,
            address: { street: `${i} Novi Rd`, city: 'Novi', state: 'MI', zip: '48375' },
            source: 'website',
          }),
        });
        return ((await res.json()) as { leadId: string }).leadId;
      }),
    );
    const stageOf = async (id: string) =>
      (await sql.query(`select stage from leads where id = $1`, [id])).rows[0].stage as string;
    await expect
      .poll(async () => (await Promise.all(more.map(stageOf))).sort(), { timeout: 60_000, interval: 250 })
      .toEqual(['assigned', 'assigned', 'assigned', 'waiting_for_rep']);
    const stages = await Promise.all(more.map(stageOf));
    const waiting = more[stages.indexOf('waiting_for_rep')]!;
    const done = more[stages.indexOf('assigned')]!;

    const closedAt = Date.now();
    expect(
      (
        await fetch(`${sys.apiUrl}/api/v1/leads/${done}/close`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ reason: 'lost' }),
        })
      ).status,
    ).toBe(202);
    await expect.poll(() => stageOf(waiting), { timeout: 20_000, interval: 100 }).toBe('assigned');
    expect(Date.now() - closedAt).toBeLessThan(20_000); // the retry would have waited 600 s
  });
});
