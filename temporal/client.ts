// The one way API code and scripts reach Temporal: a client with our encrypting data converter, and
// the tracing interceptors when tracing is on (temporal/tracing.ts).
import { Client, Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import type { PayloadKey } from '../config/dev-secrets';
import { createDataConverter } from './data-converter';
import type { FrontendAuth } from './frontend-auth';
import { activeTracing } from './tracing';

/** Clients sharing a worker's connection in this process (see `startsEagerly`). */
const onWorkerConnection = new WeakSet<Client>();

/**
 * Whether workflows this client starts may run their first task at once on this process's worker
 * (eager start): the server hands the task back in the start's reply, with no queue and no poll in
 * between. Only a client on the worker's own NativeConnection can (`make start`, where the API and
 * the worker share a process); a separate API process starts workflows the usual way.
 */
export const startsEagerly = (client: Client): boolean => onWorkerConnection.has(client);

export async function connectClient(opts: {
  address: string;
  namespace: string;
  payloadKeys: PayloadKey[];
  /** ALLOW_UNENCRYPTED_PAYLOADS; default: refuse them. */
  allowUnencryptedPayloads?: boolean;
  /** frontendAuthOf(config): TLS and a token; default: plain gRPC. */
  auth?: FrontendAuth;
  /** The worker's connection, when the worker runs in this process: shared, and starts may be eager. */
  workerConnection?: NativeConnection;
  /** More workflow client interceptors, after the tracing ones (the benchmarks time round trips). */
  workflowInterceptors?: WorkflowClientInterceptor[];
}): Promise<Client> {
  const connection = opts.workerConnection ?? (await Connection.connect({ address: opts.address, ...opts.auth }));
  const tracing = activeTracing()?.clientInterceptors;
  const client = new Client({
    connection,
    namespace: opts.namespace,
    dataConverter: createDataConverter(opts.payloadKeys, { allowUnencrypted: opts.allowUnencryptedPayloads }),
    interceptors: opts.workflowInterceptors
      ? {
          ...tracing,
          workflow: [
            ...((tracing?.workflow as WorkflowClientInterceptor[] | undefined) ?? []),
            ...opts.workflowInterceptors,
          ],
        }
      : tracing,
  });
  if (opts.workerConnection) onWorkerConnection.add(client);
  return client;
}
