// An in-memory CRM behind the lead workflow's activities, for workflow tests: it routes to the first
// rep not excluded (breached, unavailable) unless told nobody is free (or nobody until a time, which
// it tells the workflow as the reps' next availability), and records every write. A test may hold
// the rep's writes (accept, contacted) to keep an update in flight.
import { classifyTemperature } from '../../workflows/lead-intake/rules/temperature';
import type { LeadAssessment } from '../../workflows/lead-intake/types';
import type { EngagementSignals, LeadSource } from '../../workflows/lead-intake/rules/lead';
import { assessVip, type VipFacts } from '../../workflows/lead-intake/rules/vip';

export const REPS = [
  { id: 'rep-ann', name: 'Ann', managerId: 'mgr-pat' },
  { id: 'rep-ben', name: 'Ben', managerId: 'mgr-pat' },
  { id: 'rep-cy', name: 'Cy', managerId: null },
  { id: 'rep-dee', name: 'Dee', managerId: null },
];

/** An in-memory CRM: routes to the first rep not excluded (breached, unavailable), unless told none is free. */
export function fakeCrm(
  opts: {
    lead?: {
      source?: LeadSource;
      city?: string;
      propertyValue?: number;
      insuranceClaimValue?: number;
      previousCustomer?: VipFacts['previousCustomer'];
    };
  } = {},
) {
  const world = {
    repsFree: true,
    /** When set, nobody is free before this instant (ms, workflow clock): a rep off until then. */
    repsFreeFrom: undefined as number | undefined,
    /**
     * Night: nobody is on shift before this instant (ms). A lead started before after-hours routing
     * (no `afterHours` in the request) finds nobody; one since goes to `onCall` when set, else to the
     * first rep, its SLA from this instant (the shift start).
     */
    nightUntil: undefined as number | undefined,
    onCall: undefined as string | undefined,
    /** While set, the rep's writes (accept, contacted) wait for it: an update stays in flight. */
    marksHeld: undefined as Promise<void> | undefined,
    routingAttempts: 0,
    decisions: new Map<number, unknown>(),
    assignments: [] as { attempt: number; repId: string; slaDeadline: string; at: string; preferredRepId?: string }[],
    ended: [] as { attempt: number; reason: string }[],
    stages: [] as string[],
    temperatures: [] as { temperature: string; revision: number }[],
    marks: [] as { attempt: number; what: string }[],
    /** beforeAssignment: sent before any routing decision was asked for. */
    notifications: [] as { key: string; recipient: string; kind: string; beforeAssignment: boolean }[],
    /** SLA deadlines brought forward (a lead turned HOT), as the activity was asked. */
    tightened: [] as { attempt: number; slaDeadline: string; key: string }[],
    assessed: [] as { leadId: string; vip: LeadAssessment['vip'] }[],
    /** Follow-up cadences the lead handed itself to (the child ends at once: not under test here). */
    handoffs: [] as { workflowId: string; leadId: string; repId?: string }[],
  };
  function decide(input: {
    leadId?: string;
    attempt: number;
    at: string;
    slaDeadline: string;
    lead: { preferredRepId?: string };
    afterHours?: { slaMinutes: number };
  }) {
    world.routingAttempts += 1;
    const night = world.nightUntil !== undefined && Date.parse(input.at) < world.nightUntil;
    if (night && input.afterHours) {
      const shiftStart = new Date(world.nightUntil!).toISOString();
      const rep = REPS.find((r) => r.id === (world.onCall ?? 'rep-ann'))!;
      const via = world.onCall ? ('on_call' as const) : ('next_shift' as const);
      const slaDeadline =
        via === 'on_call'
          ? input.slaDeadline
          : new Date(world.nightUntil! + input.afterHours.slaMinutes * 60_000).toISOString();
      world.assignments.push({ attempt: input.attempt, repId: rep.id, slaDeadline, at: input.at });
      return {
        outcome: 'assigned' as const,
        repId: rep.id,
        repName: rep.name,
        managerId: rep.managerId,
        capacityAlert: false,
        reason: 'fake after hours',
        slaDeadline,
        afterHours: {
          via,
          slaStartsAt: via === 'on_call' ? input.at : shiftStart,
          contactId: `contact-${input.leadId ?? 'lead'}`,
          shiftStarts: 'Tuesday 8:00 AM EST',
        },
      };
    }
    const skip = new Set(
      world.ended
        .filter((e) => e.reason === 'breached' || e.reason === 'unavailable')
        .map((e) => world.assignments.find((a) => a.attempt === e.attempt)!.repId),
    );
    const offUntil =
      (world.repsFreeFrom !== undefined && Date.parse(input.at) < world.repsFreeFrom) || (night && !input.afterHours);
    const rep =
      world.repsFree && !offUntil
        ? (REPS.find((r) => r.id === input.lead.preferredRepId && !skip.has(r.id)) ?? REPS.find((r) => !skip.has(r.id)))
        : undefined;
    if (!rep)
      return {
        outcome: 'no_rep_available' as const,
        repId: null,
        repName: null,
        managerId: null,
        capacityAlert: false,
        reason: 'no rep available',
        nextAvailableAt: offUntil ? new Date(world.repsFreeFrom ?? world.nightUntil!).toISOString() : undefined,
      };
    world.assignments.push({
      attempt: input.attempt,
      repId: rep.id,
      slaDeadline: input.slaDeadline,
      at: input.at,
      preferredRepId: input.lead.preferredRepId,
    });
    return {
      outcome: 'assigned' as const,
      repId: rep.id,
      repName: rep.name,
      managerId: rep.managerId,
      capacityAlert: false,
      reason: 'fake',
    };
  }
  const activities = {
    async recordLeadTemperature(input: { temperature: string; revision: number }) {
      world.temperatures.push({ temperature: input.temperature, revision: input.revision });
    },
    async recordLeadStage(input: { stage: string }) {
      world.stages.push(input.stage);
    },
    /** Assesses with the real rules (temperature, VIP) on the lead facts the test gives. */
    async assessLead(input: { leadId: string; signals: EngagementSignals }): Promise<LeadAssessment> {
      const facts = { source: 'website' as LeadSource, city: 'Troy', ...opts.lead };
      const temperature = classifyTemperature(input.signals);
      const vip = assessVip({
        city: facts.city,
        source: facts.source,
        propertyValue: facts.propertyValue,
        insuranceClaimValue: facts.insuranceClaimValue,
        previousCustomer: facts.previousCustomer,
      });
      const assessment: LeadAssessment = {
        property: { roofAge: 22, propertyValue: facts.propertyValue },
        enrichment: { found: false, source: 'fake' },
        prediction: { missing: ['contactQuality'] },
        temperature,
        vip: {
          isVip: vip.isVip,
          reasons: vip.triggers.map((t) => t.detail),
          preferredRepId: vip.preferredRepId,
          notifyManager: vip.notifyManager,
        },
      };
      world.temperatures.push({ temperature: temperature.temperature, revision: 1 });
      world.assessed.push({ leadId: input.leadId, vip: assessment.vip });
      return assessment;
    },
    /** Like the real one, a repeated attempt number gets the decision made before. */
    async assignLeadToRep(input: {
      leadId?: string;
      attempt: number;
      at: string;
      slaDeadline: string;
      lead: { preferredRepId?: string };
      afterHours?: { slaMinutes: number };
    }) {
      if (world.decisions.has(input.attempt)) return world.decisions.get(input.attempt) as ReturnType<typeof decide>;
      const decided = decide(input);
      world.decisions.set(input.attempt, decided);
      return decided;
    },
    async endLeadAssignment(input: { attempt: number; reason: string }) {
      if (!world.ended.some((e) => e.attempt === input.attempt))
        world.ended.push({ attempt: input.attempt, reason: input.reason });
    },
    async tightenLeadSla(input: { attempt: number; slaDeadline: string; key: string }) {
      if (!world.tightened.some((t) => t.key === input.key))
        world.tightened.push({ attempt: input.attempt, slaDeadline: input.slaDeadline, key: input.key });
    },
    async markLeadAssignment(input: { attempt: number; what: string }) {
      await world.marksHeld;
      world.marks.push({ attempt: input.attempt, what: input.what });
    },
    async beginCadence(input: { workflowId: string; leadId: string; repId?: string }) {
      world.handoffs.push({ workflowId: input.workflowId, leadId: input.leadId, repId: input.repId });
      return { begun: false as const, reason: 'cadences are tested on their own' };
    },
    async notifyPeople(input: { key: string; recipient: string; kind: string }) {
      if (!world.notifications.some((n) => n.key === input.key))
        world.notifications.push({
          key: input.key,
          recipient: input.recipient,
          kind: input.kind,
          beforeAssignment: world.routingAttempts === 0,
        });
    },
  };
  return { world, activities };
}
