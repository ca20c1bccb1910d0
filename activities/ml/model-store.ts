// ONNX sessions, loaded once per process and shared by every activity and API request. The store
// asks its source for the champions' generation in the background every few seconds and, when a
// retrain promoted new versions, swaps every session at once: workers never restart for a model.
import * as ort from 'onnxruntime-node';
import type { Kysely } from 'kysely';
import { championGeneration, loadChampions, registerBundledModels } from '../../db/repositories/ml-models';
import type { Database } from '../../db/schema';
import type { Logger } from '../../config/logger';
import {
  defaultRegistryPath,
  MODEL_NAMES,
  readArtefacts,
  verify,
  type Artefact,
  type ModelName,
  type RegistryEntry,
} from './registry';

export interface LoadedModel {
  entry: RegistryEntry;
  session: ort.InferenceSession;
  outputName: string;
}

/** Where the champion models come from. */
export interface ModelSource {
  /** Changes whenever the champion set changes; cheap to call. */
  generation(): Promise<string>;
  load(): Promise<{ generation: string; artefacts: Artefact[] }>;
}

/** The bundled registry file: tests, benchmarks, and a process without a database. */
export function bundledSource(registryPath = defaultRegistryPath): ModelSource {
  return {
    generation: () => Promise.resolve(readArtefacts(registryPath).fingerprint),
    load: () => {
      const { artefacts, fingerprint } = readArtefacts(registryPath);
      return Promise.resolve({ generation: fingerprint, artefacts });
    },
  };
}

/**
 * The champions in Postgres (what every worker and API process serves). The first load makes the
 * bundled artefacts known there (registerBundledModels), so a fresh database serves them.
 */
export function databaseSource(db: Kysely<Database>, registryPath = defaultRegistryPath): ModelSource {
  let registered: Promise<void> | undefined;
  const register = () =>
    (registered ??= registerBundledModels(
      db,
      readArtefacts(registryPath).artefacts.map(({ entry, onnx }) => ({
        model: entry.name,
        version: entry.version,
        entry,
        onnx,
        sha256: entry.sha256,
      })),
    ).catch((err: unknown) => {
      registered = undefined;
      throw err;
    }));
  return {
    generation: async () => String(await championGeneration(db)),
    load: async () => {
      await register();
      const { generation, models } = await loadChampions(db);
      const artefacts = models.map((m) => {
        const entry = m.entry as unknown as RegistryEntry;
        verify(entry, m.onnx);
        return { entry, onnx: m.onnx };
      });
      for (const name of MODEL_NAMES)
        if (!artefacts.some((a) => a.entry.name === name)) throw new Error(`no champion for model "${name}"`);
      return { generation: String(generation), artefacts };
    },
  };
}

interface Generation {
  generation: string;
  models: Map<ModelName, LoadedModel>;
}

/** How often the source is asked whether the champions changed. */
const RECHECK_MS = 5000;

export class ModelStore {
  private current?: Promise<Generation>;
  private lastCheck = Date.now();
  private checking?: Promise<void>;

  constructor(
    private readonly source: ModelSource = bundledSource(),
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** The current models; loaded on first use. A due check for new versions runs in the background. */
  async models(): Promise<Map<ModelName, LoadedModel>> {
    if (!this.current) {
      this.current = this.load();
      void this.current.catch(() => (this.current = undefined)); // the next call tries again
    }
    const generation = await this.current;
    if (Date.now() - this.lastCheck > RECHECK_MS && !this.checking) {
      this.checking = this.refresh()
        .catch(this.onError) // keep serving what is loaded
        .finally(() => (this.checking = undefined));
    }
    return generation.models;
  }

  async model(name: ModelName): Promise<LoadedModel> {
    return (await this.models()).get(name)!;
  }

  /** Checks the source now; loads and swaps in a new generation fully before serving it. */
  async refresh(): Promise<void> {
    this.lastCheck = Date.now();
    const current = await this.current;
    if (current && (await this.source.generation()) === current.generation) return;
    const next = this.load();
    await next;
    this.current = next;
  }

  /** Which generation is being served (undefined before the first load). */
  async servingGeneration(): Promise<string | undefined> {
    return (await this.current)?.generation;
  }

  private async load(): Promise<Generation> {
    const { generation, artefacts } = await this.source.load();
    const models = new Map<ModelName, LoadedModel>();
    await Promise.all(
      artefacts.map(async ({ entry, onnx }) => {
        const session = await openSession(onnx);
        const outputName = session.outputNames.includes('probabilities')
          ? 'probabilities'
          : session.outputNames.at(-1)!;
        models.set(entry.name, { entry, session, outputName });
      }),
    );
    return { generation, models };
  }
}

/** An ONNX session as every process serves it (one thread each: the worker runs many activities). */
export function openSession(onnx: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(onnx, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
}

/**
 * Throws unless every process could serve this model: its bytes are the ones its registry entry
 * names, and onnxruntime-node loads them.
 */
export async function checkServable(entry: RegistryEntry, onnx: Buffer): Promise<void> {
  verify(entry, onnx);
  const session = await openSession(onnx);
  await session.release();
}

/**
 * The store every long-running process serves from: the champions in Postgres, loaded before it
 * returns (broken artefacts fail the start; a fresh database gets its champions at once).
 */
export async function openModelStore(db: Kysely<Database>, logger: Logger): Promise<ModelStore> {
  const store = new ModelStore(databaseSource(db), (err) =>
    logger.warn({ err }, 'model check failed; serving the loaded models'),
  );
  await store.models();
  return store;
}
