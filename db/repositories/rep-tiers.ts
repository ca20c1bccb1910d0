// The monthly re-tiering's reads and writes (activities/rep-retier.ts): each rep's closes, the
// tier and close-rate changes, and their audit (rep_tier_changes, 0018), a row per change.
import { sql, type Kysely } from 'kysely';
import type { RepRecord, TierChange } from '../../workflows/rep-retier/rules/tiers';
import type { Database } from '../schema';

/**
 * Every active rep (row-locked, in id order like routing) with the leads they held at the close
 * (won or lost) between `since` and `until`.
 */
export async function closesByRep(db: Kysely<Database>, since: Date, until: Date): Promise<RepRecord[]> {
  const reps = await db
    .selectFrom('reps')
    .select(['id', 'performance_tier', 'close_rate', 'training_ends_on'])
    .where('role', '=', 'rep')
    .where('active', '=', true)
    .orderBy('id')
    .forUpdate()
    .execute();
  const closes = await db
    .selectFrom('lead_assignments as a')
    .innerJoin('leads as l', 'l.id', 'a.lead_id')
    .select([
      'a.rep_id',
      sql<number>`count(*)`.as('closed'),
      sql<number>`count(*) filter (where l.stage = 'won')`.as('won'),
    ])
    .where('a.end_reason', '=', 'closed')
    .where('l.stage', 'in', ['won', 'lost'])
    .where('a.ended_at', '>', since)
    .where('a.ended_at', '<=', until)
    .groupBy('a.rep_id')
    .execute();
  const byRep = new Map(closes.map((c) => [c.rep_id, c]));
  return reps.map((r) => ({
    repId: r.id,
    tier: r.performance_tier,
    closeRate: r.close_rate,
    trainingEndsOn: r.training_ends_on,
    closed: Number(byRep.get(r.id)?.closed ?? 0),
    won: Number(byRep.get(r.id)?.won ?? 0),
  }));
}

export async function applyRetier(db: Kysely<Database>, runId: string, changes: TierChange[]): Promise<void> {
  for (const c of changes) {
    await db
      .updateTable('reps')
      .set({ performance_tier: c.toTier, close_rate: c.closeRateAfter })
      .where('id', '=', c.repId)
      .execute();
    await db
      .insertInto('rep_tier_changes')
      .values({
        run_id: runId,
        rep_id: c.repId,
        from_tier: c.fromTier,
        to_tier: c.toTier,
        close_rate_before: c.closeRateBefore,
        close_rate_after: c.closeRateAfter,
        closed_leads: c.closed,
        won_leads: c.won,
        reason: c.reason,
      })
      .execute();
  }
}

/** The changes a run made, in rep order. */
export async function tierChangesOf(db: Kysely<Database>, runId: string): Promise<TierChange[]> {
  const rows = await db
    .selectFrom('rep_tier_changes')
    .selectAll()
    .where('run_id', '=', runId)
    .orderBy('rep_id')
    .execute();
  return rows.map((r) => ({
    repId: r.rep_id,
    fromTier: r.from_tier,
    toTier: r.to_tier,
    closeRateBefore: r.close_rate_before,
    closeRateAfter: r.close_rate_after,
    closed: r.closed_leads,
    won: r.won_leads,
    reason: r.reason,
  }));
}
