// The retrain's side effects: export → train (Python) → evaluate (Python) → promote. Each step is
// idempotent on the retrain id (the workflow id): a retry finds what an earlier attempt stored.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure, log } from '@temporalio/activity';
import type { Kysely } from 'kysely';
import {
  beginRetrain,
  challengersOf,
  endRetrain,
  getRetrain,
  loadChampions,
  promote,
  saveChallengers,
  saveEvaluation,
  saveExport,
  type Challenger,
} from '../db/repositories/ml-models';
import type { Database } from '../db/schema';
import type { ModelEvaluation } from '../workflows/model-retrain/rules/promotion';
import type { ModelDecision, PromotionOutcome, RetrainTrigger } from '../workflows/model-retrain/types';
import { checkServable, type ModelStore } from './ml/model-store';
import { runPython } from './ml/python';
import { MODEL_NAMES, projectRoot, readRegistry, sha256, type RegistryEntry } from './ml/registry';
import { exportClosedLeads, type ExportSummary } from './ml/training-export';

const TRAIN = path.join(projectRoot, 'models', 'training', 'train.py');
const EVALUATE = path.join(projectRoot, 'models', 'training', 'evaluate.py');
/** The bundled models' seed; a retrain's default seed follows from its sequence number. */
const BUNDLED_SEED = 41;

export interface RetrainDeps {
  db: Kysely<Database>;
  /** The Python with the trainer's requirements (ML_PYTHON). */
  python: string;
  /** This process's store: refreshed right after a promotion (others notice within seconds). */
  modelStore: ModelStore;
}

const notFound = (id: string) =>
  ApplicationFailure.create({ type: 'RetrainNotFound', message: `retrain ${id} does not exist`, nonRetryable: true });

/** A temporary folder for one step, always removed. */
async function inTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-retrain-'));
  try {
    return await fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function writeModels(dir: string, models: { model: string; onnx: Buffer }[]): void {
  for (const m of models) {
    fs.mkdirSync(path.join(dir, m.model), { recursive: true });
    fs.writeFileSync(path.join(dir, m.model, 'model.onnx'), m.onnx);
  }
}

export function createRetrainActivities({ db, python, modelStore }: RetrainDeps) {
  return {
    async beginModelRetrain(input: {
      retrainId: string;
      trigger: RetrainTrigger;
    }): Promise<{ version: string; seq: number }> {
      const { version, seq } = await beginRetrain(db, input.retrainId, input.trigger);
      log.info('retrain begun', { version });
      return { version, seq };
    },

    /** Stores the labelled export beside the retrain (it holds ZIP codes: it stays out of history). */
    async exportTrainingData(input: { retrainId: string }): Promise<ExportSummary> {
      const { csv, summary } = await exportClosedLeads(db);
      await saveExport(db, input.retrainId, csv, { ...summary });
      log.info('training data exported', { ...summary });
      return summary;
    },

    /** Runs train.py and stores the five challengers with their holdouts. */
    async trainChallengers(input: {
      retrainId: string;
      seed?: number;
      nLeads?: number;
      nCustomers?: number;
    }): Promise<{ model: string; version: string; trainingData: unknown }[]> {
      const retrain = await getRetrain(db, input.retrainId);
      if (!retrain) throw notFound(input.retrainId);
      let challengers = await challengersOf(db, input.retrainId);
      if (challengers.length < MODEL_NAMES.length) {
        challengers = await inTempDir(async (dir) => {
          const out = path.join(dir, 'out');
          const holdouts = path.join(dir, 'holdout');
          const seed = input.seed ?? BUNDLED_SEED + Number(retrain.seq);
          const args = [
            '--out-dir',
            out,
            '--version',
            retrain.version,
            '--seed',
            String(seed),
            '--holdout-dir',
            holdouts,
          ];
          if (input.nLeads) args.push('--n-leads', String(input.nLeads));
          if (input.nCustomers) args.push('--n-customers', String(input.nCustomers));
          if (retrain.export_csv) {
            fs.writeFileSync(path.join(dir, 'export.csv'), retrain.export_csv);
            args.push('--data-csv', path.join(dir, 'export.csv'));
          }
          await runPython(python, TRAIN, args, projectRoot);
          const { entries } = readRegistry(path.join(out, 'registry.json'));
          return MODEL_NAMES.map((model): Challenger => {
            const entry = entries.get(model)!;
            const onnx = fs.readFileSync(path.join(out, model, 'model.onnx'));
            if (sha256(onnx) !== entry.sha256)
              throw new Error(`${model}: trained file does not match its registry entry`);
            return {
              model,
              version: entry.version,
              entry,
              onnx,
              sha256: entry.sha256,
              holdoutCsv: fs.readFileSync(path.join(holdouts, `${model}.csv`), 'utf8'),
            };
          });
        });
        await saveChallengers(db, input.retrainId, challengers);
      }
      return challengers.map((c) => ({
        model: c.model,
        version: c.version,
        trainingData: (c.entry as { trainingData?: unknown }).trainingData,
      }));
    },

    /** Scores champions and challengers on each challenger's holdout; records the champions' generation. */
    async evaluateChallengers(input: {
      retrainId: string;
    }): Promise<{ generation: number; evaluations: ModelEvaluation[] }> {
      const challengers = await challengersOf(db, input.retrainId);
      if (challengers.length === 0) throw notFound(input.retrainId);
      await modelStore.models(); // a fresh database learns the bundled champions on first load
      const champions = await loadChampions(db);
      const scores = await inTempDir(async (dir) => {
        for (const c of challengers) {
          fs.mkdirSync(path.join(dir, 'holdout'), { recursive: true });
          fs.writeFileSync(path.join(dir, 'holdout', `${c.model}.csv`), c.holdoutCsv);
        }
        writeModels(path.join(dir, 'challenger'), challengers);
        writeModels(path.join(dir, 'champion'), champions.models);
        // Both sets in one Python run: its start-up (numpy, scikit-learn) is most of the cost.
        const dirs = ['challenger', ...(champions.models.length ? ['champion'] : [])];
        const out = await runPython(
          python,
          EVALUATE,
          ['--holdout-dir', path.join(dir, 'holdout'), ...dirs.flatMap((d) => ['--models-dir', path.join(dir, d)])],
          projectRoot,
        );
        const [challenger, champion = {}] = out
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as Record<string, Record<string, unknown>>);
        return { challenger: challenger!, champion };
      });
      const evaluations = challengers.map((c) => ({
        model: c.model,
        challengerVersion: c.version,
        championVersion: champions.models.find((m) => m.model === c.model)?.version ?? null,
        challenger: scores.challenger[c.model]!,
        champion: scores.champion[c.model] ?? null,
      }));
      await saveEvaluation(db, input.retrainId, champions.generation, evaluations);
      return { generation: champions.generation, evaluations };
    },

    /** Applies the decisions if the champions are still those evaluated against (else: superseded). */
    async promoteChallengers(input: {
      retrainId: string;
      generation: number;
      decisions: ModelDecision[];
    }): Promise<PromotionOutcome> {
      // Promoted means served by every worker and API process at once: a challenger they could not
      // load (bytes changed since training, a file onnxruntime-node refuses) fails the retrain here,
      // before anything changes, and the champions keep serving.
      const winners = input.decisions.filter((d) => d.promote).map((d) => d.model);
      if (winners.length > 0) {
        for (const c of await challengersOf(db, input.retrainId)) {
          if (!winners.includes(c.model)) continue;
          try {
            await checkServable(c.entry as unknown as RegistryEntry, c.onnx);
          } catch (err) {
            throw ApplicationFailure.create({
              type: 'ChallengerNotServable',
              message: `${c.model} ${c.version} cannot be served (${(err as Error).message.split('\n')[0]}): nothing promoted`,
              nonRetryable: true,
            });
          }
        }
      }
      const outcome = await promote(db, input.retrainId, input.generation, input.decisions);
      log.info('retrain decided', { ...outcome });
      if (outcome.outcome === 'promoted')
        await modelStore.refresh().catch((err: unknown) => log.warn('model store refresh failed', { err }));
      return outcome;
    },

    async endModelRetrain(input: { retrainId: string; status: 'failed' | 'cancelled'; reason: string }): Promise<void> {
      await endRetrain(db, input.retrainId, input.status, input.reason);
    },
  };
}
