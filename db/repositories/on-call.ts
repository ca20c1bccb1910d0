// The on-call rota (issue 22 item 5): who takes leads while nobody is on shift, per time window, and
// the after-hours backlog ops watch — leads assigned at night to the first rep on shift, whose SLA
// clock has not started yet. Routing reads the rota inside its transaction (assignments.ts).
import { sql, type Kysely, type Updateable } from 'kysely';
import type { Database, OnCallTable } from '../schema';

export async function listOnCall(db: Kysely<Database>, from: Date, to: Date) {
  return db
    .selectFrom('on_call as o')
    .innerJoin('reps as r', 'r.id', 'o.person_id')
    .select(['o.id', 'o.person_id', 'r.name as person_name', 'r.role', 'o.starts_at', 'o.ends_at', 'o.note'])
    .where('o.ends_at', '>', from)
    .where('o.starts_at', '<', to)
    .orderBy('o.starts_at')
    .orderBy('o.id')
    .execute();
}

export async function findOnCall(db: Kysely<Database>, id: string) {
  return db.selectFrom('on_call').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function addOnCall(
  db: Kysely<Database>,
  shift: { personId: string; startsAt: Date; endsAt: Date; note: string },
) {
  return db
    .insertInto('on_call')
    .values({ person_id: shift.personId, starts_at: shift.startsAt, ends_at: shift.endsAt, note: shift.note })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateOnCall(db: Kysely<Database>, id: string, changes: Updateable<OnCallTable>) {
  return db.updateTable('on_call').set(changes).where('id', '=', id).returningAll().executeTakeFirst();
}

export async function removeOnCall(db: Kysely<Database>, id: string): Promise<boolean> {
  const r = await db.deleteFrom('on_call').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** The rota's windows covering `at`: routing's question, asked in the assignment transaction. */
export async function onCallAt(db: Kysely<Database>, at: Date) {
  return db
    .selectFrom('on_call')
    .select(['person_id', 'starts_at', 'ends_at'])
    .where('starts_at', '<=', at)
    .where('ends_at', '>', at)
    .orderBy('starts_at')
    .orderBy('id')
    .execute();
}

/**
 * The after-hours backlog: every active assignment made while nobody was on shift whose rep has not
 * made contact yet — the next-shift ones first by when their SLA starts — with whether the customer's
 * acknowledgement went out (the message under the lead workflow's key, if any).
 */
export async function afterHoursBacklog(db: Kysely<Database>) {
  return db
    .selectFrom('lead_assignments as a')
    .innerJoin('leads as l', 'l.id', 'a.lead_id')
    .leftJoin('reps as r', 'r.id', 'a.rep_id')
    .leftJoin('messages as m', (j) => j.on('m.idempotency_key', '=', sql<string>`l.workflow_id || ':after-hours-ack'`))
    .select([
      'a.lead_id',
      'a.attempt',
      'a.rep_id',
      'r.name as rep_name',
      'a.after_hours',
      'a.assigned_at',
      'a.sla_starts_at',
      'a.sla_deadline',
      'a.accepted_at',
      'l.is_vip',
      'l.temperature',
      'm.status as acknowledgement',
    ])
    .where('a.after_hours', 'is not', null)
    .where('a.status', '=', 'active')
    .where('a.contacted_at', 'is', null)
    .orderBy('a.sla_starts_at')
    .orderBy('a.assigned_at')
    .execute();
}
