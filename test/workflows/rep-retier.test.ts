// repRetier on the time-skipping server with its real activity on Postgres (roadmap 4.4 B "Auto-
// adjust based on monthly performance"): the run judges the day it starts, re-tiers the team once
// even when its activity fails after committing (the retry finds the run's rows), and says what
// changed. What the Schedule starts: `{ trigger: 'schedule' }` (temporal/schedules.ts).
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRetierActivities } from '../../activities/rep-retier';
import { repRetier } from '../../workflows';
import { closeLeads, insertTeam } from '../helpers/rep-closes';
import { keepHistory } from '../helpers/histories';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';
import { taskQueueFor, useTimeSkippingEnv } from '../helpers/temporal';

describe('repRetier', () => {
  const temporal = useTimeSkippingEnv();
  let pg: TestPostgres;
  beforeAll(async () => {
    pg = await startTestPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('re-tiers the team once, though its activity fails after committing, and returns the changes', async () => {
    const today = new Date();
    const day = (d: number) => new Date(today.getTime() + d * 86_400_000).toISOString().slice(0, 10);
    await insertTeam(pg.db, [
      { id: 'wf-ace', tier: 'standard' },
      { id: 'wf-bea', tier: 'top' },
      { id: 'wf-new', tier: 'new_hire', trainingEndsOn: day(-1) },
      { id: 'wf-kid', tier: 'new_hire', trainingEndsOn: day(30) },
    ]);
    await closeLeads(pg.db, 'wf-ace', { won: 7, lost: 3, at: new Date(today.getTime() - 2 * 86_400_000) });
    await closeLeads(pg.db, 'wf-bea', { won: 2, lost: 8, at: new Date(today.getTime() - 2 * 86_400_000) });

    const real = createRetierActivities({ db: pg.db });
    let calls = 0;
    const activities = {
      async retierReps(input: Parameters<typeof real.retierReps>[0]) {
        calls += 1;
        const changes = await real.retierReps(input);
        if (calls === 1) throw new Error('connection lost after the commit');
        return changes;
      },
    };
    const taskQueue = taskQueueFor('rep retier');
    const worker = await Worker.create({
      connection: temporal.env.nativeConnection,
      taskQueue,
      workflowBundle: temporal.workflowBundle,
      activities,
    });
    await worker.runUntil(async () => {
      const h = await temporal.env.client.workflow.start(repRetier, {
        workflowId: 'rep-retier-monthly-test',
        taskQueue,
        args: [{ trigger: 'test' }],
      });
      const result = await h.result();
      expect(calls).toBe(2);
      expect(result.runId).toBe('rep-retier-monthly-test');
      expect(result.changes.map((c) => [c.repId, c.fromTier, c.toTier])).toEqual([
        ['wf-ace', 'standard', 'top'],
        ['wf-bea', 'top', 'standard'],
        ['wf-new', 'new_hire', 'standard'],
      ]);
      const audit = await pg.db
        .selectFrom('rep_tier_changes')
        .select('rep_id')
        .where('run_id', '=', h.workflowId)
        .execute();
      expect(audit).toHaveLength(3);
      const tiers = await pg.db.selectFrom('reps').select(['id', 'performance_tier']).orderBy('id').execute();
      expect(Object.fromEntries(tiers.map((t) => [t.id, t.performance_tier]))).toEqual({
        'wf-ace': 'top',
        'wf-bea': 'standard',
        'wf-kid': 'new_hire',
        'wf-new': 'standard',
      });
      await keepHistory(h, 'rep-retier', 'retier-retried-after-commit');
    });
  });
});
