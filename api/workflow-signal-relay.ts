// Signals owed to workflows (the workflow_signals outbox, activities/workflow-signals.ts), from the
// API process: a request delivers its own change's signals right after commit, and the relay
// delivers, every few seconds, whatever Temporal did not take then. Every API replica runs the
// relay; a session advisory lock lets one work at a time, the others skip their round.
import type { Logger } from '../config/logger';
import { withSessionLock } from '../db/session-lock';
import { deliverWorkflowSignals, type SignalDeliveryDeps } from '../activities/workflow-signals';
import { runEvery } from './run-every';

export type SignalRelayDeps = SignalDeliveryDeps & { logger: Logger };

/** What a router that signals workflows through the outbox is given (deals, cadences, reps). */
export interface SignallingRouteDeps {
  db: SignalDeliveryDeps['db'];
  client: SignalDeliveryDeps['client'];
  logger: Logger;
  temporalTimeoutMs: number;
}

/**
 * Right after the commit of a change: delivers what it owes (its `source`) now, so a signal is no
 * later than a direct call would have been. Never throws: what is left is the relay's.
 */
export async function deliverNow(deps: SignalRelayDeps, source: string): Promise<void> {
  try {
    await deliverWorkflowSignals(deps, { source });
  } catch (err) {
    deps.logger.warn({ source, err: (err as Error).message }, 'signals not delivered now; the relay will');
  }
}

/** One relay round, if no other replica is in one: every signal that may be tried now. */
export async function relayWorkflowSignals(deps: SignalRelayDeps): Promise<{ ran: boolean; done: number }> {
  const round = await withSessionLock(deps.db, 'workflow-signal-relay', (conn) =>
    deliverWorkflowSignals({ ...deps, db: conn }),
  );
  return round.held ? { ran: true, done: round.value.done } : { ran: false, done: 0 };
}

/** The relay, every `everyMs` while the API runs. */
export function startWorkflowSignalRelay(deps: SignalRelayDeps, everyMs = 5_000): () => void {
  return runEvery(
    everyMs,
    () => relayWorkflowSignals(deps),
    (err) => deps.logger.warn({ err: err.message }, 'workflow signal relay failed; retrying next round'),
  );
}
