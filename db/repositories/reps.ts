// Sales reps: who can take leads, where, in which languages, and how many at once.
import type { Kysely } from 'kysely';
import type { Updateable } from 'kysely';
import type { Database, NewRep, RepsTable } from '../schema';

export async function insertReps(db: Kysely<Database>, reps: NewRep[]): Promise<void> {
  await db
    .insertInto('reps')
    .values(reps)
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

export async function countReps(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('reps')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listReps(db: Kysely<Database>) {
  return db.selectFrom('reps').selectAll().orderBy('name').execute();
}

export async function repNameOf(db: Kysely<Database>, repId: string): Promise<string | undefined> {
  return (await db.selectFrom('reps').select('name').where('id', '=', repId).executeTakeFirst())?.name;
}

export async function findRep(db: Kysely<Database>, repId: string) {
  return db.selectFrom('reps').selectAll().where('id', '=', repId).executeTakeFirst();
}

/** Creates a rep; false when the id or email is taken. */
export async function createRep(db: Kysely<Database>, rep: NewRep): Promise<boolean> {
  const inserted = await db
    .insertInto('reps')
    .values(rep)
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .executeTakeFirst();
  return Boolean(inserted);
}

export async function updateRep(db: Kysely<Database>, repId: string, changes: Updateable<RepsTable>) {
  // Nothing to set (a PATCH of `{}`): an UPDATE with an empty SET is not SQL.
  if (Object.keys(changes).length === 0) return findRep(db, repId);
  return db.updateTable('reps').set(changes).where('id', '=', repId).returningAll().executeTakeFirst();
}

/** Lead ids the rep holds without having made contact yet: what moves when they become unavailable. */
export async function uncontactedLeadsOf(db: Kysely<Database>, repId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('lead_assignments')
    .select('lead_id')
    .where('rep_id', '=', repId)
    .where('status', '=', 'active')
    .where('contacted_at', 'is', null)
    .execute();
  return rows.map((r) => r.lead_id);
}

export async function listTimeOff(db: Kysely<Database>, repId: string) {
  return db.selectFrom('rep_time_off').selectAll().where('rep_id', '=', repId).orderBy('starts_at').execute();
}

export async function addTimeOff(db: Kysely<Database>, repId: string, startsAt: Date, endsAt: Date, reason: string) {
  return db
    .insertInto('rep_time_off')
    .values({ rep_id: repId, starts_at: startsAt, ends_at: endsAt, reason })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function removeTimeOff(db: Kysely<Database>, repId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('rep_time_off')
    .where('rep_id', '=', repId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * The top performer to loop in on a lead showing buying signals (4.3 C ACCELERATE "Assign to top
 * performer"): an active top-tier rep (not `exclude`), one covering the lead's city first, then the
 * best close rate, then the fewest active leads.
 */
export async function topPerformerFor(
  db: Kysely<Database>,
  lead: { city?: string; exclude?: string },
): Promise<{ id: string; name: string } | undefined> {
  const reps = await db
    .selectFrom('reps')
    .select(['id', 'name', 'territories', 'close_rate', 'active_leads'])
    .where('active', '=', true)
    .where('role', '=', 'rep')
    .where('performance_tier', '=', 'top')
    .execute();
  const city = lead.city?.toLowerCase();
  const covers = (r: { territories: string[] }) =>
    city && r.territories.some((t) => t.toLowerCase() === city) ? 1 : 0;
  const best = reps
    .filter((r) => r.id !== lead.exclude)
    .sort(
      (a, b) =>
        covers(b) - covers(a) ||
        b.close_rate - a.close_rate ||
        a.active_leads - b.active_leads ||
        a.id.localeCompare(b.id),
    )[0];
  return best && { id: best.id, name: best.name };
}
