// What the outside world can ask of or tell a lead's workflow.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { EngagementSignals, LeadCloseReason, LeadStatus } from './types';

export const statusQuery = defineQuery<LeadStatus>('status');
/** New engagement facts (opens, visits, a reply…): merged in and the temperature recalculated. */
export const engagementSignal = defineSignal<[EngagementSignals]>('engagement');
export const closeLeadSignal = defineSignal<[{ reason: LeadCloseReason }]>('closeLead');
