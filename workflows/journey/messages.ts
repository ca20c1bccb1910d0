// What the outside world tells a customer's journey, and what it answers.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { LifecycleEvent } from './rules/lifecycle';
import type { JourneyStatus, ResponseKind } from './types';

export const journeyStatusQuery = defineQuery<JourneyStatus>('status');
/**
 * A lifecycle event the CRM recorded (POST /deals/:id/events). Delivery is at least once: the
 * journey ignores an eventId it has already seen.
 */
export const lifecycleEventSignal =
  defineSignal<
    [{ eventId: string; event: LifecycleEvent; occurredAt: string; dealId?: string; details?: Record<string, unknown> }]
  >('lifecycleEvent');
/** A returning customer's new enquiry: recorded on the journey (its own lead intake handles it). */
export const newLeadSignal = defineSignal<[{ leadId: string }]>('newLead');
/** The customer was deleted: the journey ends. */
export const endJourneySignal = defineSignal<[{ reason: string }]>('endJourney');
/**
 * The customer answered us outside the lifecycle events: a reply, a call, a booking (issue 22 item
 * 15) — it cancels the prospect's "no response" call. `ref`: the request's own id (recorded once).
 * A reply to one of the journey's own messages arrives as its message event instead.
 */
export const customerRespondedSignal = defineSignal<[{ kind: ResponseKind; ref: string }]>('customerResponded');
