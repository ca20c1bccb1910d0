// After hours (issue 22 item 5) on the time-skipping server, the lead on the routing queue as in
// production: a lead arriving at night with nobody on call is assigned at once to the first rep on
// shift, its SLA from the shift start (no breach in the night, a breach 2 minutes after the shift
// starts), and the customer is acknowledged at once by email through the gateway (once per lead);
// with someone on call, they take it with the usual SLA and nobody is acknowledged. The choice
// itself is tested on Postgres (test/integration/on-call.test.ts) and as a pure rule
// (test/unit/after-hours.test.ts).
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { leadIntake } from '../../workflows';
import { closeLeadSignal, contactedUpdate, statusQuery } from '../../workflows/lead-intake/messages';
import { DEFAULT_POLICY } from '../../workflows/lead-intake/rules/sla-policy';
import type { LeadIntakeInput } from '../../workflows/lead-intake/types';
import { messagingTaskQueue, routingTaskQueue } from '../../temporal/task-queues';
import { fakeCrm } from '../helpers/fake-crm';
import { fakeSender } from '../helpers/fake-sender';
import { keepHistory } from '../helpers/histories';
import { taskQueueFor, useTimeSkippingEnv } from '../helpers/temporal';

const HOUR = 3_600_000;
const input = (leadId: string): LeadIntakeInput => ({
  leadId,
  source: 'website',
  zip: '48083',
  city: 'Troy',
  property: { roofAge: 22 },
  signals: { budget: 'discussed', emailOpenRate: 0.6 }, // WARM: the standard 2 minutes
  policy: DEFAULT_POLICY,
});

describe('leadIntake after hours', () => {
  const temporal = useTimeSkippingEnv();

  async function run(
    title: string,
    crm: ReturnType<typeof fakeCrm>,
    sender: ReturnType<typeof fakeSender>,
    body: (h: WorkflowHandle<typeof leadIntake>, startedAt: number) => Promise<void>,
  ) {
    const main = taskQueueFor(title);
    const worker = (taskQueue: string, activities: object) =>
      Worker.create({
        connection: temporal.env.nativeConnection,
        taskQueue,
        workflowBundle: temporal.workflowBundle,
        activities,
      });
    const workers = await Promise.all([
      worker(routingTaskQueue(main), crm.activities),
      worker(main, crm.activities), // the follow-up cadence
      worker(messagingTaskQueue(main), sender.activities),
    ]);
    const runAll = (i: number): Promise<void> =>
      i === workers.length
        ? (async () => {
            const startedAt = await temporal.env.currentTimeMs();
            sender.start(startedAt);
            const h = await temporal.env.client.workflow.start(leadIntake, {
              workflowId: `lead-${title.replace(/\W+/g, '-')}`,
              taskQueue: routingTaskQueue(main),
              args: [input(title.replace(/\W+/g, '-'))],
              workflowTaskTimeout: '2 minutes', // a busy 2-core machine (see lead-intake.test.ts)
            });
            await body(h, startedAt);
            const followUp = (await h.result()).followUp;
            if (followUp) await temporal.env.client.workflow.getHandle(followUp.workflowId).result();
          })()
        : workers[i]!.runUntil(() => runAll(i + 1));
    await runAll(0);
  }

  it('nobody on call at night: the first rep on shift has it at once, SLA from the shift start, the customer acknowledged', async () => {
    const crm = fakeCrm();
    const sender = fakeSender();
    crm.world.nightUntil = (await temporal.env.currentTimeMs()) + 6 * HOUR;
    await run('night', crm, sender, async (h, startedAt) => {
      await expect.poll(async () => (await h.query(statusQuery)).stage).toBe('assigned');
      const s = await h.query(statusQuery);
      expect(s.assignment).toMatchObject({
        attempt: 1,
        repId: 'rep-ann',
        slaDeadline: new Date(crm.world.nightUntil! + 2 * 60_000).toISOString(),
        afterHours: { via: 'next_shift', slaStartsAt: new Date(crm.world.nightUntil!).toISOString() },
      });
      expect(s.acknowledged).toEqual({ status: 'sent', channel: 'email' });
      // Acknowledged at once, by email (never held by quiet hours), transactional, once for the lead.
      expect(sender.sent).toHaveLength(1);
      expect(sender.sent[0]).toMatchObject({
        channel: 'email',
        kind: 'transactional',
        key: 'lead-night:after-hours-ack',
        contactId: 'contact-night',
        leadId: 'night',
        subject: 'We have your request',
      });
      expect(sender.sent[0]!.at - startedAt).toBeLessThan(60_000);
      expect(sender.sent[0]!.text).toContain(
        'Ann has your request and will call you when we open (Tuesday 8:00 AM EST)',
      );

      // No clock runs in the night: no breach until 2 minutes into the shift.
      await temporal.env.sleep(6 * HOUR);
      expect(crm.world.ended).toEqual([]);
      await temporal.env.sleep('3 minutes');
      await expect.poll(async () => (await h.query(statusQuery)).assignment?.attempt).toBe(2);
      expect(crm.world.ended).toEqual([{ attempt: 1, reason: 'breached' }]);
      // The next rep, on shift now, with the usual SLA; the customer is not told twice.
      expect(crm.world.assignments[1]).toMatchObject({ attempt: 2, repId: 'rep-ben' });
      expect((await h.query(statusQuery)).assignment!.afterHours).toBeUndefined();
      expect(sender.sent).toHaveLength(1);
      await h.executeUpdate(contactedUpdate, { args: [{ repId: 'rep-ben' }] });
      await h.signal(closeLeadSignal, { reason: 'won' });
      await h.result();
      await keepHistory(h, 'lead-intake', 'after-hours-next-shift');
    });
  });

  it('someone on call at night: they take it with the usual SLA from now, nobody is acknowledged', async () => {
    const crm = fakeCrm();
    const sender = fakeSender();
    crm.world.nightUntil = (await temporal.env.currentTimeMs()) + 6 * HOUR;
    crm.world.onCall = 'rep-cy';
    await run('on call', crm, sender, async (h) => {
      await expect.poll(async () => (await h.query(statusQuery)).stage).toBe('assigned');
      const s = await h.query(statusQuery);
      expect(s.assignment).toMatchObject({ repId: 'rep-cy', afterHours: { via: 'on_call' } });
      const a = crm.world.assignments[0]!;
      expect(Date.parse(a.slaDeadline) - Date.parse(a.at)).toBe(2 * 60_000);
      expect(s.acknowledged).toBeUndefined();
      await h.executeUpdate(contactedUpdate, { args: [{ repId: 'rep-cy' }] });
      await h.signal(closeLeadSignal, { reason: 'won' });
      await h.result();
      expect(sender.sent).toEqual([]);
    });
  });
});
