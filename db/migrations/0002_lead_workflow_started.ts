import { sql, type Kysely } from 'kysely';

// Null until Temporal confirmed the start: the reconciler starts what a crash or an outage left behind.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('leads').addColumn('workflow_started_at', 'timestamptz').execute();
  // Leads stored before this column existed had their workflows started by their POST.
  await sql`update leads set workflow_started_at = created_at`.execute(db);
  await db.schema
    .createIndex('leads_workflow_not_started_idx')
    .on('leads')
    .column('created_at')
    .where(sql.ref('workflow_started_at'), 'is', null)
    .execute();
}
