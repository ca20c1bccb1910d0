// TLS to the Temporal frontend (TEMPORAL_TLS*): server-authenticated, or mutual when a client
// certificate is set — the frontend then knows which workload calls it (docs/production.md).
import type { TLSConfig } from '@temporalio/client';
import type { Config } from '../config/env';

/** The connection's `tls` option: undefined (plain gRPC) unless TEMPORAL_TLS or one of its files is set. */
export function temporalTlsOf(
  config: Pick<
    Config,
    | 'TEMPORAL_TLS'
    | 'TEMPORAL_TLS_CA_FILE'
    | 'TEMPORAL_TLS_CERT_FILE'
    | 'TEMPORAL_TLS_KEY_FILE'
    | 'TEMPORAL_TLS_SERVER_NAME'
  >,
): TLSConfig | undefined {
  const ca = config.TEMPORAL_TLS_CA_FILE;
  const crt = config.TEMPORAL_TLS_CERT_FILE;
  const key = config.TEMPORAL_TLS_KEY_FILE;
  if (!config.TEMPORAL_TLS && !ca && !crt && !key && !config.TEMPORAL_TLS_SERVER_NAME) return undefined;
  return {
    ...(ca && { serverRootCACertificate: ca }),
    ...(crt && key && { clientCertPair: { crt, key } }),
    ...(config.TEMPORAL_TLS_SERVER_NAME && { serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME }),
  };
}
