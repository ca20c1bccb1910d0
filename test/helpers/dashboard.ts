// The Grafana dashboard's PromQL (docs/grafana/crm-dashboard.json) and the metric names it selects:
// tests check each name against what the processes serve.
import fs from 'node:fs';
import path from 'node:path';

export interface DashboardPanel {
  title: string;
  type: string;
  datasource?: { uid: string };
  targets?: { expr: string }[];
}

export const dashboard = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '..', '..', 'docs', 'grafana', 'crm-dashboard.json'), 'utf8'),
) as { uid: string; panels: DashboardPanel[]; templating: { list: { name: string; type: string; query: string }[] } };

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
export function metricNamesIn(expr: string): string[] {
  const selectors = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '') // label values
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // range windows
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ''); // label lists
  return [...selectors.matchAll(/([a-zA-Z_:][\w:]*)(\s*\()?/g)]
    .filter((m) => m[2] === undefined && !KEYWORDS.has(m[1]!)) // not a function or an aggregation
    .map((m) => m[1]!);
}

/** Every metric name the dashboard's panels select, once each. */
export function dashboardMetricNames(): string[] {
  const expressions = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  return [...new Set(expressions.flatMap(metricNamesIn))];
}
