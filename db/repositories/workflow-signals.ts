// The workflow signal outbox: the only SQL about signals owed to workflows lives here. A change
// queues what it owes in its own transaction; deliveries claim rows for a lease, so two deliverers
// (a request right after its commit, the relay of any API replica) never hold the same row, and a
// process that dies holding one only delays it by the lease. A workflow's signals go in the order
// they were queued: one waits while an earlier one for the same workflow is still owed.
import type { SignalDefinition } from '@temporalio/common';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, WorkflowSignalsTable, WorkflowSignalStart } from '../schema';

export type WorkflowSignal = Selectable<WorkflowSignalsTable>;

/** One signal owed to one workflow (`start`: signal-with-start). */
export interface OwedSignal {
  workflowId: string;
  signal: string;
  args: unknown[];
  start?: WorkflowSignalStart;
}

/** A signal to a workflow, typed by its definition (workflows/<process>/messages.ts). */
export function signalTo<Args extends unknown[]>(
  workflowId: string,
  definition: SignalDefinition<Args>,
  ...args: Args
): OwedSignal {
  return { workflowId, signal: definition.name, args };
}

/**
 * Inside the transaction of the change that owes them: signals to deliver after commit. A source
 * owes a workflow a given signal once: queuing it again (a retried activity, the lead reconciler)
 * changes nothing.
 */
export async function queueWorkflowSignals(tx: Kysely<Database>, source: string, owed: OwedSignal[]): Promise<number> {
  if (owed.length === 0) return 0;
  const rows = await tx
    .insertInto('workflow_signals')
    .values(
      owed.map((s) => ({
        source,
        workflow_id: s.workflowId,
        signal: s.signal,
        args: JSON.stringify(s.args),
        start: s.start ? JSON.stringify(s.start) : null,
      })),
    )
    .onConflict((oc) => oc.columns(['source', 'workflow_id', 'signal']).doNothing())
    .returning('id')
    .execute();
  return rows.length;
}

/**
 * What a lead owes its customer's journey: the contact's first lead starts it (`start`), every
 * later one only tells it — so a journey that has ended (ops, the customer's deletion) is never
 * started again by a new lead. The contact row's lock orders two leads of one customer.
 */
export async function queueJourneySignal(
  db: Kysely<Database>,
  lead: { source: string; contactId: string },
  owed: OwedSignal & { start: WorkflowSignalStart },
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const first = await tx
      .updateTable('contacts')
      .set({ journey_requested_at: sql<Date>`now()` })
      .where('id', '=', lead.contactId)
      .where('journey_requested_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    await queueWorkflowSignals(tx, lead.source, [first ? owed : { ...owed, start: undefined }]);
  });
}

/**
 * Claims signals that may be tried now — of one source, or any — for `leaseSeconds`: the longest
 * waiting first, never one whose workflow has an earlier signal still owed. Another delivery skips
 * them meanwhile.
 */
export async function claimWorkflowSignals(
  db: Kysely<Database>,
  opts: { source?: string; limit: number; leaseSeconds: number },
): Promise<WorkflowSignal[]> {
  return db
    .updateTable('workflow_signals')
    .set({
      next_attempt_at: sql<Date>`now() + make_interval(secs => ${opts.leaseSeconds})`,
      attempts: sql<number>`attempts + 1`,
    })
    .where('id', 'in', (eb) => {
      let q = eb
        .selectFrom('workflow_signals as s')
        .select('s.id')
        .where('s.done_at', 'is', null)
        .where('s.next_attempt_at', '<=', sql<Date>`now()`)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('workflow_signals as earlier')
                .select(sql`1`.as('one'))
                .whereRef('earlier.workflow_id', '=', 's.workflow_id')
                .whereRef('earlier.id', '<', 's.id')
                .where('earlier.done_at', 'is', null),
            ),
          ),
        );
      if (opts.source) q = q.where('s.source', '=', opts.source);
      return q.orderBy('s.next_attempt_at').orderBy('s.id').limit(opts.limit).forUpdate().skipLocked();
    })
    .returningAll()
    .execute();
}

/** Done: delivered, dropped (its workflow has ended) or dead (refused for good), with the reason. */
export async function markWorkflowSignalDone(
  db: Kysely<Database>,
  id: string,
  outcome: 'delivered' | 'dropped' | 'dead',
  note?: string,
): Promise<void> {
  await db
    .updateTable('workflow_signals')
    .set({ done_at: sql<Date>`now()`, outcome, last_error: note?.slice(0, 500) ?? null })
    .where('id', '=', id)
    .execute();
}

/** Not delivered: tried again after a pause growing with the attempts (1 s, 4 s, 9 s… at most 5 min). */
export async function markWorkflowSignalFailed(db: Kysely<Database>, id: string, error: string): Promise<void> {
  await db
    .updateTable('workflow_signals')
    .set({
      next_attempt_at: sql<Date>`now() + make_interval(secs => least(attempts * attempts, 300))`,
      last_error: error.slice(0, 500),
    })
    .where('id', '=', id)
    .execute();
}
