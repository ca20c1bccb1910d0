// Every activity the worker registers, built from the dependencies they need.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { createLeadActivities } from './leads';
import { createMlActivities } from './ml/activities';
import type { ModelStore } from './ml/model-store';
import { createRetrainActivities } from './ml/retrain';

export interface ActivityDeps {
  db: Kysely<Database>;
  /** ONNX sessions shared by the whole process (the API serves from the same store). */
  modelStore: ModelStore;
  /** The trainer's Python (ML_PYTHON). */
  python: string;
}

export function createActivities({ db, modelStore, python }: ActivityDeps) {
  return { ...createLeadActivities({ db }), ...createMlActivities({ modelStore }), ...createRetrainActivities({ db, modelStore, python }) };
}
