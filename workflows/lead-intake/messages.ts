// What the outside world can ask of or tell a lead's workflow.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { LeadStatus } from './types';
import type { EngagementSignals, LeadCloseReason } from './rules/lead';

export const statusQuery = defineQuery<LeadStatus>('status');
/** New engagement facts (opens, visits, a reply…): merged in and the temperature recalculated. */
export const engagementSignal = defineSignal<[EngagementSignals]>('engagement');
export const closeLeadSignal = defineSignal<[{ reason: LeadCloseReason; dealValue?: number }]>('closeLead');

/** The assigned rep takes the lead. Rejected (nothing changes) for anyone else or a closed lead. */
export const acceptLeadUpdate = defineUpdate<{ attempt: number; acceptedAt: string }, [{ repId: string }]>('accept');
/** The assigned rep made first contact: the SLA is met and the lead goes on to follow-up. */
export const contactedUpdate = defineUpdate<{ attempt: number; contactedAt: string }, [{ repId: string }]>('contacted');
/** Ops moves the lead: to `repId` when available, else to the best available rep. */
export const reassignUpdate = defineUpdate<
  { attempt: number; repId: string | null },
  [{ repId?: string; reason: string }]
>('reassign');
/** A rep became unavailable (time off added): their un-contacted lead goes to someone else now. */
export const repUnavailableSignal = defineSignal<[{ repId: string }]>('repUnavailable');
/** A rep's capacity was freed: a lead waiting for a rep looks again now instead of at its next retry. */
export const capacityFreedSignal = defineSignal('capacityFreed');
