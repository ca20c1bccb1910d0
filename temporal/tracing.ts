// OpenTelemetry tracing through the SDK's interceptors: an API request, the workflow start it makes,
// the workflow's run and every activity it schedules become one trace (W3C trace context travels in
// the Temporal headers). Off unless OTEL_EXPORTER_OTLP_ENDPOINT (or _TRACES_ENDPOINT) is set: then
// nothing is installed, no interceptor runs and no span is made.
//
// Process-wide, as OpenTelemetry's own tracer provider is: the entrypoint installs it once, before it
// bundles workflows or connects, and the client (temporal/client.ts), the worker and its workflow
// bundle (workers/worker.ts) and the API's request spans (api/request-tracing.ts) read it from here.
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { ClientInterceptors } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { Config } from '../config/env';

/** What the client and the worker add while tracing is on. */
export interface Tracing {
  /** Every workflow start, signal, update and query made through a client gets a span, carried in its headers. */
  clientInterceptors: ClientInterceptors;
  /** Bundled into the workflow code (the sandbox's deterministic tracer): workflow runs, handlers, scheduled activities. */
  workflowModules: string[];
  /** Activity executions as children of the workflow span that scheduled them. */
  activityInterceptors: ActivityInterceptorsFactory[];
  /** Workflow spans leave the sandbox through this sink, into the process's span processor (never on replay). */
  sinks: InjectedSinks<OpenTelemetrySinks>;
  /** Exports what is still buffered, then stops; never rejects. */
  shutdown(): Promise<void>;
}

let installed: Tracing | undefined;

/** The tracing installed in this process, or undefined: tracing is off. */
export function activeTracing(): Tracing | undefined {
  return installed;
}

/**
 * Installs tracing for this process (once: the first call wins, as OpenTelemetry's global provider
 * does). `spanProcessor`: where spans go — the OTLP exporter in production, an in-memory one in tests.
 */
export function installTracing(opts: { serviceName: string; spanProcessor: SpanProcessor }): Tracing {
  if (installed) return installed;
  // The SDK's own attributes (telemetry.sdk.*) and ours, for the process's spans and the workflows' alike.
  const resource = new Resource({ ...Resource.default().attributes, 'service.name': opts.serviceName });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [opts.spanProcessor] });
  // The global provider, the AsyncLocalStorage context manager and the W3C propagator the client
  // interceptor injects with: without the propagator no trace would cross into Temporal headers.
  provider.register();
  installed = {
    clientInterceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
    workflowModules: [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')],
    activityInterceptors: [
      (ctx) => ({
        inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
        // Activity log lines carry the trace and span ids.
        outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
      }),
    ],
    sinks: { exporter: makeWorkflowExporter(opts.spanProcessor, resource) },
    // A collector that is down loses the last spans, and never holds up or fails the process's stop.
    shutdown: () => provider.shutdown().catch(() => undefined),
  };
  return installed;
}

/**
 * Where spans go, or undefined (tracing off): OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, else
 * OTEL_EXPORTER_OTLP_ENDPOINT with `/v1/traces` appended — the OpenTelemetry spec's rule
 * (https://opentelemetry.io/docs/specs/otel/protocol/exporter/).
 */
export function otlpTracesUrlOf(config: Config): string | undefined {
  const base = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  return config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base && `${base.replace(/\/+$/, '')}/v1/traces`);
}

/**
 * Tracing as the configuration asks (OTLP/HTTP with JSON payloads to otlpTracesUrlOf), or nothing.
 * The exporter's other standard variables (OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT…) and the sampler's
 * (OTEL_TRACES_SAMPLER) apply as usual.
 */
export function installTracingFromConfig(config: Config, defaultServiceName: string): Tracing | undefined {
  const url = otlpTracesUrlOf(config);
  if (!url) return undefined;
  return installTracing({
    serviceName: config.OTEL_SERVICE_NAME ?? defaultServiceName,
    spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter({ url })),
  });
}
