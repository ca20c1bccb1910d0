// Fault tests 2 and 3 (issue 13, docs/reliability.md) on the real system — API, dev server,
// embedded Postgres, worker — with the real Twilio and SendGrid adapters (their official SDKs,
// selected by their env keys) pointed at a local stand-in for both providers (TWILIO_API_BASE_URL,
// SENDGRID_API_BASE_URL). Deliveries are counted from what the stand-in accepted.
//
// 2. The providers fail (HTTP 503) for 30 s, then recover: every message due meanwhile is
//    delivered once after recovery; a STOP received during the outage (a signed Twilio inbound
//    webhook through the API) means no SMS to that number afterwards — also when that SMS had
//    already been tried and failed before the STOP (its retry) — while that person's email goes.
// 3. A STOP races a scheduled SMS: the journey has decided to send (the send activity is scheduled)
//    but the sending queue is held (its rate limit set to 0 at the Temporal server, as ops would
//    pause sending); the STOP arrives, the queue is released: no SMS goes out.
//
// The prompt SMS of the real system is the journey's crew_arrived_sms (transactional), due the
// moment the deal's project_started is recorded (quote_sent, contract_signed, project_started
// through the deals API). Quiet hours apply to it: the people live where it is day now
// (daytimePlace); in the hours when it is night in every US zone the file is skipped.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { connectClient } from '../../temporal/client';
import { figuresOf, reportFigures } from '../helpers/fault-figures';
import { daytimePlace, faultApi, personAt, sendingQueue, touchOf, type Person } from '../helpers/fault-system';
import { freePort } from '../helpers/ports';
import { startProviderStub, STUB_TWILIO_SID, type ProviderStub } from '../helpers/provider-stub';
import { SLAS_THAT_DO_NOT_LAPSE, startTestSystem, type TestSystem } from '../helpers/system';

const place = daytimePlace();
/** People per group (FAULT_OUTAGE_PEOPLE scales it). */
const PEOPLE = Number(process.env.FAULT_OUTAGE_PEOPLE ?? 6);
const OUTAGE_MS = 30_000;

if (!place) console.warn('[fault-figures] provider outage: skipped, night in every US zone (quiet hours hold SMS)');

describe.skipIf(!place)('fault: provider outage and STOP races, real adapters', () => {
  let sys: TestSystem;
  let stub: ProviderStub;
  let client: Client;
  let api: ReturnType<typeof faultApi>;

  beforeAll(async () => {
    stub = await startProviderStub();
    const apiPort = await freePort();
    sys = await startTestSystem({
      ...SLAS_THAT_DO_NOT_LAPSE,
      MESSAGE_HOLIDAYS_OBSERVED: 'off',
      MESSAGE_MIN_GAP_MINUTES: '0',
      MESSAGES_PER_SECOND: '50',
      ROUTING_RETRY_SECONDS: '3600',
      API_PORT: String(apiPort),
      PUBLIC_BASE_URL: `http://127.0.0.1:${apiPort}`,
      TWILIO_ACCOUNT_SID: STUB_TWILIO_SID,
      TWILIO_AUTH_TOKEN: 'fault-test-twilio-token-0123456789',
      TWILIO_FROM_NUMBER: '+12485550100',
      TWILIO_API_BASE_URL: stub.url,
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
  }, 240_000);
  afterAll(async () => {
    await client?.connection.close();
    await sys?.stop();
    await stub?.close();
  });

  const emailKey = (p: Person) => `email:${p.email}`;
  const smsKey = (p: Person) => `sms:${p.phone}`;
  /** What the provider accepted, one key per message it took (a message taken twice appears twice). */
  const acceptedKeys = (people: Person[], after = 0) => {
    const mine = new Set(people.flatMap((p) => [emailKey(p), smsKey(p)]));
    return stub.accepted
      .filter((a) => a.at > after)
      .map((a) => `${a.channel}:${a.to}`)
      .filter((k) => mine.has(k));
  };
  const accepted = (key: string) => stub.accepted.some((a) => `${a.channel}:${a.to}` === key);
  /** Every journey has decided its welcome email and its crew_arrived_sms (sent or skipped). */
  const settled = async (contacts: string[]) => {
    for (const c of contacts) {
      const status = await api.journey(c);
      if (!touchOf(status, 'welcome_email') || !touchOf(status, 'crew_arrived_sms')) return false;
    }
    return true;
  };

  it('a 30 s outage: every message due is delivered once after it; a STOP during it stops that SMS (tried before or not) while the email goes', async () => {
    // Group A: their welcome emails go out before the outage; during it their projects start, so
    // their SMS are tried and fail. Group B: their leads come in during the outage, so their
    // welcome emails fail; their SMS follow once the email is through. Ya (in A) texts STOP after
    // her SMS failed at least once; Xb (in B) texts STOP before hers was ever tried.
    const groupA = Array.from({ length: PEOPLE }, (_, i) => personAt(place!, 'outA', i));
    const groupB = Array.from({ length: PEOPLE }, (_, i) => personAt(place!, 'outB', 100 + i));
    const [ya, xb] = [groupA[0]!, groupB[0]!];

    const leadsA = await Promise.all(groupA.map((p) => api.postLead(p)));
    await expect.poll(() => groupA.every((p) => accepted(emailKey(p))), { timeout: 60_000, interval: 250 }).toBe(true);

    const recovered = stub.outage(OUTAGE_MS);
    const outageStart = Date.now();
    const leadsB = await Promise.all(groupB.map((p) => api.postLead(p)));
    for (const { leadId } of [...leadsA, ...leadsB]) await api.startProject(leadId);
    // A send attempt that met the outage: for an SMS, the adapter's request to Twilio (the lookup
    // of an earlier attempt, or the send itself); for an email, SendGrid's send.
    const failedAttempt = (p: Person, channel: 'sms' | 'email') =>
      stub.attempts.some(
        (a) =>
          a.status >= 500 &&
          (channel === 'sms'
            ? a.api.startsWith('twilio') && a.to === p.phone
            : a.api === 'sendgrid-send' && a.to === p.email),
      );
    await expect.poll(() => failedAttempt(ya, 'sms'), { timeout: OUTAGE_MS, interval: 100 }).toBe(true);
    const stops = new Map<string, number>();
    for (const [n, p] of [ya, xb].entries()) {
      expect(await api.twilioInbound(p.phone, 'STOP', `SM${'5'.repeat(31)}${n}`)).toBe(200);
      stops.set(smsKey(p), Date.now());
    }
    // The STOPs and every message due during the outage met it (a 503 each) before it ended.
    await expect
      .poll(
        () =>
          groupA.filter((p) => p !== ya).every((p) => failedAttempt(p, 'sms')) &&
          groupB.every((p) => failedAttempt(p, 'email')),
        { timeout: OUTAGE_MS, interval: 100 },
      )
      .toBe(true);
    expect(Math.max(...stops.values())).toBeLessThan(recovered);
    expect(stub.accepted.filter((a) => a.at >= outageStart && a.at < recovered)).toEqual([]);

    // After it: everything due goes out once; the journeys decide every touch.
    const contacts = [...leadsA, ...leadsB].map((l) => l.contactId);
    await expect.poll(() => settled(contacts), { timeout: 150_000, interval: 1000 }).toBe(true);

    const people = [...groupA, ...groupB];
    const due = [...people.map(emailKey), ...people.filter((p) => p !== ya && p !== xb).map(smsKey)];
    const all = acceptedKeys(people);
    const figures = figuresOf('provider outage 30 s (+ STOP during it)', {
      due,
      // An SMS to a number after its STOP is unlawful; one before it would be merely unexpected.
      deliveries: all.filter((k) => !stops.has(k)),
      forbidden: [...stops.keys()],
    });
    const afterStop = [...stops].flatMap(([key, at]) => acceptedKeys(people, at).filter((k) => k === key));
    figures.unlawful = afterStop.length;
    figures.unexpected += all.filter((k) => stops.has(k)).length - afterStop.length;
    reportFigures({
      ...figures,
      outageSeconds: OUTAGE_MS / 1000,
      failedAttempts: stub.attempts.filter((a) => a.status >= 500).length,
      place: place!.state,
    });

    expect(figures).toMatchObject({
      due: due.length,
      delivered: due.length,
      duplicates: 0,
      lost: 0,
      unlawful: 0,
      unexpected: 0,
    });
    const yaJourney = await api.journey(leadsA[0]!.contactId);
    const xbJourney = await api.journey(leadsB[0]!.contactId);
    expect({ ya: touchOf(yaJourney, 'crew_arrived_sms'), xb: touchOf(xbJourney, 'crew_arrived_sms') }).toMatchObject({
      ya: { outcome: 'skipped', reason: expect.stringMatching(/opted_out/) },
      xb: { outcome: 'skipped', reason: expect.stringMatching(/opted_out/) },
    });
  }, 400_000);

  it('a STOP that arrives after the journey decided to send, while the sending queue is held: no SMS goes out', async () => {
    const people = Array.from({ length: Math.max(2, Math.ceil(PEOPLE / 2)) }, (_, i) =>
      personAt(place!, 'race', 200 + i),
    );
    const leads = await Promise.all(people.map((p) => api.postLead(p)));
    await expect.poll(() => people.every((p) => accepted(emailKey(p))), { timeout: 60_000, interval: 250 }).toBe(true);

    // Ops hold the sending queue: the server dispatches none of its tasks.
    const sending = sendingQueue(sys, client);
    await sending.hold();
    onTestFinished(sending.release);

    for (const { leadId } of leads) await api.startProject(leadId);
    // Decided: each journey is sending crew_arrived_sms, its send activity scheduled and not started.
    const decided = async (contactId: string) => {
      const status = await api.journey(contactId);
      if (status.sending?.name !== 'crew_arrived_sms') return false;
      const { raw } = await client.workflow.getHandle(`journey-${contactId}`).describe();
      return (raw.pendingActivities ?? []).some(
        (a) =>
          a.activityType?.name === 'sendMessage' &&
          a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED,
      );
    };
    for (const { contactId } of leads)
      await expect.poll(() => decided(contactId), { timeout: 60_000, interval: 250 }).toBe(true);

    const stopAt = Date.now();
    for (const [n, p] of people.entries())
      expect(await api.twilioInbound(p.phone, 'STOP', `SM${'6'.repeat(31)}${n}`)).toBe(200);
    await sending.release();

    await expect.poll(() => settled(leads.map((l) => l.contactId)), { timeout: 120_000, interval: 500 }).toBe(true);
    const all = acceptedKeys(people);
    const figures = figuresOf('STOP races a scheduled SMS', {
      due: people.map(emailKey),
      deliveries: all,
      forbidden: people.map(smsKey),
    });
    reportFigures({ ...figures, place: place!.state, heldQueueMs: Date.now() - stopAt });
    for (const { contactId } of leads)
      expect(touchOf(await api.journey(contactId), 'crew_arrived_sms')).toMatchObject({
        outcome: 'skipped',
        reason: expect.stringMatching(/opted_out/),
      });
    expect(figures).toMatchObject({
      due: people.length,
      delivered: people.length,
      duplicates: 0,
      lost: 0,
      unlawful: 0,
      unexpected: 0,
    });
  }, 300_000);
});
