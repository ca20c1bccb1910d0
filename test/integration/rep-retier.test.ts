// The monthly re-tiering's activity on Postgres (roadmap 4.4 B "Auto-adjust based on monthly
// performance", issue 22 item 7): each rep's own closes of the last 30 days re-tier them (the top
// 20 % of those with ten closes or more are top performers), a new hire whose training has ended
// is standard, a row per change is written, and a retry of the same run changes nothing twice.
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRetierActivities } from '../../activities/rep-retier';
import { DEFAULT_RETIER_POLICY, type TierChange } from '../../workflows/rep-retier/rules/tiers';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';
import { closeLeads, insertTeam } from '../helpers/rep-closes';

const asOf = new Date('2026-12-01T06:00:00Z');
const daysAgo = (d: number) => new Date(asOf.getTime() - d * 86_400_000);

describe('retierReps (Postgres)', () => {
  let pg: TestPostgres;
  beforeAll(async () => {
    pg = await startTestPostgres();
    await insertTeam(pg.db, [
      { id: 'ava', tier: 'standard', closeRate: 0.35 }, // 8 of 12: the best → top
      { id: 'bo', tier: 'top', closeRate: 0.45 }, // 3 of 10 → standard
      { id: 'cy', tier: 'standard', closeRate: 0.4 }, // 5 of 10 → standard, close rate 0.5
      { id: 'dee', tier: 'standard', closeRate: 0.3 }, // 4 of 11 → standard, close rate 0.3636
      { id: 'eli', tier: 'top', closeRate: 0.5 }, // 4 closes: too few, kept
      { id: 'fay', tier: 'new_hire', trainingEndsOn: '2026-11-30' }, // training over → standard
      { id: 'gus', tier: 'new_hire', trainingEndsOn: '2027-01-15' }, // still training, whatever the record
    ]);
    await closeLeads(pg.db, 'ava', { won: 8, lost: 4, at: daysAgo(3) });
    await closeLeads(pg.db, 'ava', { won: 0, lost: 20, at: daysAgo(45) }); // last quarter: not this month
    await closeLeads(pg.db, 'bo', { won: 3, lost: 7, at: daysAgo(10) });
    await closeLeads(pg.db, 'cy', { won: 5, lost: 5, at: daysAgo(20) });
    await closeLeads(pg.db, 'dee', { won: 4, lost: 7, at: daysAgo(29) });
    await closeLeads(pg.db, 'eli', { won: 1, lost: 3, at: daysAgo(5) });
    await closeLeads(pg.db, 'gus', { won: 10, lost: 0, at: daysAgo(5) });
  });
  afterAll(async () => {
    await pg?.stop();
  });

  const run = (runId: string) =>
    new MockActivityEnvironment().run(() =>
      createRetierActivities({ db: pg.db }).retierReps({
        runId,
        asOf: asOf.toISOString(),
        policy: DEFAULT_RETIER_POLICY,
      }),
    ) as Promise<TierChange[]>;
  const tiers = async () =>
    Object.fromEntries(
      (await pg.db.selectFrom('reps').select(['id', 'performance_tier', 'close_rate']).orderBy('id').execute()).map(
        (r) => [r.id, [r.performance_tier, Math.round(r.close_rate * 1e4) / 1e4]],
      ),
    );

  it('re-tiers from each rep’s own closes of the month, audited a row per change', async () => {
    const changes = await run('rep-retier-monthly-2026-12-01');
    expect(changes.map((c) => [c.repId, c.fromTier, c.toTier, c.closeRateAfter, c.closed, c.won])).toEqual([
      ['ava', 'standard', 'top', 0.6667, 12, 8],
      ['bo', 'top', 'standard', 0.3, 10, 3],
      ['cy', 'standard', 'standard', 0.5, 10, 5],
      ['dee', 'standard', 'standard', 0.3636, 11, 4],
      ['fay', 'new_hire', 'standard', 0.35, 0, 0],
    ]);
    expect(changes.find((c) => c.repId === 'fay')!.reason).toMatch(/^training ended 2026-11-30; 0 closed/);
    expect(await tiers()).toEqual({
      ava: ['top', 0.6667],
      bo: ['standard', 0.3],
      cy: ['standard', 0.5],
      dee: ['standard', 0.3636],
      eli: ['top', 0.5],
      fay: ['standard', 0.35],
      gus: ['new_hire', 0.35],
    });
    const audit = await pg.db
      .selectFrom('rep_tier_changes')
      .select(['rep_id', 'from_tier', 'to_tier'])
      .where('run_id', '=', 'rep-retier-monthly-2026-12-01')
      .orderBy('rep_id')
      .execute();
    expect(audit.map((a) => a.rep_id)).toEqual(['ava', 'bo', 'cy', 'dee', 'fay']);
  });

  it('a retry of the same run returns what it did and changes nothing; the next run finds nothing to change', async () => {
    const before = await tiers();
    const again = await run('rep-retier-monthly-2026-12-01');
    expect(again.map((c) => c.repId)).toEqual(['ava', 'bo', 'cy', 'dee', 'fay']);
    expect(await tiers()).toEqual(before);
    expect(await run('rep-retier-monthly-2026-12-01-again')).toEqual([]);
    const rows = await pg.db.selectFrom('rep_tier_changes').select('id').execute();
    expect(rows).toHaveLength(5);
  });
});
