import { sql, type Kysely } from 'kysely';

// Model versions live in Postgres (each artefact is a few KB), so every worker and API process —
// on any host — serves the same champion and picks up a promotion without a restart.
export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per retrain workflow run; `seq` numbers its model version.
  await db.schema
    .createTable('ml_retrains')
    .addColumn('id', 'text', (c) => c.primaryKey()) // the workflow id
    .addColumn('seq', 'bigserial', (c) => c.notNull().unique())
    .addColumn('version', 'text', (c) => c.notNull().unique())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('running'))
    .addColumn('export_csv', 'text') // the labelled CRM export; null = synthetic data only
    .addColumn('data_summary', 'jsonb')
    .addColumn('champion_generation', 'integer') // which champion set the challenger was scored against
    .addColumn('evaluation', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('ml_model_versions')
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('entry', 'jsonb', (c) => c.notNull()) // the registry entry: features, scaling, metrics…
    .addColumn('onnx', 'bytea', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('holdout_csv', 'text') // the rows it was held out on, to score other versions on
    .addColumn('origin', 'text', (c) => c.notNull()) // bundled | retrain
    .addColumn('retrain_id', 'text', (c) => c.references('ml_retrains.id'))
    // challenger → champion | rejected | superseded; a champion later replaced → retired
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('decision', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('decided_at', 'timestamptz')
    .addPrimaryKeyConstraint('ml_model_versions_pk', ['model', 'version'])
    .execute();

  await db.schema
    .createTable('ml_champions')
    .addColumn('model', 'text', (c) => c.primaryKey())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('promoted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addForeignKeyConstraint('ml_champions_version_fk', ['model', 'version'], 'ml_model_versions', ['model', 'version'])
    .execute();

  // The champion set's generation: a promotion is a compare-and-set on it, so of two retrains
  // scored against the same champions only the first to promote wins.
  await db.schema
    .createTable('ml_champion_state')
    .addColumn('id', 'boolean', (c) =>
      c
        .primaryKey()
        .defaultTo(true)
        .check(sql`id`),
    )
    .addColumn('generation', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`insert into ml_champion_state (id) values (true)`.execute(db);
}
