// The Grafana dashboard (docs/grafana/crm-dashboard.json) charts only metrics the processes register:
// a renamed or removed metric would leave a panel silently empty, so every metric name in its PromQL
// must be in the registry the API and the worker serve (business, ML and process metrics).
import fs from 'node:fs';
import path from 'node:path';
import { collectDefaultMetrics, register } from 'prom-client';
import { describe, expect, it } from 'vitest';
import '../../activities/business-metrics';
import '../../activities/ml/metrics';

collectDefaultMetrics({ register }); // as api/app.ts and workers/metrics-server.ts do

interface Panel {
  title: string;
  type: string;
  datasource?: { uid: string };
  targets?: { expr: string }[];
}
const dashboard = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '..', '..', 'docs', 'grafana', 'crm-dashboard.json'), 'utf8'),
) as { uid: string; panels: Panel[]; templating: { list: { name: string; type: string; query: string }[] } };
const expressions = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
]);

/** The metric names a PromQL expression selects (functions, label names, keywords and numbers left out). */
function metricNamesIn(expr: string): string[] {
  const selectors = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '') // label values
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // range windows
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ''); // label lists
  return [...selectors.matchAll(/([a-zA-Z_:][\w:]*)(\s*\()?/g)]
    .filter((m) => m[2] === undefined && !KEYWORDS.has(m[1]!)) // not a function or an aggregation
    .map((m) => m[1]!);
}

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
    const names = [...new Set(expressions.flatMap(metricNamesIn))];
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
