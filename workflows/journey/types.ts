// The customer journey's vocabulary. Pure data: safe to import from workflow code.
// Times are ISO strings on the workflow's clock; no personal data (ids, stages and copy names only).
import type { Channel } from '../../activities/messaging/contract';
import type { LifecycleEvent, LifecycleStage } from './rules/lifecycle';

export interface JourneyInput {
  /** The contact id: one journey per customer (`journey-<customerId>`). */
  customerId: string;
  /** The lead that started the journey. */
  leadId: string;
}

/** Every touchpoint of the five stages (roadmap 7.1 C, JOURNEY_STAGES). */
export type TouchpointName =
  // 1 lead: the welcome sequence
  | 'welcome_email'
  | 'inspection_sms'
  | 'educational_email'
  | 'sales_call'
  // 2 prospect: quote follow-up
  | 'quote_ready_email'
  | 'quote_questions_sms'
  | 'quote_no_response_call'
  | 'competitor_email'
  // 3 customer: project updates
  | 'project_starting_email'
  | 'crew_arrived_sms'
  | 'final_walkthrough_call'
  // 4 post-project: review asks
  | 'review_email'
  | 'review_sms'
  | 'review_call'
  // 5 advocate: referral programme
  | 'referral_email'
  | 'vip_postcard'
  | 'loyalty_gift_email';

export type GoalState = 'open' | 'met' | 'missed';

export interface GoalStatus {
  goal: string;
  state: GoalState;
  /** The deadline, when the goal has one. */
  by?: string;
  /** When it was met or missed. */
  at?: string;
  /** The event that met it. */
  metBy?: LifecycleEvent;
}

export interface SeenEvent {
  eventId: string;
  event: LifecycleEvent;
  occurredAt: string;
  /** When the journey heard of it: delays count from here. */
  receivedAt: string;
  dealId?: string;
  /** What it did: moved the stage, or recorded only (and why). */
  effect: string;
}

export interface PlannedTouchpoint {
  /** `<stage>:<name>`, plus `:<n>` for the n-th of a repeating one: the idempotency key's tail. */
  key: string;
  stage: LifecycleStage;
  name: TouchpointName;
  channel: Channel;
  dueAt: string;
  /** The n-th quarter or year of a repeating touchpoint. */
  repeat?: number;
}

export interface TouchpointRecord {
  key: string;
  stage: LifecycleStage;
  name: TouchpointName;
  channel: Channel;
  outcome: 'sent' | 'skipped';
  at: string;
  reason?: string;
  messageId?: string;
}

/** What shows the customer answered us (issue 22 item 15): not a lifecycle event, but it cancels "no response" touches. */
export type ResponseKind = 'reply' | 'call' | 'booking';
export interface CustomerResponse {
  kind: ResponseKind;
  /** The message event or request behind it: a redelivery is recorded once. */
  ref: string;
  /** When the journey heard of it. */
  at: string;
}

export interface JourneyStatus {
  customerId: string;
  leadId: string;
  startedAt: string;
  stage: LifecycleStage;
  /** When each stage reached began (a stage jumped over has none). */
  stageStartedAt: Partial<Record<LifecycleStage, string>>;
  /** What moved the journey into each stage: an event, or the end of the review sequence. */
  stageCause: Partial<Record<LifecycleStage, string>>;
  /** Lifecycle events seen, oldest first (the last KEPT.events). */
  events: SeenEvent[];
  /** A returning customer's later enquiries (the last KEPT.leads). */
  leads: { leadId: string; at: string }[];
  /** Touchpoints planned and not yet decided, earliest first. */
  pending: PlannedTouchpoint[];
  /** The touchpoint being sent right now (a gateway deferral may hold it for hours). */
  sending?: PlannedTouchpoint & { deferredUntil?: string };
  /** Touchpoints sent or skipped, oldest first (the last KEPT.touchpoints). */
  touchpoints: TouchpointRecord[];
  /** The goal of each stage reached or jumped over. */
  goals: Partial<Record<LifecycleStage, GoalStatus>>;
  /** The customer stage's goal ("5-star satisfaction, zero issues"): reported by a later issue; until then undefined and the goal open. */
  satisfaction?: { rating: number; issues: number; reportedAt: string };
  /** The next touchpoint due. */
  next?: PlannedTouchpoint;
  /** Replies, calls and bookings the journey heard of (the last KEPT.responses). */
  responses?: CustomerResponse[];
  /**
   * Issue 22's response rule applies: opening the quote is not a response, a reply / call / booking /
   * contract after the quote is. Unset in journeys recorded before it (the open cancelled the call).
   */
  openIsNotResponse?: true;
  /** How many records were dropped to keep the carried state bounded. */
  trimmed: { events: number; touchpoints: number; leads: number };
  /** Runs before this one (continue-as-new). */
  continuedAsNew: number;
  ended?: string;
}
