// The Grafana dashboard (docs/grafana/crm-dashboard.json) charts only metrics the processes register:
// a renamed or removed metric would leave a panel silently empty, so every metric name in its PromQL
// must be in the registry the API and the worker serve (business, ML and process metrics). The
// Temporal SDK's own (temporal_*) are checked against a live worker's SDK endpoint instead
// (test/integration/worker-observability.test.ts).
import { collectDefaultMetrics, register } from 'prom-client';
import { describe, expect, it } from 'vitest';
import '../../activities/business-metrics';
import '../../activities/ml/metrics';
import { dashboard, dashboardMetricNames, metricNamesIn } from '../helpers/dashboard';

collectDefaultMetrics({ register }); // as api/app.ts and workers/metrics-server.ts do

/** A histogram's or summary's series names (`_bucket`, `_sum`, `_count`) are its own name's. */
function registered(name: string): boolean {
  const names = new Set(register.getMetricsAsArray().map((m) => m.name));
  return names.has(name) || names.has(name.replace(/_(bucket|sum|count)$/, ''));
}

describe('the Grafana dashboard', () => {
  it('reads every panel from the Prometheus data source chosen on import', () => {
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
    );
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row'))
      expect(panel.datasource?.uid, panel.title).toBe('${datasource}');
  });

  it('names only metrics the processes register', () => {
    const names = dashboardMetricNames().filter((n) => !n.startsWith('temporal_'));
    expect(names).toEqual(
      expect.arrayContaining([
        'leads_created_total',
        'sla_breaches_total',
        'messages_total',
        'workflows_waiting',
        'ml_inference_seconds_bucket',
      ]),
    );
    expect(names.filter((n) => !registered(n))).toEqual([]);
  });

  it('would catch a metric nobody registers (the check can fail)', () => {
    const expr = 'sum by (le, model) (rate(leads_lost_total{reason="price"}[5m])) / clamp_min(sum(x_total), 1)';
    expect(metricNamesIn(expr)).toEqual(['leads_lost_total', 'x_total']);
    expect(metricNamesIn(expr).filter((n) => !registered(n))).toEqual(['leads_lost_total', 'x_total']);
  });
});
