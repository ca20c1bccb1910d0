// Signals that provider events owe workflows (webhook_signals), delivered after the transaction that
// recorded and applied the event has committed — a Temporal call cannot be part of a Postgres
// transaction. The webhook route delivers its own event's signals at once; what Temporal did not
// take (unreachable, overloaded) stays pending and this relay, in the API process, delivers it
// later, oldest first. A workflow that has ended is not an error: its signal is dropped, noted.
// At least once: a process dying between Temporal taking a signal and our marking it can deliver
// it twice (handlers see the same messageId, event and `at`).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Logger } from '../config/logger';
import { runEvery } from './run-every';
import {
  claimWebhookSignals,
  markWebhookSignalDone,
  markWebhookSignalFailed,
  type WebhookSignal,
} from '../db/repositories/messages';
import type { Database } from '../db/schema';
import { householdReplySignal } from '../workflows/cadence/messages';
import { messageEventSignal } from '../workflows/messaging/messages';

export interface SignalRelayDeps {
  db: Kysely<Database>;
  client: Client;
  logger: Logger;
}

const DEFINITIONS = { messageEvent: messageEventSignal, householdReply: householdReplySignal } as const;
/** Long enough for one Temporal call; a delivery that dies holding a signal delays it this long. */
const LEASE_SECONDS = 60;

async function deliver(deps: SignalRelayDeps, s: WebhookSignal): Promise<boolean> {
  try {
    const handle = deps.client.workflow.getHandle(s.workflow_id);
    // The stored arguments are exactly what the signal's type declares (written by the webhook route).
    await handle.signal(DEFINITIONS[s.signal] as typeof messageEventSignal, s.args as never);
    await markWebhookSignalDone(deps.db, s.id);
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      deps.logger.info({ workflowId: s.workflow_id, signal: s.signal }, 'workflow has ended: signal dropped');
      await markWebhookSignalDone(deps.db, s.id, 'workflow not found (ended)');
      return true;
    }
    const message = err instanceof Error ? err.message : String(err);
    deps.logger.warn(
      { workflowId: s.workflow_id, signal: s.signal, attempt: s.attempts, err: message },
      'signal not delivered; kept pending',
    );
    await markWebhookSignalFailed(deps.db, s.id, message);
    return false;
  }
}

/**
 * Delivers pending signals — one event's, or the oldest of all — and answers how many reached
 * their workflow (or were dropped because it had ended). Never throws for a signal Temporal refused.
 */
export async function deliverWebhookSignals(
  deps: SignalRelayDeps,
  event?: { provider: string; eventId: string },
  limit = 100,
): Promise<number> {
  const claimed = await claimWebhookSignals(deps.db, { event, limit, leaseSeconds: LEASE_SECONDS });
  let delivered = 0;
  for (const s of claimed) if (await deliver(deps, s)) delivered += 1;
  return delivered;
}

/** Delivers what is still pending every `everyMs`, while the API runs. */
export function startWebhookSignalRelay(deps: SignalRelayDeps, everyMs = 10_000): () => void {
  return runEvery(
    everyMs,
    async () => {
      // Batches until nothing is left that may be tried now.
      while ((await deliverWebhookSignals(deps)) > 0);
    },
    (err) => deps.logger.warn({ err: err.message }, 'webhook signal relay failed; retrying next round'),
  );
}
