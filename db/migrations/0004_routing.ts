import { sql, type Kysely } from 'kysely';

// Routing and SLAs (roadmap 4.4): who may take a lead and when, who has it, why they got it, and
// what happened when nobody answered in time.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('reps')
    // A manager is a rep row that is never routed to; breaches escalate to a rep's manager.
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('rep'))
    .addColumn('manager_id', 'text', (c) => c.references('reps.id'))
    .addColumn('time_zone', 'text', (c) => c.notNull().defaultTo('America/Detroit'))
    // {"mon": ["08:00", "20:00"], …} in the rep's time zone; a missing day is a day off.
    .addColumn('working_hours', 'jsonb', (c) =>
      c
        .notNull()
        .defaultTo(
          sql`'{"mon":["08:00","20:00"],"tue":["08:00","20:00"],"wed":["08:00","20:00"],"thu":["08:00","20:00"],"fri":["08:00","20:00"],"sat":["09:00","17:00"]}'::jsonb`,
        ),
    )
    .addColumn('close_rate', 'real', (c) => c.notNull().defaultTo(0.35))
    .addColumn('avg_deal_size', 'integer', (c) => c.notNull().defaultTo(25000))
    // Open assignments; the check is the last line of defence behind the routing lock.
    .addColumn('active_leads', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`active_leads >= 0 and active_leads <= max_active_leads`),
    )
    // Leads ever assigned: the weighted round-robin's counter.
    .addColumn('assigned_total', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('rep_time_off')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('rep_id', 'text', (c) => c.notNull().references('reps.id').onDelete('cascade'))
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull().defaultTo('pto'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('rep_time_off_range', sql`ends_at > starts_at`)
    .execute();
  await db.schema.createIndex('rep_time_off_rep_idx').on('rep_time_off').columns(['rep_id', 'ends_at']).execute();

  await db.schema
    .alterTable('leads')
    .addColumn('is_vip', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('vip_reasons', 'jsonb')
    .addColumn('prediction', 'jsonb') // conversion, next best action, CLV with model versions
    .addColumn('enrichment', 'jsonb') // property data as the provider returned it
    .addColumn('assigned_rep_id', 'text', (c) => c.references('reps.id'))
    .addColumn('sla_deadline', 'timestamptz')
    .addColumn('accepted_at', 'timestamptz')
    .addColumn('contacted_at', 'timestamptz')
    .addColumn('deal_value', 'integer') // set when the lead is won: a returning customer's LTV
    .execute();

  // One row per (lead, attempt): attempt n+1 is the reassignment after attempt n's breach.
  await db.schema
    .createTable('lead_assignments')
    .addColumn('lead_id', 'uuid', (c) => c.notNull().references('leads.id'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('rep_id', 'text', (c) => c.notNull().references('reps.id'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active')) // active | ended
    .addColumn('end_reason', 'text') // contacted | breached | reassigned | closed | unavailable
    .addColumn('assigned_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sla_deadline', 'timestamptz', (c) => c.notNull())
    .addColumn('accepted_at', 'timestamptz')
    .addColumn('contacted_at', 'timestamptz')
    .addColumn('ended_at', 'timestamptz')
    .addPrimaryKeyConstraint('lead_assignments_pk', ['lead_id', 'attempt'])
    .execute();
  await db.schema
    .createIndex('lead_assignments_one_active')
    .on('lead_assignments')
    .column('lead_id')
    .unique()
    .where(sql.ref('status'), '=', 'active')
    .execute();

  // Every routing decision with every candidate's scores and every exclusion's reason.
  await db.schema
    .createTable('assignment_audit')
    .addColumn('lead_id', 'uuid', (c) => c.notNull().references('leads.id'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('chosen_rep_id', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull()) // assigned | no_rep_available
    .addColumn('decision', 'jsonb', (c) => c.notNull())
    .addColumn('decided_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('assignment_audit_pk', ['lead_id', 'attempt'])
    .execute();

  // What the CRM tells people: a rep's tasks (the notification until messaging exists), manager
  // escalations and the ops queue. `key` makes each idempotent (workflow id + step).
  await db.schema
    .createTable('notifications')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('recipient', 'text', (c) => c.notNull()) // rep:<id> | ops
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('lead_id', 'uuid', (c) => c.references('leads.id'))
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('read_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('notifications_recipient_idx')
    .on('notifications')
    .columns(['recipient', 'created_at'])
    .execute();
}
