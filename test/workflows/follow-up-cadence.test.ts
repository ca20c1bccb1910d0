// followUpCadence timelines on the time-skipping server, with the sending activity faked on its own
// queue: the day 1-10 channel tests with no engagement to the touch cap; a reply hands over;
// an opted-out channel falls back, and so does one whose message failed (for good, or its provider
// down for a day: the cadence never waits on one message longer); quiet hours defer a touch inside
// the cadence; a click accelerates to a call with a proposal; pause and resume never flood; stop ends it.
import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  WorkflowFailedError,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { messagingTaskQueue } from '../../temporal/task-queues';
import { followUpCadence } from '../../workflows';
import {
  cadenceEngagementSignal,
  cadenceStatusQuery,
  householdReplySignal,
  pauseCadenceSignal,
  resumeCadenceSignal,
  stopCadenceSignal,
} from '../../workflows/cadence/messages';
import { messageEventSignal } from '../../workflows/messaging/messages';
import { keepHistory } from '../helpers/histories';
import { memoryCadenceStore } from '../helpers/cadence-memory';
import { fakeSender } from '../helpers/fake-sender';
import { taskQueueFor, useTimeSkippingEnv } from '../helpers/temporal';
import type { CadenceSettings } from '../../workflows/cadence/types';
import { CADENCE_DEFINITIONS } from '../../workflows/cadence/rules/definitions';

const DAY = 86_400_000;

describe('followUpCadence', () => {
  const temporal = useTimeSkippingEnv();

  type RunOptions = {
    maxTouches?: number;
    definition?: string;
    leadId?: string;
    contactId?: string;
    repId?: string;
    settings?: Partial<CadenceSettings>;
    store?: ReturnType<typeof memoryCadenceStore>;
  };
  const settingsFor = (o: RunOptions): CadenceSettings => ({
    policy: { maxTouches: o.maxTouches ?? 12, minGapDays: 0.5 },
    cooldownDays: 30,
    touchesPerRun: 10,
    ...o.settings,
  });
  const storeFor = (o: RunOptions) =>
    memoryCadenceStore(settingsFor(o), () => Context.current().info.currentAttemptScheduledTimestampMs);

  /** Runs the workflow(s) `body` starts on a fresh queue with the fake sender and cadence store. */
  async function withWorkers(
    title: string,
    sender: ReturnType<typeof fakeSender>,
    store: ReturnType<typeof memoryCadenceStore>,
    body: (taskQueue: string) => Promise<void>,
  ) {
    const taskQueue = taskQueueFor(title);
    const worker = await Worker.create({
      connection: temporal.env.nativeConnection,
      taskQueue,
      workflowBundle: temporal.workflowBundle,
      activities: store.activities,
    });
    const sending = await Worker.create({
      connection: temporal.env.nativeConnection,
      taskQueue: messagingTaskQueue(taskQueue),
      activities: sender.activities,
    });
    const done = (async () => {
      sender.start(await temporal.env.currentTimeMs());
      await body(taskQueue);
    })();
    await Promise.all([worker.runUntil(done), sending.runUntil(done)]);
  }
  const startOn = (taskQueue: string, workflowId: string, o: RunOptions) =>
    temporal.env.client.workflow.start(followUpCadence, {
      workflowId,
      taskQueue,
      args: [
        {
          leadId: o.leadId ?? `lead-${workflowId}`,
          contactId: o.contactId ?? '00000000-0000-4000-8000-000000000001',
          repId: o.repId,
          definition: o.definition ?? 'plain',
          settings: settingsFor(o),
        },
      ],
    });

  async function run(
    title: string,
    sender: ReturnType<typeof fakeSender>,
    options: number | RunOptions,
    body: (h: WorkflowHandleWithFirstExecutionRunId<typeof followUpCadence>) => Promise<void>,
  ) {
    const o = typeof options === 'number' ? { maxTouches: options } : options;
    const store = o.store ?? storeFor(o);
    await withWorkers(title, sender, store, async (taskQueue) =>
      body(await startOn(taskQueue, `cadence-${title.replace(/\W+/g, '-')}`, o)),
    );
  }
  const statusOf = (h: WorkflowHandle<typeof followUpCadence>) => h.query(cadenceStatusQuery);

  it('no engagement: email day 1, SMS day 2, postcard day 5, then weekly until the touch cap', async () => {
    const sender = fakeSender();
    await run('silent lead', sender, 5, async (h) => {
      const result = await h.result();
      expect(sender.sent.map((s) => [s.day, s.channel])).toEqual([
        [1, 'email'],
        [2, 'sms'],
        [5, 'postcard'],
        // Then weekly (no engagement), rotating the channels still untried in turn.
        [12, 'postcard'],
        [19, 'email'],
      ]);
      expect(result.ended).toBe('touch cap of 5 reached');
      await keepHistory(h, 'follow-up-cadence', 'silent-to-cap');
    });
  });

  it('a reply hands the lead over and ends the cadence', async () => {
    const sender = fakeSender();
    await run('reply', sender, 12, async (h) => {
      await temporal.env.sleep(1.2 * DAY); // past the day 1 email (queries do not move the test server's clock)
      await expect.poll(() => sender.sent.length).toBe(1);
      await h.signal(messageEventSignal, {
        messageId: 'm1',
        channel: 'email',
        event: 'replied',
        at: new Date().toISOString(),
      });
      expect((await h.result()).ended).toBe('the lead replied: handed to the rep');
      expect(sender.sent).toHaveLength(1);
      await keepHistory(h, 'follow-up-cadence', 'reply-hands-over');
    });
  });

  it('an opted-out SMS falls back to email on day 2', async () => {
    const sender = fakeSender((req) =>
      req.channel === 'sms' ? { status: 'blocked', reason: 'opted_out', channel: 'sms' } : undefined,
    );
    await run('sms opted out', sender, 3, async (h) => {
      const result = await h.result();
      expect(sender.asked.slice(0, 3)).toEqual(['email', 'sms', 'email']);
      expect(sender.sent.map((s) => [s.day, s.channel])[1]).toEqual([2, 'email']);
      expect(result.blocked).toEqual(['sms']);
    });
  });

  it('a permanently failed SMS falls back to email under a key of its own', async () => {
    // Like the gateway: a key keeps its first outcome, whatever channel asks again with it.
    const failed = new Set<string>();
    const sender = fakeSender((req) => {
      if (req.channel !== 'sms' && !failed.has(req.idempotencyKey)) return undefined;
      failed.add(req.idempotencyKey);
      return { status: 'failed', reason: 'invalid_number', channel: req.channel, permanent: true };
    });
    await run('sms invalid number', sender, 3, async (h) => {
      const result = await h.result();
      expect(sender.asked.slice(0, 3)).toEqual(['email', 'sms', 'email']);
      expect(sender.sent.map((s) => [s.day, s.channel])[1]).toEqual([2, 'email']);
      expect(result.blocked).toEqual(['sms']);
      expect(failed.size).toBe(1);
      expect(sender.sent.map((s) => s.key)).not.toContain([...failed][0]);
    });
  });

  it('an SMS whose provider stays down is given up after a day; the cadence falls back to email instead of waiting on it', async () => {
    let smsAskedAt: number | undefined;
    const sender = fakeSender((req) => {
      if (req.channel !== 'sms') return undefined;
      smsAskedAt ??= Context.current().info.currentAttemptScheduledTimestampMs;
      throw ApplicationFailure.retryable('twilio: provider_error (twilio 20503)', 'ProviderError');
    });
    await run('sms provider down', sender, 3, async (h) => {
      const result = await h.result();
      expect(result.ended).toBe('touch cap of 3 reached');
      expect(result.blocked).toEqual(['sms']);
      expect(sender.sent.map((s) => s.channel)).not.toContain('sms');
      expect(sender.abandoned).toMatchObject([{ channel: 'sms', reason: 'retries_exhausted' }]);
      // Retried with backoff (at most 10 minutes apart) until a day after it was first asked for.
      const gaveUpAfter = sender.abandoned[0]!.at - smsAskedAt!;
      expect(gaveUpAfter).toBeGreaterThan(DAY - 11 * 60_000);
      expect(gaveUpAfter).toBeLessThanOrEqual(DAY + 60_000);
      expect(sender.asked.filter((c) => c === 'sms').length).toBeGreaterThan(100);
      // The fallback email is a new message: its own key.
      const keys = sender.sent.map((s) => s.key);
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys).not.toContain(sender.abandoned[0]!.idempotencyKey);
      await keepHistory(h, 'follow-up-cadence', 'sms-provider-down');
    });
  }, 120_000);

  it('quiet hours defer a touch inside the cadence: it goes out when the gateway allows', async () => {
    let deferredOnce = false;
    const sender = fakeSender((req) => {
      if (req.channel !== 'sms' || deferredOnce) return undefined;
      deferredOnce = true;
      // Ten hours after the server's (skipped) now.
      return {
        status: 'deferred',
        reason: 'quiet_hours',
        notBefore: new Date(Context.current().info.currentAttemptScheduledTimestampMs + 10 * 3_600_000).toISOString(),
      };
    });
    await run('quiet hours', sender, 2, async (h) => {
      await h.result();
      expect(sender.asked).toEqual(['email', 'sms', 'sms']);
      expect(sender.sent[1]!.channel).toBe('sms');
      expect(sender.sent[1]!.day).toBeGreaterThan(2.3); // waited for the deferral, then sent once
      await keepHistory(h, 'follow-up-cadence', 'quiet-hours-deferral');
    });
  });

  it('a click accelerates: a call with the proposal the next day', async () => {
    const sender = fakeSender();
    await run('click', sender, 2, async (h) => {
      await temporal.env.sleep(1.2 * DAY);
      await expect.poll(() => sender.sent.length).toBe(1);
      await h.signal(messageEventSignal, {
        messageId: 'm1',
        channel: 'email',
        event: 'clicked',
        at: new Date().toISOString(),
      });
      await h.result();
      expect(sender.sent[1]).toMatchObject({
        day: 2,
        channel: 'call',
        text: expect.stringContaining('Your iSwitch Roofs rep will prepare your proposal') as unknown,
      });
    });
  });

  it('a signal delivered twice (the signal outbox delivers at least once) is counted once', async () => {
    const sender = fakeSender();
    await run('redelivered', sender, 12, async (h) => {
      await temporal.env.sleep(1.2 * DAY);
      await expect.poll(() => sender.sent.length).toBe(1);
      const opened = { messageId: 'm1', channel: 'email', event: 'opened' as const, at: new Date().toISOString() };
      for (let i = 0; i < 2; i++) {
        await h.signal(messageEventSignal, opened);
        await h.signal(cadenceEngagementSignal, { kind: 'website_visit', ref: 'visit-1' });
      }
      // Another open of the same message, and a visit of its own, are new engagement.
      await h.signal(messageEventSignal, { ...opened, at: new Date(Date.now() + 1000).toISOString() });
      await h.signal(cadenceEngagementSignal, { kind: 'website_visit', ref: 'visit-2' });
      // Signals are applied in order: once the last is in, so are the others.
      await expect.poll(async () => (await statusOf(h)).events.length).toBeGreaterThanOrEqual(4);
      await expect.poll(async () => (await statusOf(h)).counted ?? []).toContain('visit-2');
      const kinds = (await statusOf(h)).events.map((e) => e.kind);
      expect(kinds.filter((k) => k === 'opened')).toHaveLength(2);
      expect(kinds.filter((k) => k === 'website_visit')).toHaveLength(2);
      await h.signal(stopCadenceSignal, { reason: 'test over' });
      await h.result();
      await keepHistory(h, 'follow-up-cadence', 'redelivered-signal-counted-once');
    });
  });

  it('paused for a week, resumed: one touch, not the missed ones in a burst; stop ends it', async () => {
    const sender = fakeSender();
    await run('pause', sender, 12, async (h) => {
      await temporal.env.sleep(1.2 * DAY);
      await expect.poll(() => sender.sent.length).toBe(1);
      await h.signal(pauseCadenceSignal);
      await expect.poll(async () => (await statusOf(h)).paused).toBe(true);
      await temporal.env.sleep(8 * DAY);
      expect(sender.sent).toHaveLength(1);
      await h.signal(resumeCadenceSignal);
      await temporal.env.sleep(2 * DAY);
      await expect.poll(() => sender.sent.length).toBe(2);
      expect(sender.sent[1]!.day).toBeGreaterThanOrEqual(9);
      await h.signal(stopCadenceSignal, { reason: 'lead won' });
      expect((await h.result()).ended).toBe('lead won');
      expect(sender.sent).toHaveLength(2);
      await keepHistory(h, 'follow-up-cadence', 'pause-resume-stop');
    });
  });

  it('shifts missed steps forward after a pause: the day 2 SMS goes out 0.8 days after resuming, the day 5 postcard 3 days later', async () => {
    const sender = fakeSender();
    await run('shift forward', sender, 3, async (h) => {
      await temporal.env.sleep(1.2 * DAY);
      await expect.poll(() => sender.sent.length).toBe(1);
      await h.signal(pauseCadenceSignal, { reason: 'storm cleanup' });
      await expect.poll(async () => (await statusOf(h)).pausedBecause).toBe('storm cleanup');
      await temporal.env.sleep(10 * DAY); // past every step of the testing sequence
      await h.signal(resumeCadenceSignal);
      await h.result();
      expect(sender.sent.map((s) => [s.day, s.channel])).toEqual([
        [1, 'email'],
        [12, 'sms'], // day 2 of the plan, 10 paused days later
        [15, 'postcard'],
      ]);
    });
  });

  it('overwhelm pauses the pressure: weekly educational email instead of the next sales touch', async () => {
    const sender = fakeSender();
    await run('overwhelm', sender, 2, async (h) => {
      await temporal.env.sleep(1.2 * DAY);
      await expect.poll(() => sender.sent.length).toBe(1);
      await h.signal(cadenceEngagementSignal, { kind: 'overwhelmed' });
      await expect.poll(async () => (await statusOf(h)).next?.mode).toBe('PAUSE');
      await h.result();
      expect(sender.sent[1]).toMatchObject({
        channel: 'email',
        text: expect.stringContaining('No pressure') as unknown,
      });
      expect(sender.sent[1]!.day).toBe(8); // a week after the last touch, not the next day's SMS
      await keepHistory(h, 'follow-up-cadence', 'overwhelm-pauses-pressure');
    });
  });

  it('continue-as-new every two touches keeps the state: five touches over three runs', async () => {
    const sender = fakeSender();
    await run('continue as new', sender, { maxTouches: 5, settings: { touchesPerRun: 2 } }, async (h) => {
      const result = await h.result();
      expect(result.runs).toBe(3);
      expect(result.touches.map((t) => t.channel)).toEqual(['email', 'sms', 'postcard', 'postcard', 'email']);
      expect(result.ended).toBe('touch cap of 5 reached');
      const latest = await temporal.env.client.workflow.getHandle(h.workflowId).describe();
      expect(latest.runId).not.toBe(h.firstExecutionRunId);
      // The same touches as a single run would send, on the same days.
      expect(sender.sent.map((s) => s.day)).toEqual([1, 2, 5, 12, 19]);
    });
  });

  it('an ops hold on the rep stops touches until it is released; a missed release signal is noticed the next day', async () => {
    const sender = fakeSender();
    const options = { maxTouches: 2, repId: 'rep-on-vacation' };
    const store = storeFor(options);
    store.holds.set('rep:rep-on-vacation', 'vacation');
    await run('rep hold', sender, { ...options, store }, async (h) => {
      await temporal.env.sleep(3.5 * DAY);
      expect(sender.sent).toHaveLength(0);
      const held = await statusOf(h);
      expect(held).toMatchObject({ paused: true, heldBy: 'rep', pausedBecause: 'held (rep): vacation' });
      store.holds.delete('rep:rep-on-vacation'); // released without telling the workflow
      await h.result();
      // Held from day 1 to the first daily check after day 3 (day 4): the plan's day 1 falls then.
      expect(sender.sent.map((s) => s.channel)).toEqual(['email', 'sms']);
      expect(sender.sent[0]!.day).toBeCloseTo(4, 1);
      await keepHistory(h, 'follow-up-cadence', 'rep-hold');
    });
  });

  it('an out-of-office reply pauses until the stated return instead of ending', async () => {
    const sender = fakeSender();
    await run('out of office', sender, 2, async (h) => {
      await temporal.env.sleep(1.2 * DAY);
      await expect.poll(() => sender.sent.length).toBe(1);
      const back = new Date((await temporal.env.currentTimeMs()) + 5 * DAY).toISOString();
      await h.signal(messageEventSignal, {
        messageId: 'm1',
        channel: 'email',
        event: 'auto_reply',
        at: new Date().toISOString(),
        until: back,
      });
      await expect.poll(async () => (await statusOf(h)).pausedBecause).toMatch(/^out of office until/);
      const result = await h.result();
      expect(result.ended).toBe('touch cap of 2 reached');
      // Day 2's SMS, shifted by the 5 days away.
      expect(sender.sent[1]).toMatchObject({ channel: 'sms' });
      expect(sender.sent[1]!.day).toBeCloseTo(7, 0);
      await keepHistory(h, 'follow-up-cadence', 'out-of-office');
    });
  });

  it("a household member's reply hands this cadence over too", async () => {
    const sender = fakeSender();
    await run('household', sender, 12, async (h) => {
      await temporal.env.sleep(1.2 * DAY);
      await h.signal(householdReplySignal, { fromContactId: '00000000-0000-4000-8000-0000000000f2' });
      expect((await h.result()).ended).toBe('a household member replied: handed to the rep');
      expect(sender.sent).toHaveLength(1);
    });
  });

  it('one cadence per contact, and a cooldown after it ends', async () => {
    const sender = fakeSender();
    const options = { maxTouches: 12, contactId: '00000000-0000-4000-8000-0000000000c1' };
    const store = storeFor(options);
    await withWorkers('one per contact', sender, store, async (taskQueue) => {
      const first = await startOn(taskQueue, 'cadence-contact-first', options);
      await expect.poll(async () => (await statusOf(first)).next).toMatchObject({ step: 'day-1', channel: 'email' });
      const second = await startOn(taskQueue, 'cadence-contact-second', options);
      expect((await second.result()).ended).toBe(
        'not started: the contact is already in cadence cadence-contact-first',
      );
      await first.signal(stopCadenceSignal, { reason: 'lead lost' });
      // Not first.result(): with nothing left running, the test server may skip years ahead before the next start.
      await expect
        .poll(() => store.runs.get(`cadence-contact-first/${first.firstExecutionRunId}`)?.reason)
        .toBe('lead lost');
      const third = await startOn(taskQueue, 'cadence-contact-third', options);
      expect((await third.result()).ended).toMatch(/^not started: cooling down after the last cadence until /);
      await temporal.env.sleep(31 * DAY);
      const fourth = await startOn(taskQueue, 'cadence-contact-fourth', { ...options, maxTouches: 1 });
      expect((await fourth.result()).ended).toBe('touch cap of 1 reached');
    });
    expect([...store.runs.values()].map((r) => r.reason)).toEqual(['lead lost', 'touch cap of 1 reached']);
  });

  it("A/B variants: a lead's variant of each step is the lead's own — across continue-as-new and in a later cadence —, both are sent, the one recorded is the one sent; a variant varies the step within the plan, never its channel (issue 22 item 10)", async () => {
    const sender = fakeSender();
    // Two touches (day 1: email subject A/B; day 2: the plan's SMS in two wordings), a new run after each.
    const options = { maxTouches: 2, definition: 'standard', settings: { touchesPerRun: 1 } };
    const store = storeFor(options);
    const leads = Array.from({ length: 8 }, (_, i) => `lead-ab-${i}`);
    await withWorkers('ab variants', sender, store, async (taskQueue) => {
      // The same leads twice, in cadences of their own (another contact each time, so none waits).
      for (const pass of [1, 2]) {
        const handles = await Promise.all(
          leads.map((leadId, i) =>
            startOn(taskQueue, `cadence-ab-${pass}-${i}`, {
              ...options,
              leadId,
              contactId: `00000000-0000-4000-8000-0000000ab${pass}0${i}`,
            }),
          ),
        );
        // A run per touch, and the last one that ends at the cap.
        for (const h of handles) expect((await h.result()).runs).toBe(3);
        const withB = handles.find((h) =>
          store.touches.some(
            (t) => t.cadenceId.startsWith(`${h.workflowId}/`) && t.step === 'day-2' && t.variant === 'B',
          ),
        );
        if (pass === 1 && withB) await keepHistory(withB, 'follow-up-cadence', 'day-2-wording-variant');
      }
    });
    const variantsOf = (pass: number, i: number) =>
      store.touches
        .filter((t) => t.cadenceId.startsWith(`cadence-ab-${pass}-${i}/`))
        .sort((a, b) => a.touchNo - b.touchNo)
        .map((t) => `${t.step}:${t.variant}`);
    const sentTo = (pass: number, i: number) => sender.sent.filter((s) => s.workflowId === `cadence-ab-${pass}-${i}`);
    for (const [i] of leads.entries()) {
      const first = variantsOf(1, i);
      expect(first).toHaveLength(2);
      expect(first[0]).toMatch(/^day-1:[AB]$/);
      expect(first[1]).toMatch(/^day-2:[AB]$/);
      expect(variantsOf(2, i)).toEqual(first); // the lead's, not the run's or the workflow's
      // What was sent is the variant recorded: B's subject on day 1, B's wording on day 2 — the
      // plan's SMS either way (a channel variant would also drop the day-4 step for half the leads).
      for (const pass of [1, 2]) {
        const [day1, day2] = sentTo(pass, i);
        expect(day1!.subject === 'Is your roof ready for winter?').toBe(first[0] === 'day-1:B');
        expect(day1!.channel).toBe('email');
        expect(day2!.channel).toBe('sms');
        expect(day2!.text === CADENCE_DEFINITIONS.standard!.variants['day-2']![1]!.text).toBe(first[1] === 'day-2:B');
      }
    }
    // Both variants of both steps reach someone.
    const recorded = new Set(store.touches.map((t) => `${t.step}:${t.variant}`));
    expect(recorded).toEqual(new Set(['day-1:A', 'day-1:B', 'day-2:A', 'day-2:B']));
    expect(sender.sent).toHaveLength(2 * 2 * leads.length);
  });

  it('cancelled by ops: the run is ended in the store so the contact is free after the cooldown', async () => {
    const sender = fakeSender();
    const store = storeFor({});
    await run('cancel', sender, { store }, async (h) => {
      await temporal.env.sleep(1.2 * DAY);
      await h.cancel();
      const err = await h.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      expect([...store.runs.values()][0]).toMatchObject({ reason: 'cancelled' });
    });
  });
  describe('issue 22', () => {
    const opened = (messageId: string, at: number) => ({
      messageId,
      channel: 'email',
      event: 'opened' as const,
      at: new Date(at).toISOString(),
    });

    it('item 11: PAUSE lasts — weekly educational and value-add emails, no sales touch, until the lead re-engages after the minimum', async () => {
      const sender = fakeSender();
      const settings = { policy: { maxTouches: 8, minGapDays: 0.5, pauseMinDays: 21 } };
      await run('pause lasts', sender, { maxTouches: 8, settings }, async (h) => {
        await temporal.env.sleep(1.2 * DAY);
        await expect.poll(() => sender.sent.length).toBe(1);
        await h.signal(cadenceEngagementSignal, { kind: 'overwhelmed', ref: 'too-much' });
        await expect.poll(async () => (await statusOf(h)).next?.mode).toBe('PAUSE');
        await temporal.env.sleep(21.3 * DAY); // day 22.5: past the 21-day minimum, nobody engaged
        await expect.poll(() => sender.sent.length).toBe(4);
        expect(sender.sent.map((s) => [s.day, s.channel])).toEqual([
          [1, 'email'],
          [8, 'email'],
          [15, 'email'],
          [22, 'email'],
        ]);
        const texts = sender.sent.slice(1).map((s) => s.text);
        expect(texts[0]).toContain('No pressure'); // educational
        expect(texts[1]).toContain('Nothing to buy'); // value-add, not the sales copy
        expect(texts[2]).toContain('No pressure');
        expect((await statusOf(h)).next).toMatchObject({ mode: 'PAUSE', step: 'pause' });
        // Two opens after the minimum: ready again, the cadence adjusts.
        const now = await temporal.env.currentTimeMs();
        await h.signal(messageEventSignal, opened('m-a', now));
        await h.signal(messageEventSignal, opened('m-b', now + 1000));
        await expect.poll(async () => (await statusOf(h)).next?.mode).toBe('ADJUST');
        await h.signal(stopCadenceSignal, { reason: 'test over' });
        await h.result();
        await keepHistory(h, 'follow-up-cadence', 'pause-lasts');
      });
    });

    it('item 12: ADJUST varies content types after the day 1-10 tests: educational, then testimonial', async () => {
      const sender = fakeSender();
      await run('adjust content', sender, 5, async (h) => {
        await h.result();
        expect(sender.sent.map((s) => [s.day, s.channel])).toEqual([
          [1, 'email'],
          [2, 'sms'],
          [5, 'postcard'],
          [12, 'postcard'],
          [19, 'email'],
        ]);
        expect(sender.sent[3]!.text).toContain('five signs'); // educational
        expect(sender.sent[4]!.subject).toBe('What your neighbours say about their new roof'); // testimonial
        await keepHistory(h, 'follow-up-cadence', 'adjust-varies-content');
      });
    });

    it('item 13: ACCELERATE loops in a top performer beside a standard rep and asks the rep for the proposal within 24 h — once', async () => {
      const sender = fakeSender();
      const options = { maxTouches: 3, repId: 'rep-standard' };
      const store = storeFor(options);
      store.tiers.set('rep-standard', 'standard');
      store.tiers.set('rep-top', 'top');
      await run('accelerate loop in', sender, { ...options, store }, async (h) => {
        await temporal.env.sleep(1.2 * DAY);
        await expect.poll(() => sender.sent.length).toBe(1);
        const clickedAt = await temporal.env.currentTimeMs();
        for (const [i, m] of ['m1', 'm2'].entries())
          await h.signal(messageEventSignal, {
            messageId: m,
            channel: 'email',
            event: 'clicked',
            at: new Date(clickedAt + i).toISOString(),
          });
        const result = await h.result();
        const { cadenceId } = result;
        expect(result.accelerated).toMatchObject({
          repId: 'rep-standard',
          repTier: 'standard',
          loopedIn: 'rep-top',
          proposalRequestedOf: 'rep:rep-standard',
        });
        expect([...store.notifications.keys()]).toEqual([
          `${cadenceId}:accelerate:loop-in`,
          `${cadenceId}:accelerate:proposal`,
        ]);
        expect(store.notifications.get(`${cadenceId}:accelerate:loop-in`)).toMatchObject({
          recipient: 'rep:rep-top',
          kind: 'cadence_top_performer_loop_in',
        });
        const proposal = store.notifications.get(`${cadenceId}:accelerate:proposal`)!;
        expect(proposal).toMatchObject({ recipient: 'rep:rep-standard', kind: 'proposal_requested' });
        const dueBy = Date.parse((proposal.payload as { dueBy: string }).dueBy);
        expect(dueBy - clickedAt).toBeGreaterThan(23.9 * 3_600_000);
        expect(dueBy - clickedAt).toBeLessThan(24.5 * 3_600_000);
        // The accelerated touches still go out: a call the next day.
        expect(sender.sent[1]).toMatchObject({ day: 2, channel: 'call' });
        await keepHistory(h, 'follow-up-cadence', 'accelerate-loops-in-top-performer');
      });
    });

    it('item 13: a top-tier rep is not joined by another; the proposal is still asked of them', async () => {
      const sender = fakeSender();
      const options = { maxTouches: 2, repId: 'rep-top' };
      const store = storeFor(options);
      store.tiers.set('rep-top', 'top');
      store.tiers.set('rep-top-2', 'top');
      await run('accelerate top rep', sender, { ...options, store }, async (h) => {
        await temporal.env.sleep(1.2 * DAY);
        await expect.poll(() => sender.sent.length).toBe(1);
        await h.signal(messageEventSignal, {
          messageId: 'm1',
          channel: 'email',
          event: 'clicked',
          at: new Date().toISOString(),
        });
        const result = await h.result();
        expect(result.accelerated).toMatchObject({
          repTier: 'top',
          loopedIn: null,
          proposalRequestedOf: 'rep:rep-top',
        });
        expect([...store.notifications.values()].map((n) => n.kind)).toEqual(['proposal_requested']);
      });
    });
  });
});
