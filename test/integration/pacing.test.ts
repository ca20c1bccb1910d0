// One person, one conversation: the gateway paces the plans that message a contact (journey,
// cadence, review asks, payment reminders) against each other, on a real Postgres. Time passes by
// moving a contact's recorded messages back (the gateway measures from when they were recorded).
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SendRequest } from '../../activities/messaging/contract';
import { createGateway } from '../../activities/messaging/gateway';
import { localProvider } from '../../activities/messaging/providers/local';
import { createLeadOnce } from '../../db/repositories/leads';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';

const H = 3_600_000;
const GAP = 4 * H;

describe('pacing across plans', () => {
  let pg: TestPostgres;
  let gateway: ReturnType<typeof createGateway>;
  let people = 0;

  beforeAll(async () => {
    pg = await startTestPostgres();
    gateway = createGateway({
      db: pg.db,
      providers: { email: localProvider('email', pg.db), sms: localProvider('sms', pg.db) },
      caps: { perDay: 10, perWeek: 50, minGapMs: GAP },
    });
  });
  afterAll(async () => {
    await pg?.stop();
  });

  /** A person of the test's own, and a send request to them from `plan`. */
  async function person() {
    const n = ++people;
    const { lead } = await createLeadOnce(
      pg.db,
      {
        firstName: 'Pace',
        lastName: `Person${n}`,
        phone: `+1248555${String(1000 + n).padStart(4, '0')}`,
        email: `pace-${n}@example.com`,
        source: 'website',
        address: { street: `${n} Elm St`, city: 'Troy', state: 'MI', zip: '48083' },
        property: {},
        signals: {},
      },
      { requestHash: `pace-${n}`, dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
    );
    const request = (key: string, over: Partial<SendRequest>): SendRequest => ({
      idempotencyKey: `pacing-${n}:${key}`,
      contactId: lead.contact_id,
      leadId: lead.id,
      channel: 'email',
      subject: key,
      text: `About ${key}`,
      ...over,
    });
    /** The person's messages so far were recorded `ms` earlier than they were. */
    const earlier = (ms: number) =>
      sql`update messages set created_at = created_at - make_interval(secs => ${ms / 1000})
          where contact_id = ${lead.contact_id}`.execute(pg.db);
    return { contactId: lead.contact_id, request, earlier };
  }

  const waits = (contactId: string) =>
    pg.db.selectFrom('message_waits').select(['idempotency_key', 'plan']).where('contact_id', '=', contactId).execute();

  it('a marketing message waits the gap after the last message, whichever plan sent it', async () => {
    const p = await person();
    expect(await gateway.send(p.request('welcome', { plan: 'journey' }))).toMatchObject({ status: 'sent' });
    await p.earlier(H);
    const now = new Date();
    const cadence = await gateway.send(p.request('touch-1', { plan: 'cadence' }), now);
    expect(cadence).toMatchObject({ status: 'deferred', reason: 'pacing' });
    const notBefore = Date.parse((cadence as { notBefore: string }).notBefore);
    expect(notBefore - now.getTime()).toBeGreaterThan(3 * H - 60_000);
    expect(notBefore - now.getTime()).toBeLessThanOrEqual(3 * H);
    // Three hours on, the gap is over: the same request goes out.
    await p.earlier(3 * H);
    expect(await gateway.send(p.request('touch-1', { plan: 'cadence' }))).toMatchObject({ status: 'sent' });
    expect(await waits(p.contactId)).toEqual([]);
  });

  it('a more important plan waiting for the slot goes first; the other keeps the gap after it', async () => {
    const p = await person();
    await gateway.send(p.request('welcome', { plan: 'journey' }));
    await p.earlier(H);
    // The cadence's touch waits for the gap (until 3 h from now) and holds its place.
    const cadence = p.request('touch-1', { plan: 'cadence' });
    const deferred = await gateway.send(cadence);
    expect(deferred).toMatchObject({ status: 'deferred', reason: 'pacing' });
    expect(await waits(p.contactId)).toEqual([{ idempotency_key: cadence.idempotencyKey, plan: 'cadence' }]);
    const slot = new Date((deferred as { notBefore: string }).notBefore);

    // At that moment the journey's next touch and a review ask also want to go: both give way.
    await p.earlier(3 * H); // the welcome was 4 h ago: the gap alone would let them through
    for (const [key, plan] of [
      ['educational', 'journey'],
      ['review-ask', 'review'],
    ] as const) {
      const outcome = await gateway.send(p.request(key, { plan }), slot);
      expect(outcome, key).toMatchObject({ status: 'deferred', reason: 'pacing' });
      expect(Date.parse((outcome as { notBefore: string }).notBefore), key).toBe(slot.getTime() + GAP);
    }
    // The cadence goes; its place is given up, the other two still wait.
    expect(await gateway.send(cadence, slot)).toMatchObject({ status: 'sent' });
    expect((await waits(p.contactId)).map((w) => w.plan).sort()).toEqual(['journey', 'review']);
    // When both come back, the review ask outranks the journey's touch: it goes, the touch waits again.
    const next = new Date(slot.getTime() + GAP);
    expect(await gateway.send(p.request('educational', { plan: 'journey' }), next)).toMatchObject({
      status: 'deferred',
      reason: 'pacing',
    });
    expect(await gateway.send(p.request('review-ask', { plan: 'review' }), next)).toMatchObject({ status: 'sent' });
  });

  it('transactional messages are never paced, and the person just heard from us: marketing waits after them', async () => {
    const p = await person();
    await gateway.send(p.request('welcome', { plan: 'journey' }));
    await p.earlier(5 * H);
    // A payment reminder the customer owes us an answer to goes at once, gap or not. (By email: an SMS
    // would also meet quiet hours, and this test runs at any hour.)
    const reminder = p.request('payment-reminder-day-3', { kind: 'transactional', plan: 'other' });
    expect(await gateway.send(reminder)).toMatchObject({ status: 'sent' });
    expect(await gateway.send(p.request('confirmation', { kind: 'transactional' }))).toMatchObject({
      status: 'sent',
    });
    // The welcome was 5 h ago, but the reminder a moment ago: the cadence waits for the gap after it.
    expect(await gateway.send(p.request('touch-1', { plan: 'cadence' }))).toMatchObject({
      status: 'deferred',
      reason: 'pacing',
    });
  });

  it('an SMS to a number known to be a landline is blocked; email still goes', async () => {
    const p = await person();
    await pg.db.updateTable('contacts').set({ phone_line_type: 'fixed_line' }).where('id', '=', p.contactId).execute();
    expect(await gateway.send(p.request('sms', { channel: 'sms', kind: 'transactional' }))).toEqual({
      status: 'blocked',
      reason: 'landline',
      channel: 'sms',
    });
    expect(await gateway.send(p.request('email', { kind: 'transactional' }))).toMatchObject({ status: 'sent' });
  });
});
