// Fault test 1 (issue 13, docs/reliability.md): the worker process is SIGKILLed under load and
// replaced. The real system — API, dev server, embedded Postgres — with the worker as its
// deployment entrypoint (`workers/main.ts`) in a process of its own. Leads posted through the API
// each start a customer journey whose welcome email is due at once; with sending held until every
// one of them is scheduled, the worker gets them all together, is killed when about a third have
// reached the provider (sends in flight, workflow tasks half done), and a fresh worker process
// takes over. The local provider logs every call it gets (local_deliveries, no unique key): every
// due email is there exactly once.
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createDb } from '../../db/connection';
import type { Database } from '../../db/schema';
import { connectClient } from '../../temporal/client';
import { figuresOf, reportFigures } from '../helpers/fault-figures';
import { sendingQueue } from '../helpers/fault-system';
import { SLAS_THAT_DO_NOT_LAPSE, startTestSystem, type TestSystem } from '../helpers/system';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';

/** Sends due at once (FAULT_LEADS scales it; at least 200 for the figure). */
const LEADS = Number(process.env.FAULT_LEADS ?? 200);

describe('fault: the worker process killed under load', () => {
  let sys: TestSystem;
  let client: Client;
  let db: Kysely<Database>;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    sys = await startTestSystem(
      {
        ...SLAS_THAT_DO_NOT_LAPSE,
        // Nothing but the fault decides when the emails go: no holiday hold, no pacing gap, caps
        // above the one email each contact gets, and the sending queue's highest rate, so the
        // sends due are handed to the worker together and queue for its database connections
        // (the kill finds many in flight).
        MESSAGE_HOLIDAYS_OBSERVED: 'off',
        MESSAGE_MIN_GAP_MINUTES: '0',
        MESSAGES_PER_SECOND: '1000',
        // Leads nobody can take wait an hour before looking again (not a churn of retries).
        ROUTING_RETRY_SECONDS: '3600',
      },
      { worker: false },
    );
    client = await connectClient({
      address: sys.temporalAddress,
      namespace: sys.config.TEMPORAL_NAMESPACE,
      payloadKeys: sys.secrets.payloadKeys,
    });
    db = createDb(sys.databaseUrl, 2);
  }, 240_000);
  afterAll(async () => {
    for (const w of workers) await w.kill();
    await db?.destroy();
    await client?.connection.close();
    await sys?.stop();
  });

  /**
   * Emails the provider got; messages recorded but not confirmed (a send between our record and the
   * provider's answer); and of those, the ones the provider already has (the window in which a
   * crash, retried without asking the provider, would send twice).
   */
  const progress = async () => {
    const [delivered, sending, handedOver] = await Promise.all([
      db
        .selectFrom('local_deliveries')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('channel', '=', 'email')
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('messages')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('status', '=', 'sending')
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('messages as m')
        .innerJoin('local_deliveries as d', 'd.message_id', 'm.id')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('m.status', '=', 'sending')
        .executeTakeFirstOrThrow(),
    ]);
    return { delivered: Number(delivered.n), sending: Number(sending.n), handedOver: Number(handedOver.n) };
  };

  it(`every one of ${LEADS} welcome emails due at once is delivered exactly once across a SIGKILL of the worker`, async () => {
    const run = Date.now().toString(36);
    const emails = Array.from({ length: LEADS }, (_, i) => `kill-${run}-${i}@example.com`);

    // 1. The leads, through the API. Sending is held (a queue rate limit of 0 at the Temporal
    // server) while the first worker process runs every journey to its welcome email, so all of
    // them are due together: scheduled on the sending queue, waiting.
    const sending = sendingQueue(sys, client);
    await sending.hold();
    onTestFinished(sending.release);
    const post = async (email: string, i: number) => {
      const res = await fetch(`${sys.apiUrl}/api/v1/leads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sys.crmKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          firstName: 'Kay',
          lastName: `Load${i}`,
          email,
          address: { street: `${i + 1} Kill St`, city: 'Troy', state: 'MI', zip: '48083' },
          source: 'website',
        }),
      });
      expect(res.status).toBe(202);
    };
    for (let i = 0; i < emails.length; i += 8) await Promise.all(emails.slice(i, i + 8).map((e, j) => post(e, i + j)));
    const first = await startWorkerProcess(sys, client);
    workers.push(first);
    await expect.poll(sending.backlog, { timeout: 240_000, interval: 1000 }).toBeGreaterThanOrEqual(LEADS);

    // 2. Released: the worker takes the sends together (the queue's rate is MESSAGES_PER_SECOND,
    // 1000). It is killed once a third are out, the moment a send is seen that the provider has and
    // we have not confirmed (failing that, by half-way, any send in flight): a worker dying around
    // the provider call is the case that could send twice.
    await sending.release();
    let atKill: Awaited<ReturnType<typeof progress>> | undefined;
    await expect
      .poll(
        async () => {
          const now = await progress();
          const third = now.delivered >= LEADS / 3;
          if (
            (third && now.handedOver > 0) ||
            (now.delivered >= LEADS / 2 && now.sending > 0) ||
            now.delivered >= (2 * LEADS) / 3
          ) {
            process.kill(first.pid, 'SIGKILL');
            atKill = now;
          }
          return atKill !== undefined;
        },
        { timeout: 180_000, interval: 10 },
      )
      .toBe(true);
    expect((await first.exited).signal).toBe('SIGKILL');
    const killedAt = new Date();
    const afterKill = await progress();
    expect(afterKill.delivered).toBeLessThan(LEADS); // killed mid-flight, not after the work was done

    // 3. A fresh worker process: the killed attempts time out (1 minute) and are retried there.
    const second = await startWorkerProcess(sys, client);
    workers.push(second);
    await expect
      .poll(
        async () =>
          Number(
            (
              await db
                .selectFrom('messages')
                .select((eb) => eb.fn.countAll().as('n'))
                .where('status', '=', 'sent')
                .executeTakeFirstOrThrow()
            ).n,
          ),
        { timeout: 240_000, interval: 1000 },
      )
      .toBe(LEADS);

    // What the provider got, one row per call, by recipient: a message handed over twice — or a
    // second message for one welcome — shows as a duplicate.
    const deliveries = await db
      .selectFrom('local_deliveries as d')
      .innerJoin('messages as m', 'm.id', 'd.message_id')
      .select(['d.to_address', 'd.message_id', 'm.idempotency_key'])
      .execute();
    const optedOut = await db
      .selectFrom('channel_consents')
      .select('address')
      .where('status', '!=', 'subscribed')
      .execute();
    const figures = figuresOf('worker SIGKILL under load', {
      due: emails,
      deliveries: deliveries.map((d) => d.to_address),
      forbidden: optedOut.map((o) => o.address),
    });
    // Sends the kill interrupted: recorded by the killed worker, confirmed by the new one.
    const finishedByTheSecond = await db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('created_at', '<', killedAt)
      .where('sent_at', '>', killedAt)
      .executeTakeFirstOrThrow();
    reportFigures({
      ...figures,
      deliveredAtKill: afterKill.delivered,
      seenInFlightAtKill: atKill!.sending,
      handedOverUnconfirmedAtKill: atKill!.handedOver,
      recordedBeforeKillSentAfter: Number(finishedByTheSecond.n),
    });

    expect(deliveries.every((d) => d.idempotency_key.includes('welcome_email'))).toBe(true);
    // No idempotency key reached the provider twice, and each message was handed over once.
    expect(new Set(deliveries.map((d) => d.idempotency_key)).size).toBe(deliveries.length);
    expect(new Set(deliveries.map((d) => d.message_id)).size).toBe(deliveries.length);
    expect(figures).toMatchObject({ due: LEADS, delivered: LEADS, duplicates: 0, lost: 0, unlawful: 0, unexpected: 0 });
  }, 600_000);
});
