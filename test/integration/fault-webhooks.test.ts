// Fault test 4 (issue 13, docs/reliability.md): provider webhooks redelivered and out of order, on
// the real system (API, dev server, embedded Postgres, worker; email through the real SendGrid
// adapter to a local stand-in, test/helpers/provider-stub.ts). Signed as the providers sign them.
//
// - The same events delivered five times each, out of order: SendGrid `open` before `delivered`
//   for one message; a Twilio STOP then START from one number, with the first consent write
//   failing inside Postgres (the STOP's first delivery gets a 5xx and is applied on a redelivery
//   that comes after the START). Each event is applied exactly once, in effect order: the status
//   never moves back, and the consent ends as the later event (START) says.
// - A `delivered` event that arrives while SendGrid has not yet answered our request (the
//   gateway records the acceptance after): the message stays delivered.
//
// Every change of a message's status is logged by a trigger this test installs, so a status that
// went back and forth is seen, not only the last one.
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/connection';
import type { Database } from '../../db/schema';
import { connectClient } from '../../temporal/client';
import { figuresOf, reportFigures } from '../helpers/fault-figures';
import { faultApi, personAt, PLACES, touchOf } from '../helpers/fault-system';
import { freePort } from '../helpers/ports';
import { startProviderStub, type ProviderStub } from '../helpers/provider-stub';
import { SLAS_THAT_DO_NOT_LAPSE, startTestSystem, type TestSystem } from '../helpers/system';

/** How far a message has got; a change to a lower rank is a status going back. */
const RANK: Record<string, number> = { sending: 0, sent: 1, delivered: 2, failed: 2 };

describe('fault: webhooks redelivered and out of order', () => {
  let sys: TestSystem;
  let stub: ProviderStub;
  let client: Client;
  let db: Kysely<Database>;
  let api: ReturnType<typeof faultApi>;
  const michigan = PLACES[0]!; // email only: quiet hours do not matter

  beforeAll(async () => {
    stub = await startProviderStub();
    const apiPort = await freePort();
    sys = await startTestSystem({
      ...SLAS_THAT_DO_NOT_LAPSE,
      MESSAGE_HOLIDAYS_OBSERVED: 'off',
      MESSAGE_MIN_GAP_MINUTES: '0',
      ROUTING_RETRY_SECONDS: '3600',
      API_PORT: String(apiPort),
      PUBLIC_BASE_URL: `http://127.0.0.1:${apiPort}`,
      SENDGRID_API_KEY: 'SG.fault-test-key',
      SENDGRID_FROM_EMAIL: 'hello@iswitchroofs.example',
      SENDGRID_API_BASE_URL: stub.url,
    });
    client = await connectClient({
      address: sys.temporalAddress,
      namespace: sys.config.TEMPORAL_NAMESPACE,
      payloadKeys: sys.secrets.payloadKeys,
    });
    api = faultApi(sys, client);
    db = createDb(sys.databaseUrl, 2);
    await sql`create table test_status_log (id bigserial primary key, message_id uuid, old_status text, new_status text)`.execute(
      db,
    );
    await sql`create function test_log_status() returns trigger language plpgsql as $$
      begin
        if new.status is distinct from old.status then
          insert into test_status_log (message_id, old_status, new_status) values (new.id, old.status, new.status);
        end if;
        return new;
      end $$`.execute(db);
    await sql`create trigger test_log_status after update on messages for each row execute function test_log_status()`.execute(
      db,
    );
  }, 240_000);
  afterAll(async () => {
    await db?.destroy();
    await client?.connection.close();
    await sys?.stop();
    await stub?.close();
  });

  /** The status changes of a message, in order, and those that went back. */
  async function statusChanges(messageId: string) {
    const { rows } = await sql<{ old_status: string; new_status: string }>`
      select old_status, new_status from test_status_log where message_id = ${messageId} order by id`.execute(db);
    return { changes: rows, backwards: rows.filter((r) => RANK[r.new_status]! < RANK[r.old_status]!) };
  }

  /** The person's welcome email, once SendGrid has it and the journey recorded it sent. */
  async function welcomeOf(email: string, contactId: string) {
    await expect
      .poll(async () => touchOf(await api.journey(contactId), 'welcome_email')?.outcome, {
        timeout: 60_000,
        interval: 250,
      })
      .toBe('sent');
    return db
      .selectFrom('messages')
      .select(['id', 'provider_message_id', 'status', 'workflow_id'])
      .where('to_address', '=', email)
      .executeTakeFirstOrThrow();
  }

  it('the same signed events five times each, out of order, one apply failing: each applied once, in effect order', async () => {
    const person = personAt(michigan, 'hook', 1);
    const { contactId } = await api.postLead(person);
    const message = await welcomeOf(person.email, contactId);
    const now = Math.floor(Date.now() / 1000);
    const sendgrid = (event: 'delivered' | 'open', at: number) => ({
      event,
      email: person.email,
      timestamp: at,
      sg_event_id: `fault-${event}-${message.id}`,
      sg_message_id: `${message.provider_message_id}.filter0001.1.0`,
      message_id: message.id,
    });
    // SendGrid's delivered happened before the open, as it always does; the webhooks are late.
    const delivered = sendgrid('delivered', now - 20);
    const opened = sendgrid('open', now - 10);
    const stop = `SM${'a'.repeat(31)}1`;
    const start = `SM${'a'.repeat(31)}2`;

    // The first consent write from here fails inside Postgres, once (a sequence is not rolled back
    // with the transaction): the STOP's first delivery.
    await sql`create sequence fail_once_seq`.execute(db);
    await sql`create function fail_once() returns trigger language plpgsql as $$
      begin
        if nextval('fail_once_seq') = 1 then raise exception 'injected failure in the apply step'; end if;
        return new;
      end $$`.execute(db);
    await sql`create trigger fail_once before insert on consent_events for each row execute function fail_once()`.execute(
      db,
    );

    type Step = 'open' | 'delivered' | 'open+delivered' | 'delivered+open' | 'STOP' | 'START';
    const steps: Step[] = [
      'open', // the open first: its delivered comes later
      'STOP', // 5xx: the apply fails
      'START', // applied before the STOP ever was
      'open+delivered',
      'STOP', // the STOP applied now, after the START: it must not undo it
      'delivered',
      'START',
      'STOP',
      'delivered+open',
      'START',
      'STOP',
      'open',
      'START',
      'delivered',
      'STOP',
      'START',
      'open',
      'delivered',
    ];
    const answers: { step: Step; status: number }[] = [];
    for (const step of steps) {
      const status =
        step === 'STOP'
          ? await api.twilioInbound(person.phone, 'STOP', stop)
          : step === 'START'
            ? await api.twilioInbound(person.phone, 'START', start)
            : await api.sendgridEvents(step.split('+').map((e) => (e === 'open' ? opened : delivered)));
      answers.push({ step, status });
    }
    await sql`drop trigger fail_once on consent_events`.execute(db);
    await sql`drop function fail_once()`.execute(db);
    await sql`drop sequence fail_once_seq`.execute(db);

    const deliveriesOf = (e: string) => steps.filter((s) => s.split('+').includes(e)).length;
    expect(['open', 'delivered', 'STOP', 'START'].map(deliveriesOf)).toEqual([5, 5, 5, 5]);
    expect(answers[1]).toMatchObject({ step: 'STOP', status: 500 });
    expect(answers.filter((a) => a.status >= 300)).toHaveLength(1);

    // Recorded (and applied with the record, in one transaction) once each.
    const eventIds = [opened.sg_event_id, delivered.sg_event_id, `sms:${stop}`, `sms:${start}`];
    const recorded = await db
      .selectFrom('webhook_events')
      .select('event_id')
      .where('event_id', 'in', eventIds)
      .execute();
    const consentChanges = await db
      .selectFrom('consent_events')
      .select(['status', 'detail'])
      .where('address', '=', person.phone)
      .orderBy('effective_at')
      .orderBy('id')
      .execute();
    const signals = (
      await db
        .selectFrom('workflow_signals')
        .select(['source', 'workflow_id', 'done_at'])
        .where(
          'source',
          'in',
          eventIds.map((id) => `webhook:${id.startsWith('sms:') ? 'twilio' : 'sendgrid'}:${id}`),
        )
        .execute()
    ).map((s) => ({ ...s, event_id: s.source.split(':').slice(2).join(':') }));
    const consent = await db
      .selectFrom('channel_consents')
      .select('status')
      .where('address', '=', person.phone)
      .executeTakeFirstOrThrow();
    const row = await db.selectFrom('messages').select('status').where('id', '=', message.id).executeTakeFirstOrThrow();
    const { changes, backwards } = await statusChanges(message.id);

    const figures = figuresOf('webhooks ×5, out of order, one apply failing (events)', {
      due: eventIds,
      deliveries: recorded.map((r) => r.event_id),
    });
    // Applied against effect order: a status that went back, a consent the earlier event decided.
    figures.unlawful = backwards.length + (consent.status === 'subscribed' ? 0 : 1);
    reportFigures({ ...figures, webhookDeliveries: steps.reduce((n, s) => n + s.split('+').length, 0) });

    // STOP once, START once, in the order the person sent them (the history keeps the late STOP too).
    expect(consentChanges.map((c) => c.status)).toEqual(['opted_out', 'subscribed']);
    // The email's two events, each signalled once to the journey that sent it; the SMS keywords
    // answered no message of ours, so they owe no signal.
    expect(signals.map((s) => s.event_id).sort()).toEqual([delivered.sg_event_id, opened.sg_event_id].sort());
    expect(signals.every((s) => s.workflow_id === message.workflow_id)).toBe(true);
    expect({ status: row.status, changes, consent: consent.status }).toEqual({
      status: 'delivered',
      changes: [
        { old_status: 'sending', new_status: 'sent' },
        { old_status: 'sent', new_status: 'delivered' },
      ],
      consent: 'subscribed',
    });
    expect(figures).toMatchObject({ due: 4, delivered: 4, duplicates: 0, lost: 0, unlawful: 0, unexpected: 0 });
  }, 300_000);

  it('a delivered event that arrives before SendGrid answered our request: the message stays delivered', async () => {
    const person = personAt(michigan, 'hook', 2);
    let webhook: number | undefined;
    // SendGrid takes the email and its delivered event reaches us before its 202 reaches the gateway.
    stub.beforeEmailAccepted = async (email) => {
      if (email.to !== person.email) return;
      webhook = await api.sendgridEvents([
        {
          event: 'delivered',
          email: email.to,
          timestamp: Math.floor(Date.now() / 1000),
          sg_event_id: `fault-early-delivered-${email.messageId}`,
          sg_message_id: `${email.providerMessageId}.filter0001.1.0`,
          message_id: email.messageId,
        },
      ]);
    };
    try {
      const { contactId } = await api.postLead(person);
      const message = await welcomeOf(person.email, contactId);
      expect(webhook).toBe(204);
      const { changes, backwards } = await statusChanges(message.id);
      const figures = figuresOf('delivered event before the provider answered (messages)', {
        due: [message.id],
        deliveries: stub.accepted.filter((a) => a.to === person.email).map((a) => a.messageId ?? ''),
      });
      figures.unlawful = backwards.length;
      reportFigures({ ...figures, statusChanges: changes.map((c) => `${c.old_status}→${c.new_status}`).join(', ') });
      expect({ status: message.status, changes }).toEqual({
        status: 'delivered',
        changes: [{ old_status: 'sending', new_status: 'delivered' }],
      });
      expect(figures).toMatchObject({ due: 1, delivered: 1, duplicates: 0, lost: 0, unlawful: 0, unexpected: 0 });
    } finally {
      stub.beforeEmailAccepted = undefined;
    }
  }, 120_000);
});
