// Champion or challenger: per model, the challenger wins only if its primary holdout metric beats
// the champion's, on the same rows, by the configured margin. Pure: runs inside the workflow.
import type { ModelDecision } from '../types';

/** The metric each model is judged by (higher is better) and where it sits in the metrics object. */
export const PRIMARY_METRIC: Record<string, string[]> = {
  lead_conversion: ['rocAuc'],
  next_best_action: ['macroF1'],
  clv: ['clv3Year', 'r2'],
  churn_30d: ['rocAuc'],
  churn_60d: ['rocAuc'],
};

export interface ModelEvaluation {
  model: string;
  championVersion: string | null;
  challengerVersion: string;
  /** Metrics on the challenger's holdout; null when there is no champion to compare with. */
  champion: Record<string, unknown> | null;
  challenger: Record<string, unknown>;
}

function metricAt(metrics: Record<string, unknown> | null, path: string[]): number | null {
  let value: unknown = metrics;
  for (const key of path)
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function decide(evaluations: ModelEvaluation[], margin: number): ModelDecision[] {
  return evaluations.map((e) => {
    const path = PRIMARY_METRIC[e.model];
    if (!path) throw new Error(`no primary metric for model ${e.model}`);
    const metric = path.join('.');
    const challenger = metricAt(e.challenger, path);
    const champion = metricAt(e.champion, path);
    const base = { model: e.model, metric, champion, challenger: challenger ?? Number.NaN, margin };
    if (challenger === null) return { ...base, promote: false, reason: `challenger has no ${metric}` };
    if (champion === null) return { ...base, promote: true, reason: 'no champion to compare with' };
    const gain = challenger - champion;
    const shown = (v: number) => v.toFixed(4);
    return gain >= margin
      ? {
          ...base,
          promote: true,
          reason: `${metric} ${shown(challenger)} beats ${shown(champion)} by ${shown(gain)} (margin ${margin})`,
        }
      : {
          ...base,
          promote: false,
          reason: `${metric} ${shown(challenger)} vs ${shown(champion)}: gain ${shown(gain)} is below the margin ${margin}`,
        };
  });
}
