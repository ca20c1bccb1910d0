// What the lead's workflow holds between steps: the status anyone can query, and an inbox where
// signals and updates leave what happened. Handlers only record; the loop in workflow.ts reads the
// inbox and next-step.ts decides what to do about it.
import type { EngagementSignals, LeadCloseReason } from './rules/lead';
import type { LeadAssessment, LeadIntakeInput, LeadStatus } from './types';

export interface LeadInbox {
  /** Engagement facts not scored yet (later ones merged over earlier ones). */
  signals?: EngagementSignals;
  /** The first close wins. */
  close?: { reason: LeadCloseReason; dealValue?: number };
  /** An ops move the loop has not made yet. */
  reassign?: { repId?: string; reason: string };
  /** The holder became unavailable (time off) before making contact. */
  unavailableRep?: string;
  /** Some rep's capacity was freed: a lead waiting for a rep looks again. */
  capacityFreed: boolean;
}

export interface LeadState {
  status: LeadStatus;
  inbox: LeadInbox;
  /** A routing decision is due before the next wait. */
  routeNow: boolean;
  /** When a lead nobody could take looks again (ms, workflow clock). */
  retryAt?: number;
  /** Routing decisions made by this run: a reassign update answers once the next one is made. */
  decisions: number;
  /** What routing needs beyond the status, learnt at the assessment (not carried by continue-as-new). */
  routing: { property: LeadAssessment['property']; preferredRepId?: string; language?: string };
}

export function newLeadState(input: LeadIntakeInput, carried?: LeadStatus): LeadState {
  return {
    status: carried ?? { leadId: input.leadId, stage: 'new', signals: { ...input.signals }, revision: 0 },
    inbox: { capacityFreed: false },
    routeNow: false,
    decisions: 0,
    routing: { property: { ...input.property } },
  };
}
