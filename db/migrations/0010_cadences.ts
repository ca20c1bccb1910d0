import { sql, type Kysely } from 'kysely';

// Follow-up cadences (roadmap 4.3 B-C): one row per cadence run, so a contact is never in two at
// once (partial unique index) and a cooldown can be checked; ops holds (pause one lead, a rep's
// leads, a whole cadence definition); and every touch with its A/B variant and what it earned.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('cadences')
    // One run: the workflow id and its first run id (continue-as-new keeps it), so a lead's
    // second cadence after the cooldown is a new row under the same workflow id.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'uuid', (c) => c.notNull().references('contacts.id'))
    .addColumn('lead_id', 'uuid', (c) => c.notNull().references('leads.id'))
    .addColumn('rep_id', 'text')
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ended_at', 'timestamptz')
    .addColumn('end_reason', 'text')
    .addColumn('touches', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`create unique index cadences_one_running_per_contact on cadences (contact_id) where ended_at is null`.execute(
    db,
  );
  await db.schema.createIndex('cadences_workflow_idx').on('cadences').column('workflow_id').execute();
  await db.schema
    .createIndex('cadences_contact_ended_idx')
    .on('cadences')
    .columns(['contact_id', 'ended_at'])
    .execute();

  await db.schema
    .createTable('cadence_holds')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('scope', 'text', (c) => c.notNull()) // lead | rep | definition
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('released_at', 'timestamptz')
    .execute();
  await sql`create unique index cadence_holds_one_active on cadence_holds (scope, target) where released_at is null`.execute(
    db,
  );

  await db.schema
    .createTable('cadence_touches')
    .addColumn('cadence_id', 'text', (c) => c.notNull().references('cadences.id'))
    .addColumn('touch_no', 'integer', (c) => c.notNull())
    .addColumn('step', 'text', (c) => c.notNull())
    .addColumn('variant', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('message_id', 'uuid')
    .addColumn('sent_at', 'timestamptz', (c) => c.notNull())
    .addColumn('opened', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('clicked', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('replied', 'boolean', (c) => c.notNull().defaultTo(false))
    .addPrimaryKeyConstraint('cadence_touches_pk', ['cadence_id', 'touch_no'])
    .execute();
  await db.schema.createIndex('cadence_touches_message_idx').on('cadence_touches').column('message_id').execute();
}
