// models/registry.json: which artefact serves each model, its version, features and explanation weights.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const MODEL_NAMES = ['lead_conversion', 'next_best_action', 'clv', 'churn_30d', 'churn_60d'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export interface RegistryEntry {
  name: ModelName;
  version: string;
  file: string;
  sha256: string;
  features: { name: string; source?: string; transform?: string }[];
  metrics: Record<string, unknown>;
  trainingDataSha256: string;
  explain: {
    mean: number[];
    scale: number[];
    coef: number[][];
    intercept: number[];
    classes?: unknown[];
    targets?: unknown[];
  };
  [key: string]: unknown;
}

/** One model version: its registry entry and the ONNX bytes it names. */
export interface Artefact {
  entry: RegistryEntry;
  onnx: Buffer;
}

export const projectRoot = path.resolve(__dirname, '..', '..');
export const defaultRegistryPath = path.join(projectRoot, 'models', 'registry.json');

export const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

/** Reads `{description, version, models: [entry…]}` (train.py writes it); every model must be listed. */
export function readRegistry(registryPath = defaultRegistryPath): {
  entries: Map<ModelName, RegistryEntry>;
  fingerprint: string;
} {
  const text = fs.readFileSync(registryPath, 'utf8');
  const parsed = JSON.parse(text) as { models?: unknown };
  if (!Array.isArray(parsed.models)) throw new Error(`${registryPath}: expected {"models": [...]}`);
  const entries = new Map((parsed.models as RegistryEntry[]).map((e) => [e.name, e]));
  for (const name of MODEL_NAMES) if (!entries.has(name)) throw new Error(`${registryPath} has no model "${name}"`);
  return { entries, fingerprint: sha256(text) };
}

/** The artefacts a registry file names (paths relative to `root`), each checked against its sha256. */
export function readArtefacts(
  registryPath = defaultRegistryPath,
  root = projectRoot,
): { artefacts: Artefact[]; fingerprint: string } {
  const { entries, fingerprint } = readRegistry(registryPath);
  const artefacts = MODEL_NAMES.map((name) => {
    const entry = entries.get(name)!;
    const onnx = fs.readFileSync(path.resolve(root, entry.file));
    verify(entry, onnx);
    return { entry, onnx };
  });
  return { artefacts, fingerprint };
}

export function verify(entry: RegistryEntry, onnx: Buffer): void {
  const actual = sha256(onnx);
  if (actual !== entry.sha256)
    throw new Error(`${entry.name} ${entry.version}: sha256 ${actual} does not match the registry's ${entry.sha256}`);
}
