// The routed lead (roadmap 4.1 D, 4.4 A-C): assess (property, models, temperature, VIP) → assign →
// SLA → contact.
// One loop owns the state; signals and updates only record what happened and wake it.
//   - assigned, not yet contacted: wait for contact until the SLA deadline; on breach end the
//     assignment, escalate to the rep's manager and route again (never back to a rep who missed it);
//     after `maxBreaches` the lead goes to the ops queue and waits for ops to reassign it;
//   - nobody available: wait, tell ops once, and look again when a rep's capacity is freed (the
//     `capacityFreed` signal) or every `retrySeconds` (time off ending, a new rep: nobody signals);
//   - contact made (or the ops queue reached): the lead is handed to its follow-up cadence
//     (follow-up.ts) and only engagement re-scoring and the close remain; the close stops it.
import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createLeadActivities } from '../../activities/leads';
import type { createRoutingActivities } from '../../activities/routing';
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
import { DEFAULT_POLICY, slaMinutesFor } from './policy';
import { startFollowUp, stopFollowUp } from './follow-up';
import { publish } from './publish';
import { neededSkills } from './routing';
import { classifyTemperature } from './temperature';
import type { EngagementSignals, LeadCloseReason, LeadIntakeInput, LeadStatus } from './types';

const retry = { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: ['LeadNotFound'] };
const lead = proxyActivities<ReturnType<typeof createLeadActivities>>({ startToCloseTimeout: '15 seconds', retry });
const routing = proxyActivities<ReturnType<typeof createRoutingActivities>>({
  startToCloseTimeout: '30 seconds',
  retry,
});

const CLOSED = new Set(['won', 'lost', 'duplicate']);
const nowIso = (): string => new Date().toISOString();

export async function routedLeadIntake(input: LeadIntakeInput, carried?: LeadStatus): Promise<LeadStatus> {
  const policy = input.policy ?? DEFAULT_POLICY;
  const { workflowId } = workflowInfo();
  const status: LeadStatus = carried ?? {
    leadId: input.leadId,
    stage: 'new',
    signals: { ...input.signals },
    revision: 0,
  };
  let pendingSignals: EngagementSignals | undefined;
  let close: { reason: LeadCloseReason; dealValue?: number } | undefined;
  let reassign: { repId?: string; reason: string } | undefined;
  let unavailableRep: string | undefined;
  let capacityFreed = false;
  /** Routing decisions made by this run: a reassign update answers once the next one is made. */
  let decisions = 0;
  let property = { ...input.property };
  let preferredRepId: string | undefined;
  let language: string | undefined;

  const assignedTo = (repId: string, what: string): void => {
    if (close || CLOSED.has(status.stage))
      throw ApplicationFailure.create({
        type: 'LeadClosed',
        message: `lead is ${close?.reason ?? status.stage}: nothing to ${what}`,
      });
    const a = status.assignment;
    if (!a || status.stage === 'waiting_for_rep' || status.stage === 'escalated') {
      throw ApplicationFailure.create({
        type: 'NotAssigned',
        message: `lead is not assigned to anyone right now: nothing to ${what}`,
      });
    }
    if (a.repId !== repId) {
      throw ApplicationFailure.create({
        type: 'NotAssignedRep',
        message: `lead is assigned to ${a.repId}, not ${repId} (attempt ${a.attempt})`,
      });
    }
  };

  setHandler(statusQuery, () => status);
  setHandler(engagementSignal, (signals) => {
    pendingSignals = { ...pendingSignals, ...signals };
  });
  setHandler(closeLeadSignal, (c) => {
    close ??= c;
  });
  setHandler(capacityFreedSignal, () => {
    capacityFreed = true;
  });
  setHandler(repUnavailableSignal, ({ repId }) => {
    if (status.assignment?.repId === repId && !status.assignment.contactedAt) unavailableRep = repId;
  });
  setHandler(
    acceptLeadUpdate,
    async (_request) => {
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
    { validator: ({ repId }) => assignedTo(repId, 'accept') },
  );
  setHandler(
    contactedUpdate,
    async (_request) => {
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
    { validator: ({ repId }) => assignedTo(repId, 'mark contacted') },
  );
  setHandler(
    reassignUpdate,
    async (request) => {
      const before = decisions;
      reassign = request;
      // Answer with the new decision: wait for the loop to make it.
      await condition(() => decisions > before || close !== undefined);
      return {
        attempt: status.assignment?.attempt ?? 0,
        repId: status.stage === 'assigned' ? status.assignment!.repId : null,
      };
    },
    {
      validator: (_request) => {
        if (close || CLOSED.has(status.stage))
          throw ApplicationFailure.create({
            type: 'LeadClosed',
            message: `lead is ${close?.reason ?? status.stage}: it cannot be reassigned`,
          });
        if (status.stage === 'contacted')
          throw ApplicationFailure.create({ type: 'AlreadyContacted', message: 'the rep has already made contact' });
      },
    },
  );

  const score = async (): Promise<void> => {
    status.temperature = classifyTemperature(status.signals);
    status.revision += 1;
    if (status.stage === 'new') status.stage = 'scored';
    await lead.recordLeadTemperature({
      leadId: input.leadId,
      stage: status.stage,
      revision: status.revision,
      ...status.temperature,
    });
    publish(status, input);
  };

  if (!carried) {
    // One activity assesses and stores everything intake knows: fewer round trips before routing.
    const assessed = await routing.assessLead({ leadId: input.leadId, at: nowIso(), signals: status.signals });
    property = { ...property, ...assessed.property };
    language = assessed.language;
    preferredRepId = assessed.vip.preferredRepId;
    status.prediction = assessed.prediction;
    status.vip = { isVip: assessed.vip.isVip, reasons: assessed.vip.reasons };
    status.temperature = assessed.temperature;
    status.revision = 1;
    status.stage = 'scored';
    publish(status, input);
  }

  // The next routing attempt is due now (a new or carried lead that is not with a rep).
  let routeNow =
    !CLOSED.has(status.stage) &&
    status.stage !== 'contacted' &&
    status.stage !== 'escalated' &&
    status.stage !== 'assigned';
  let retryAt: number | undefined = status.stage === 'waiting_for_rep' ? Date.now() : undefined;

  const route = async (forcedRepId?: string, excludeRepIds: string[] = []): Promise<void> => {
    // Every decision gets a new number, found or not: the assignment activity answers a repeated
    // number with the decision it made before (idempotency), so a retry must not reuse one.
    const attempt = (status.routingAttempts ?? status.assignment?.attempt ?? 0) + 1;
    status.routingAttempts = attempt;
    const minutes = slaMinutesFor(policy, status.temperature?.temperature ?? 'COLD', status.vip?.isVip ?? false);
    const at = new Date();
    const slaDeadline = new Date(at.getTime() + minutes * 60_000).toISOString();
    const result = await routing.assignLeadToRep({
      leadId: input.leadId,
      attempt,
      at: at.toISOString(),
      slaDeadline,
      workflowId,
      isVip: status.vip?.isVip ?? false,
      lead: {
        city: input.city,
        needs: neededSkills(property),
        language,
        isVip: status.vip?.isVip ?? false,
        preferredRepId: forcedRepId ?? preferredRepId,
        excludeRepIds,
      },
    });
    decisions += 1;
    if (result.outcome === 'assigned') {
      status.assignment = { attempt, repId: result.repId!, repName: result.repName!, slaDeadline };
      status.stage = 'assigned';
      status.note = result.reason;
      retryAt = undefined;
      if (status.vip?.isVip) {
        await routing.notifyPeople({
          key: `${workflowId}:vip-cc:${attempt}`,
          recipient: result.managerId ? `rep:${result.managerId}` : 'ops',
          kind: 'vip_lead_cc',
          leadId: input.leadId,
          payload: { repId: result.repId, reasons: status.vip.reasons, slaDeadline },
        });
      }
    } else {
      const first = status.stage !== 'waiting_for_rep';
      status.stage = 'waiting_for_rep';
      status.note = `no rep available; looking again every ${policy.retrySeconds} s`;
      retryAt = Date.now() + policy.retrySeconds * 1000;
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
  };

  const endCurrent = async (reason: string): Promise<void> => {
    if (status.assignment && status.stage !== 'waiting_for_rep') {
      await routing.endLeadAssignment({ leadId: input.leadId, attempt: status.assignment.attempt, reason });
    }
  };

  try {
    return await loop();
  } catch (err) {
    // Cancelled by ops: the rep's capacity is freed before the workflow ends.
    if (isCancellation(err)) await CancellationScope.nonCancellable(() => endCurrent('cancelled'));
    throw err;
  }

  async function loop(): Promise<LeadStatus> {
    for (;;) {
      if (routeNow && !close) {
        routeNow = false;
        const forced = reassign?.repId;
        // An ops move without a named rep goes to someone else than the holder.
        const away =
          reassign && !forced && status.assignment && status.stage !== 'waiting_for_rep'
            ? [status.assignment.repId]
            : [];
        reassign = undefined;
        await route(forced, away);
      }
      const waitingForContact = status.stage === 'assigned' && status.assignment && !status.assignment.contactedAt;
      const deadline = waitingForContact
        ? Date.parse(status.assignment!.slaDeadline)
        : status.stage === 'waiting_for_rep'
          ? retryAt
          : undefined;
      const woke = await condition(
        () =>
          pendingSignals !== undefined ||
          close !== undefined ||
          reassign !== undefined ||
          unavailableRep !== undefined ||
          (capacityFreed && status.stage === 'waiting_for_rep') ||
          (waitingForContact === true && status.assignment?.contactedAt !== undefined) ||
          workflowInfo().continueAsNewSuggested,
        deadline === undefined ? undefined : Math.max(0, deadline - Date.now()),
      );

      if (close) {
        await endCurrent('closed');
        await stopFollowUp(status, `lead ${close.reason}`);
        status.stage = close.reason;
        await lead.recordLeadStage({ leadId: input.leadId, stage: close.reason, dealValue: close.dealValue });
        publish(status, input);
        await condition(allHandlersFinished);
        return status;
      }
      if (pendingSignals) {
        status.signals = { ...status.signals, ...pendingSignals };
        pendingSignals = undefined;
        await score();
      }
      if (status.stage === 'contacted' && waitingForContact) {
        await lead.recordLeadStage({ leadId: input.leadId, stage: 'contacted' });
        await startFollowUp(status, 'first contact made');
        publish(status, input);
        continue;
      }
      if (reassign) {
        await endCurrent('reassigned');
        routeNow = true;
        continue;
      }
      if (unavailableRep) {
        unavailableRep = undefined;
        await endCurrent('unavailable');
        status.note = 'the rep became unavailable: routed again';
        routeNow = true;
        continue;
      }
      if (!woke && waitingForContact) {
        await breach();
        continue;
      }
      if (status.stage === 'waiting_for_rep' && (!woke || capacityFreed)) {
        capacityFreed = false;
        routeNow = true;
        continue;
      }
      capacityFreed = false;
      if (workflowInfo().continueAsNewSuggested && pendingSignals === undefined && !routeNow) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof routedLeadIntake>(input, status);
      }
    }
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
    if (status.breaches >= policy.maxBreaches) {
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
    } else {
      routeNow = true;
    }
  }
}
