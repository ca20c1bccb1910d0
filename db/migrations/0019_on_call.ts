import { sql, type Kysely } from 'kysely';

// After hours (issue 22 item 5; roadmap 4.4 B "100% lead assignment within 2 minutes"): the on-call
// rota — a rep or a manager who takes leads in a time window, whatever their working hours — and,
// on an assignment made while nobody is on shift, how it was made (`on_call`, or `next_shift`: to
// the first rep on shift) and when its SLA clock starts (that rep's shift start, not the assignment).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('on_call')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('person_id', 'text', (c) => c.notNull().references('reps.id').onDelete('cascade'))
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('on_call_range', sql`ends_at > starts_at`)
    .execute();
  // Routing asks "who is on call at t": windows ending after t, starting before it.
  await db.schema.createIndex('on_call_window_idx').on('on_call').columns(['ends_at', 'starts_at']).execute();

  await db.schema
    .alterTable('lead_assignments')
    .addColumn('after_hours', 'text', (c) => c.check(sql`after_hours in ('on_call', 'next_shift')`))
    .addColumn('sla_starts_at', 'timestamptz')
    .execute();
  // The after-hours backlog: assignments waiting for a shift to start.
  await sql`create index lead_assignments_after_hours_idx on lead_assignments (sla_starts_at)
            where after_hours is not null and status = 'active'`.execute(db);
}
