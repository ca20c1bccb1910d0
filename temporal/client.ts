// The one way API code and scripts reach Temporal: a client with our encrypting data converter.
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import type { PayloadKey } from '../config/dev-secrets';
import { createDataConverter } from './data-converter';

export async function connectClient(opts: {
  address: string;
  namespace: string;
  payloadKeys: PayloadKey[];
  /** ALLOW_UNENCRYPTED_PAYLOADS; default: refuse them. */
  allowUnencryptedPayloads?: boolean;
  /** temporalTlsOf(config); default: plain gRPC. */
  tls?: TLSConfig;
}): Promise<Client> {
  const connection = await Connection.connect({ address: opts.address, tls: opts.tls });
  return new Client({
    connection,
    namespace: opts.namespace,
    dataConverter: createDataConverter(opts.payloadKeys, { allowUnencrypted: opts.allowUnencryptedPayloads }),
  });
}
