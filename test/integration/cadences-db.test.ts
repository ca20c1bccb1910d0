// Follow-up cadences in Postgres: one running cadence per contact (a retried claim is not a
// conflict; ten claims at once make one), the cooldown after a run ends, an end recorded once;
// ops holds (one active per target, lead before rep before definition); the running cadences a
// hold covers; the household of a contact (same street and ZIP); touches recorded once each;
// and the A/B report per definition, step and variant.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activeHold,
  claimCadence,
  createHold,
  endCadence,
  findCadence,
  householdCadences,
  listHolds,
  markTouchEngagement,
  recordTouch,
  releaseHold,
  runningCadencesIn,
  variantReport,
} from '../../db/repositories/cadences';
import { createLeadOnce, saveLeadStage } from '../../db/repositories/leads';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';

const DAY = 86_400_000;

describe('cadence repository', () => {
  let pg: TestPostgres;
  let n = 0;

  beforeAll(async () => {
    pg = await startTestPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  /** A new person with one lead (or, with `email` of someone whose lead is closed, their next lead). */
  async function newLead(address: { street?: string; zip?: string } = {}, email?: string) {
    n += 1;
    const outcome = await createLeadOnce(
      pg.db,
      {
        firstName: 'C',
        lastName: `${n}`,
        email: email ?? `c${n}@x.example`,
        source: 'website',
        address: { street: address.street ?? `${n} Main St`, city: 'Troy', state: 'MI', zip: address.zip ?? '48083' },
        property: {},
        signals: {},
      },
      { requestHash: `h${n}`, dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
    );
    expect(outcome.kind).toBe('created');
    return { leadId: outcome.lead.id, contactId: outcome.lead.contact_id };
  }

  /** Claims a cadence for a lead (workflow id `cadence-<lead>`, run `<workflow>/<run>`). */
  function claim(
    l: { leadId: string; contactId: string },
    o: {
      run?: string;
      workflowId?: string;
      repId?: string;
      definition?: string;
      cooldownDays?: number;
      now?: Date;
    } = {},
  ) {
    const workflowId = o.workflowId ?? `cadence-${l.leadId}`;
    return claimCadence(pg.db, {
      id: `${workflowId}/${o.run ?? 'run-1'}`,
      workflowId,
      contactId: l.contactId,
      leadId: l.leadId,
      repId: o.repId,
      definition: o.definition ?? 'standard',
      cooldownDays: o.cooldownDays ?? 30,
      now: o.now ?? new Date(),
    });
  }
  const runningOf = (contactId: string) =>
    pg.db
      .selectFrom('cadences')
      .selectAll()
      .where('contact_id', '=', contactId)
      .where('ended_at', 'is', null)
      .execute();

  describe('claimCadence', () => {
    it('claims once per contact: a retry is claimed again, another run is busy naming the running workflow', async () => {
      const l = await newLead();
      const wf = `cadence-${l.leadId}`;
      expect(await claim(l, { repId: 'rep-a' })).toEqual({ kind: 'claimed' });
      const row = await findCadence(pg.db, wf);
      expect(row).toMatchObject({
        id: `${wf}/run-1`,
        workflow_id: wf,
        contact_id: l.contactId,
        lead_id: l.leadId,
        rep_id: 'rep-a',
        definition: 'standard',
        ended_at: null,
        end_reason: null,
        touches: 0,
      });

      // The activity retried: the same run, nothing new.
      expect(await claim(l, { repId: 'rep-a' })).toEqual({ kind: 'claimed' });
      expect(await runningOf(l.contactId)).toHaveLength(1);

      // Another run for the same person (say, their other lead's cadence) waits its turn.
      expect(await claim(l, { workflowId: 'cadence-someone-else', run: 'r' })).toEqual({
        kind: 'busy',
        workflowId: wf,
      });
      expect(await claim(l, { run: 'run-2' })).toEqual({ kind: 'busy', workflowId: wf });
      expect((await runningOf(l.contactId)).map((r) => r.id)).toEqual([`${wf}/run-1`]);
    });

    it('ten claims for one contact at the same moment: exactly one is claimed, the rest are busy naming it', async () => {
      const l = await newLead();
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, i) => claim(l, { workflowId: `wf-${l.leadId}-${i}` })),
      );
      const claimed = outcomes.flatMap((o, i) => (o.kind === 'claimed' ? [i] : []));
      expect(claimed).toHaveLength(1);
      const winner = `wf-${l.leadId}-${claimed[0]}`;
      expect(outcomes.filter((o) => o.kind === 'busy')).toHaveLength(9);
      expect(outcomes.every((o) => o.kind === 'claimed' || (o.kind === 'busy' && o.workflowId === winner))).toBe(true);
      expect((await runningOf(l.contactId)).map((r) => r.workflow_id)).toEqual([winner]);
    });

    it('after the end: the ended run is not claimed again, another cools down until end + cooldown, then starts', async () => {
      const l = await newLead();
      const wf = `cadence-${l.leadId}`;
      const t0 = new Date('2026-03-02T15:00:00.000Z');
      expect(await claim(l, { now: t0 })).toEqual({ kind: 'claimed' });
      const endedAt = new Date(t0.getTime() + 12 * DAY);
      await endCadence(pg.db, { id: `${wf}/run-1`, reason: 'touch cap of 12 reached', touches: 12, at: endedAt });
      expect(await runningOf(l.contactId)).toEqual([]);

      // A claim of the run that already ended (a retry after the end): nothing to do, even with no cooldown.
      expect(await claim(l, { now: new Date(endedAt.getTime() + 60 * DAY), cooldownDays: 0 })).toEqual({
        kind: 'ended',
      });

      const tenDaysLater = new Date(endedAt.getTime() + 10 * DAY);
      expect(await claim(l, { run: 'run-2', now: tenDaysLater, cooldownDays: 30 })).toEqual({
        kind: 'cooling_down',
        until: new Date(endedAt.getTime() + 30 * DAY),
      });
      expect(await claim(l, { run: 'run-2', now: tenDaysLater, cooldownDays: 7 })).toEqual({ kind: 'claimed' });
      // The lead's second run under the same workflow id: findCadence shows the latest.
      expect(await findCadence(pg.db, wf)).toMatchObject({
        id: `${wf}/run-2`,
        ended_at: null,
        started_at: tenDaysLater,
      });
      expect((await runningOf(l.contactId)).map((r) => r.id)).toEqual([`${wf}/run-2`]);
    });

    it('cooldown 0: a new run may start right after the last one ended', async () => {
      const l = await newLead();
      const t0 = new Date('2026-04-01T12:00:00.000Z');
      expect(await claim(l, { now: t0 })).toEqual({ kind: 'claimed' });
      const endedAt = new Date(t0.getTime() + DAY);
      await endCadence(pg.db, { id: `cadence-${l.leadId}/run-1`, reason: 'lead lost', touches: 1, at: endedAt });
      const justAfter = new Date(endedAt.getTime() + 1000);
      expect(await claim(l, { run: 'run-2', now: justAfter })).toMatchObject({ kind: 'cooling_down' });
      expect(await claim(l, { run: 'run-2', now: justAfter, cooldownDays: 0 })).toEqual({ kind: 'claimed' });
    });

    it('ending twice keeps the first end (reason, touches, time)', async () => {
      const l = await newLead();
      const id = `cadence-${l.leadId}/run-1`;
      expect(await claim(l)).toEqual({ kind: 'claimed' });
      const first = new Date('2026-05-05T10:00:00.000Z');
      await endCadence(pg.db, { id, reason: 'lead won', touches: 4, at: first });
      await endCadence(pg.db, { id, reason: 'cancelled', touches: 9, at: new Date('2026-05-06T10:00:00.000Z') });
      expect(
        await pg.db
          .selectFrom('cadences')
          .select(['ended_at', 'end_reason', 'touches'])
          .where('id', '=', id)
          .executeTakeFirstOrThrow(),
      ).toEqual({ ended_at: first, end_reason: 'lead won', touches: 4 });
    });
  });

  describe('holds', () => {
    it('one active hold per scope and target: holding again returns it unchanged', async () => {
      const l = await newLead();
      const first = await createHold(pg.db, {
        scope: 'lead',
        target: l.leadId,
        reason: 'customer asked for a break',
        createdBy: 'ops',
      });
      expect(first.created).toBe(true);
      expect(first.hold).toMatchObject({
        scope: 'lead',
        target: l.leadId,
        reason: 'customer asked for a break',
        created_by: 'ops',
        released_at: null,
      });
      const again = await createHold(pg.db, { scope: 'lead', target: l.leadId, reason: 'another reason' });
      expect(again.created).toBe(false);
      expect(again.hold.id).toBe(first.hold.id);
      expect(again.hold.reason).toBe('customer asked for a break');
      // Another scope with the same target is another hold.
      const byRep = await createHold(pg.db, { scope: 'rep', target: l.leadId, reason: 'odd but allowed' });
      expect(byRep.created).toBe(true);
      expect(byRep.hold.id).not.toBe(first.hold.id);
      expect(
        (await listHolds(pg.db))
          .filter((h) => h.target === l.leadId)
          .map((h) => h.scope)
          .sort(),
      ).toEqual(['lead', 'rep']);
      await releaseHold(pg.db, byRep.hold.id);
      await releaseHold(pg.db, first.hold.id);
    });

    it('the hold that applies: lead before rep before definition; released holds are gone; releasing twice is undefined', async () => {
      const l = await newLead();
      const c = { leadId: l.leadId, repId: 'rep-holds', definition: 'storm' };
      expect(await activeHold(pg.db, c)).toBeUndefined();
      const def = await createHold(pg.db, { scope: 'definition', target: 'storm', reason: 'holiday' });
      const rep = await createHold(pg.db, { scope: 'rep', target: 'rep-holds', reason: 'vacation' });
      const lead = await createHold(pg.db, { scope: 'lead', target: l.leadId, reason: 'asked for quiet' });
      expect(await activeHold(pg.db, c)).toMatchObject({ id: lead.hold.id, scope: 'lead', reason: 'asked for quiet' });
      // Another lead of the same rep and definition: the rep hold.
      expect(await activeHold(pg.db, { ...c, leadId: randomUUID() })).toMatchObject({
        id: rep.hold.id,
        scope: 'rep',
        reason: 'vacation',
      });
      // Nobody holds the lead (the ops queue): the definition hold.
      expect(await activeHold(pg.db, { leadId: randomUUID(), definition: 'storm' })).toMatchObject({
        id: def.hold.id,
        scope: 'definition',
      });
      expect(
        await activeHold(pg.db, { leadId: randomUUID(), repId: 'rep-other', definition: 'plain' }),
      ).toBeUndefined();

      const released = await releaseHold(pg.db, lead.hold.id);
      expect(released).toMatchObject({ id: lead.hold.id, scope: 'lead', target: l.leadId });
      expect(released!.released_at).toBeInstanceOf(Date);
      expect(await releaseHold(pg.db, lead.hold.id)).toBeUndefined();
      expect(await releaseHold(pg.db, randomUUID())).toBeUndefined();
      expect(await activeHold(pg.db, c)).toMatchObject({ id: rep.hold.id, scope: 'rep' });
      expect((await listHolds(pg.db)).map((h) => h.id)).not.toContain(lead.hold.id);

      expect(await releaseHold(pg.db, rep.hold.id)).toMatchObject({
        id: rep.hold.id,
        scope: 'rep',
        target: 'rep-holds',
        released_at: expect.any(Date) as unknown,
      });
      expect(await activeHold(pg.db, c)).toMatchObject({ id: def.hold.id, scope: 'definition', reason: 'holiday' });
      expect(await releaseHold(pg.db, def.hold.id)).toMatchObject({
        id: def.hold.id,
        scope: 'definition',
        target: 'storm',
        released_at: expect.any(Date) as unknown,
      });
      expect(await activeHold(pg.db, c)).toBeUndefined();

      // Once released, the same target may be held again: a new hold.
      const anew = await createHold(pg.db, { scope: 'rep', target: 'rep-holds', reason: 'vacation again' });
      expect(anew.created).toBe(true);
      expect(anew.hold.id).not.toBe(rep.hold.id);
      expect(await activeHold(pg.db, c)).toMatchObject({ id: anew.hold.id, reason: 'vacation again' });
      await releaseHold(pg.db, anew.hold.id);
    });

    it('finds the running cadences a hold covers, by lead, rep or definition (never ended ones)', async () => {
      const [a, b, c, d] = [await newLead(), await newLead(), await newLead(), await newLead()];
      await claim(a, { repId: 'rep-cover-1', definition: 'def-cover-x' });
      await claim(b, { repId: 'rep-cover-1', definition: 'def-cover-y' });
      await claim(c, { repId: 'rep-cover-2', definition: 'def-cover-x' });
      await claim(d, { repId: 'rep-cover-1', definition: 'def-cover-x' });
      await endCadence(pg.db, { id: `cadence-${d.leadId}/run-1`, reason: 'lead lost', touches: 0, at: new Date() });
      const wf = (l: { leadId: string }) => `cadence-${l.leadId}`;

      expect((await runningCadencesIn(pg.db, 'rep', 'rep-cover-1')).sort()).toEqual([wf(a), wf(b)].sort());
      expect(await runningCadencesIn(pg.db, 'rep', 'rep-cover-2')).toEqual([wf(c)]);
      expect((await runningCadencesIn(pg.db, 'definition', 'def-cover-x')).sort()).toEqual([wf(a), wf(c)].sort());
      expect(await runningCadencesIn(pg.db, 'lead', b.leadId)).toEqual([wf(b)]);
      expect(await runningCadencesIn(pg.db, 'lead', d.leadId)).toEqual([]);
      expect(await runningCadencesIn(pg.db, 'rep', 'rep-nobody')).toEqual([]);
    });
  });

  describe('householdCadences', () => {
    it('sees the running cadences of other people at the same street and ZIP, whatever the case and surrounding spaces', async () => {
      const p = await newLead({ street: '12 Oak St', zip: '48098' });
      const q = await newLead({ street: '  12  OAK st ', zip: ' 48098' });
      const otherZip = await newLead({ street: '12 Oak St', zip: '48099' });
      const otherStreet = await newLead({ street: '14 Oak St', zip: '48098' });
      const ended = await newLead({ street: '12 oak st', zip: '48098' });
      const quiet = await newLead({ street: '12 Oak St', zip: '48098' }); // same household, no cadence
      for (const l of [p, q, otherZip, otherStreet, ended]) expect(await claim(l)).toEqual({ kind: 'claimed' });
      await endCadence(pg.db, { id: `cadence-${ended.leadId}/run-1`, reason: 'lead won', touches: 2, at: new Date() });
      const wf = (l: { leadId: string }) => `cadence-${l.leadId}`;

      expect(await householdCadences(pg.db, p.contactId)).toEqual([wf(q)]);
      expect(await householdCadences(pg.db, q.contactId)).toEqual([wf(p)]);
      expect((await householdCadences(pg.db, quiet.contactId)).sort()).toEqual([wf(p), wf(q)].sort());
      expect((await householdCadences(pg.db, ended.contactId)).sort()).toEqual([wf(p), wf(q)].sort());
      expect(await householdCadences(pg.db, otherZip.contactId)).toEqual([]);
      expect(await householdCadences(pg.db, otherStreet.contactId)).toEqual([]);
      expect(await householdCadences(pg.db, randomUUID())).toEqual([]);
    });

    it("counts every address of the contact's leads", async () => {
      const neighbour = await newLead({ street: '7 Birch Rd', zip: '48310' });
      expect(await claim(neighbour)).toEqual({ kind: 'claimed' });
      const mover = await newLead({ street: '100 Pine Ave', zip: '48083' });
      expect(await householdCadences(pg.db, mover.contactId)).toEqual([]);
      // Their first lead closed; they come back from the neighbour's address: the same contact, a new lead.
      expect(await saveLeadStage(pg.db, mover.leadId, 'lost')).toBe(true);
      const moved = await newLead(
        { street: '7 birch rd', zip: '48310' },
        (await pg.db.selectFrom('contacts').select('email').where('id', '=', mover.contactId).executeTakeFirstOrThrow())
          .email!,
      );
      expect(moved.contactId).toBe(mover.contactId);
      expect(await householdCadences(pg.db, mover.contactId)).toEqual([`cadence-${neighbour.leadId}`]);
    });
  });

  describe('touches and the A/B report', () => {
    it('records each touch once and keeps the highest touch number on the cadence', async () => {
      const l = await newLead();
      const id = `cadence-${l.leadId}/run-1`;
      await claim(l);
      const m1 = randomUUID();
      const sentAt = new Date('2026-06-01T14:00:00.000Z');
      await recordTouch(pg.db, {
        cadenceId: id,
        touchNo: 1,
        step: 'day-1',
        variant: 'B',
        channel: 'email',
        messageId: m1,
        sentAt,
      });
      await recordTouch(pg.db, {
        cadenceId: id,
        touchNo: 1,
        step: 'day-2',
        variant: 'A',
        channel: 'sms',
        messageId: randomUUID(),
        sentAt: new Date(),
      });
      const touches = () =>
        pg.db.selectFrom('cadence_touches').selectAll().where('cadence_id', '=', id).orderBy('touch_no').execute();
      const count = async () =>
        (await pg.db.selectFrom('cadences').select('touches').where('id', '=', id).executeTakeFirstOrThrow()).touches;
      expect(await touches()).toEqual([
        {
          cadence_id: id,
          touch_no: 1,
          step: 'day-1',
          variant: 'B',
          channel: 'email',
          message_id: m1,
          sent_at: sentAt,
          opened: false,
          clicked: false,
          replied: false,
        },
      ]);
      expect(await count()).toBe(1);

      await recordTouch(pg.db, {
        cadenceId: id,
        touchNo: 2,
        step: 'day-2',
        variant: 'A',
        channel: 'sms',
        sentAt: new Date(),
      });
      expect(await count()).toBe(2);
      // A late retry of touch 1 neither adds a row nor lowers the count.
      await recordTouch(pg.db, {
        cadenceId: id,
        touchNo: 1,
        step: 'day-1',
        variant: 'B',
        channel: 'email',
        messageId: m1,
        sentAt,
      });
      expect((await touches()).map((t) => [t.touch_no, t.step, t.message_id])).toEqual([
        [1, 'day-1', m1],
        [2, 'day-2', null],
      ]);
      expect(await count()).toBe(2);
    });

    it('reports touches, leads, opens, clicks, replies and won leads per definition, step and variant', async () => {
      const def = 'def-report';
      const [won, open, quiet, elsewhere] = [await newLead(), await newLead(), await newLead(), await newLead()];
      for (const l of [won, open, quiet]) await claim(l, { definition: def });
      await claim(elsewhere, { definition: 'def-report-other' });
      const touch = async (l: { leadId: string }, touchNo: number, step: string, variant: string) => {
        const messageId = randomUUID();
        await recordTouch(pg.db, {
          cadenceId: `cadence-${l.leadId}/run-1`,
          touchNo,
          step,
          variant,
          channel: 'email',
          messageId,
          sentAt: new Date(),
        });
        return messageId;
      };
      const wonDay1 = await touch(won, 1, 'day-1', 'A');
      const wonDay2 = await touch(won, 2, 'day-2', 'A');
      const openDay1 = await touch(open, 1, 'day-1', 'B');
      await touch(quiet, 1, 'day-1', 'A');
      const quietAdjust = await touch(quiet, 2, 'adjust', 'A');
      await touch(quiet, 3, 'adjust', 'A');
      await touch(elsewhere, 1, 'day-1', 'A');

      await markTouchEngagement(pg.db, wonDay1, 'opened');
      await markTouchEngagement(pg.db, wonDay1, 'clicked');
      await markTouchEngagement(pg.db, wonDay1, 'opened'); // a second open event: still one opened touch
      await markTouchEngagement(pg.db, wonDay2, 'replied');
      await markTouchEngagement(pg.db, openDay1, 'opened');
      await markTouchEngagement(pg.db, quietAdjust, 'clicked');
      await markTouchEngagement(pg.db, randomUUID(), 'opened'); // not a cadence message: nothing
      expect(await saveLeadStage(pg.db, won.leadId, 'won')).toBe(true);
      expect(await saveLeadStage(pg.db, quiet.leadId, 'lost')).toBe(true);

      const row = (
        step: string,
        variant: string,
        counts: { touches: number; leads: number; opened?: number; clicked?: number; replied?: number; won?: number },
      ) => ({
        definition: def,
        step,
        variant,
        opened: 0,
        clicked: 0,
        replied: 0,
        won: 0,
        ...counts,
      });
      const expected = [
        row('adjust', 'A', { touches: 2, leads: 1, clicked: 1 }),
        row('day-1', 'A', { touches: 2, leads: 2, opened: 1, clicked: 1, won: 1 }),
        row('day-1', 'B', { touches: 1, leads: 1, opened: 1 }),
        row('day-2', 'A', { touches: 1, leads: 1, replied: 1, won: 1 }),
      ];
      expect(await variantReport(pg.db, def)).toEqual(expected);
      expect(await variantReport(pg.db, 'def-report-other')).toEqual([
        {
          definition: 'def-report-other',
          step: 'day-1',
          variant: 'A',
          touches: 1,
          leads: 1,
          opened: 0,
          clicked: 0,
          replied: 0,
          won: 0,
        },
      ]);
      expect(await variantReport(pg.db, 'def-nobody-uses')).toEqual([]);

      const all = await variantReport(pg.db);
      expect(all.filter((r) => r.definition === def)).toEqual(expected);
      expect(all.filter((r) => r.definition === 'def-report-other')).toHaveLength(1);
      expect(new Set(all.map((r) => r.definition)).size).toBeGreaterThan(2); // the other tests' touches too
    });
  });
});
