// Observability's switches: tracing is off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (nothing
// installed, so the client, the worker, its bundle and the API add nothing), and so are the worker's
// metrics endpoints unless their ports are set. A bad value stops the start naming the variable.
import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, sdkMetricsAddressOf } from '../../config/env';
import { activeTracing, installTracingFromConfig, otlpTracesUrlOf } from '../../temporal/tracing';

describe('the observability switches', () => {
  it('are off by default: no tracing, no worker metrics endpoints', () => {
    const config = loadConfig({});
    expect(installTracingFromConfig(config, 'crm')).toBeUndefined();
    expect(activeTracing()).toBeUndefined();
    expect(config.WORKER_METRICS_PORT).toBeUndefined();
    expect(sdkMetricsAddressOf(config)).toBeUndefined();
  });

  it('send spans where the OpenTelemetry spec says: the base endpoint + /v1/traces, or the traces endpoint as it is', () => {
    expect(otlpTracesUrlOf(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }))).toBe(
      'http://collector:4318/v1/traces',
    );
    expect(otlpTracesUrlOf(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com/ingest/' }))).toBe(
      'https://otel.example.com/ingest/v1/traces',
    );
    const both = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4318/v1/traces',
    });
    expect(otlpTracesUrlOf(both)).toBe('http://tempo:4318/v1/traces');
  });

  it("serve the SDK's metrics on WORKER_METRICS_HOST", () => {
    expect(sdkMetricsAddressOf(loadConfig({ TEMPORAL_SDK_METRICS_PORT: '9465' }))).toBe('127.0.0.1:9465');
    expect(sdkMetricsAddressOf(loadConfig({ TEMPORAL_SDK_METRICS_PORT: '9465', WORKER_METRICS_HOST: '::' }))).toBe(
      '[::]:9465',
    );
  });

  it('refuses an endpoint that is not an http(s) URL, and a bad metrics port', () => {
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(ConfigError);
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
    expect(() => loadConfig({ WORKER_METRICS_PORT: '99999' })).toThrow(/WORKER_METRICS_PORT/);
    expect(() => loadConfig({ TEMPORAL_SDK_METRICS_PORT: 'x' })).toThrow(/TEMPORAL_SDK_METRICS_PORT/);
  });

  it('tracing is on with the endpoint: the process-wide provider, and the interceptors the client and worker add', async () => {
    const config = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9/', OTEL_SERVICE_NAME: 'crm-blue' });
    const tracing = installTracingFromConfig(config, 'crm')!;
    expect(activeTracing()).toBe(tracing);
    expect(tracing.clientInterceptors.workflow).toHaveLength(1);
    expect(tracing.activityInterceptors).toHaveLength(1);
    expect(tracing.workflowModules[0]).toMatch(/interceptors-opentelemetry\/lib\/workflow-interceptors\.js$/);
    expect(Object.keys(tracing.sinks)).toEqual(['exporter']);
    const span = trace.getTracer('test').startSpan('x');
    expect(span.isRecording()).toBe(true); // the global provider is ours (a no-op one records nothing)
    span.end();
    // Nothing listens on port 9: the stop neither hangs on the lost spans nor throws.
    await expect(tracing.shutdown()).resolves.toBeUndefined();
  });
});
