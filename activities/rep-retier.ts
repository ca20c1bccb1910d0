// The monthly re-tiering's side effect (workflows/rep-retier): each rep's closes of the window, the
// tiers and close rates the rule decides, and a row per change in rep_tier_changes. One
// transaction holding the reps' row locks (as routing does), keyed by the run: a retry that finds
// the run's rows returns them and changes nothing.
import { log } from '@temporalio/activity';
import type { Kysely } from 'kysely';
import { applyRetier, closesByRep, tierChangesOf } from '../db/repositories/rep-tiers';
import type { Database } from '../db/schema';
import { retier, type RetierPolicy, type TierChange } from '../workflows/rep-retier/rules/tiers';

export function createRetierActivities({ db }: { db: Kysely<Database> }) {
  return {
    async retierReps(input: { runId: string; asOf: string; policy: RetierPolicy }): Promise<TierChange[]> {
      const asOf = new Date(input.asOf);
      const changes = await db.transaction().execute(async (tx) => {
        const done = await tierChangesOf(tx, input.runId);
        if (done.length > 0) return done;
        const since = new Date(asOf.getTime() - input.policy.windowDays * 86_400_000);
        const reps = await closesByRep(tx, since, asOf);
        const decided = retier(reps, input.asOf.slice(0, 10), input.policy);
        await applyRetier(tx, input.runId, decided);
        return decided;
      });
      log.info('reps re-tiered', { changes: changes.length, asOf: input.asOf });
      return changes;
    },
  };
}
