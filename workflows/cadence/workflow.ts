// followUpCadence — one per lead (roadmap 4.3 B-C): the adaptive plan of plan.ts on the workflow's
// clock. Each loop plans the next touch from everything known, waits for its moment (a signal wakes
// it to plan again), and sends through the messaging gateway, which may block a channel (the plan
// falls back to another) or defer for quiet hours and caps (the send waits durably). A reply or a
// booking hands the lead over; won/lost stops it; the touch cap or running out of channels ends it.
// Paused, it sends nothing; resumed, it plans from now, so missed steps are not fired in a burst.
import { condition, continueAsNew, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { LeadId, Stage } from '../../temporal/search-attributes';
import { messageEventSignal } from '../messaging/messages';
import { sendMessage } from '../messaging/send';
import { copyFor } from './content';
import { cadenceEngagementSignal, cadenceStatusQuery, pauseCadenceSignal, resumeCadenceSignal, stopCadenceSignal } from './messages';
import { CADENCE_CHANNELS, nextTouch, type CadenceChannel, type CadencePolicy, type EngagementKind } from './plan';
import type { CadenceInput, CadenceStatus } from './types';

export const DEFAULT_CADENCE_POLICY: CadencePolicy = { maxTouches: 12, minGapDays: 0.5 };
const DAY_MS = 86_400_000;
/** Message events that count as engagement for the plan. */
const FROM_MESSAGE: Record<string, EngagementKind | undefined> = {
  delivered: 'delivered',
  opened: 'opened',
  clicked: 'clicked',
  replied: 'replied',
  unsubscribed: 'unsubscribed',
  spam_report: 'overwhelmed',
};

export async function followUpCadence(input: CadenceInput, carried?: CadenceStatus): Promise<CadenceStatus> {
  const policy = input.policy ?? DEFAULT_CADENCE_POLICY;
  const status: CadenceStatus = carried ?? { leadId: input.leadId, startedAt: Date.now(), touches: [], events: [], blocked: [], paused: false };
  const dayNow = (): number => (Date.now() - status.startedAt) / DAY_MS;
  let changed = false;
  let stopped: string | undefined;

  setHandler(cadenceStatusQuery, () => status);
  setHandler(messageEventSignal, ({ channel, event }) => {
    const kind = FROM_MESSAGE[event];
    const ch = (CADENCE_CHANNELS as readonly string[]).includes(channel) ? (channel as CadenceChannel) : undefined;
    if (kind) status.events.push({ day: dayNow(), kind, channel: ch });
    // An unsubscribe or bounce closes that channel for good.
    if ((event === 'unsubscribed' || event === 'bounced') && ch && !status.blocked.includes(ch)) status.blocked.push(ch);
    changed = true;
  });
  setHandler(cadenceEngagementSignal, ({ kind }) => {
    status.events.push({ day: dayNow(), kind });
    changed = true;
  });
  setHandler(stopCadenceSignal, ({ reason }) => {
    stopped ??= reason;
  });
  setHandler(pauseCadenceSignal, () => {
    status.paused = true;
  });
  setHandler(resumeCadenceSignal, () => {
    status.paused = false;
    changed = true;
  });

  const end = (why: string): CadenceStatus => {
    status.ended = why;
    status.next = undefined;
    upsertSearchAttributes([{ key: Stage, value: 'cadence_ended' }]);
    setCurrentDetails(`Cadence ended: ${why} · ${status.touches.length} touches`);
    return status;
  };
  upsertSearchAttributes([{ key: LeadId, value: input.leadId }]);

  for (;;) {
    if (stopped) return end(stopped);
    const handover = status.events.find((e) => e.kind === 'replied' || e.kind === 'appointment_requested');
    if (handover) return end(handover.kind === 'replied' ? 'the lead replied: handed to the rep' : 'an appointment was requested: handed to the rep');
    if (status.paused) {
      setCurrentDetails(`Cadence paused · ${status.touches.length} touches`);
      await condition(() => !status.paused || stopped !== undefined);
      continue;
    }

    const plan = nextTouch({ day: dayNow(), touches: status.touches, events: status.events, blocked: status.blocked, connected: input.connected ?? { messenger: false, nextdoor: false } }, policy);
    if ('end' in plan) return end(plan.end);
    status.next = plan;
    upsertSearchAttributes([{ key: Stage, value: `cadence_${plan.mode.toLowerCase()}` }]);
    setCurrentDetails(`Next touch: ${plan.channel}, day ${plan.day.toFixed(1)}, because: ${plan.reason}`);

    changed = false;
    const wait = status.startedAt + plan.day * DAY_MS - Date.now();
    if (wait > 0) {
      const woken = await condition(() => changed || status.paused || stopped !== undefined, wait);
      if (woken) continue; // something happened: plan again
    }
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof followUpCadence>(input, status);

    const n = status.touches.length + 1;
    const outcome = await sendMessage({
      idempotencyKey: `${workflowInfo().workflowId}:touch-${n}`,
      workflowId: workflowInfo().workflowId,
      contactId: input.contactId,
      leadId: input.leadId,
      channel: plan.channel,
      kind: 'marketing',
      ...copyFor(plan.content, plan.channel),
    });
    if (outcome.status === 'sent') status.touches.push({ day: dayNow(), channel: plan.channel });
    else if (!status.blocked.includes(plan.channel)) status.blocked.push(plan.channel);
  }
}
