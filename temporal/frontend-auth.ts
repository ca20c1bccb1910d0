// How clients and workers prove themselves to the Temporal frontend (docs/production.md): TLS —
// server-authenticated, or mutual when a client certificate is set — and a bearer token for the
// server's authorizer (TEMPORAL_API_KEY, e.g. a JWT its default claim mapper reads). Plain gRPC
// when none is set, as on the compose network and the dev server.
import type { TLSConfig } from '@temporalio/client';
import type { Config } from '../config/env';

/** The connection options both Connection.connect and NativeConnection.connect take. */
export interface FrontendAuth {
  tls?: TLSConfig;
  /** Sent as `Authorization: Bearer …`; the SDK then turns TLS on unless told otherwise. */
  apiKey?: string;
}

export function frontendAuthOf(
  config: Pick<
    Config,
    | 'TEMPORAL_TLS'
    | 'TEMPORAL_TLS_SERVER_CA_CERT_PATH'
    | 'TEMPORAL_TLS_CLIENT_CERT_PATH'
    | 'TEMPORAL_TLS_CLIENT_KEY_PATH'
    | 'TEMPORAL_TLS_SERVER_NAME'
    | 'TEMPORAL_API_KEY'
  >,
): FrontendAuth {
  const ca = config.TEMPORAL_TLS_SERVER_CA_CERT_PATH;
  const crt = config.TEMPORAL_TLS_CLIENT_CERT_PATH;
  const key = config.TEMPORAL_TLS_CLIENT_KEY_PATH;
  const tls = config.TEMPORAL_TLS || ca || crt || key || config.TEMPORAL_TLS_SERVER_NAME;
  return {
    ...(tls && {
      tls: {
        ...(ca && { serverRootCACertificate: ca }),
        ...(crt && key && { clientCertPair: { crt, key } }),
        ...(config.TEMPORAL_TLS_SERVER_NAME && { serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME }),
      },
    }),
    ...(config.TEMPORAL_API_KEY && { apiKey: config.TEMPORAL_API_KEY }),
  };
}
