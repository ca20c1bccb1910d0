// Demo reference data for a fresh installation: a few reps with territories, skills, languages and
// capacity (after roadmap 4.4 A). Seeded once; a marker in app_meta keeps a later start from
// re-creating reps that ops deleted on purpose.
import { sql, type Kysely } from 'kysely';
import type { Logger } from '../config/logger';
import { insertReps } from './repositories/reps';
import type { Database, NewRep } from './schema';

const SEED_MARKER = 'demo_seed_v1';

// Demo reps are on call around the clock so a demo routes leads at any hour; real reps get their
// working hours and time off through the reps API. Pat manages the team (never routed to).
const AROUND_THE_CLOCK = JSON.stringify(
  Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ['00:00', '24:00']])),
);
const team = { manager_id: 'mgr-pat-morgan', working_hours: AROUND_THE_CLOCK };

export const DEMO_REPS: NewRep[] = [
  {
    id: 'mgr-pat-morgan',
    name: 'Pat Morgan',
    email: 'pat.morgan@iswitchroofs.example',
    territories: [],
    skills: [],
    languages: ['English'],
    performance_tier: 'standard',
    role: 'manager',
    working_hours: AROUND_THE_CLOCK,
  },
  {
    ...team,
    close_rate: 0.42,
    avg_deal_size: 48000,
    id: 'rep-john-smith',
    name: 'John Smith',
    email: 'john.smith@iswitchroofs.example',
    territories: ['Bloomfield Hills', 'Birmingham'],
    skills: ['commercial', 'flat_roof', 'luxury_residential'],
    languages: ['English', 'Spanish'],
    max_active_leads: 15,
    performance_tier: 'top',
  },
  {
    ...team,
    close_rate: 0.38,
    avg_deal_size: 28000,
    id: 'rep-jane-doe',
    name: 'Jane Doe',
    email: 'jane.doe@iswitchroofs.example',
    territories: ['Troy', 'Rochester Hills'],
    skills: ['residential', 'insurance_claims', 'emergency_repair'],
    languages: ['English'],
    max_active_leads: 15,
    performance_tier: 'standard',
  },
  {
    ...team,
    close_rate: 0.41,
    avg_deal_size: 39000,
    id: 'rep-maria-garcia',
    name: 'Maria Garcia',
    email: 'maria.garcia@iswitchroofs.example',
    territories: ['Grosse Pointe', 'Detroit'],
    skills: ['residential', 'luxury_residential', 'insurance_claims'],
    languages: ['English', 'Spanish'],
    max_active_leads: 15,
    performance_tier: 'top',
  },
  {
    ...team,
    close_rate: 0.3,
    avg_deal_size: 21000,
    id: 'rep-sam-lee',
    name: 'Sam Lee',
    email: 'sam.lee@iswitchroofs.example',
    territories: ['Troy', 'Southfield'],
    skills: ['residential', 'emergency_repair'],
    languages: ['English', 'Korean'],
    max_active_leads: 8,
    performance_tier: 'new_hire',
  },
];

/** Returns true when it seeded, false when this database was seeded before. */
export async function seedDemoData(db: Kysely<Database>, logger: Logger): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const marker = await tx
      .insertInto('app_meta')
      .values({ key: SEED_MARKER, value: JSON.stringify({ seededAt: new Date().toISOString() }) })
      .onConflict((oc) => oc.column('key').doNothing())
      .returning(sql<string>`key`.as('key'))
      .executeTakeFirst();
    if (!marker) return false;
    await insertReps(tx, DEMO_REPS);
    logger.info({ reps: DEMO_REPS.length }, 'seeded demo reps');
    return true;
  });
}
