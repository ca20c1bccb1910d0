// Every migration, in order. A static list (not a folder scan) so bundlers and tests see the same set.
import type { Migration } from 'kysely';
import * as m0001 from './0001_leads_contacts_reps';

export const migrations: Record<string, Migration> = {
  '0001_leads_contacts_reps': m0001,
};
