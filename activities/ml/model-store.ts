// ONNX sessions, loaded once per process and shared by every activity and API request. The store
// notices a new registry (a promoted retrain) and swaps every session at once, without a restart.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { defaultRegistryPath, projectRoot, readRegistry, MODEL_NAMES, type ModelName, type RegistryEntry } from './registry';

export interface LoadedModel {
  entry: RegistryEntry;
  session: ort.InferenceSession;
  outputName: string;
}

interface Generation {
  fingerprint: string;
  models: Map<ModelName, LoadedModel>;
}

/** How often the registry file is looked at for a new version. */
const RECHECK_MS = 5000;

export class ModelStore {
  private current?: Promise<Generation>;
  private lastCheck = 0;

  constructor(private readonly registryPath = defaultRegistryPath) {}

  /** The current models; loads them on first use and after the registry changed. */
  async models(): Promise<Map<ModelName, LoadedModel>> {
    if (!this.current) this.current = this.load();
    const generation = await this.current;
    if (Date.now() - this.lastCheck > RECHECK_MS) {
      this.lastCheck = Date.now();
      const fingerprint = createHash('sha256').update(fs.readFileSync(this.registryPath)).digest('hex');
      if (fingerprint !== generation.fingerprint) {
        const next = this.load();
        // Keep serving the old generation until the new one is fully loaded.
        await next;
        this.current = next;
        return (await next).models;
      }
    }
    return generation.models;
  }

  async model(name: ModelName): Promise<LoadedModel> {
    return (await this.models()).get(name)!;
  }

  private async load(): Promise<Generation> {
    const { entries, fingerprint } = readRegistry(this.registryPath);
    const models = new Map<ModelName, LoadedModel>();
    await Promise.all(
      MODEL_NAMES.map(async (name) => {
        const entry = entries.get(name)!;
        const bytes = fs.readFileSync(path.resolve(projectRoot, entry.file));
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        if (sha256 !== entry.sha256) throw new Error(`${entry.file}: sha256 ${sha256} does not match the registry's ${entry.sha256}`);
        const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
        const outputName = session.outputNames.includes('probabilities') ? 'probabilities' : session.outputNames.at(-1)!;
        models.set(name, { entry, session, outputName });
      }),
    );
    return { fingerprint, models };
  }
}

/** One store per process: sessions are loaded once and shared. */
export const sharedModelStore = new ModelStore();
