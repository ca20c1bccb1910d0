// Every activity the worker registers, built from the dependencies they need.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { createLeadActivities } from './leads';
import { createMlActivities } from './ml/activities';
import type { ModelStore } from './ml/model-store';
import { createRetrainActivities } from './ml/retrain';
import { samplePropertyData, type PropertyDataProvider } from './property-data/provider';
import { createRoutingActivities } from './routing';

export interface ActivityDeps {
  db: Kysely<Database>;
  /** ONNX sessions shared by the whole process (the API serves from the same store). */
  modelStore: ModelStore;
  /** The trainer's Python (ML_PYTHON). */
  python: string;
  /** Property facts by address; default: the bundled assessor-style sample. */
  propertyData?: PropertyDataProvider;
}

export function createActivities({ db, modelStore, python, propertyData = samplePropertyData() }: ActivityDeps) {
  return {
    ...createLeadActivities({ db }),
    ...createRoutingActivities({ db, modelStore, propertyData }),
    ...createMlActivities({ modelStore }),
    ...createRetrainActivities({ db, modelStore, python }),
  };
}
