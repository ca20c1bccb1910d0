// Every Temporal call a route makes runs under a deadline (TEMPORAL_CALL_TIMEOUT_MS): an unreachable
// Temporal then fails the call, which problemHandler answers as a 503, instead of a request that hangs.
import type { Client } from '@temporalio/client';

export type WithinDeadline = <T>(call: () => Promise<T>) => Promise<T>;

/** Runs each call it is given with `client`, allowed `timeoutMs` from the moment the call starts. */
export function deadlineFor(client: Client, timeoutMs: number): WithinDeadline {
  return (call) => client.withDeadline(Date.now() + timeoutMs, call);
}
