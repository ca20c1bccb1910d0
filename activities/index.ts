// Every activity the worker registers, built from the dependencies they need.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { createLeadActivities } from './leads';
import { createMlActivities } from './ml/activities';
import { sharedModelStore, type ModelStore } from './ml/model-store';

export interface ActivityDeps {
  db: Kysely<Database>;
  /** ONNX sessions shared by the whole process. */
  modelStore?: ModelStore;
}

export function createActivities({ db, modelStore = sharedModelStore }: ActivityDeps) {
  return { ...createLeadActivities({ db }), ...createMlActivities({ modelStore }) };
}
