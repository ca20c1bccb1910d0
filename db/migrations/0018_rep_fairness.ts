import { sql, type Kysely } from 'kysely';

// Fair routing (roadmap 4.4 B, issue 22 items 7-8): each rep's round-robin credits (smooth weighted
// round-robin, overall and for premium leads: workflows/lead-intake/rules/choose-rep.ts), the end
// of a new hire's training period, the quality of each lead as its rep received it (the fairness
// report reads it), and the monthly re-tiering's audit, a row per change.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('reps')
    .addColumn('rotation_credit', 'real', (c) => c.notNull().defaultTo(0))
    .addColumn('premium_credit', 'real', (c) => c.notNull().defaultTo(0))
    // A new hire is standard from this day on (the monthly re-tiering promotes them).
    .addColumn('training_ends_on', 'date')
    .execute();

  // As the lead was when the rep got it: its temperature changes later, the rep's share does not.
  await db.schema
    .alterTable('lead_assignments')
    .addColumn('temperature', 'text')
    .addColumn('is_vip', 'boolean')
    .addColumn('premium', 'boolean')
    .addColumn('value', 'integer') // the expected first project, when known
    .execute();
  // The fairness report: each rep's assignments of the last days.
  await sql`create index lead_assignments_rep_assigned on lead_assignments (rep_id, assigned_at)`.execute(db);

  await db.schema
    .createTable('rep_tier_changes')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull()) // the retier workflow's id: a retry writes nothing twice
    .addColumn('rep_id', 'text', (c) => c.notNull().references('reps.id'))
    .addColumn('from_tier', 'text', (c) => c.notNull())
    .addColumn('to_tier', 'text', (c) => c.notNull())
    .addColumn('close_rate_before', 'real', (c) => c.notNull())
    .addColumn('close_rate_after', 'real', (c) => c.notNull())
    .addColumn('closed_leads', 'integer', (c) => c.notNull())
    .addColumn('won_leads', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('rep_tier_changes_once', ['run_id', 'rep_id'])
    .execute();
}
