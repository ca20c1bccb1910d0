// The same 1,000 rows through Python's onnxruntime (models/training/parity.py) and through Node
// (our feature code + onnxruntime-node): the outputs must agree to 1e-5.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { churnFeatureVector, customerValueFeatureVector, leadFeatureVector } from '../../activities/ml/features';
import { ModelStore } from '../../activities/ml/model-store';
import { runModel } from '../../activities/ml/predict';
import { MODEL_NAMES, type ModelName } from '../../activities/ml/registry';
import { churnFeaturesSchema, customerValueFeaturesSchema, leadFeaturesSchema } from '../../activities/ml/schemas';

const root = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);

const featureCode: Record<ModelName, (record: unknown) => number[]> = {
  lead_conversion: (r) => leadFeatureVector(leadFeaturesSchema.parse(r)),
  next_best_action: (r) => leadFeatureVector(leadFeaturesSchema.parse(r)),
  clv: (r) => customerValueFeatureVector(customerValueFeaturesSchema.parse(r)),
  churn_30d: (r) => churnFeatureVector(churnFeaturesSchema.parse(r)),
  churn_60d: (r) => churnFeatureVector(churnFeaturesSchema.parse(r)),
};

describe('Python / Node parity', () => {
  it('gives equal outputs (1e-5) for 1,000 fresh rows per model', async () => {
    const { stdout } = await run(
      path.join(root, '.venv', 'bin', 'python'),
      ['models/training/parity.py', '--rows', '1000', '--seed', '7'],
      {
        cwd: root,
        maxBuffer: 256 * 1024 * 1024,
      },
    );
    const oracle = JSON.parse(stdout) as Record<ModelName, { records: unknown[]; outputs: number[][] }>;
    const store = new ModelStore();
    for (const name of MODEL_NAMES) {
      const { records, outputs } = oracle[name];
      expect(records, name).toHaveLength(1000);
      const ours = await runModel(store, name, records.map(featureCode[name]));
      // 1e-5 absolute for probabilities; relative for dollar amounts (float32 carries ~7 digits).
      let worst = 0;
      ours.forEach((row, i) =>
        row.forEach((v, j) => {
          const expected = outputs[i]![j]!;
          worst = Math.max(worst, Math.abs(v - expected) / Math.max(1, Math.abs(expected)));
        }),
      );
      expect(worst, `${name}: largest difference`).toBeLessThan(1e-5);
    }
  }, 120_000);
});
