// leadIntake — the front door for every lead, `lead-<leadId>` (roadmap 4.1 D, 4.4 A-C):
// assess (property, models, temperature, VIP) → assign a rep → wait for first contact within the
// SLA → hand the lead to its follow-up cadence. One loop owns the state (state.ts); signals and
// updates only record what happened and wake it; next-step.ts decides what the loop does:
//   - assigned, not yet contacted: wait for contact until the SLA deadline; on breach end the
//     assignment, escalate to the rep's manager and route again (never back to a rep who missed it);
//     after `maxBreaches` the lead goes to the ops queue and waits for ops to reassign it;
//   - nobody available: wait, tell ops once, and look again when a rep may be free: at once on
//     the `capacityFreed` signal (an assignment ended, a rep added, reactivated, given more
//     capacity or other hours, time off removed), when a rep who is off comes back (time off
//     ending, working hours starting: the routing decision says when), and otherwise after a
//     backoff from `retrySeconds` doubling up to `maxRetrySeconds`;
//   - contact made (or the ops queue reached): the lead is handed to its follow-up cadence
//     (follow-up.ts); only engagement re-scoring and the close remain; the close stops the cadence.
// The run continues as new when its history grows long (history-size.ts), once no update handler
// is running; whatever arrives meanwhile (a close, a reassign, a rep's time off) is acted on first.
//
// Leads started before routing existed replay before-routing.ts (no `lead-routing` marker in their
// history); its RUNNING_BEFORE_ROUTING visibility query shows whether any is left.
import {
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createLeadIntakeActivities } from '../../activities/lead-intake';
import { historyIsLong } from '../history-size';
import { leadIntakeBeforeRouting } from './before-routing';
import { startFollowUp, stopFollowUp } from './follow-up';
import {
  acceptLeadUpdate,
  capacityFreedSignal,
  closeLeadSignal,
  contactedUpdate,
  engagementSignal,
  reassignUpdate,
  repUnavailableSignal,
  statusQuery,
} from './messages';
import {
  afterBreach,
  hasNews,
  holdsUncontacted,
  mayContinueAsNew,
  nextLook,
  nextStep,
  refuseReassign,
  refuseUnlessHeldBy,
  routingOnStart,
  routingRequest,
  slaDeadlineFor,
  tightenedDeadline,
  waitFor,
  type Wait,
} from './next-step';
import { acknowledgeAfterHours } from './acknowledge';
import { publish } from './publish';
import { neededSkills } from './rules/choose-rep';
import type { LeadCloseReason } from './rules/lead';
import { DEFAULT_POLICY } from './rules/sla-policy';
import { classifyTemperature } from './rules/temperature';
import { newLeadState } from './state';
import type { LeadIntakeInput, LeadStatus } from './types';

type LeadIntakeActivities = ReturnType<typeof createLeadIntakeActivities>;
const retry = { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: ['LeadNotFound'] };
/** Writes to the lead's own row: quick. */
const lead = proxyActivities<LeadIntakeActivities>({ startToCloseTimeout: '15 seconds', retry });
/** The assessment (models, property data) and routing (row locks on the team): given longer. */
const routing = proxyActivities<LeadIntakeActivities>({ startToCloseTimeout: '30 seconds', retry });
/**
 * A new lead's assessment and first assignment as local activities (since `lead-local-routing`):
 * they run in the worker holding the workflow task, so a lead goes from start to rep in one task —
 * no activity task to queue, no workflow task per result. Those round trips through the server, not
 * the work, were most of a lead's time to its rep (docs/benchmarks.md). Both are idempotent by lead
 * and attempt, so a task that fails after they ran runs them again to the same answer. Later
 * decisions (after a breach, a reassign, a look while nobody is free) are not in a hurry and stay
 * ordinary activities: they may meet updates in flight and a continue-as-new, where an ordinary
 * activity's history is the one every test and kept history walks.
 */
const routingInTask = proxyLocalActivities<LeadIntakeActivities>({ startToCloseTimeout: '30 seconds', retry });

const nowIso = (): string => new Date().toISOString();

export async function leadIntake(input: LeadIntakeInput, carried?: LeadStatus): Promise<LeadStatus> {
  // First, always: histories recorded before routing existed have no marker and take the old path.
  if (!patched('lead-routing')) return leadIntakeBeforeRouting(input, carried);
  // Decided once per run, so a run never mixes the paths; runs recorded before each change keep
  // the old one until they continue as new (see the comment of each use).
  const changes = {
    /** A lead nobody can take backs off, looks when a rep comes back, and publishes only what changed. */
    waitBackoff: patched('lead-wait-backoff'),
    /** Continue-as-new on the history's size (history-size.ts), not only when the server suggests it. */
    continueOnHistory: patched('lead-can-on-history'),
    /** Continue-as-new waits for update handlers without dropping what arrives meanwhile. */
    drainHandlers: patched('lead-can-drain-handlers'),
    /** Assessment and assignment as local activities: one workflow task from start to rep. */
    localRouting: patched('lead-local-routing'),
    /** A re-score to HOT tightens the current assignment's SLA deadline (issue 22 item 4). */
    hotTightensSla: patched('lead-hot-tightens-sla'),
    /** Nobody on shift: the on-call rota, else the first rep on shift, the customer acknowledged (item 5). */
    afterHours: patched('lead-after-hours'),
  };
  const firstDecision = changes.localRouting ? routingInTask : routing;
  const historyLong = (): boolean =>
    changes.continueOnHistory ? historyIsLong() : workflowInfo().continueAsNewSuggested;

  const policy = input.policy ?? DEFAULT_POLICY;
  const { workflowId } = workflowInfo();
  const state = newLeadState(input, carried);
  const { status, inbox } = state;

  setHandler(statusQuery, () => status);
  setHandler(engagementSignal, (signals) => {
    inbox.signals = { ...inbox.signals, ...signals };
  });
  setHandler(closeLeadSignal, (close) => {
    inbox.close ??= close;
  });
  setHandler(capacityFreedSignal, () => {
    inbox.capacityFreed = true;
  });
  setHandler(repUnavailableSignal, ({ repId }) => {
    if (holdsUncontacted(status, repId)) inbox.unavailableRep = repId;
  });
  setHandler(
    acceptLeadUpdate,
    async () => {
      const a = status.assignment!;
      a.acceptedAt ??= nowIso();
      await routing.markLeadAssignment({
        leadId: input.leadId,
        attempt: a.attempt,
        what: 'accepted',
        at: a.acceptedAt,
      });
      return { attempt: a.attempt, acceptedAt: a.acceptedAt };
    },
    { validator: ({ repId }) => refuseUnlessHeldBy(state, repId, 'accept') },
  );
  setHandler(
    contactedUpdate,
    async () => {
      const a = status.assignment!;
      a.acceptedAt ??= nowIso();
      a.contactedAt ??= nowIso();
      status.stage = 'contacted';
      status.note = 'first contact made: handed over to follow-up';
      await routing.markLeadAssignment({
        leadId: input.leadId,
        attempt: a.attempt,
        what: 'contacted',
        at: a.contactedAt,
      });
      return { attempt: a.attempt, contactedAt: a.contactedAt };
    },
    { validator: ({ repId }) => refuseUnlessHeldBy(state, repId, 'mark contacted') },
  );
  setHandler(
    reassignUpdate,
    async (request) => {
      const before = state.decisions;
      inbox.reassign = request;
      // Answer with the new decision: wait for the loop to make it.
      await condition(() => state.decisions > before || inbox.close !== undefined);
      return {
        attempt: status.assignment?.attempt ?? 0,
        repId: status.stage === 'assigned' ? status.assignment!.repId : null,
      };
    },
    { validator: (_request) => refuseReassign(state) },
  );

  if (!carried) await assess();
  Object.assign(state, routingOnStart(status, Date.now()));

  try {
    return await loop();
  } catch (err) {
    // Cancelled by ops: the rep's capacity is freed before the workflow ends.
    if (isCancellation(err)) await CancellationScope.nonCancellable(() => endAssignment('cancelled'));
    throw err;
  }

  async function loop(): Promise<LeadStatus> {
    /** A wait that news interrupted while the run was about to continue as new: taken up again as it was. */
    let resumed: Wait | undefined;
    for (;;) {
      if (state.routeNow && !inbox.close) {
        state.routeNow = false;
        const request = routingRequest(state);
        inbox.reassign = undefined;
        await route(request);
      }
      const wait = resumed ?? waitFor(state);
      resumed = undefined;
      const woke = await condition(
        () => hasNews(state, wait) || historyLong(),
        wait.until === undefined ? undefined : Math.max(0, wait.until - Date.now()),
      );
      if (inbox.close) return close(inbox.close);
      if (inbox.signals) await rescore();

      switch (nextStep(state, wait, woke)) {
        case 'hand_over':
          await lead.recordLeadStage({ leadId: input.leadId, stage: 'contacted' });
          await startFollowUp(status, 'first contact made');
          publish(status, input);
          break;
        case 'reassign':
          await endAssignment('reassigned');
          state.routeNow = true;
          break;
        case 'rep_unavailable':
          inbox.unavailableRep = undefined;
          await endAssignment('unavailable');
          status.note = 'the rep became unavailable: routed again';
          state.routeNow = true;
          break;
        case 'breach':
          await breach();
          break;
        case 'look_again':
          inbox.capacityFreed = false;
          state.routeNow = true;
          break;
        case 'carry_on':
          inbox.capacityFreed = false;
          if (historyLong() && mayContinueAsNew(state)) {
            if (!changes.drainHandlers) {
              // The old path: a close or a rep's time off arriving while an update ran was dropped
              // here, and a reassign (which waits on this loop) never finished.
              await condition(allHandlersFinished);
              await continueAsNew<typeof leadIntake>(input, status);
            }
            await condition(() => allHandlersFinished() || hasNews(state, wait));
            // News first, with the wait it came in (a contact made during it is still a hand-over).
            if (hasNews(state, wait)) resumed = wait;
            else await continueAsNew<typeof leadIntake>(input, status);
          }
      }
    }
  }

  /** One activity assesses and stores everything intake knows: fewer round trips before routing. */
  async function assess(): Promise<void> {
    const assessed = await firstDecision.assessLead({ leadId: input.leadId, at: nowIso(), signals: status.signals });
    state.routing = {
      property: { ...state.routing.property, ...assessed.property },
      language: assessed.language,
      preferredRepId: assessed.vip.preferredRepId,
    };
    status.prediction = assessed.prediction;
    status.vip = { isVip: assessed.vip.isVip, reasons: assessed.vip.reasons };
    status.temperature = assessed.temperature;
    status.revision = 1;
    status.stage = 'scored';
    publish(status, input);
    // 4.4 C high_value_claim → notify_manager: the managers hear at detection, not once a rep has it.
    if (assessed.vip.notifyManager && patched('lead-vip-notify-manager')) {
      await routing.notifyPeople({
        key: `${workflowId}:vip-manager-alert`,
        recipient: 'managers',
        kind: 'vip_manager_alert',
        leadId: input.leadId,
        payload: { reasons: assessed.vip.reasons },
      });
    }
  }

  async function rescore(): Promise<void> {
    status.signals = { ...status.signals, ...inbox.signals };
    inbox.signals = undefined;
    status.temperature = classifyTemperature(status.signals);
    status.revision += 1;
    if (status.stage === 'new') status.stage = 'scored';
    await lead.recordLeadTemperature({
      leadId: input.leadId,
      stage: status.stage,
      revision: status.revision,
      ...status.temperature,
    });
    const tighter = changes.hotTightensSla ? tightenedDeadline(policy, status, Date.now()) : undefined;
    if (tighter) {
      const a = status.assignment!;
      a.slaDeadline = tighter; // the loop's next wait ends at it
      await lead.tightenLeadSla({
        leadId: input.leadId,
        attempt: a.attempt,
        slaDeadline: tighter,
        key: `${workflowId}:sla-tightened:${a.attempt}:${status.revision}`,
        temperature: status.temperature.temperature,
      });
    }
    publish(status, input);
  }

  async function route({ forcedRepId, excludeRepIds }: ReturnType<typeof routingRequest>): Promise<void> {
    // Every decision gets a new number, found or not: the assignment activity answers a repeated
    // number with the decision it made before (idempotency), so a retry must not reuse one.
    const attempt = (status.routingAttempts ?? status.assignment?.attempt ?? 0) + 1;
    status.routingAttempts = attempt;
    const decide = attempt === 1 ? firstDecision : routing;
    const at = new Date();
    const slaDeadline = slaDeadlineFor(policy, status, at);
    const isVip = status.vip?.isVip ?? false;
    const result = await decide.assignLeadToRep({
      leadId: input.leadId,
      attempt,
      at: at.toISOString(),
      slaDeadline,
      workflowId,
      isVip,
      lead: {
        city: input.city,
        needs: neededSkills(state.routing.property),
        language: state.routing.language,
        isVip,
        preferredRepId: forcedRepId ?? state.routing.preferredRepId,
        excludeRepIds,
      },
      ...(changes.afterHours && {
        afterHours: { slaMinutes: (Date.parse(slaDeadline) - at.getTime()) / 60_000 },
      }),
    });
    state.decisions += 1;
    if (result.outcome === 'assigned') {
      const after = result.afterHours;
      status.assignment = {
        attempt,
        repId: result.repId!,
        repName: result.repName!,
        // After hours, for the first rep on shift: from their shift start.
        slaDeadline: result.slaDeadline ?? slaDeadline,
        ...(after && { afterHours: { via: after.via, slaStartsAt: after.slaStartsAt } }),
      };
      status.stage = 'assigned';
      status.note = result.reason;
      status.waiting = undefined;
      state.retryAt = undefined;
      if (status.vip?.isVip) {
        await routing.notifyPeople({
          key: `${workflowId}:vip-cc:${attempt}`,
          recipient: result.managerId ? `rep:${result.managerId}` : 'ops',
          kind: 'vip_lead_cc',
          leadId: input.leadId,
          payload: { repId: result.repId, reasons: status.vip.reasons, slaDeadline: status.assignment.slaDeadline },
        });
      }
      if (after?.via === 'next_shift' && !status.acknowledged) {
        status.acknowledged = await acknowledgeAfterHours(workflowId, input.leadId, result.repName!, after);
      }
    } else {
      const first = status.stage !== 'waiting_for_rep';
      status.stage = 'waiting_for_rep';
      if (changes.waitBackoff) {
        const look = nextLook(policy, first ? undefined : status.waiting, Date.now(), result.nextAvailableAt);
        const at = new Date(look.at).toISOString();
        status.waiting = { looks: look.looks, nextLookAt: at };
        status.note = `no rep available (${look.looks} look${look.looks > 1 ? 's' : ''}); looking again at ${at.slice(11, 16)} UTC or when a rep is freed`;
        state.retryAt = look.at;
      } else {
        status.note = `no rep available; looking again every ${policy.retrySeconds} s`;
        state.retryAt = Date.now() + policy.retrySeconds * 1000;
      }
      // Nobody again: nothing ops filter on changed, so no search-attribute event per look.
      if (!first && changes.waitBackoff) return;
      if (first) {
        await lead.recordLeadStage({ leadId: input.leadId, stage: 'waiting_for_rep' });
        await routing.notifyPeople({
          key: `${workflowId}:no-rep:${attempt}`,
          recipient: 'ops',
          kind: 'no_rep_available',
          leadId: input.leadId,
          payload: { attempt },
        });
      }
    }
    publish(status, input);
  }

  async function breach(): Promise<void> {
    const a = status.assignment!;
    status.breaches = (status.breaches ?? 0) + 1;
    await routing.endLeadAssignment({ leadId: input.leadId, attempt: a.attempt, reason: 'breached' });
    await routing.notifyPeople({
      key: `${workflowId}:breach:${a.attempt}`,
      recipient: `manager-of:${a.repId}`,
      kind: 'sla_breach',
      leadId: input.leadId,
      payload: { repId: a.repId, attempt: a.attempt, slaDeadline: a.slaDeadline, breaches: status.breaches },
    });
    if (afterBreach(status.breaches, policy) === 'next_rep') {
      state.routeNow = true;
      return;
    }
    status.stage = 'escalated';
    status.note = `SLA missed ${status.breaches} times: in the ops queue`;
    await lead.recordLeadStage({ leadId: input.leadId, stage: 'escalated' });
    await routing.notifyPeople({
      key: `${workflowId}:ops-queue:${a.attempt}`,
      recipient: 'ops',
      kind: 'sla_ops_queue',
      leadId: input.leadId,
      payload: { breaches: status.breaches },
    });
    // No rep reached the lead: follow-up keeps it warm while ops decide.
    await startFollowUp(status, 'no rep reached the lead');
    publish(status, input);
  }

  /** Ends the current assignment (if the lead has one), freeing the rep's capacity. */
  async function endAssignment(reason: string): Promise<void> {
    if (status.assignment && status.stage !== 'waiting_for_rep') {
      await routing.endLeadAssignment({ leadId: input.leadId, attempt: status.assignment.attempt, reason });
    }
  }

  async function close({ reason, dealValue }: { reason: LeadCloseReason; dealValue?: number }): Promise<LeadStatus> {
    await endAssignment('closed');
    await stopFollowUp(status, `lead ${reason}`);
    status.stage = reason;
    await lead.recordLeadStage({ leadId: input.leadId, stage: reason, dealValue });
    publish(status, input);
    await condition(allHandlersFinished);
    return status;
  }
}
