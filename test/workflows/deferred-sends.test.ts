// A deferred send is called off by whatever ends or holds the plan that asked for it (roadmap 4.3,
// 7.1 A): a touch the gateway put off until 08:00 (quiet hours) is not sent at 08:00 when, in the
// meantime, the lead replied, closed, was put on hold or texted STOP, or the customer's journey
// ended or no longer wants it. Time-skipping server; the gateway is a fake that defers the first
// SMS by ten hours.
import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import type { SendOutcome, SendRequest } from '../../activities/messaging/contract';
import { messagingTaskQueue } from '../../temporal/task-queues';
import { customerJourney, followUpCadence } from '../../workflows';
import {
  cadenceStatusQuery,
  pauseCadenceSignal,
  resumeCadenceSignal,
  stopCadenceSignal,
} from '../../workflows/cadence/messages';
import type { CadenceSettings } from '../../workflows/cadence/types';
import { endJourneySignal, journeyStatusQuery, lifecycleEventSignal } from '../../workflows/journey/messages';
import { messageEventSignal } from '../../workflows/messaging/messages';
import { memoryCadenceStore } from '../helpers/cadence-memory';
import { fakeSender } from '../helpers/fake-sender';
import { keepHistory } from '../helpers/histories';
import { taskQueueFor, useTimeSkippingEnv } from '../helpers/temporal';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const CONTACT = '00000000-0000-4000-8000-0000000000d1';

/** A gateway that defers the first SMS by ten hours (quiet hours) and sends everything else. */
function deferringFirstSms() {
  let deferred = false;
  return fakeSender((req: SendRequest): SendOutcome | undefined => {
    if (req.channel !== 'sms' || deferred) return undefined;
    deferred = true;
    return {
      status: 'deferred',
      reason: 'quiet_hours',
      notBefore: new Date(Context.current().info.currentAttemptScheduledTimestampMs + 10 * HOUR).toISOString(),
    };
  });
}

describe('a deferred send is called off', () => {
  const temporal = useTimeSkippingEnv();

  async function withWorkers(
    title: string,
    sender: ReturnType<typeof fakeSender>,
    activities: object,
    body: (taskQueue: string) => Promise<void>,
  ) {
    const taskQueue = taskQueueFor(`deferred ${title}`);
    const worker = await Worker.create({
      connection: temporal.env.nativeConnection,
      taskQueue,
      workflowBundle: temporal.workflowBundle,
      activities,
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

  describe('by the follow-up cadence', () => {
    const settings: CadenceSettings = {
      policy: { maxTouches: 2, minGapDays: 0.5 },
      cooldownDays: 30,
      touchesPerRun: 10,
    };

    /** A cadence (email day 1, SMS day 2) waiting in its deferred SMS when `body` runs. */
    async function inDeferral(
      title: string,
      body: (h: WorkflowHandle<typeof followUpCadence>, sender: ReturnType<typeof fakeSender>) => Promise<void>,
    ) {
      const sender = deferringFirstSms();
      const store = memoryCadenceStore(settings, () => Context.current().info.currentAttemptScheduledTimestampMs);
      await withWorkers(`cadence ${title}`, sender, store.activities, async (taskQueue) => {
        const h = await temporal.env.client.workflow.start(followUpCadence, {
          workflowId: `cadence-deferred-${title.replace(/\W+/g, '-')}`,
          taskQueue,
          args: [{ leadId: `lead-deferred-${title}`, contactId: CONTACT, definition: 'plain', settings }],
        });
        // Day 1 email sent; day 2 SMS asked for and deferred: the cadence waits inside the send.
        await temporal.env.sleep(2.1 * DAY);
        await expect.poll(() => sender.asked).toEqual(['email', 'sms']);
        expect(sender.sent.map((s) => s.channel)).toEqual(['email']);
        await body(h, sender);
      });
    }

    it('the lead replies: nothing is sent at 08:00 and the rep takes over', async () => {
      await inDeferral('reply', async (h, sender) => {
        await h.signal(messageEventSignal, {
          messageId: 'm1',
          channel: 'email',
          event: 'replied',
          at: new Date(await temporal.env.currentTimeMs()).toISOString(),
        });
        expect((await h.result()).ended).toBe('the lead replied: handed to the rep');
        await temporal.env.sleep(12 * HOUR); // past the deferral
        expect(sender.asked).toEqual(['email', 'sms']);
        expect(sender.sent.map((s) => s.channel)).toEqual(['email']);
      });
    });

    it('the lead closes: nothing is sent at 08:00', async () => {
      await inDeferral('close', async (h, sender) => {
        await h.signal(stopCadenceSignal, { reason: 'lead won' });
        expect((await h.result()).ended).toBe('lead won');
        await temporal.env.sleep(12 * HOUR);
        expect(sender.asked).toEqual(['email', 'sms']);
        expect(sender.sent.map((s) => s.channel)).toEqual(['email']);
      });
    });

    it('ops put it on hold: nothing at 08:00; after the release the SMS goes out once', async () => {
      await inDeferral('hold', async (h, sender) => {
        await h.signal(pauseCadenceSignal, { reason: 'storm cleanup' });
        await temporal.env.sleep(12 * HOUR); // past the deferral, still held
        expect(sender.asked).toEqual(['email', 'sms']);
        expect((await h.query(cadenceStatusQuery)).paused).toBe(true);
        const releasedAt = await temporal.env.currentTimeMs();
        await h.signal(resumeCadenceSignal);
        await h.result();
        expect(sender.sent.map((s) => s.channel)).toEqual(['email', 'sms']);
        expect(sender.sent[1]!.at).toBeGreaterThanOrEqual(releasedAt);
        await keepHistory(h, 'follow-up-cadence', 'deferral-called-off-by-hold');
      });
    });

    it('the lead texts STOP: the SMS is not sent, the plan moves to another channel', async () => {
      await inDeferral('stop', async (h, sender) => {
        await h.signal(messageEventSignal, {
          messageId: 'sms-inbound',
          channel: 'sms',
          event: 'unsubscribed',
          at: new Date(await temporal.env.currentTimeMs()).toISOString(),
        });
        const result = await h.result();
        expect(result.blocked).toContain('sms');
        expect(sender.asked.filter((c) => c === 'sms')).toHaveLength(1);
        expect(sender.sent.map((s) => s.channel)).not.toContain('sms');
        expect(sender.sent).toHaveLength(2); // the second touch went out on another channel
      });
    });
  });

  describe('by the customer journey', () => {
    /** A journey whose day-1 inspection SMS is deferred when `body` runs. */
    async function inDeferral(
      title: string,
      body: (h: WorkflowHandle<typeof customerJourney>, sender: ReturnType<typeof fakeSender>) => Promise<void>,
    ) {
      const sender = deferringFirstSms();
      await withWorkers(`journey ${title}`, sender, {}, async (taskQueue) => {
        const h = await temporal.env.client.workflow.start(customerJourney, {
          workflowId: `journey-deferred-${title.replace(/\W+/g, '-')}`,
          taskQueue,
          args: [{ customerId: CONTACT, leadId: `lead-deferred-${title}` }],
        });
        await temporal.env.sleep(DAY + 2 * HOUR);
        await expect.poll(async () => (await h.query(journeyStatusQuery)).sending?.name).toBe('inspection_sms');
        expect(sender.sent.map((s) => s.channel)).toEqual(['email']);
        await body(h, sender);
      });
    }

    it('the journey ends: nothing is sent at 08:00, the touch is recorded as called off', async () => {
      await inDeferral('end', async (h, sender) => {
        await h.signal(endJourneySignal, { reason: 'customer deleted' });
        const result = await h.result();
        await temporal.env.sleep(12 * HOUR);
        expect(sender.asked).toEqual(['email', 'sms']);
        expect(result.touchpoints.find((t) => t.name === 'inspection_sms')).toMatchObject({
          outcome: 'skipped',
          reason: 'called off while deferred: journey ended: customer deleted',
        });
        await keepHistory(h, 'customer-journey', 'deferral-called-off-by-end');
      });
    });

    it('the inspection is scheduled meanwhile: the inspection SMS is no longer wanted and is not sent', async () => {
      await inDeferral('goal met', async (h, sender) => {
        await h.signal(lifecycleEventSignal, {
          eventId: 'deferred-goal-1',
          event: 'inspection_scheduled',
          occurredAt: new Date(await temporal.env.currentTimeMs()).toISOString(),
          dealId: 'deal-1',
        });
        await expect
          .poll(async () => (await h.query(journeyStatusQuery)).touchpoints.find((t) => t.name === 'inspection_sms'))
          .toMatchObject({ outcome: 'skipped', reason: 'called off while deferred: goal met (inspection_scheduled)' });
        await temporal.env.sleep(12 * HOUR);
        expect(sender.asked.filter((c) => c === 'sms')).toHaveLength(1);
        expect(sender.sent.map((s) => s.channel)).not.toContain('sms');
        await h.signal(endJourneySignal, { reason: 'test over' });
        await h.result();
      });
    });
  });
});
