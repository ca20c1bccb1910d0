// What the outside world tells a lead's follow-up cadence.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CadenceStatus } from './types';

export const cadenceStatusQuery = defineQuery<CadenceStatus>('status');
/** Engagement the messaging webhooks do not see: website visits, answered calls, booking requests, overwhelm. */
export const cadenceEngagementSignal = defineSignal<[{ kind: 'website_visit' | 'call_answered' | 'appointment_requested' | 'overwhelmed' }]>('engagement');
/** Won, lost, or handed over: the cadence ends. */
export const stopCadenceSignal = defineSignal<[{ reason: string }]>('stop');
export const pauseCadenceSignal = defineSignal('pause');
export const resumeCadenceSignal = defineSignal('resume');
