// The workflow signal outbox on a real Postgres, with a stand-in Temporal client that records what
// it is asked and fails as told: a row Temporal cannot take now waits and is retried, one whose
// workflow has ended is dropped, one Temporal refuses for good is dead, and none of them holds up
// the others; a workflow's signals go in order; two deliverers (or two relays) at once deliver each
// row once. test/integration/durable-signals.test.ts does the same through the real system.
import { ServiceError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Migrator, sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deliverWorkflowSignals } from '../../activities/workflow-signals';
import { relayWorkflowSignals } from '../../api/workflow-signal-relay';
import { createDb } from '../../db/connection';
import { migrateToLatest } from '../../db/migrate';
import { migrations } from '../../db/migrations';
import { queueWorkflowSignals, type OwedSignal } from '../../db/repositories/workflow-signals';
import type { Database } from '../../db/schema';
import { testLogger } from '../helpers/logger';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';

const grpcError = (code: number, message: string) =>
  new ServiceError(message, { cause: Object.assign(new Error(message), { code, details: message, metadata: {} }) });
const unavailable = () => grpcError(14, '14 UNAVAILABLE: connect ECONNREFUSED');

/** A client that records each signal it takes, after `delayMs`, and fails a workflow's signals as `failing` says. */
function standInClient(opts: { delayMs?: number } = {}) {
  const taken: { workflowId: string; signal: string; args: unknown[] }[] = [];
  const failing = new Map<string, () => Error>();
  const client = {
    withDeadline: <R>(_deadline: number, fn: () => Promise<R>) => fn(),
    workflow: {
      getHandle: (workflowId: string) => ({
        signal: async (signal: string, ...args: unknown[]) => {
          if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
          const failure = failing.get(workflowId);
          if (failure) throw failure();
          taken.push({ workflowId, signal, args });
        },
      }),
    },
  } as unknown as Client;
  return { client, taken, failing };
}

const owed = (workflowId: string, n = 1): OwedSignal => ({ workflowId, signal: 'closeLead', args: [{ n }] });

describe('workflow signal outbox', () => {
  let pg: TestPostgres;
  let db: Kysely<Database>;
  beforeAll(async () => {
    pg = await startTestPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });
  beforeEach(async () => {
    db = await pg.freshDatabase();
  });

  const rowsOf = (workflowId: string) =>
    db.selectFrom('workflow_signals').selectAll().where('workflow_id', '=', workflowId).orderBy('id').execute();
  /** As if the pause after a failure were over. */
  const pauseOver = () =>
    db
      .updateTable('workflow_signals')
      .set({ next_attempt_at: sql<Date>`now()` })
      .where('done_at', 'is', null)
      .execute();

  it('one row Temporal cannot take does not hold up the others; an ended workflow is dropped, a refused row dead', async () => {
    const { client, taken, failing } = standInClient();
    failing.set('lead-down', unavailable);
    failing.set(
      'lead-gone',
      () => new WorkflowNotFoundError('workflow execution already completed', 'lead-gone', undefined),
    );
    failing.set('lead-invalid', () => grpcError(3, '3 INVALID_ARGUMENT: payload too large'));
    await queueWorkflowSignals(db, 'test:1', [
      owed('lead-down'),
      owed('lead-a'),
      owed('lead-gone'),
      owed('lead-invalid'),
      owed('lead-b'),
    ]);
    const deps = { db, client, logger: testLogger, timeoutMs: 1000 };

    expect(await deliverWorkflowSignals(deps)).toEqual({ tried: 5, done: 4 });
    expect(taken.map((t) => t.workflowId).sort()).toEqual(['lead-a', 'lead-b']);
    expect(await rowsOf('lead-gone')).toMatchObject([
      { outcome: 'dropped', last_error: expect.stringMatching(/ended/) },
    ]);
    expect(await rowsOf('lead-invalid')).toMatchObject([
      { outcome: 'dead', last_error: expect.stringMatching(/INVALID_ARGUMENT/) },
    ]);
    const [down] = await rowsOf('lead-down');
    expect(down).toMatchObject({ done_at: null, attempts: 1, last_error: expect.stringMatching(/UNAVAILABLE/) });
    expect(down!.next_attempt_at.getTime()).toBeGreaterThan(Date.now() - 1000); // pausing, not due at once

    // Later signals to other workflows go while it keeps failing, however often it is tried.
    for (let i = 2; i <= 4; i++) {
      await pauseOver();
      await queueWorkflowSignals(db, `test:${i}`, [owed(`lead-later-${i}`)]);
      await deliverWorkflowSignals(deps);
    }
    expect(taken.filter((t) => t.workflowId.startsWith('lead-later-'))).toHaveLength(3);
    expect(await rowsOf('lead-down')).toMatchObject([{ done_at: null, attempts: 4 }]);

    // Temporal takes it once it can: delivered once.
    failing.delete('lead-down');
    await pauseOver();
    expect(await deliverWorkflowSignals(deps)).toEqual({ tried: 1, done: 1 });
    expect(taken.filter((t) => t.workflowId === 'lead-down')).toHaveLength(1);
    expect(await deliverWorkflowSignals(deps)).toEqual({ tried: 0, done: 0 });
  });

  it("a workflow's signals go in the order they were queued: a later one waits while an earlier one is owed", async () => {
    const { client, taken, failing } = standInClient();
    await queueWorkflowSignals(db, 'test:first', [owed('lead-order', 1)]);
    await queueWorkflowSignals(db, 'test:second', [owed('lead-order', 2), owed('lead-other')]);
    failing.set('lead-order', unavailable);
    const deps = { db, client, logger: testLogger, timeoutMs: 1000 };
    // The second change delivers its own signals right after its commit: only the other workflow's.
    expect(await deliverWorkflowSignals(deps, { source: 'test:second' })).toEqual({ tried: 1, done: 1 });
    expect(await deliverWorkflowSignals(deps)).toEqual({ tried: 1, done: 0 });
    expect((await rowsOf('lead-order')).map((r) => r.attempts)).toEqual([1, 0]);
    failing.delete('lead-order');
    await pauseOver();
    await deliverWorkflowSignals(deps);
    expect(taken.filter((t) => t.workflowId === 'lead-order').map((t) => t.args)).toEqual([[{ n: 1 }], [{ n: 2 }]]);
  });

  it('a change owes a workflow a signal once: queuing it again changes nothing', async () => {
    expect(await queueWorkflowSignals(db, 'assignment-ended:l:1', [owed('lead-w1'), owed('lead-w2')])).toBe(2);
    expect(await queueWorkflowSignals(db, 'assignment-ended:l:1', [owed('lead-w1'), owed('lead-w2')])).toBe(0);
    expect(await db.selectFrom('workflow_signals').select('id').execute()).toHaveLength(2);
  });

  it('two deliverers at once deliver each row once', async () => {
    const { client, taken } = standInClient({ delayMs: 5 });
    for (let i = 0; i < 10; i++)
      await queueWorkflowSignals(
        db,
        `test:${i}`,
        Array.from({ length: 10 }, (_, j) => owed(`lead-${i}-${j}`)),
      );
    const deps = { db, client, logger: testLogger, timeoutMs: 1000 };
    // A request delivering its own change's rows, and two deliverers of everything, all at once.
    await Promise.all([
      deliverWorkflowSignals(deps),
      deliverWorkflowSignals(deps),
      deliverWorkflowSignals(deps, { source: 'test:3' }),
    ]);
    expect(taken).toHaveLength(100);
    expect(new Set(taken.map((t) => t.workflowId)).size).toBe(100);
    const left = await db.selectFrom('workflow_signals').select('id').where('done_at', 'is', null).execute();
    expect(left).toEqual([]);
  });

  it('two relays at once (two API replicas): one works, the other skips its round; each row delivered once', async () => {
    const { client, taken } = standInClient({ delayMs: 100 });
    await queueWorkflowSignals(
      db,
      'test:relay',
      Array.from({ length: 30 }, (_, i) => owed(`lead-relay-${i}`)),
    );
    const replica = { db, client, logger: testLogger, timeoutMs: 1000 };
    const rounds = await Promise.all([relayWorkflowSignals(replica), relayWorkflowSignals(replica)]);
    expect(rounds.map((r) => r.ran).sort()).toEqual([false, true]);
    expect(rounds.find((r) => r.ran)!.done).toBe(30);
    expect(taken).toHaveLength(30);
    expect(new Set(taken.map((t) => t.workflowId)).size).toBe(30);
    // The lock went with the round: the next round runs.
    expect(await relayWorkflowSignals(replica)).toEqual({ ran: true, done: 0 });
  });

  it('the migration moves webhook_signals here (owed ones still owed, in order) and marks started journeys', async () => {
    const url = new URL(pg.url);
    url.pathname = '/before_outbox';
    await sql`create database before_outbox`.execute(pg.db);
    const old = createDb(url.toString(), 2) as unknown as Kysely<Record<string, Record<string, unknown>>>;
    try {
      const migrator = new Migrator({ db: old, provider: { getMigrations: async () => migrations } });
      expect((await migrator.migrateTo('0015_consent_effect_order')).error).toBeUndefined();
      const q = (text: string) => sql.raw(text).execute(old);
      await q(`insert into contacts (id, first_name, last_name, email) values
        ('00000000-0000-4000-8000-00000000000a', 'Started', 'A', 'a@example.com'), ('00000000-0000-4000-8000-00000000000b', 'Waiting', 'B', 'b@example.com')`);
      await q(`insert into leads (id, contact_id, source, street, city, state, zip, workflow_id, request_hash, workflow_started_at) values
        ('00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-00000000000a', 'web', '1 A St', 'Troy', 'MI', '48083', 'lead-a1', 'h', '2026-11-01T10:00:00Z'),
        ('00000000-0000-4000-8000-0000000000b1', '00000000-0000-4000-8000-00000000000b', 'web', '1 B St', 'Troy', 'MI', '48083', 'lead-b1', 'h', null)`);
      await q(
        `insert into webhook_events (provider, event_id, kind, payload) values ('twilio', 'sms:SM1', 'inbound_sms', '{}')`,
      );
      await q(`insert into webhook_signals (provider, event_id, workflow_id, signal, args, delivered_at, attempts, lease_until, last_error) values
        ('twilio', 'sms:SM1', 'cadence-done', 'messageEvent', '{"event":"replied"}', now(), 1, null, null),
        ('twilio', 'sms:SM1', 'cadence-gone', 'messageEvent', '{"event":"replied"}', now(), 1, null, 'workflow not found (ended)'),
        ('twilio', 'sms:SM1', 'cadence-owed', 'householdReply', '{"fromContactId":"c"}', null, 3, now() - interval '1 s', '14 UNAVAILABLE')`);

      await migrateToLatest(old as unknown as Kysely<Database>, testLogger);
      const moved = await (old as unknown as Kysely<Database>)
        .selectFrom('workflow_signals')
        .select(['source', 'workflow_id', 'signal', 'args', 'outcome', 'attempts'])
        .orderBy('id')
        .execute();
      expect(moved).toEqual([
        {
          source: 'webhook:twilio:sms:SM1',
          workflow_id: 'cadence-done',
          signal: 'messageEvent',
          args: [{ event: 'replied' }],
          outcome: 'delivered',
          attempts: 1,
        },
        {
          source: 'webhook:twilio:sms:SM1',
          workflow_id: 'cadence-gone',
          signal: 'messageEvent',
          args: [{ event: 'replied' }],
          outcome: 'dropped',
          attempts: 1,
        },
        {
          source: 'webhook:twilio:sms:SM1',
          workflow_id: 'cadence-owed',
          signal: 'householdReply',
          args: [{ fromContactId: 'c' }],
          outcome: null,
          attempts: 3,
        },
      ]);
      const journeys = await (old as unknown as Kysely<Database>)
        .selectFrom('contacts')
        .select(['first_name', 'journey_requested_at'])
        .orderBy('first_name')
        .execute();
      expect(journeys).toEqual([
        { first_name: 'Started', journey_requested_at: new Date('2026-11-01T10:00:00Z') },
        { first_name: 'Waiting', journey_requested_at: null }, // its journey is owed by the lead reconciler
      ]);
      // The owed one is delivered by the relay as it was queued.
      const { client, taken } = standInClient();
      const deps = { db: old as unknown as Kysely<Database>, client, logger: testLogger, timeoutMs: 1000 };
      expect(await deliverWorkflowSignals(deps)).toEqual({ tried: 1, done: 1 });
      expect(taken).toEqual([{ workflowId: 'cadence-owed', signal: 'householdReply', args: [{ fromContactId: 'c' }] }]);
    } finally {
      await old.destroy();
    }
  });
});
