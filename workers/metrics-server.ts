// The worker's own Prometheus endpoint (WORKER_METRICS_PORT): a worker in a process of its own
// (workers/main.ts, a container) counts its activities' decisions — leads, SLA breaches, messages,
// predictions — in its own registry, which the API's /metrics cannot see. `make start` runs the
// worker inside the API's process: its /metrics already holds them, and this server is not started.
import http from 'node:http';
import { collectDefaultMetrics, register } from 'prom-client';
import type { Logger } from '../config/logger';
import '../activities/business-metrics';

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

export function serveWorkerMetrics(opts: { host: string; port: number; logger: Logger }): Promise<MetricsServer> {
  // The process's memory, CPU, event-loop lag and GC, as the API reports its own.
  if (!register.getSingleMetric('process_cpu_user_seconds_total')) collectDefaultMetrics({ register });
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    register.metrics().then(
      (text) => res.writeHead(200, { 'content-type': register.contentType }).end(text),
      (err: unknown) => {
        opts.logger.error({ err }, 'metrics scrape failed');
        res.writeHead(500).end();
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      const { port } = server.address() as { port: number };
      const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
      resolve({
        url: `http://${host}:${port}/metrics`,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}
