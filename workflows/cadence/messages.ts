// What the outside world tells a lead's follow-up cadence.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CadenceStatus } from './types';

export const cadenceStatusQuery = defineQuery<CadenceStatus>('status');
export const ENGAGEMENT_KINDS = ['website_visit', 'call_answered', 'appointment_requested', 'overwhelmed'] as const;
/**
 * Engagement the messaging webhooks do not see: website visits, answered calls, booking requests,
 * overwhelm. `ref`: the request's own id — delivery is at least once, and a repeat is counted once.
 */
export const cadenceEngagementSignal =
  defineSignal<[{ kind: (typeof ENGAGEMENT_KINDS)[number]; ref?: string }]>('engagement');
/** Won, lost, or handed over: the cadence ends. */
export const stopCadenceSignal = defineSignal<[{ reason: string }]>('stop');
/** Ops pause; `hold`: the scope of the Postgres hold behind it (lead, rep, definition), checked again daily. */
export const pauseCadenceSignal = defineSignal<[{ reason?: string; hold?: string }?]>('pause');
export const resumeCadenceSignal = defineSignal('resume');
/** Someone else at the same household replied: this cadence hands over too. */
export const householdReplySignal = defineSignal<[{ fromContactId: string }]>('householdReply');
