// The worker as deployed (workers/main.ts in a process of its own, beside the API): its activities
// count on its own /metrics (WORKER_METRICS_PORT), not on the API's; the Temporal SDK serves its own
// metrics on TEMPORAL_SDK_METRICS_PORT (those the dashboard charts among them); with OTEL_EXPORTER_OTLP_ENDPOINT
// set it exports its workflow and activity spans over OTLP/HTTP (here to a stand-in collector), its
// workflow interceptors bundled by the worker itself; and SIGTERM still drains and exits cleanly.
import http from 'node:http';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../../temporal/client';
import { dashboardMetricNames } from '../helpers/dashboard';
import { freePort } from '../helpers/ports';
import { SLAS_THAT_DO_NOT_LAPSE, startTestSystem, type TestSystem } from '../helpers/system';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';

interface OtlpExport {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { spans: { name: string; traceId: string; spanId: string; parentSpanId?: string }[] }[];
  }[];
}

/** A stand-in OTLP/HTTP collector: keeps every JSON export it receives on /v1/traces. */
async function startCollector(port: number) {
  const received: OtlpExport[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') received.push(JSON.parse(body) as OtlpExport);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const spans = () =>
    received.flatMap((e) =>
      e.resourceSpans.flatMap((r) =>
        r.scopeSpans.flatMap((s) =>
          s.spans.map((span) => ({
            ...span,
            service: r.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue,
          })),
        ),
      ),
    );
  return { spans, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('the worker in a process of its own', () => {
  let sys: TestSystem;
  let client: Client;
  let worker: WorkerProcess;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let workerMetrics: string;
  let sdkMetrics: string;

  beforeAll(async () => {
    const [metricsPort, sdkMetricsPort, collectorPort] = [await freePort(), await freePort(), await freePort()];
    collector = await startCollector(collectorPort);
    workerMetrics = `http://127.0.0.1:${metricsPort}/metrics`;
    sdkMetrics = `http://127.0.0.1:${sdkMetricsPort}/metrics`;
    sys = await startTestSystem(
      {
        ...SLAS_THAT_DO_NOT_LAPSE,
        // What the worker process is given (test/helpers/worker-process.ts hands it these settings).
        WORKER_METRICS_PORT: String(metricsPort),
        TEMPORAL_SDK_METRICS_PORT: String(sdkMetricsPort),
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}`,
        OTEL_BSP_SCHEDULE_DELAY: '200', // the batch exporter's standard setting: export within 0.2 s
      },
      { worker: false },
    );
    client = await connectClient({
      address: sys.temporalAddress,
      namespace: sys.config.TEMPORAL_NAMESPACE,
      payloadKeys: sys.secrets.payloadKeys,
    });
    worker = await startWorkerProcess(sys, client);
  }, 240_000);
  afterAll(async () => {
    await worker?.kill();
    await client?.connection.close();
    await sys?.stop();
    await collector?.close();
  });

  it('counts its decisions on WORKER_METRICS_PORT, serves the SDK metrics, exports its spans over OTLP, drains on SIGTERM', async () => {
    const res = await fetch(`${sys.apiUrl}/api/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sys.crmKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        firstName: 'Wanda',
        lastName: 'Worker',
        phone: '2485550142',
        address: { street: '4 Pine St', city: 'Troy', state: 'MI', zip: '48083' },
        source: 'website',
        signals: { intent: 'requested_appointment', websiteVisits48h: 5 },
      }),
    });
    expect(res.status).toBe(202);

    // The worker process scored the lead: counted there, and not in the API's process.
    await expect
      .poll(async () => sample(await (await fetch(workerMetrics)).text(), 'leads_created_total{temperature="HOT"}'))
      .toBe(1);
    const fromWorker = await (await fetch(workerMetrics)).text();
    expect(sample(fromWorker, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    const api = await (await fetch(`${sys.apiUrl}/metrics`)).text();
    expect(sample(api, 'leads_created_total{temperature="HOT"}')).toBe(0);
    expect(sample(api, 'workflows_waiting{reason="rep"}')).toBe(0); // read from Postgres by the API
    expect((await fetch(workerMetrics.replace('/metrics', '/other'))).status).toBe(404);
    // The SDK's own metrics, on their port (the assessment's run among them: a local activity), and every temporal_*
    // name the Grafana dashboard charts.
    const sdkText = async () => (await fetch(sdkMetrics)).text();
    await expect
      .poll(sdkText)
      .toMatch(
        /^temporal_local_activity_execution_latency_count\{[^}]*task_queue="crm-processes-routing"[^}]*\} [1-9]/m,
      );
    const sdkNames = new Set([...(await sdkText()).matchAll(/^(temporal_\w+)[{ ]/gm)].map((m) => m[1]));
    const charted = dashboardMetricNames().filter((n) => n.startsWith('temporal_'));
    expect(charted.length).toBeGreaterThan(0);
    expect(charted.filter((n) => !sdkNames.has(n))).toEqual([]);

    // Its activity spans, children of the workflow's StartActivity spans, reached the collector.
    await expect
      .poll(() => collector.spans().some((s) => s.name === 'RunActivity:assessLead'), { timeout: 30_000 })
      .toBe(true);
    const execute = collector.spans().find((s) => s.name === 'RunActivity:assessLead')!;
    const schedule = collector.spans().find((s) => s.spanId === execute.parentSpanId);
    expect(schedule?.name).toBe('StartActivity:assessLead');
    expect(schedule?.traceId).toBe(execute.traceId);
    expect(execute.service).toBe('crm-worker');

    await worker.stop();
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    await expect(fetch(workerMetrics)).rejects.toThrow(); // its metrics server closed with it
  });
});
