// Installs the Temporal SDK runtime once per process. Routes the SDK's logs (worker, workflow and activity loggers) into pino, so every log
// line about a workflow carries its workflowId, runId and type from the SDK's own metadata. Optionally
// serves the SDK's own metrics (task slots, poll and schedule-to-start latencies, workflow and activity
// outcomes: temporal_*) for Prometheus at `sdkMetricsAddress` (host:port, path /metrics).
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../config/logger';

let installed = false;

export function installTemporalLogging(logger: Logger, opts: { sdkMetricsAddress?: string } = {}): void {
  if (installed) return;
  installed = true;
  const sdkLogger = logger.child({ component: 'temporal' });
  const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
    TRACE: 'trace',
    DEBUG: 'debug',
    INFO: 'info',
    WARN: 'warn',
    ERROR: 'error',
  };
  Runtime.install({
    // Our entrypoints own signal handling and stop things in order (worker before Temporal/Postgres).
    shutdownSignals: [],
    logger: new DefaultLogger('INFO', ({ level, message, meta }) => sdkLogger[levels[level]](meta ?? {}, message)),
    ...(opts.sdkMetricsAddress && {
      // Durations in seconds, counters with _total: as Prometheus names them (and our own metrics do).
      telemetryOptions: {
        metrics: {
          prometheus: { bindAddress: opts.sdkMetricsAddress, useSecondsForDurations: true, countersTotalSuffix: true },
        },
      },
    }),
  });
}
