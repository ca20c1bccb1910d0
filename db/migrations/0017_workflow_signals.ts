import { sql, type Kysely } from 'kysely';

// What a change owes a running workflow — a signal, or a signal-with-start — written in the
// transaction of the change and delivered after commit, retried until Temporal takes it
// (activities/workflow-signals.ts, api/workflow-signal-relay.ts). It replaces webhook_signals
// (0011), whose rows move here: one outbox for every API path and activity that signals a workflow.
// Beside it, what the two workflows that own state in Postgres need to end cleanly: when a
// customer's journey was first asked for (so a later lead never starts an ended journey again),
// and when a cadence's claim on its contact was last found held by a running workflow.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('workflow_signals')
    .addColumn('id', 'bigserial', (c) => c.primaryKey()) // a workflow's signals go in this order
    // The change that owes it (`webhook:<provider>:<event>`, `deal-event:<id>`, `lead:<id>`…): what
    // its request delivers at once, and, with the workflow and the signal, queued once.
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('signal', 'text', (c) => c.notNull())
    .addColumn('args', 'jsonb', (c) => c.notNull()) // the signal's arguments, an array
    // Signal-with-start: { workflowType, taskQueue, args, searchAttributes, staticSummary }.
    .addColumn('start', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // Not before then: claimed by a delivery until then, or, after a failure, pausing until then.
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('done_at', 'timestamptz')
    // delivered | dropped (the workflow has ended) | dead (Temporal refused it for good)
    .addColumn('outcome', 'text')
    .addColumn('last_error', 'text')
    .addUniqueConstraint('workflow_signals_once', ['source', 'workflow_id', 'signal'])
    .execute();
  await sql`create index workflow_signals_due on workflow_signals (next_attempt_at, id) where done_at is null`.execute(
    db,
  );
  // The earlier signals of a workflow still owed: a later one waits for them.
  await sql`create index workflow_signals_owed on workflow_signals (workflow_id, id) where done_at is null`.execute(db);

  // In the order they were queued, so the relay keeps delivering them in that order.
  await sql`
    insert into workflow_signals
      (source, workflow_id, signal, args, created_at, next_attempt_at, attempts, done_at, outcome, last_error)
    select 'webhook:' || provider || ':' || event_id, workflow_id, signal, jsonb_build_array(args), created_at,
           coalesce(lease_until, created_at), attempts, delivered_at,
           case when delivered_at is null then null
                when last_error like 'workflow not found%' then 'dropped'
                else 'delivered' end,
           last_error
    from webhook_signals order by id
    on conflict do nothing`.execute(db);
  await db.schema.dropTable('webhook_signals').execute();

  // Null: no journey asked for yet; the contact's next lead starts one. Set: later leads only
  // tell it, so a journey ops ended (or the customer's deletion) is never started again.
  await db.schema.alterTable('contacts').addColumn('journey_requested_at', 'timestamptz').execute();
  // A lead whose workflow started had its journey started with it.
  await sql`
    update contacts c set journey_requested_at = l.first
    from (select contact_id, min(workflow_started_at) as first from leads
          where workflow_started_at is not null group by contact_id) l
    where l.contact_id = c.id`.execute(db);

  await db.schema.alterTable('cadences').addColumn('workflow_checked_at', 'timestamptz').execute();
}
