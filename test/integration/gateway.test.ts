// The messaging gateway on a real Postgres: exactly once per idempotency key (also when a provider
// without idempotency got the message but we never heard back, and when two attempts overlap),
// opt-outs block one channel while the other continues, quiet hours, holidays and frequency caps
// defer with the moment to try again (also when workflows race one contact's cap), and marketing
// keeps the stricter state windows.
// A test that changes a contact's consent does it to a contact of its own: any test runs alone.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageProvider, OutboundMessage, SendRequest } from '../../activities/messaging/contract';
import { createGateway, MessageInFlightError } from '../../activities/messaging/gateway';
import { localProvider } from '../../activities/messaging/providers/local';
import { quietHoursPolicy } from '../../activities/messaging/quiet-hours';
import { createLeadOnce } from '../../db/repositories/leads';
import { setConsent } from '../../db/repositories/messages';
import { localPrintProvider, postcardProvider } from '../../activities/messaging/postcard';
import { callTaskProvider } from '../../activities/messaging/call-task';
import { PDFDocument } from 'pdf-lib';
import { handleEmailEvent, handleInboundSms } from '../../api/inbound/recipient-events';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';

/** A provider like Twilio: no idempotency key, but its sent log can be searched. */
function countingProvider(opts: { loseFirstReply?: boolean } = {}) {
  const delivered: OutboundMessage[] = [];
  let lose = opts.loseFirstReply ?? false;
  const provider: MessageProvider = {
    name: 'counting',
    async send(m) {
      delivered.push(m);
      if (lose) {
        lose = false;
        throw new Error('socket hang up (the provider got it; we never heard back)');
      }
      return { providerMessageId: `P${delivered.length}` };
    },
    async alreadySent(m) {
      const i = delivered.findIndex((d) => d.idempotencyKey === m.idempotencyKey);
      return i >= 0 ? `P${i + 1}` : undefined;
    },
  };
  return { provider, delivered };
}

/** A provider that is down for its first `down` calls (a 503: it never got the message), then delivers. */
function outageProvider(down = 1) {
  const delivered: OutboundMessage[] = [];
  let calls = 0;
  const provider: MessageProvider = {
    name: 'outage',
    async send(m) {
      if (++calls <= down) throw new Error('503 Service Unavailable (the provider never got the message)');
      delivered.push(m);
      return { providerMessageId: `O${delivered.length}` };
    },
    async alreadySent(m) {
      const i = delivered.findIndex((d) => d.id === m.id);
      return i >= 0 ? `O${i + 1}` : undefined;
    },
  };
  return { provider, delivered };
}

// Wednesday 2026-11-25 15:00 in Detroit.
const afternoon = new Date('2026-11-25T20:00:00Z');

describe('messaging gateway', () => {
  let pg: TestPostgres;
  let contactId: string;
  let leadId: string;
  let n = 0;
  const req = (over: Partial<SendRequest> = {}): SendRequest => ({
    idempotencyKey: `test-wf:step-${++n}`,
    contactId,
    leadId,
    channel: 'sms',
    text: 'Your inspection is confirmed.',
    ...over,
  });

  beforeAll(async () => {
    pg = await startTestPostgres();
    const { lead } = await createLeadOnce(
      pg.db,
      {
        firstName: 'Gia',
        lastName: 'Tway',
        phone: '+12485550177',
        email: 'gia@example.com',
        source: 'website',
        address: { street: '1 Main St', city: 'Troy', state: 'MI', zip: '48083' },
        property: {},
        signals: {},
      },
      { requestHash: 'g', dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
    );
    contactId = lead.contact_id;
    leadId = lead.id;
  });
  afterAll(async () => {
    await pg?.stop();
  });

  /** A contact (and lead) of the test's own: consent it changes is seen by no other test. */
  async function newContact(first: string, phone: string | undefined, email: string) {
    const { lead } = await createLeadOnce(
      pg.db,
      {
        firstName: first,
        lastName: 'Test',
        phone,
        email,
        source: 'website',
        address: { street: '4 Main St', city: 'Troy', state: 'MI', zip: '48083' },
        property: {},
        signals: {},
      },
      { requestHash: `${first}:${email}`, dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
    );
    return { contactId: lead.contact_id, leadId: lead.id };
  }

  it('sends once per idempotency key', async () => {
    const { provider, delivered } = countingProvider();
    const gateway = createGateway({ db: pg.db, providers: { sms: provider }, caps: { perDay: 100, perWeek: 100 } });
    const request = req();
    const first = await gateway.send(request, afternoon);
    const again = await gateway.send(request, afternoon);
    expect(first).toMatchObject({ status: 'sent', duplicate: false, providerMessageId: 'P1' });
    expect(again).toMatchObject({
      status: 'sent',
      duplicate: true,
      messageId: (first as { messageId: string }).messageId,
    });
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({ to: '+12485550177', text: 'Your inspection is confirmed.' });
  });

  it('a reply lost after the provider got the message: the retry finds it there and does not resend', async () => {
    const { provider, delivered } = countingProvider({ loseFirstReply: true });
    const gateway = createGateway({ db: pg.db, providers: { sms: provider }, caps: { perDay: 100, perWeek: 100 } });
    const request = req();
    await expect(gateway.send(request, afternoon)).rejects.toThrow(/socket hang up/);
    const retried = await gateway.send(request, afternoon);
    expect(retried).toMatchObject({ status: 'sent', providerMessageId: 'P1', duplicate: true });
    expect(delivered).toHaveLength(1);
    const row = await pg.db
      .selectFrom('messages')
      .select(['status', 'provider_message_id'])
      .where('idempotency_key', '=', request.idempotencyKey)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'sent', provider_message_id: 'P1' });
  });

  it('the local provider logs every call it gets (a second call is a second row) and a retry after a lost reply finds the first', async () => {
    const local = localProvider('sms', pg.db);
    const deliveriesOf = (messageId: string) =>
      pg.db.selectFrom('local_deliveries').selectAll().where('message_id', '=', messageId).execute();
    // A provider call is logged as it is made: two calls for one message are two deliveries.
    const direct = { id: randomUUID(), idempotencyKey: 'local:direct', channel: 'sms' as const, to: '+12485550177' };
    const earlier = { recordedAt: new Date(), claimed: async () => false };
    expect(await local.alreadySent!({ ...direct, text: 'x' }, earlier)).toBeUndefined();
    await local.send({ ...direct, text: 'x' });
    await local.send({ ...direct, text: 'x' });
    expect(await deliveriesOf(direct.id)).toHaveLength(2);
    expect(await local.alreadySent!({ ...direct, text: 'x' }, earlier)).toBe(`local-${direct.id}`);

    // Through the gateway: the local provider takes the message, the reply is lost; the retry asks
    // the provider, which has it, and hands it over no second time.
    let lose = true;
    const losingReply: MessageProvider = {
      name: local.name,
      async send(m) {
        const sent = await local.send(m);
        if (lose) {
          lose = false;
          throw new Error('worker died after the local provider took the message');
        }
        return sent;
      },
      alreadySent: (m, earlier) => local.alreadySent!(m, earlier),
    };
    const gateway = createGateway({ db: pg.db, providers: { sms: losingReply }, caps: { perDay: 100, perWeek: 100 } });
    const request = req();
    await expect(gateway.send(request, afternoon)).rejects.toThrow(/worker died/);
    const retried = await gateway.send(request, afternoon);
    expect(retried).toMatchObject({ status: 'sent', duplicate: true });
    const { messageId } = retried as { messageId: string };
    expect(await deliveriesOf(messageId)).toEqual([
      expect.objectContaining({ message_id: messageId, channel: 'sms', to_address: '+12485550177' }),
    ]);
  });

  it('two overlapping attempts with the same idempotency key (the first still at the provider): sent once', async () => {
    // Like SendGrid: no idempotency key and no lookup — only the gateway can stop a second send.
    const delivered: OutboundMessage[] = [];
    let answer!: () => void;
    const slow = new Promise<void>((resolve) => (answer = resolve));
    const provider: MessageProvider = {
      name: 'slow',
      async send(m) {
        delivered.push(m);
        await slow;
        return { providerMessageId: `S${delivered.length}` };
      },
    };
    const gateway = createGateway({ db: pg.db, providers: { email: provider }, caps: { perDay: 100, perWeek: 100 } });
    const request = req({ channel: 'email', subject: 'Your inspection' });
    const first = gateway.send(request, afternoon);
    await expect.poll(() => delivered.length).toBe(1); // the first attempt is at the provider
    // A retry while the first attempt waits for the provider's answer (its activity timed out, say).
    const second = gateway.send(request, afternoon).then(
      (outcome) => ({ outcome }),
      (err: unknown) => ({ err }),
    );
    // Time for it to reach the provider too, if it would (or to settle); then the provider answers.
    await Promise.race([second, new Promise((resolve) => setTimeout(resolve, 2000))]);
    answer();
    const overlapping = await second;
    expect(await first).toMatchObject({ status: 'sent', duplicate: false, providerMessageId: 'S1' });
    expect(delivered).toHaveLength(1);
    // The overlapping attempt did not send: it failed to be retried (Temporal retries the activity)…
    expect(overlapping).toMatchObject({ err: expect.any(MessageInFlightError) as unknown });
    // …and its retry finds the message sent.
    expect(await gateway.send(request, afternoon)).toMatchObject({
      status: 'sent',
      duplicate: true,
      providerMessageId: 'S1',
    });
    expect(delivered).toHaveLength(1);
  });

  const rowOf = (key: string) =>
    pg.db
      .selectFrom('messages')
      .select(['status', 'error', 'provider_message_id'])
      .where('idempotency_key', '=', key)
      .executeTakeFirstOrThrow();

  it('a retried send checks consent again: STOP between two attempts blocks the retry, for good, and nothing is sent', async () => {
    const phone = '+12485550181';
    const contact = await newContact('Retry', phone, 'retry.stop@example.com');
    const { provider, delivered } = outageProvider(1);
    const gateway = createGateway({ db: pg.db, providers: { sms: provider }, caps: { perDay: 100, perWeek: 100 } });
    const request = req(contact);
    // The first attempt records the message; the provider is down (the activity will be retried).
    await expect(gateway.send(request, afternoon)).rejects.toThrow(/503/);
    expect(await rowOf(request.idempotencyKey)).toMatchObject({ status: 'sending' });
    // The person texts STOP before the retry.
    await handleInboundSms(pg.db, { from: phone, body: 'STOP' });
    expect(await gateway.send(request, afternoon)).toMatchObject({
      status: 'blocked',
      reason: 'opted_out',
      channel: 'sms',
    });
    expect(delivered).toHaveLength(0);
    // The record says so, and no later attempt sends it (the caller has picked another channel).
    expect(await rowOf(request.idempotencyKey)).toMatchObject({ status: 'blocked', error: 'opted_out' });
    await handleInboundSms(pg.db, { from: phone, body: 'START' });
    expect(await gateway.send(request, afternoon)).toMatchObject({ status: 'blocked', reason: 'opted_out' });
    expect(delivered).toHaveLength(0);
  });

  it('a retried send checks quiet hours and holidays at its own time: after an outage it is deferred at 02:00, then held on Thanksgiving, then sent once', async () => {
    const contact = await newContact('Outage', '+12485550182', 'retry.outage@example.com');
    const { provider, delivered } = outageProvider(1);
    const gateway = createGateway({
      db: pg.db,
      providers: { sms: provider },
      caps: { perDay: 100, perWeek: 100 },
      holidays: { observed: true, extra: [] },
    });
    const request = req(contact); // marketing
    await expect(gateway.send(request, afternoon)).rejects.toThrow(/503/); // Wednesday 15:00
    // The retry comes at 02:00 on Thanksgiving in Detroit: too early…
    expect(await gateway.send(request, new Date('2026-11-26T07:00:00Z'))).toEqual({
      status: 'deferred',
      reason: 'quiet_hours',
      notBefore: '2026-11-26T13:00:00.000Z',
    });
    // …and at 08:00 it is a holiday (marketing): held until 08:00 the next day.
    expect(await gateway.send(request, new Date('2026-11-26T13:00:00Z'))).toEqual({
      status: 'deferred',
      reason: 'holiday',
      notBefore: '2026-11-27T13:00:00.000Z',
    });
    expect(delivered).toHaveLength(0);
    expect(await rowOf(request.idempotencyKey)).toMatchObject({ status: 'sending' }); // pending, not dropped
    const sent = await gateway.send(request, new Date('2026-11-27T13:00:00Z'));
    expect(sent).toMatchObject({ status: 'sent', providerMessageId: 'O1' });
    expect(delivered).toHaveLength(1);
    expect(await rowOf(request.idempotencyKey)).toMatchObject({ status: 'sent', provider_message_id: 'O1' });
  });

  it('consent is read again just before the provider call: an unsubscribe arriving while the message is prepared blocks it', async () => {
    const contact = await newContact('Prepared', undefined, 'retry.prepared@example.com');
    const { provider, delivered } = countingProvider();
    const gateway = createGateway({
      db: pg.db,
      providers: { email: provider },
      caps: { perDay: 100, perWeek: 100 },
      // The rewording takes a while (up to LLM_TIMEOUT_MS); the person unsubscribes meanwhile.
      personalise: async (m) => {
        await handleEmailEvent(pg.db, { email: 'retry.prepared@example.com', event: 'unsubscribe' });
        return { ...m, personalised: false };
      },
    });
    const request = req({
      ...contact,
      channel: 'email',
      text: undefined,
      personalise: true,
      template: {
        name: 'storm-insurance-claim',
        variables: {
          first_name: 'Pat',
          address: '4 Main St',
          city: 'Troy',
          year_built: 1990,
          storm_date: 'November 18',
          nearby_address: '5 Main St',
          property_value: '380,000',
          available_dates: 'Friday',
          sales_rep_name: 'Jane Doe',
          sales_rep_phone: '(248) 555-0143',
        },
      },
    });
    expect(await gateway.send(request, afternoon)).toMatchObject({
      status: 'blocked',
      reason: 'opted_out',
      channel: 'email',
    });
    expect(delivered).toHaveLength(0);
    expect(await rowOf(request.idempotencyKey)).toMatchObject({ status: 'blocked' });
  });

  it('a recorded, unsent marketing message is not deferred by its own record when retried at the cap', async () => {
    const contact = await newContact('Capped', undefined, 'retry.capped@example.com');
    const { provider, delivered } = outageProvider(1);
    const gateway = createGateway({ db: pg.db, providers: { email: provider }, caps: { perDay: 1, perWeek: 5 } });
    const request = req({ ...contact, channel: 'email', subject: 'News' });
    const at = new Date(); // caps count what was recorded in the last day
    await expect(gateway.send(request, at)).rejects.toThrow(/503/);
    expect(await gateway.send(request, new Date(at.getTime() + 60_000))).toMatchObject({ status: 'sent' });
    expect(delivered).toHaveLength(1);
    // The cap still holds for the next one.
    expect(await gateway.send(req({ ...contact, channel: 'email', subject: 'More news' }), new Date())).toMatchObject({
      status: 'deferred',
      reason: 'frequency_cap',
    });
  });

  it('a send given up (its retries ran out) is marked failed and never sent later; one the provider had after all is sent', async () => {
    const contact = await newContact('GivenUp', '+12485550183', 'retry.givenup@example.com');
    const { provider, delivered } = outageProvider(1);
    const gateway = createGateway({ db: pg.db, providers: { email: provider }, caps: { perDay: 100, perWeek: 100 } });
    const request = req({ ...contact, channel: 'email', subject: 'Hello' });
    await expect(gateway.send(request, afternoon)).rejects.toThrow(/503/);
    const abandon = { idempotencyKey: request.idempotencyKey, channel: 'email' as const, reason: 'retries_exhausted' };
    expect(await gateway.abandon(abandon, afternoon)).toMatchObject({
      status: 'failed',
      reason: 'retries_exhausted',
      permanent: false,
      messageId: expect.any(String) as unknown,
    });
    expect(await rowOf(request.idempotencyKey)).toMatchObject({ status: 'failed', error: 'retries_exhausted' });
    // A late attempt (a duplicate, a replay) answers the same, and the provider, up again, gets nothing.
    expect(await gateway.send(request, afternoon)).toMatchObject({ status: 'failed', reason: 'retries_exhausted' });
    expect(delivered).toHaveLength(0);

    // The reply was lost but the provider had it: giving up finds it sent.
    const counting = countingProvider({ loseFirstReply: true });
    const lost = createGateway({
      db: pg.db,
      providers: { sms: counting.provider },
      caps: { perDay: 100, perWeek: 100 },
    });
    const second = req(contact);
    await expect(lost.send(second, afternoon)).rejects.toThrow(/socket hang up/);
    expect(
      await lost.abandon(
        { idempotencyKey: second.idempotencyKey, channel: 'sms', reason: 'retries_exhausted' },
        afternoon,
      ),
    ).toMatchObject({ status: 'sent', duplicate: true, providerMessageId: 'P1' });
    expect(await rowOf(second.idempotencyKey)).toMatchObject({ status: 'sent', provider_message_id: 'P1' });

    // Nothing recorded (deferred before it was): nothing to mark.
    expect(
      await gateway.abandon({ idempotencyKey: 'never-recorded:1', channel: 'sms', reason: 'called_off' }, afternoon),
    ).toEqual({ status: 'failed', reason: 'called_off', channel: 'sms', permanent: true });
  });

  it('workflows racing one contact’s marketing cap never exceed it', async () => {
    const person = async (name: string) =>
      (
        await createLeadOnce(
          pg.db,
          {
            firstName: 'Race',
            lastName: name,
            email: `race-${name}@example.com`,
            source: 'website',
            address: { street: '5 Main St', city: 'Troy', state: 'MI', zip: '48083' },
            property: {},
            signals: {},
          },
          { requestHash: `race-${name}`, dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
        )
      ).lead.contact_id;
    const { provider, delivered } = countingProvider();
    const gateway = createGateway({ db: pg.db, providers: { email: provider }, caps: { perDay: 2, perWeek: 10 } });
    // Caps count what was recorded in the last day: now, not the file's fixed afternoon.
    const send = (contactId: string, workflowId: string, step: number) =>
      gateway.send(
        { idempotencyKey: `${workflowId}:touch-${step}`, workflowId, contactId, channel: 'email', text: 'News' },
        new Date(),
      );

    // One already sent today; the cadence and the journey each ask for one more at the same moment.
    const ann = await person('ann');
    expect((await send(ann, 'journey-race', 1)).status).toBe('sent');
    const outcomes = await Promise.all([send(ann, 'cadence-race', 1), send(ann, 'journey-race', 2)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['deferred', 'sent']);
    expect(outcomes.find((o) => o.status === 'deferred')).toMatchObject({ reason: 'frequency_cap' });
    expect(delivered.filter((m) => m.contactId === ann)).toHaveLength(2);

    // Ten workflows at once for someone nobody wrote to yet: two go out.
    const bo = await person('bo');
    const storm = await Promise.all(Array.from({ length: 10 }, (_, i) => send(bo, `storm-${i}`, 1)));
    expect(storm.filter((o) => o.status === 'sent')).toHaveLength(2);
    expect(storm.filter((o) => o.status === 'deferred')).toHaveLength(8);
    expect(delivered.filter((m) => m.contactId === bo)).toHaveLength(2);
  });

  it('STOP blocks SMS (and calls) to the number while email continues, and the change is kept', async () => {
    const phone = '+12485550178';
    const contact = await newContact('Stopper', phone, 'stopper@example.com');
    const gateway = createGateway({
      db: pg.db,
      providers: {
        sms: localProvider('sms', pg.db),
        call: localProvider('call', pg.db),
        email: localProvider('email', pg.db),
      },
      caps: { perDay: 100, perWeek: 100 },
    });
    await setConsent(pg.db, {
      channel: 'sms',
      address: phone,
      status: 'opted_out',
      source: 'sms_keyword',
      detail: { body: 'STOP' },
    });
    expect(await gateway.send(req(contact), afternoon)).toEqual({
      status: 'blocked',
      reason: 'opted_out',
      channel: 'sms',
    });
    expect(await gateway.send(req({ ...contact, channel: 'call' }), afternoon)).toEqual({
      status: 'blocked',
      reason: 'opted_out',
      channel: 'call',
    });
    expect(
      await gateway.send(req({ ...contact, channel: 'email', subject: 'Your inspection' }), afternoon),
    ).toMatchObject({
      status: 'sent',
      provider: 'local-email',
    });
    await setConsent(pg.db, {
      channel: 'sms',
      address: phone,
      status: 'subscribed',
      source: 'sms_keyword',
      detail: { body: 'START' },
    });
    expect(await gateway.send(req(contact), afternoon)).toMatchObject({ status: 'sent' });
    const history = await pg.db
      .selectFrom('consent_events')
      .select(['status', 'source'])
      .where('address', '=', phone)
      .orderBy('id')
      .execute();
    expect(history).toEqual([
      { status: 'opted_out', source: 'sms_keyword' },
      { status: 'subscribed', source: 'sms_keyword' },
    ]);
  });

  it('defers an SMS asked for at 22:30 in Detroit to 08:00 the next morning; email is not held', async () => {
    const gateway = createGateway({
      db: pg.db,
      providers: { sms: localProvider('sms', pg.db), email: localProvider('email', pg.db) },
      caps: { perDay: 100, perWeek: 100 },
    });
    const lateEvening = new Date('2026-11-26T03:30:00Z'); // 22:30 EST on the 25th
    expect(await gateway.send(req(), lateEvening)).toEqual({
      status: 'deferred',
      reason: 'quiet_hours',
      notBefore: '2026-11-26T13:00:00.000Z',
    });
    expect(await gateway.send(req({ channel: 'email' }), lateEvening)).toMatchObject({ status: 'sent' });
  });

  it('marketing texts keep the state windows (Texas: Sunday noon); without an address, the hours every zone shares', async () => {
    const { lead } = await createLeadOnce(
      pg.db,
      {
        firstName: 'Tex',
        lastName: 'Sunday',
        phone: '+17135550131',
        source: 'website',
        address: { street: '1 Main St', city: 'Houston', state: 'TX', zip: '77002' },
        property: {},
        signals: {},
      },
      { requestHash: 'tx', dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
    );
    const mobileOnly = randomUUID(); // a Detroit mobile number, no address anywhere
    await pg.db
      .insertInto('contacts')
      .values({
        id: mobileOnly,
        first_name: 'Mo',
        last_name: 'Bile',
        phone: '+13135550132',
        email: null,
        preferred_language: null,
      })
      .execute();
    const providers = { sms: localProvider('sms', pg.db) };
    const caps = { perDay: 100, perWeek: 100 };
    const strict = createGateway({ db: pg.db, providers, caps });
    const byAreaCode = createGateway({
      db: pg.db,
      providers,
      caps,
      quietHours: quietHoursPolicy({ unknownAddress: 'area_code', operatingStates: ['MI'] }),
    });
    const sms = (contactId: string, kind: 'marketing' | 'transactional') => ({
      idempotencyKey: `windows-wf:${++n}`,
      contactId,
      channel: 'sms' as const,
      text: 'Storm season: book your free roof inspection.',
      kind,
    });
    const deferred = (notBefore: string) => ({ status: 'deferred', reason: 'quiet_hours', notBefore });

    const sunday10 = new Date('2026-03-01T16:00:00Z'); // 10:00 in Houston
    expect(await strict.send(sms(lead.contact_id, 'marketing'), sunday10)).toEqual(
      deferred('2026-03-01T18:00:00.000Z'),
    );
    expect(await strict.send(sms(lead.contact_id, 'transactional'), sunday10)).toMatchObject({ status: 'sent' });

    const tuesday9 = new Date('2026-03-03T14:00:00Z'); // 09:00 in Detroit, 04:00 in Honolulu, 00:00 in Guam
    expect(await strict.send(sms(mobileOnly, 'transactional'), tuesday9)).toEqual(deferred('2026-03-03T22:00:00.000Z'));
    expect(await strict.send(sms(mobileOnly, 'marketing'), tuesday9)).toEqual(deferred('2026-03-03T23:00:00.000Z'));
    // QUIET_HOURS_UNKNOWN_ADDRESS=area_code: the number's zone (and still every state's window).
    expect(await byAreaCode.send(sms(mobileOnly, 'marketing'), tuesday9)).toMatchObject({ status: 'sent' });
  });

  it('caps marketing messages per contact per day across workflows; transactional ones pass', async () => {
    const { lead } = await createLeadOnce(
      pg.db,
      {
        firstName: 'Cap',
        lastName: 'Ped',
        email: 'capped@example.com',
        source: 'website',
        address: { street: '2 Main St', city: 'Troy', state: 'MI', zip: '48083' },
        property: {},
        signals: {},
      },
      { requestHash: 'c', dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
    );
    const gateway = createGateway({
      db: pg.db,
      providers: { email: localProvider('email', pg.db) },
      caps: { perDay: 2, perWeek: 5 },
    });
    const send = (key: string, kind?: 'marketing' | 'transactional') =>
      gateway.send(
        { idempotencyKey: key, contactId: lead.contact_id, channel: 'email', text: 'News', kind },
        new Date(),
      );
    expect((await send('cadence-a:1')).status).toBe('sent');
    expect((await send('cadence-b:1')).status).toBe('sent');
    const third = await send('cadence-a:2');
    expect(third).toMatchObject({ status: 'deferred', reason: 'frequency_cap' });
    expect(Date.parse((third as { notBefore: string }).notBefore) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    expect((await send('invoice:reminder', 'transactional')).status).toBe('sent');
  });

  it('blocks a channel the contact has no address for', async () => {
    const { lead } = await createLeadOnce(
      pg.db,
      {
        firstName: 'No',
        lastName: 'Phone',
        email: 'nophone@example.com',
        source: 'website',
        address: { street: '3 Main St', city: 'Troy', state: 'MI', zip: '48083' },
        property: {},
        signals: {},
      },
      { requestHash: 'n', dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
    );
    const gateway = createGateway({
      db: pg.db,
      providers: { sms: localProvider('sms', pg.db) },
      caps: { perDay: 5, perWeek: 5 },
    });
    expect(
      await gateway.send(
        { idempotencyKey: 'x-wf:1', contactId: lead.contact_id, channel: 'sms', text: 'hi' },
        afternoon,
      ),
    ).toEqual({ status: 'blocked', reason: 'no_address', channel: 'sms' });
  });

  it('inbound STOP opts the number out at once (HELP answers, a sentence is a reply, START resumes); bounces suppress email', async () => {
    const phone = '+12485550179';
    const contact = await newContact('Inbound', phone, 'inbound@example.com');
    const gateway = createGateway({
      db: pg.db,
      providers: { sms: localProvider('sms', pg.db), email: localProvider('email', pg.db) },
      caps: { perDay: 100, perWeek: 100 },
    });
    expect(await handleInboundSms(pg.db, { from: phone, body: 'please stop by tomorrow' })).toEqual({
      action: 'reply',
      reply: null,
    });
    expect(await gateway.send(req(contact), afternoon)).toMatchObject({ status: 'sent' });
    expect(await handleInboundSms(pg.db, { from: phone, body: 'Stop', providerMessageId: 'SM1' })).toMatchObject({
      action: 'opted_out',
    });
    expect(await gateway.send(req(contact), afternoon)).toMatchObject({ status: 'blocked', reason: 'opted_out' });
    expect((await handleInboundSms(pg.db, { from: phone, body: 'HELP' })).reply).toMatch(/STOP/);
    await handleInboundSms(pg.db, { from: phone, body: 'START' });
    expect(await gateway.send(req(contact), afternoon)).toMatchObject({ status: 'sent' });

    await handleEmailEvent(pg.db, { email: 'Inbound@Example.com', event: 'bounce', reason: '550 mailbox unavailable' });
    expect(await gateway.send(req({ ...contact, channel: 'email' }), afternoon)).toEqual({
      status: 'blocked',
      reason: 'suppressed',
      channel: 'email',
    });
  });

  it('renders a template before recording it; a missing variable fails the send and records nothing', async () => {
    const gateway = createGateway({
      db: pg.db,
      providers: { email: localProvider('email', pg.db) },
      caps: { perDay: 100, perWeek: 100 },
    });
    const variables = {
      first_name: 'Gia',
      address: '1 Main St',
      city: 'Troy',
      year_built: 1988,
      storm_date: 'November 18',
      nearby_address: '5 Main St',
      property_value: '410,000',
      available_dates: 'Friday morning',
      sales_rep_name: 'Jane Doe',
      sales_rep_phone: '(248) 555-0143',
    };
    const sent = await gateway.send(
      req({ channel: 'email', text: undefined, template: { name: 'storm-insurance-claim', variables } }),
      afternoon,
    );
    expect(sent.status).toBe('sent');
    const row = await pg.db
      .selectFrom('messages')
      .select(['template', 'subject', 'body_text', 'body_html'])
      .where('id', '=', (sent as { messageId: string }).messageId)
      .executeTakeFirstOrThrow();
    expect(row.template).toBe('storm-insurance-claim@1');
    expect(row.subject).toBe('Your 1988 Troy roof may qualify for an insurance claim');
    expect(row.body_text).toMatch(/^Hi Gia,/);

    const before = Number(
      (
        await pg.db
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    const { first_name: _f, ...missing } = variables;
    await expect(
      gateway.send(
        req({ channel: 'email', text: undefined, template: { name: 'storm-insurance-claim', variables: missing } }),
        afternoon,
      ),
    ).rejects.toThrow(/first_name/);
    expect(
      Number(
        (
          await pg.db
            .selectFrom('messages')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
    ).toBe(before);
  });

  it('personalises a templated message only when asked and configured, recording that it did', async () => {
    const seen: string[][] = [];
    const gateway = createGateway({
      db: pg.db,
      providers: { email: localProvider('email', pg.db) },
      caps: { perDay: 100, perWeek: 100 },
      personalise: async (m, keep) => {
        seen.push(keep);
        return { ...m, text: `${m.text}\nP.S. Warm regards.`, personalised: true };
      },
    });
    const variables = {
      first_name: 'Gia',
      address: '1 Main St',
      city: 'Troy',
      year_built: 1988,
      storm_date: 'November 18',
      nearby_address: '5 Main St',
      property_value: '410,000',
      available_dates: 'Friday morning',
      sales_rep_name: 'Jane Doe',
      sales_rep_phone: '(248) 555-0143',
    };
    const plain = (await gateway.send(
      req({ channel: 'email', text: undefined, template: { name: 'storm-insurance-claim', variables } }),
      afternoon,
    )) as { messageId: string };
    const asked = (await gateway.send(
      req({
        channel: 'email',
        text: undefined,
        personalise: true,
        template: { name: 'storm-insurance-claim', variables },
      }),
      afternoon,
    )) as { messageId: string };
    const rows = await pg.db
      .selectFrom('messages')
      .select(['id', 'template', 'body_text'])
      .where('id', 'in', [plain.messageId, asked.messageId])
      .execute();
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    expect(byId[plain.messageId]).toMatchObject({ template: 'storm-insurance-claim@1' });
    expect(byId[asked.messageId]).toMatchObject({ template: 'storm-insurance-claim@1+llm' });
    expect(byId[asked.messageId]!.body_text).toMatch(/P\.S\. Warm regards\.$/);
    expect(seen).toEqual([Object.values(variables).map(String)]);
  });

  it('a postcard is rendered as a 6×4 in PDF to the lead’s postal address and handed to the print provider once', async () => {
    const gateway = createGateway({
      db: pg.db,
      providers: { postcard: postcardProvider(localPrintProvider(pg.db)) },
      caps: { perDay: 100, perWeek: 100 },
    });
    const request = req({
      channel: 'postcard',
      subject: 'Storm season is here',
      text: 'Book your free roof inspection before the next storm. Call (248) 555-0142.',
    });
    const sent = (await gateway.send(request, afternoon)) as {
      status: string;
      messageId: string;
      providerMessageId: string;
    };
    expect(sent).toMatchObject({ status: 'sent', providerMessageId: `local-print-${sent.messageId}` });
    await gateway.send(request, afternoon); // a retry
    const cards = await pg.db.selectFrom('postcards').selectAll().execute();
    expect(cards).toHaveLength(1);
    expect(cards[0]!.address).toBe('Gia Tway\n1 Main St\nTroy, MI 48083');
    expect(cards[0]!.pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const doc = await PDFDocument.load(cards[0]!.pdf);
    expect(doc.getPageCount()).toBe(2);
    expect(doc.getPages().map((p) => [p.getWidth(), p.getHeight()])).toEqual([
      [432, 288],
      [432, 288],
    ]);
    expect(doc.getTitle()).toBe('Storm season is here');
  });

  it('without a voice provider a call becomes a task for the lead’s rep (ops when nobody holds it), once', async () => {
    const gateway = createGateway({
      db: pg.db,
      providers: { call: callTaskProvider(pg.db) },
      caps: { perDay: 100, perWeek: 100 },
    });
    const request = req({ channel: 'call', kind: 'transactional', text: 'Confirm tomorrow’s 9:00 inspection.' });
    expect(await gateway.send(request, afternoon)).toMatchObject({ status: 'sent', provider: 'call-task' });
    await gateway.send(request, afternoon);
    const tasks = await pg.db.selectFrom('notifications').selectAll().where('kind', '=', 'call_task').execute();
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      recipient: 'ops',
      lead_id: leadId,
      payload: { phone: '+12485550177', script: 'Confirm tomorrow’s 9:00 inspection.' },
    });
  });

  it('every email carries a visible unsubscribe link to its own one-click URL', async () => {
    const gateway = createGateway({
      db: pg.db,
      providers: { email: localProvider('email', pg.db) },
      caps: { perDay: 100, perWeek: 100 },
      unsubscribeUrl: (id) => `https://crm.example/unsubscribe/${id}`,
    });
    const sent = (await gateway.send(
      req({ channel: 'email', kind: 'transactional', subject: 'Receipt', text: 'Thanks!', html: '<p>Thanks!</p>' }),
      afternoon,
    )) as { messageId: string };
    const row = await pg.db
      .selectFrom('messages')
      .select(['body_text', 'body_html'])
      .where('id', '=', sent.messageId)
      .executeTakeFirstOrThrow();
    expect(row.body_text).toBe(`Thanks!\n\n—\nUnsubscribe: https://crm.example/unsubscribe/${sent.messageId}`);
    expect(row.body_html).toContain(`<a href="https://crm.example/unsubscribe/${sent.messageId}">Unsubscribe</a>`);
  });

  it('holds marketing on Thanksgiving until 08:00 the next day in the recipient’s zone; transactional goes out, and so does the same on an ordinary day', async () => {
    const contactIn = async (
      first: string,
      phone: string,
      email: string,
      address: { street: string; city: string; state: string; zip: string },
    ) =>
      (
        await createLeadOnce(
          pg.db,
          {
            firstName: first,
            lastName: 'Holiday',
            phone,
            email,
            source: 'website',
            address,
            property: {},
            signals: {},
          },
          { requestHash: first, dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
        )
      ).lead.contact_id;
    const detroit = await contactIn('Troy', '+12485550191', 'troy.holiday@example.com', {
      street: '9 Main St',
      city: 'Troy',
      state: 'MI',
      zip: '48083',
    });
    const california = await contactIn('Sam', '+14155550192', 'sam.holiday@example.com', {
      street: '1 Market St',
      city: 'San Francisco',
      state: 'CA',
      zip: '94105',
    });
    const providers = {
      sms: localProvider('sms', pg.db),
      email: localProvider('email', pg.db),
      postcard: localProvider('postcard', pg.db),
    };
    const gateway = createGateway({
      db: pg.db,
      providers,
      caps: { perDay: 100, perWeek: 100 },
      holidays: { observed: true, extra: [] },
    });
    const send = (
      contact: string,
      channel: 'sms' | 'email' | 'postcard',
      at: Date,
      kind?: 'marketing' | 'transactional',
    ) =>
      gateway.send(
        {
          idempotencyKey: `holiday-wf:${++n}`,
          contactId: contact,
          channel,
          text: 'Storm season: book your free roof inspection.',
          kind,
        },
        at,
      );
    const recorded = async () =>
      Number(
        (
          await pg.db
            .selectFrom('messages')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('idempotency_key', 'like', 'holiday-wf:%')
            .executeTakeFirstOrThrow()
        ).n,
      );

    const thanksgiving = new Date('2026-11-26T20:00:00Z'); // 15:00 in Detroit, 12:00 in San Francisco
    const held = (notBefore: string) => ({ status: 'deferred', reason: 'holiday', notBefore });
    expect(await send(detroit, 'sms', thanksgiving)).toEqual(held('2026-11-27T13:00:00.000Z'));
    expect(await send(detroit, 'email', thanksgiving)).toEqual(held('2026-11-27T13:00:00.000Z'));
    expect(await send(detroit, 'postcard', thanksgiving)).toEqual(held('2026-11-27T13:00:00.000Z'));
    expect(await send(california, 'sms', thanksgiving)).toEqual(held('2026-11-27T16:00:00.000Z'));
    expect(await send(california, 'email', thanksgiving)).toEqual(held('2026-11-27T16:00:00.000Z'));
    expect(await recorded()).toBe(0); // held messages are not recorded: asking again sends them

    // Transactional messages are not held (quiet hours still apply to the SMS: 15:00 is inside them).
    expect(await send(detroit, 'sms', thanksgiving, 'transactional')).toMatchObject({
      status: 'sent',
      duplicate: false,
    });
    expect(await send(california, 'email', thanksgiving, 'transactional')).toMatchObject({
      status: 'sent',
      duplicate: false,
    });
    // The same marketing on the day before, and at the moment it was held until.
    expect(await send(detroit, 'sms', afternoon)).toMatchObject({ status: 'sent' });
    expect(await send(california, 'email', afternoon)).toMatchObject({ status: 'sent' });
    expect(await send(detroit, 'sms', new Date('2026-11-27T13:00:00Z'))).toMatchObject({ status: 'sent' });
    expect(await send(california, 'sms', new Date('2026-11-27T16:00:00Z'))).toMatchObject({ status: 'sent' });
    expect(await recorded()).toBe(6);

    // Nothing known of where the recipient is (no address, no phone): the company's zone, Detroit.
    const nowhere = randomUUID();
    await pg.db
      .insertInto('contacts')
      .values({
        id: nowhere,
        first_name: 'No',
        last_name: 'Where',
        phone: null,
        email: 'nowhere.holiday@example.com',
        preferred_language: null,
      })
      .execute();
    expect(await send(nowhere, 'email', new Date('2026-11-26T05:30:00Z'))).toEqual(held('2026-11-27T13:00:00.000Z')); // 00:30 Thanksgiving in Detroit
    expect(await send(nowhere, 'email', new Date('2026-11-27T06:00:00Z'))).toMatchObject({ status: 'sent' }); // 01:00 Friday in Detroit, still Thanksgiving in Hawaii

    // Extra dates from configuration, with the US holidays switched off.
    const extraOnly = createGateway({
      db: pg.db,
      providers,
      caps: { perDay: 100, perWeek: 100 },
      holidays: { observed: false, extra: ['2026-11-27'] },
    });
    const sendExtra = (at: Date) =>
      extraOnly.send(
        { idempotencyKey: `holiday-wf:${++n}`, contactId: detroit, channel: 'email', text: 'Year-end offer' },
        at,
      );
    expect(await sendExtra(new Date('2026-11-27T15:00:00Z'))).toEqual(held('2026-11-28T13:00:00.000Z'));
    expect(await sendExtra(thanksgiving)).toMatchObject({ status: 'sent' });
  });
});
