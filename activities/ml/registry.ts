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
  explain: { mean: number[]; scale: number[]; coef: number[][]; intercept: number[]; classes?: unknown[]; targets?: unknown[] };
  [key: string]: unknown;
}

export const projectRoot = path.resolve(__dirname, '..', '..');
export const defaultRegistryPath = path.join(projectRoot, 'models', 'registry.json');

export function readRegistry(registryPath = defaultRegistryPath): { entries: Map<ModelName, RegistryEntry>; fingerprint: string } {
  const text = fs.readFileSync(registryPath, 'utf8');
  const parsed = JSON.parse(text) as unknown;
  const list: RegistryEntry[] = Array.isArray(parsed)
    ? parsed
    : Array.isArray((parsed as { models?: unknown }).models)
      ? (parsed as { models: RegistryEntry[] }).models
      : Object.entries((parsed as { models?: Record<string, RegistryEntry> }).models ?? (parsed as Record<string, RegistryEntry>)).map(
          ([name, entry]) => ({ ...entry, name: (entry.name ?? name) as ModelName }),
        );
  const entries = new Map(list.map((e) => [e.name, e]));
  for (const name of MODEL_NAMES) if (!entries.has(name)) throw new Error(`models/registry.json has no model "${name}"`);
  return { entries, fingerprint: createHash('sha256').update(text).digest('hex') };
}
