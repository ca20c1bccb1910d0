// Predictions with their model name, version and the features that pushed them most, so a rep can
// see why. Batches run as one tensor per model: the cost of a call is paid once per batch.
import * as ort from 'onnxruntime-node';
import { churnFeatureVector, customerValueFeatureVector, leadFeatureVector } from './features';
import { recordPredictions } from './metrics';
import type { LoadedModel, ModelStore } from './model-store';
import type { ModelName } from './registry';
import {
  NEXT_BEST_ACTIONS,
  type ChurnFeatures,
  type CustomerValueFeatures,
  type LeadFeatures,
  type NextBestAction,
} from './schemas';

export interface Contribution {
  feature: string;
  /** Signed effect on the model's score (log-odds or dollars), in scaled units. */
  contribution: number;
}
export interface ModelRef {
  model: ModelName;
  version: string;
}

export interface LeadPrediction {
  conversion: ModelRef & { probability: number; topFeatures: Contribution[] };
  nextBestAction: ModelRef & {
    action: NextBestAction;
    confidence: number;
    probabilities: Record<NextBestAction, number>;
    topFeatures: Contribution[];
  };
}
export interface CustomerValuePrediction extends ModelRef {
  firstProjectValue: number;
  clv3Year: number;
  ultraPremium: boolean;
  topFeatures: Contribution[];
}
export interface ChurnPrediction {
  churn30d: ModelRef & { probability: number; topFeatures: Contribution[] };
  churn60d: ModelRef & { probability: number; topFeatures: Contribution[] };
}

export const ULTRA_PREMIUM_PROJECT_VALUE = 45_000;
const TOP_FEATURES = 3;

function tensor(rows: number[][], width: number): ort.Tensor {
  const data = new Float32Array(rows.length * width);
  rows.forEach((row, i) => data.set(row, i * width));
  return new ort.Tensor('float32', data, [rows.length, width]);
}

/** Runs one model over the rows; returns the output as rows of numbers. */
async function run(model: LoadedModel, rows: number[][]): Promise<number[][]> {
  const width = model.entry.features.length;
  const started = performance.now();
  const result = await model.session.run({ features: tensor(rows, width) }, [model.outputName]);
  recordPredictions(model.entry.name, rows.length, (performance.now() - started) / 1000);
  const out = result[model.outputName]!;
  const cols = Number(out.dims[1] ?? 1);
  const data = out.data as Float32Array;
  return rows.map((_, i) => Array.from(data.subarray(i * cols, (i + 1) * cols)));
}

/** coef[k][i] * (x[i] - mean[i]) / scale[i]: exact for the linear models behind the scaler. */
function topFeatures(model: LoadedModel, x: number[], k: number): Contribution[] {
  const { mean, scale, coef } = model.entry.explain;
  const weights = coef[k] ?? coef[0]!;
  return x
    .map((value, i) => ({
      feature: model.entry.features[i]!.name,
      contribution: (weights[i]! * (value - mean[i]!)) / (scale[i]! || 1),
    }))
    .filter((c) => c.contribution !== 0)
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
    .slice(0, TOP_FEATURES)
    .map((c) => ({ feature: c.feature, contribution: Math.round(c.contribution * 1e4) / 1e4 }));
}

const ref = (m: LoadedModel): ModelRef => ({ model: m.entry.name, version: m.entry.version });

export async function predictLeads(store: ModelStore, records: LeadFeatures[]): Promise<LeadPrediction[]> {
  const models = await store.models();
  const conversion = models.get('lead_conversion')!;
  const nba = models.get('next_best_action')!;
  const rows = records.map(leadFeatureVector);
  const [conversionOut, nbaOut] = await Promise.all([run(conversion, rows), run(nba, rows)]);
  return rows.map((x, i) => {
    const probs = nbaOut[i]!;
    let best = 0;
    for (let k = 1; k < probs.length; k++) if (probs[k]! > probs[best]!) best = k;
    return {
      conversion: {
        ...ref(conversion),
        probability: conversionOut[i]![1]!,
        topFeatures: topFeatures(conversion, x, 0),
      },
      nextBestAction: {
        ...ref(nba),
        action: NEXT_BEST_ACTIONS[best]!,
        confidence: probs[best]!,
        probabilities: Object.fromEntries(NEXT_BEST_ACTIONS.map((a, k) => [a, probs[k]!])) as Record<
          NextBestAction,
          number
        >,
        topFeatures: topFeatures(nba, x, best),
      },
    };
  });
}

export async function predictCustomerValue(
  store: ModelStore,
  records: CustomerValueFeatures[],
): Promise<CustomerValuePrediction[]> {
  const clv = await store.model('clv');
  const rows = records.map(customerValueFeatureVector);
  const out = await run(clv, rows);
  return rows.map((x, i) => ({
    ...ref(clv),
    firstProjectValue: out[i]![0]!,
    clv3Year: out[i]![1]!,
    ultraPremium: out[i]![0]! > ULTRA_PREMIUM_PROJECT_VALUE,
    topFeatures: topFeatures(clv, x, 1),
  }));
}

export async function predictChurn(store: ModelStore, records: ChurnFeatures[]): Promise<ChurnPrediction[]> {
  const models = await store.models();
  const m30 = models.get('churn_30d')!;
  const m60 = models.get('churn_60d')!;
  const rows = records.map(churnFeatureVector);
  const [o30, o60] = await Promise.all([run(m30, rows), run(m60, rows)]);
  return rows.map((x, i) => ({
    churn30d: { ...ref(m30), probability: o30[i]![1]!, topFeatures: topFeatures(m30, x, 0) },
    churn60d: { ...ref(m60), probability: o60[i]![1]!, topFeatures: topFeatures(m60, x, 0) },
  }));
}

/** The raw output rows of one model, for the Python/Node parity test. */
export async function runModel(store: ModelStore, name: ModelName, rows: number[][]): Promise<number[][]> {
  return run(await store.model(name), rows);
}
