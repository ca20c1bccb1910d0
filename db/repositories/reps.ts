// Sales reps: who can take leads, where, in which languages, and how many at once.
import type { Kysely } from 'kysely';
import type { Database, NewRep } from '../schema';

export async function insertReps(db: Kysely<Database>, reps: NewRep[]): Promise<void> {
  await db.insertInto('reps').values(reps).onConflict((oc) => oc.column('id').doNothing()).execute();
}

export async function countReps(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('reps').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listReps(db: Kysely<Database>) {
  return db.selectFrom('reps').selectAll().orderBy('name').execute();
}

export async function repNameOf(db: Kysely<Database>, repId: string): Promise<string | undefined> {
  return (await db.selectFrom('reps').select('name').where('id', '=', repId).executeTakeFirst())?.name;
}
