// Every activity the worker registers, built from the dependencies they need.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { createLeadActivities } from './leads';

export interface ActivityDeps {
  db: Kysely<Database>;
}

export function createActivities(deps: ActivityDeps) {
  return { ...createLeadActivities(deps) };
}
