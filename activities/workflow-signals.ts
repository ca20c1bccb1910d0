// Delivering the workflow signal outbox (workflow_signals, db/repositories/workflow-signals.ts).
// A Temporal call cannot be part of a Postgres transaction, so what a change owes a workflow — a
// contract's close, an SMS reply's hand-over, a rep's unavailability, a customer's journey — is
// written in the change's transaction and delivered here after commit: at once by whoever made the
// change (an API request, an activity), and again by the relay in the API process
// (api/workflow-signal-relay.ts) for whatever Temporal did not take. Each call has a deadline and
// the claimed rows go at the same time, one per workflow, so one slow or failing row never holds
// up the others. A row ends one of three ways:
//   - delivered;
//   - dropped: its workflow has ended (not found), or a start finds the id already used and closed
//     (a start is never repeated: an ended journey stays ended);
//   - dead: Temporal refused it for a reason a retry cannot change (invalid arguments, a payload
//     that cannot be encoded) — kept with the reason for ops, never retried;
// anything else (Temporal unreachable, overloaded, the deadline) is retried with a growing pause.
// At least once: a delivery whose deadline passed after Temporal took the signal, or a process
// that died before marking it, delivers it again — every handler these signals reach ignores a
// repeat (see docs/reliability.md, "Signals owed to workflows").
import {
  ServiceError,
  ValueError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  isGrpcServiceError,
  type Client,
} from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import type { Kysely } from 'kysely';
import {
  claimWorkflowSignals,
  markWorkflowSignalDone,
  markWorkflowSignalFailed,
  type WorkflowSignal,
} from '../db/repositories/workflow-signals';
import type { Database, WorkflowSignalStart } from '../db/schema';
import { searchAttributes } from '../temporal/search-attributes';

export interface SignalDeliveryDeps {
  db: Kysely<Database>;
  client: Client;
  /** pino's shape (the API's logger); an activity passes an adapter to its own. */
  logger: { info(fields: object, message: string): void; warn(fields: object, message: string): void };
  /** The deadline of each Temporal call (TEMPORAL_CALL_TIMEOUT_MS). */
  timeoutMs: number;
}

/** Rows claimed and sent at the same time: at most one per workflow, each under its own deadline. */
const BATCH = 20;
/** gRPC INVALID_ARGUMENT: the request itself is wrong (too large, a bad search attribute…). */
const INVALID_ARGUMENT = 3;

type Outcome = { done: 'delivered' | 'dropped' | 'dead'; note?: string } | { retry: string };

function typedAttributes(byName: WorkflowSignalStart['searchAttributes']): SearchAttributePair[] {
  return Object.entries(byName ?? {}).flatMap(([name, value]) => {
    const key = searchAttributes.find((k) => k.name === name);
    return key ? [{ key, value } as SearchAttributePair] : [];
  });
}

function send(client: Client, row: WorkflowSignal): Promise<unknown> {
  if (!row.start) return client.workflow.getHandle(row.workflow_id).signal(row.signal, ...row.args);
  const { workflowType, taskQueue, args, searchAttributes: attributes, staticSummary } = row.start;
  return client.workflow.signalWithStart(workflowType, {
    workflowId: row.workflow_id,
    taskQueue,
    args,
    signal: row.signal,
    signalArgs: row.args,
    // A closed workflow with this id is never started again: a start delivered twice, or a
    // journey ops ended, stays as it is.
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: typedAttributes(attributes),
    staticSummary,
  });
}

async function attempt(deps: SignalDeliveryDeps, row: WorkflowSignal): Promise<Outcome> {
  try {
    await deps.client.withDeadline(Date.now() + deps.timeoutMs, () => send(deps.client, row));
    return { done: 'delivered' };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof WorkflowNotFoundError) return { done: 'dropped', note: 'workflow not found: it has ended' };
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      return { done: 'dropped', note: 'the workflow id has run before and is closed: not started again' };
    const refusedForGood =
      err instanceof ValueError || // the arguments cannot be encoded
      (err instanceof ServiceError && isGrpcServiceError(err.cause) && err.cause.code === INVALID_ARGUMENT);
    return refusedForGood ? { done: 'dead', note: message } : { retry: message };
  }
}

/** Tries one row and records the outcome; true when it is done (delivered, dropped or dead). */
async function deliverOne(deps: SignalDeliveryDeps, row: WorkflowSignal): Promise<boolean> {
  const outcome = await attempt(deps, row);
  const about = { workflowId: row.workflow_id, signal: row.signal, source: row.source, attempt: row.attempts };
  if ('retry' in outcome) {
    deps.logger.warn({ ...about, err: outcome.retry }, 'signal not delivered; tried again later');
    await markWorkflowSignalFailed(deps.db, row.id, outcome.retry);
    return false;
  }
  if (outcome.done === 'dropped') deps.logger.info({ ...about, why: outcome.note }, 'signal dropped');
  if (outcome.done === 'dead') deps.logger.warn({ ...about, err: outcome.note }, 'signal refused for good');
  await markWorkflowSignalDone(deps.db, row.id, outcome.done, outcome.note);
  return true;
}

/**
 * Delivers what may be tried now — one source's signals (a request's own, right after its commit),
 * or any — batch after batch, until nothing is left or a whole batch failed (Temporal is down: the
 * next round tries again). Answers how many rows were tried and how many are done.
 */
export async function deliverWorkflowSignals(
  deps: SignalDeliveryDeps,
  opts: { source?: string } = {},
): Promise<{ tried: number; done: number }> {
  // Long enough for a batch (its calls run at once, each under the deadline) and its marks.
  const leaseSeconds = Math.ceil(deps.timeoutMs / 1000) + 30;
  const total = { tried: 0, done: 0 };
  for (;;) {
    const rows = await claimWorkflowSignals(deps.db, { source: opts.source, limit: BATCH, leaseSeconds });
    if (rows.length === 0) return total;
    const settled = await Promise.allSettled(rows.map((row) => deliverOne(deps, row)));
    const broken = settled.find((s) => s.status === 'rejected');
    if (broken) throw broken.reason; // Postgres failed a mark: the lease hands the row out again
    const done = settled.filter((s) => s.status === 'fulfilled' && s.value).length;
    total.tried += rows.length;
    total.done += done;
    if (done === 0) return total;
  }
}
