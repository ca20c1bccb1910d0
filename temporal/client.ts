// The one way API code and scripts reach Temporal: a client with our encrypting data converter, and
// the tracing interceptors when tracing is on (temporal/tracing.ts).
import { Client, Connection } from '@temporalio/client';
import type { PayloadKey } from '../config/dev-secrets';
import { createDataConverter } from './data-converter';
import type { FrontendAuth } from './frontend-auth';
import { activeTracing } from './tracing';

export async function connectClient(opts: {
  address: string;
  namespace: string;
  payloadKeys: PayloadKey[];
  /** ALLOW_UNENCRYPTED_PAYLOADS; default: refuse them. */
  allowUnencryptedPayloads?: boolean;
  /** frontendAuthOf(config): TLS and a token; default: plain gRPC. */
  auth?: FrontendAuth;
}): Promise<Client> {
  const connection = await Connection.connect({ address: opts.address, ...opts.auth });
  return new Client({
    connection,
    namespace: opts.namespace,
    dataConverter: createDataConverter(opts.payloadKeys, { allowUnencrypted: opts.allowUnencryptedPayloads }),
    interceptors: activeTracing()?.clientInterceptors,
  });
}
