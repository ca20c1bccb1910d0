// `make start`: runs the whole system on embedded defaults, prints where to find it, and stops it
// cleanly on Ctrl-C (a second Ctrl-C forces the exit).
import { ConfigError, loadConfig, sdkMetricsAddressOf } from '../config/env';
import { createLogger } from '../config/logger';
import { installTemporalLogging } from '../temporal/runtime-logging';
import { installTracingFromConfig } from '../temporal/tracing';
import { startSystem, type RunningSystem } from './system';

async function main(): Promise<void> {
  const startedAt = Date.now();
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'crm');
  installTemporalLogging(logger, { sdkMetricsAddress: sdkMetricsAddressOf(config) });
  // Before the system bundles workflows and connects: both take the tracing interceptors.
  const tracing = installTracingFromConfig(config, 'crm');

  let stopping: Promise<void> | undefined;
  const started: { system?: RunningSystem } = {};
  const onSignal = (signal: string): void => {
    if (stopping) {
      logger.warn('second signal: exiting now');
      process.exit(130);
    }
    logger.info({ signal }, 'stopping');
    stopping = (started.system?.stop() ?? Promise.resolve())
      .then(() => tracing?.shutdown()) // the last spans exported
      .then(() => process.exit(0));
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  const system = await startSystem(config, logger);
  started.system = system;
  if (stopping) return; // Ctrl-C during start-up: startSystem finished, stop what it started.

  const lines = [
    '',
    `  Ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
    `  API           ${system.apiUrl}/api/v1`,
    `  OpenAPI docs  ${system.apiUrl}/docs`,
    `  Temporal UI   ${system.uiUrl ?? '(external Temporal: use its own Web UI)'}   codec endpoint ${system.codecUrl}`,
    `  Temporal      ${system.temporalAddress}  namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.TEMPORAL_TASK_QUEUE}`,
    `  Postgres      ${system.databaseUrl.replace(/:[^:@/]+@/, ':***@')}`,
    ...(config.DEV_OUTBOX
      ? [
          `  Dev outbox    ${system.apiUrl}/dev/outbox  (sign in with the ops key: messages the local providers delivered)`,
        ]
      : []),
    ...(system.secrets.generatedApiKeys
      ? system.secrets.apiKeys.map(
          (k) => `  Dev API key   ${k.key}  (role ${k.role}; kept in ${config.DATA_DIR}/dev-api-keys)`,
        )
      : []),
    '  Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(
    err instanceof ConfigError ? `${err.message}\n` : `make start failed: ${(err as Error).stack ?? String(err)}\n`,
  );
  process.exit(1);
});
