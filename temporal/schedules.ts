// Temporal Schedules the system owns, created (or brought up to date) at every start.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { modelRetrain, repRetier } from '../workflows';
import { Stage } from './search-attributes';
import { RETIER_SCHEDULE_ID, RETRAIN_SCHEDULE_ID } from './workflow-ids';

/**
 * The weekly model retrain (ML_RETRAIN_CRON, UTC). A run still going when the next is due is left
 * alone (overlap SKIP). `off` deletes the schedule. Returns what it did.
 */
export async function ensureRetrainSchedule(
  client: Client,
  opts: { taskQueue: string; cron: string; margin: number },
): Promise<'created' | 'updated' | 'deleted' | 'absent'> {
  const handle = client.schedule.getHandle(RETRAIN_SCHEDULE_ID);
  if (opts.cron === 'off') {
    try {
      await handle.delete();
      return 'deleted';
    } catch {
      return 'absent';
    }
  }
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'modelRetrain',
    workflowId: RETRAIN_SCHEDULE_ID,
    taskQueue: opts.taskQueue,
    args: [{ trigger: 'schedule' as const, margin: opts.margin }] as [Parameters<typeof modelRetrain>[0]],
    typedSearchAttributes: [{ key: Stage, value: 'starting' }],
    staticSummary: 'Model retrain · weekly schedule',
  };
  const spec = { cronExpressions: [opts.cron] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' };
  try {
    await client.schedule.create({
      scheduleId: RETRAIN_SCHEDULE_ID,
      spec,
      action,
      policies,
      memo: { purpose: 'weekly retrain of the lead-intelligence models' },
    });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await handle.update((previous) => ({ ...previous, spec, action, policies }));
    return 'updated';
  }
}

/**
 * The monthly re-tiering of the sales team (REP_RETIER_CRON, UTC; roadmap 4.4 B "Auto-adjust based
 * on monthly performance"), like the retrain's: overlap SKIP, `off` deletes it. Returns what it did.
 */
export async function ensureRetierSchedule(
  client: Client,
  opts: { taskQueue: string; cron: string },
): Promise<'created' | 'updated' | 'deleted' | 'absent'> {
  const handle = client.schedule.getHandle(RETIER_SCHEDULE_ID);
  if (opts.cron === 'off') {
    try {
      await handle.delete();
      return 'deleted';
    } catch {
      return 'absent';
    }
  }
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'repRetier',
    workflowId: RETIER_SCHEDULE_ID,
    taskQueue: opts.taskQueue,
    args: [{ trigger: 'schedule' as const }] as [Parameters<typeof repRetier>[0]],
    staticSummary: 'Rep re-tiering · monthly schedule',
  };
  const spec = { cronExpressions: [opts.cron] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' };
  try {
    await client.schedule.create({
      scheduleId: RETIER_SCHEDULE_ID,
      spec,
      action,
      policies,
      memo: { purpose: 'monthly re-tiering of the sales team from their own close rates' },
    });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await handle.update((previous) => ({ ...previous, spec, action, policies }));
    return 'updated';
  }
}
