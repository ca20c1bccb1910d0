// followUpCadence timelines on the time-skipping server, with the sending activity faked on its own
// queue: the day 1-10 channel tests with no engagement to the touch cap; a reply hands over;
// an opted-out channel falls back; quiet hours defer a touch inside the cadence; a click
// accelerates to a call with a proposal; pause and resume never flood; stop ends it.
import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SendOutcome, SendRequest } from '../../activities/messaging/gateway';
import { messagingTaskQueue } from '../../temporal/task-queues';
import { followUpCadence } from '../../workflows';
import { cadenceStatusQuery, pauseCadenceSignal, resumeCadenceSignal, stopCadenceSignal } from '../../workflows/cadence/messages';
import { messageEventSignal } from '../../workflows/messaging/messages';
import { bundleWorkflows } from '../../workers/worker';
import { keepHistory } from '../helpers/histories';
import { testLogger } from '../helpers/logger';
import { createTimeSkippingEnv, taskQueueFor } from '../helpers/temporal';

const DAY = 86_400_000;
type Sent = { day: number; channel: string; subject?: string; text: string };

/** The sending side: records each send at the server's (skipped) time; `answer` may block or defer. */
function fakeSender(answer: (req: SendRequest, attempt: number) => SendOutcome | undefined = () => undefined) {
  const sent: Sent[] = [];
  const asked: string[] = [];
  let startedAt: number | undefined;
  return {
    sent,
    asked,
    start: (t: number) => (startedAt = t),
    activities: {
      async sendMessage(req: SendRequest): Promise<SendOutcome> {
        const at = Context.current().info.currentAttemptScheduledTimestampMs;
        asked.push(req.channel);
        const special = answer(req, asked.length);
        if (special) return special;
        sent.push({ day: Math.round(((at - startedAt!) / DAY) * 10) / 10, channel: req.channel, subject: req.subject, text: req.text! });
        return { status: 'sent', messageId: `m${sent.length}`, providerMessageId: 'p', provider: 'fake', duplicate: false };
      },
    },
  };
}

describe('followUpCadence', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: { code: string };
  beforeAll(async () => {
    [env, workflowBundle] = await Promise.all([createTimeSkippingEnv(), bundleWorkflows(testLogger)]);
  });
  afterAll(async () => {
    await env?.teardown();
  });

  async function run(title: string, sender: ReturnType<typeof fakeSender>, maxTouches: number, body: (h: WorkflowHandle<typeof followUpCadence>) => Promise<void>) {
    const taskQueue = taskQueueFor(title);
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities: {} });
    const sending = await Worker.create({ connection: env.nativeConnection, taskQueue: messagingTaskQueue(taskQueue), activities: sender.activities });
    const done = (async () => {
      sender.start(await env.currentTimeMs());
      const h = await env.client.workflow.start(followUpCadence, {
        workflowId: `cadence-${title.replace(/\W+/g, '-')}`,
        taskQueue,
        args: [{ leadId: `lead-${title}`, contactId: '00000000-0000-4000-8000-000000000001', policy: { maxTouches, minGapDays: 0.5 } }],
      });
      await body(h);
    })();
    await Promise.all([worker.runUntil(done), sending.runUntil(done)]);
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
      await env.sleep(1.2 * DAY); // past the day 1 email (queries do not move the test server's clock)
      await expect.poll(() => sender.sent.length).toBe(1);
      await h.signal(messageEventSignal, { messageId: 'm1', channel: 'email', event: 'replied', at: new Date().toISOString() });
      expect((await h.result()).ended).toBe('the lead replied: handed to the rep');
      expect(sender.sent).toHaveLength(1);
      await keepHistory(h, 'follow-up-cadence', 'reply-hands-over');
    });
  });

  it('an opted-out SMS falls back to email on day 2', async () => {
    const sender = fakeSender((req) => (req.channel === 'sms' ? { status: 'blocked', reason: 'opted_out', channel: 'sms' } : undefined));
    await run('sms opted out', sender, 3, async (h) => {
      const result = await h.result();
      expect(sender.asked.slice(0, 3)).toEqual(['email', 'sms', 'email']);
      expect(sender.sent.map((s) => [s.day, s.channel])[1]).toEqual([2, 'email']);
      expect(result.blocked).toEqual(['sms']);
    });
  });

  it('quiet hours defer a touch inside the cadence: it goes out when the gateway allows', async () => {
    let deferredOnce = false;
    const sender = fakeSender((req) => {
      if (req.channel !== 'sms' || deferredOnce) return undefined;
      deferredOnce = true;
      // Ten hours after the server's (skipped) now.
      return { status: 'deferred', reason: 'quiet_hours', notBefore: new Date(Context.current().info.currentAttemptScheduledTimestampMs + 10 * 3_600_000).toISOString() };
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
      await env.sleep(1.2 * DAY);
      await expect.poll(() => sender.sent.length).toBe(1);
      await h.signal(messageEventSignal, { messageId: 'm1', channel: 'email', event: 'clicked', at: new Date().toISOString() });
      await h.result();
      expect(sender.sent[1]).toMatchObject({ day: 2, channel: 'call', text: expect.stringContaining('Your proposal is ready') as unknown });
    });
  });

  it('paused for a week, resumed: one touch, not the missed ones in a burst; stop ends it', async () => {
    const sender = fakeSender();
    await run('pause', sender, 12, async (h) => {
      await env.sleep(1.2 * DAY);
      await expect.poll(() => sender.sent.length).toBe(1);
      await h.signal(pauseCadenceSignal);
      await expect.poll(async () => (await statusOf(h)).paused).toBe(true);
      await env.sleep(8 * DAY);
      expect(sender.sent).toHaveLength(1);
      await h.signal(resumeCadenceSignal);
      await env.sleep(2 * DAY);
      await expect.poll(() => sender.sent.length).toBe(2);
      expect(sender.sent[1]!.day).toBeGreaterThanOrEqual(9);
      await h.signal(stopCadenceSignal, { reason: 'lead won' });
      expect((await h.result()).ended).toBe('lead won');
      expect(sender.sent).toHaveLength(2);
      await keepHistory(h, 'follow-up-cadence', 'pause-resume-stop');
    });
  });
});
