// The Python reference for chosen records: models/training/parity.py --records runs them through
// Python's onnxruntime on features.py's vectors (as the parity test does for generated rows), so a
// test can check a prediction's value, not only its shape.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { readRegistry, type ModelName } from '../../activities/ml/registry';
import type { ChurnFeatures, CustomerValueFeatures, LeadFeatures } from '../../activities/ml/schemas';

const root = path.resolve(__dirname, '..', '..');

/** The next-best-action model's output columns, as its registry entry names them (the actions, in order). */
export const NEXT_BEST_ACTION_COLUMNS = (
  readRegistry().entries.get('next_best_action')!.outputs as { columns: string[] }[]
)[0]!.columns;

/** Each model's raw output rows (probabilities, or CLV's dollars), in the order of the records given. */
export type Reference = Partial<Record<ModelName, number[][]>>;

export function pythonReference(records: {
  leads?: LeadFeatures[];
  customers?: CustomerValueFeatures[];
  churn?: ChurnFeatures[];
}): Promise<Reference> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(root, '.venv', 'bin', 'python'), ['models/training/parity.py', '--records', '-'], {
      cwd: root,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`parity.py exited ${code}: ${stderr}`));
      const out = JSON.parse(stdout) as Record<string, { outputs: number[][] }>;
      resolve(Object.fromEntries(Object.entries(out).map(([name, r]) => [name, r.outputs])) as Reference);
    });
    child.stdin.end(JSON.stringify(records));
  });
}
