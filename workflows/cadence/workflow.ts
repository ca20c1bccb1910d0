// followUpCadence — one per lead (roadmap 4.3 B-C): the adaptive plan of plan.ts on the workflow's
// clock. It first claims the contact (never two cadences at once; a cooldown after the last one),
// then loops: plan the next touch from everything known, wait for its moment (a signal wakes it
// to plan again), check for an ops hold, and send through the messaging gateway, which may block
// a channel (the plan falls back to another) or defer for quiet hours, caps and holidays (the send
// waits durably). A reply, a booking or a household member's reply hands the lead over; won/lost
// stops it; the touch cap or running out of channels ends it. Paused (ops, a hold, an
// out-of-office reply), the plan's clock stops: on resume, missed steps shift forward one by one
// instead of firing at once. Continue-as-new every few touches keeps weeks of history small, and so
// does continuing whenever the run's history grows long (history-size.ts): every signal re-plans,
// and a burst of them (webhook retries) would otherwise grow one run without a touch sent.
// The contact's claim is released in every ending this code runs for (its end, a cancellation, a
// failure); one it cannot run for (terminated, timed out) is released by the claim reconciler in
// the API process (api/cadence-claim-reconciler.ts).
import {
  CancellationScope,
  TemporalFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createCadenceActivities } from '../../activities/cadence';
import { AssignedRep, LeadId, Stage } from '../../temporal/search-attributes';
import { historyIsLong } from '../history-size';
import { messageEventSignal } from '../messaging/messages';
import { sendMessage } from '../messaging/send';
import { copyFor } from './content';
import { CADENCE_DEFINITIONS, DEFAULT_DEFINITION, DEFINITIONS_BEFORE_ISSUE_22, variantFor } from './rules/definitions';
import {
  cadenceEngagementSignal,
  cadenceStatusQuery,
  householdReplySignal,
  pauseCadenceSignal,
  resumeCadenceSignal,
  stopCadenceSignal,
} from './messages';
import { CADENCE_CHANNELS, nextTouch, type CadenceChannel, type EngagementKind, type PlanRules } from './rules/plan';
import { DEFAULT_CADENCE_SETTINGS, type CadenceInput, type CadenceStatus } from './types';

const cadence = proxyActivities<ReturnType<typeof createCadenceActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const DAY_MS = 86_400_000;
/** An out-of-office reply with no readable return date pauses this long. */
const AWAY_DEFAULT_MS = 7 * DAY_MS;
/** Engagement events carried across continue-as-new (the plan looks back a week; day 1-10 rules need the early ones). */
const EVENTS_KEPT = 200;
/** Counted signals remembered, to recognise a redelivery (which comes within minutes of the first). */
const SIGNALS_REMEMBERED = 100;
/** Histories from before redelivered signals were recognised counted them twice: they replay as they ran. */
const PATCH_COUNT_ONCE = 'cadence-count-signals-once';
/** Histories from before a failing cadence released its claim replay without that release. */
const PATCH_RELEASE_ON_FAILURE = 'cadence-release-claim-on-failure';
// Issue 22's rules; histories recorded before each replay without it (one patch per change).
/** PAUSE lasts until the lead re-engages, at least pauseMinDays (before: one touch). */
const PATCH_PAUSE_LASTS = 'cadence-pause-lasts';
/** ADJUST rotates content types (before: always the sales copy). */
const PATCH_ADJUST_CONTENT = 'cadence-adjust-varies-content';
/** Variants stay within the plan's channel unless the definition says `channelTests` (before: standard's day-2 call). */
const PATCH_VARIANTS = 'cadence-variants-within-plan';
/** ACCELERATE loops in a top performer and asks for the proposal (before: neither). */
const PATCH_ACCELERATE = 'cadence-accelerate-top-performer';
const HOUR_MS = 3_600_000;
/** Message events that count as engagement for the plan. */
const FROM_MESSAGE: Record<string, EngagementKind | undefined> = {
  delivered: 'delivered',
  opened: 'opened',
  clicked: 'clicked',
  replied: 'replied',
  unsubscribed: 'unsubscribed',
  spam_report: 'overwhelmed',
};

const when = (ms: number): string => `${new Date(ms).toUTCString().slice(0, 22)} UTC`;

export async function followUpCadence(input: CadenceInput, carried?: CadenceStatus): Promise<CadenceStatus> {
  const info = workflowInfo();
  const definitionName =
    input.definition && CADENCE_DEFINITIONS[input.definition] ? input.definition : DEFAULT_DEFINITION;
  const definition = CADENCE_DEFINITIONS[definitionName]!;
  const status: CadenceStatus = carried ?? {
    leadId: input.leadId,
    cadenceId: `${info.workflowId}/${info.firstExecutionRunId}`,
    definition: definitionName,
    settings: { ...DEFAULT_CADENCE_SETTINGS, ...input.settings }, // until the claim returns the worker's
    startedAt: Date.now(),
    pausedMs: 0,
    touches: [],
    events: [],
    blocked: [],
    paused: false,
    runs: 1,
  };
  const activeDay = (): number =>
    (Date.now() -
      status.startedAt -
      status.pausedMs -
      (status.pausedSince !== undefined ? Date.now() - status.pausedSince : 0)) /
    DAY_MS;
  let changed = false;
  let stopped: string | undefined;
  /** Attempts at the touch being sent (a run continues as new only after a touch was sent). */
  let tries = { touch: 0, count: 0 };

  const pause = (why: string, heldBy?: string): void => {
    if (!status.paused) status.pausedSince = Date.now();
    status.paused = true;
    status.next = undefined; // planned again on resume
    status.pausedBecause = why;
    status.heldBy = heldBy;
    changed = true;
  };
  const resume = (): void => {
    if (status.paused && status.pausedSince !== undefined) status.pausedMs += Date.now() - status.pausedSince;
    status.paused = false;
    status.pausedSince = status.pausedBecause = status.heldBy = status.awayUntil = undefined;
    changed = true;
  };

  /** False for a signal counted before (a redelivery from the signal outbox); remembers it otherwise. */
  const firstTime = (ref: string | undefined): boolean => {
    if (ref === undefined) return true;
    if (status.counted?.includes(ref) && patched(PATCH_COUNT_ONCE)) return false;
    status.counted = [...(status.counted ?? []), ref].slice(-SIGNALS_REMEMBERED);
    return true;
  };

  setHandler(cadenceStatusQuery, () => status);
  setHandler(messageEventSignal, ({ messageId, channel, event, at, until }) => {
    if (!firstTime(`${messageId}:${event}:${at}`)) return;
    const ch = (CADENCE_CHANNELS as readonly string[]).includes(channel) ? (channel as CadenceChannel) : undefined;
    if (event === 'auto_reply') {
      // Out of office: not an answer, not a reason to stop — wait until they are back.
      status.awayUntil = until ? Date.parse(until) : Date.now() + AWAY_DEFAULT_MS;
      pause(`out of office until ${when(status.awayUntil)}`);
      return;
    }
    const kind = FROM_MESSAGE[event];
    if (kind) status.events.push({ day: activeDay(), kind, channel: ch });
    // An unsubscribe or bounce closes that channel for good.
    if ((event === 'unsubscribed' || event === 'bounced') && ch && !status.blocked.includes(ch))
      status.blocked.push(ch);
    changed = true;
  });
  setHandler(cadenceEngagementSignal, ({ kind, ref }) => {
    if (!firstTime(ref)) return;
    status.events.push({ day: activeDay(), kind });
    changed = true;
  });
  setHandler(stopCadenceSignal, ({ reason }) => {
    stopped ??= reason;
  });
  setHandler(householdReplySignal, () => {
    stopped ??= 'a household member replied: handed to the rep';
  });
  setHandler(pauseCadenceSignal, (p) => pause(p?.reason ?? 'paused by ops', p?.hold));
  setHandler(resumeCadenceSignal, resume);

  /** A reply or a booking request: the rep takes over. */
  const handedOver = () => status.events.find((e) => e.kind === 'replied' || e.kind === 'appointment_requested');

  let claimed = carried !== undefined;
  const end = async (why: string): Promise<CadenceStatus> => {
    status.ended = why;
    status.next = undefined;
    upsertSearchAttributes([{ key: Stage, value: 'cadence_ended' }]);
    setCurrentDetails(`Cadence ended: ${why} · ${status.touches.length} touches`);
    if (claimed) await cadence.endCadence({ cadenceId: status.cadenceId, reason: why, touches: status.touches.length });
    await condition(allHandlersFinished);
    return status;
  };
  upsertSearchAttributes([
    { key: LeadId, value: input.leadId },
    ...(input.repId ? [{ key: AssignedRep, value: input.repId }] : []),
  ]);

  if (!carried) {
    const begun = await cadence.beginCadence({
      cadenceId: status.cadenceId,
      workflowId: info.workflowId,
      contactId: input.contactId,
      leadId: input.leadId,
      repId: input.repId,
      definition: definitionName,
      cooldownDays: input.settings?.cooldownDays,
    });
    if (!begun.begun) return end(`not started: ${begun.reason}`);
    claimed = true;
    status.settings = { ...begun.settings, ...input.settings };
    status.contactId = begun.contactId;
  }
  const touchesAtRunStart = status.touches.length;

  try {
    return await loop();
  } catch (err) {
    // Cancelled by ops, or failed (an activity's non-retryable error, a schedule-to-start timeout):
    // the contact is free for another cadence after the cooldown. Any other error fails only the
    // workflow task, which is retried: the cadence is still running and keeps its claim.
    if (isCancellation(err))
      await CancellationScope.nonCancellable(() =>
        cadence.endCadence({ cadenceId: status.cadenceId, reason: 'cancelled', touches: status.touches.length }),
      );
    else if (err instanceof TemporalFailure && patched(PATCH_RELEASE_ON_FAILURE))
      await CancellationScope.nonCancellable(() =>
        cadence.endCadence({
          cadenceId: status.cadenceId,
          reason: `failed: ${err.message}`,
          touches: status.touches.length,
        }),
      );
    throw err;
  }

  /** The next run carries the status on; the plan is made again from it. */
  async function carryOn(): Promise<never> {
    await condition(allHandlersFinished);
    return continueAsNew<typeof followUpCadence>(input, {
      ...status,
      next: undefined,
      events: status.events.slice(-EVENTS_KEPT),
      runs: status.runs + 1,
    });
  }

  async function loop(): Promise<CadenceStatus> {
    for (;;) {
      if (stopped) return end(stopped);
      const handover = handedOver();
      if (handover)
        return end(
          handover.kind === 'replied'
            ? 'the lead replied: handed to the rep'
            : 'an appointment was requested: handed to the rep',
        );
      // Histories recorded before this patch continued as new only after a touch was sent.
      const continueOnHistory = patched('cadence-can-on-history');
      const historyLong = (): boolean => continueOnHistory && historyIsLong();
      if (historyLong()) await carryOn();

      if (status.paused) {
        upsertSearchAttributes([{ key: Stage, value: 'cadence_paused' }]);
        setCurrentDetails(`Cadence paused: ${status.pausedBecause} · ${status.touches.length} touches`);
        const timeout =
          status.awayUntil !== undefined
            ? Math.max(0, status.awayUntil - Date.now())
            : status.heldBy
              ? DAY_MS
              : undefined;
        await condition(() => !status.paused || stopped !== undefined || historyLong(), timeout);
        if (status.paused && status.awayUntil !== undefined && Date.now() >= status.awayUntil) resume();
        else if (
          status.paused &&
          status.heldBy &&
          !(await cadence.cadenceHold({ leadId: input.leadId, repId: input.repId, definition: definitionName }))
        )
          resume();
        continue;
      }

      const rules: PlanRules = {
        pauseLasts: patched(PATCH_PAUSE_LASTS),
        adjustVariesContent: patched(PATCH_ADJUST_CONTENT),
      };
      const plan = nextTouch(
        {
          day: activeDay(),
          touches: status.touches,
          events: status.events,
          blocked: status.blocked,
          connected: input.connected ?? { messenger: false, nextdoor: false },
          storm: definitionName === 'storm',
        },
        status.settings.policy,
        rules,
      );
      if ('end' in plan) return end(plan.end);
      if (plan.mode === 'ACCELERATE' && !status.accelerated && patched(PATCH_ACCELERATE)) {
        // Buying signals: a top performer joins a rep who is not one, and the proposal is asked for
        // within 24 hours (a notification: no proposal process exists yet). Once per cadence.
        const outcome = await cadence.accelerateLead({
          key: `${status.cadenceId}:accelerate`,
          leadId: input.leadId,
          repId: input.repId,
          why: plan.reason,
          proposalDueBy: new Date(Date.now() + 24 * HOUR_MS).toISOString(),
        });
        status.accelerated = { ...outcome, at: new Date().toISOString() };
        continue; // signals may have come in meanwhile: plan again
      }
      const variants = patched(PATCH_VARIANTS)
        ? definition
        : (DEFINITIONS_BEFORE_ISSUE_22[definitionName] ?? definition);
      const variant = variantFor(variants, plan.step, input.leadId, (c) => !status.blocked.includes(c));
      const channel = variant.channel ?? plan.channel;
      const at = status.startedAt + status.pausedMs + plan.day * DAY_MS + (variant.laterHours ?? 0) * HOUR_MS;
      status.next = { ...plan, channel, variant: variant.id, at: new Date(at).toISOString() };
      upsertSearchAttributes([{ key: Stage, value: `cadence_${plan.mode.toLowerCase()}` }]);
      setCurrentDetails(
        `Next touch: ${channel}, ${when(at)}, because: ${plan.reason}${variant.id !== 'A' ? ` (variant ${variant.id})` : ''}`,
      );

      changed = false;
      if (at > Date.now()) {
        const woken = await condition(
          () => changed || status.paused || stopped !== undefined || historyLong(),
          at - Date.now(),
        );
        if (woken) continue; // something happened: plan again
      }
      // Ops holds live in Postgres so cadences that start (or resume) during one see it too.
      const hold = await cadence.cadenceHold({ leadId: input.leadId, repId: input.repId, definition: definitionName });
      if (hold) {
        pause(`held (${hold.scope}): ${hold.reason}`, hold.scope);
        continue;
      }

      const n = status.touches.length + 1;
      // A touch not sent (blocked, failed, called off) is tried again — another channel, or later —
      // as a new message with a key of its own: the gateway answers a key's first outcome again.
      if (tries.touch !== n) tries = { touch: n, count: 0 };
      const key = `${status.cadenceId}:touch-${n}${tries.count > 0 ? `.${tries.count}` : ''}`;
      tries.count += 1;
      // A touch deferred (quiet hours, a holiday, the caps) waits inside the send; whatever would
      // stop or hold the plan calls it off, and the loop takes it from there.
      const calledOff = (): string | undefined =>
        stopped ??
        (handedOver() ? 'the lead answered' : undefined) ??
        (status.paused ? `paused: ${status.pausedBecause}` : undefined) ??
        (status.blocked.includes(channel) ? `${channel} closed` : undefined);
      const outcome = await sendMessage(
        {
          idempotencyKey: key,
          workflowId: info.workflowId,
          contactId: status.contactId!,
          leadId: input.leadId,
          channel,
          kind: 'marketing',
          plan: 'cadence',
          ...copyFor(plan.content, channel),
          ...(variant.subject && channel === 'email' && { subject: variant.subject }),
          ...(variant.text && { text: variant.text }),
        },
        { calledOff },
      );
      if (outcome.status === 'called_off') continue;
      if (outcome.status !== 'sent') {
        if (!status.blocked.includes(channel)) status.blocked.push(channel);
        continue;
      }
      status.touches.push({
        day: activeDay(),
        channel,
        step: plan.step,
        variant: variant.id,
        messageId: outcome.messageId,
      });
      await cadence.recordCadenceTouch({
        cadenceId: status.cadenceId,
        touchNo: n,
        step: plan.step,
        variant: variant.id,
        channel,
        messageId: outcome.messageId,
      });
      if (
        status.touches.length - touchesAtRunStart >= status.settings.touchesPerRun ||
        workflowInfo().continueAsNewSuggested
      )
        await carryOn();
    }
  }
}
