// What the leadIntake workflow takes, shows and hands to its activities (its contract with the
// API and the worker). The lead's vocabulary and rules are in rules/.
import type { RoutingPolicy } from './rules/sla-policy';
import type { EngagementSignals, LeadSource, LeadStage, PropertyFacts, TemperatureResult } from './rules/lead';

/** The workflow's input. It holds no name, phone or email: the workflow does not need them. */
export interface LeadIntakeInput {
  leadId: string;
  source: LeadSource;
  zip: string;
  city: string;
  property: PropertyFacts;
  signals: EngagementSignals;
  /** Absent for leads started before routing existed. */
  policy?: RoutingPolicy;
}

export interface LeadStatus {
  leadId: string;
  stage: LeadStage;
  temperature?: TemperatureResult;
  signals: EngagementSignals;
  /** Increases with every temperature write; lets the DB ignore stale retries. */
  revision: number;
  /** Routing (leads started since routing exists). */
  vip?: { isVip: boolean; reasons: string[] };
  prediction?: LeadPredictionSummary;
  assignment?: {
    attempt: number;
    repId: string;
    repName: string;
    slaDeadline: string;
    acceptedAt?: string;
    contactedAt?: string;
    /** Made while nobody was on shift (on call, or the first rep on shift: the SLA from `slaStartsAt`). */
    afterHours?: { via: AfterHoursAssignment['via']; slaStartsAt: string };
  };
  /** The customer was told at once that a lead assigned after hours will be answered at the shift start. */
  acknowledged?: { status: string; channel: string };
  breaches?: number;
  /** Routing decisions made so far; each has its own number (an assignment takes the number of its decision). */
  routingAttempts?: number;
  /** Why the lead is waiting or escalated, for ops. */
  note?: string;
  /** Waiting for a rep: looks that found nobody so far, and when the next is due (sooner if a rep is freed). */
  waiting?: { looks: number; nextLookAt: string };
  /** The follow-up cadence this lead was handed to. */
  followUp?: { workflowId: string; startedBecause: string };
}

/** What the models said about the lead, as the rep sees it (4.1 A). */
export interface LeadPredictionSummary {
  conversionProbability?: number;
  nextBestAction?: { action: string; confidence: number; because: string[] };
  model?: string;
  /** Why there is no prediction (a feature the lead does not have yet). */
  missing?: string[];
  /** 3-year customer value (4.1 B) when the customer features are known, else what is missing. */
  clv?: { clv3Year: number; firstProjectValue: number; ultraPremium: boolean; model: string } | { missing: string[] };
}

/** Everything intake knows about a lead, assessed and stored in one step (no personal data). */
export interface LeadAssessment {
  property: PropertyFacts & { squareFeet?: number; propertyType?: string };
  enrichment: { found: boolean; source: string };
  language?: string;
  prediction: LeadPredictionSummary;
  temperature: TemperatureResult;
  /** notifyManager: a `notify_manager` trigger fired (absent in assessments recorded before it existed). */
  vip: { isVip: boolean; reasons: string[]; preferredRepId?: string; notifyManager?: boolean };
}

/** An assignment made while nobody was on shift, as the assignment activity answers it. */
export interface AfterHoursAssignment {
  via: 'on_call' | 'next_shift';
  /** When the SLA clock starts (ISO): now on call, the rep's shift start for the next shift. */
  slaStartsAt: string;
  /** The customer to acknowledge. */
  contactId: string;
  /** The shift start in the rep's zone, for the customer ("Tuesday 8:00 AM EST"). */
  shiftStarts: string;
}
