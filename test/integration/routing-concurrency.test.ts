// Fifty leads for one territory in the same instant, through the real API, dev server, worker and
// Postgres: no rep ends above capacity, and the leads spread exactly as routing them one at a time
// would (the weights of 4.4 A-B), because each decision is serialised on the reps' row locks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import {
  applyCredits,
  chooseRep,
  type RoutingLead,
  type RoutingRep,
} from '../../workflows/lead-intake/rules/choose-rep';
import { SLAS_THAT_DO_NOT_LAPSE, startTestSystem, type TestSystem } from '../helpers/system';

const allWeek = Object.fromEntries(
  ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ['00:00', '24:00']]),
) as RoutingRep['workingHours'];
interface TeamRep {
  id: string;
  performanceTier: string;
  closeRate: number;
  maxActiveLeads: number;
}
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
    // Retries far apart: a waiting lead assigned quickly was woken by the freed capacity. SLAs that
    // cannot lapse: a breach would reassign a lead, adding an assignment and an audit row.
    sys = await startTestSystem({ SEED_DEMO_DATA: 'false', ROUTING_RETRY_SECONDS: '600', ...SLAS_THAT_DO_NOT_LAPSE });
    sql = new pg.Client({ connectionString: sys.databaseUrl });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await sys?.stop();
  });

  const headers = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
  async function addReps(team: readonly TeamRep[], city: string) {
    for (const r of team) {
      const res = await fetch(`${sys.apiUrl}/api/v1/reps`, {
        method: 'POST',
        headers: headers(sys.opsKey),
        body: JSON.stringify({
          ...r,
          name: r.id,
          email: `${r.id}@example.com`,
          territories: [city],
          skills: ['residential'],
          languages: ['English'],
          workingHours: allWeek,
        }),
      });
      expect(res.status).toBe(201);
    }
  }
  /** Posts `count` leads for `city` at once; their ids. */
  const postLeads = (count: number, city: string, zip: string, signals?: Record<string, unknown>) =>
    Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const res = await fetch(`${sys.apiUrl}/api/v1/leads`, {
          method: 'POST',
          headers: headers(sys.crmKey),
          body: JSON.stringify({
            firstName: 'Nia',
            lastName: `Lead${i}`,
            email: `${city.toLowerCase()}-${i}@example.com`,
            address: { street: `${i} Grand River Ave`, city, state: 'MI', zip },
            source: 'website',
            ...(signals && { signals }),
          }),
        });
        expect(res.status).toBe(202);
        return ((await res.json()) as { leadId: string }).leadId;
      }),
    );

  it('keeps every rep within capacity and spreads by the weights', { timeout: 180_000 }, async () => {
    await addReps(TEAM, 'Novi');
    const posted = await postLeads(50, 'Novi', '48375', { intent: 'requested_quote' });
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
      const decision = chooseRep(lead, model, new Date());
      const id = decision.chosenRepId!;
      expected[id] = (expected[id] ?? 0) + 1;
      model.find((m) => m.id === id)!.activeLeads += 1;
      applyCredits(model, decision);
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
    // A team of its own, then exactly one lead more than every routable rep has room for (the
    // first test's team, if it ran, has room too: routing does not stop at the territory).
    await addReps(
      [
        { id: 'wixom-1', performanceTier: 'standard', closeRate: 0.35, maxActiveLeads: 2 },
        { id: 'wixom-2', performanceTier: 'standard', closeRate: 0.35, maxActiveLeads: 2 },
      ],
      'Wixom',
    );
    const room = Number(
      (
        await sql.query(
          `select coalesce(sum(max_active_leads - active_leads), 0) as room from reps where role = 'rep' and active`,
        )
      ).rows[0].room,
    );
    expect(room).toBeGreaterThanOrEqual(4);
    const more = await postLeads(room + 1, 'Wixom', '48393');
    // One query at a time: a pg.Client runs them in turn anyway.
    const stagesOf = async (ids: string[]) => {
      const rows = (await sql.query(`select id, stage from leads where id = any($1::uuid[])`, [ids])).rows as {
        id: string;
        stage: string;
      }[];
      return ids.map((id) => rows.find((r) => r.id === id)!.stage);
    };
    const stageOf = async (id: string) => (await stagesOf([id]))[0]!;
    await expect
      .poll(async () => (await stagesOf(more)).sort(), { timeout: 60_000, interval: 250 })
      .toEqual([...Array<string>(room).fill('assigned'), 'waiting_for_rep']);
    const stages = await stagesOf(more);
    const waiting = more[stages.indexOf('waiting_for_rep')]!;
    const done = more[stages.indexOf('assigned')]!;

    expect(
      (
        await fetch(`${sys.apiUrl}/api/v1/leads/${done}/close`, {
          method: 'POST',
          headers: headers(sys.crmKey),
          body: JSON.stringify({ reason: 'lost' }),
        })
      ).status,
    ).toBe(202);
    // Woken by the freed place, not by its retry: that comes 600 s later, long after this poll gives up.
    await expect.poll(() => stageOf(waiting), { timeout: 20_000, interval: 100 }).toBe('assigned');
  });
});
