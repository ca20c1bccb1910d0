// The lead's vocabulary, shared by the workflow, its activities and the API schemas.
// Pure data: safe to import from workflow code.

export const LEAD_SOURCES = [
  'website',
  'google_ads',
  'facebook_ads',
  'phone_call',
  'chatbot',
  'voice_ai',
  'referral',
  'previous_customer',
  'insurance_agent',
  'realtor',
  'property_manager',
  'storm_canvass',
  'nextdoor',
  'direct_mail',
  'other',
] as const;
export type LeadSource = (typeof LEAD_SOURCES)[number];

export const TEMPERATURES = ['HOT', 'WARM', 'COLD'] as const;
export type Temperature = (typeof TEMPERATURES)[number];

/**
 * Where a lead is in its life; `Stage` search attribute and `leads.stage` column. `scored` is where
 * leads started before routing existed stay; routed leads go waiting_for_rep → assigned →
 * contacted (handed to follow-up), or escalated to the ops queue after repeated SLA breaches.
 */
export const LEAD_STAGES = [
  'new',
  'scored',
  'waiting_for_rep',
  'assigned',
  'escalated',
  'contacted',
  'won',
  'lost',
  'duplicate',
] as const;
export type LeadStage = (typeof LEAD_STAGES)[number];
export type LeadCloseReason = Extract<LeadStage, 'won' | 'lost' | 'duplicate'>;

/** Engagement signals of roadmap 4.1 D; each is optional because a new lead knows few of them. */
export interface EngagementSignals {
  /** Minutes the lead took to answer our last outreach. */
  responseTimeMinutes?: number;
  /** 0..10, rated at intake (a model feature; not part of the temperature rules). */
  contactQuality?: number;
  /** 0..1 */
  emailOpenRate?: number;
  websiteVisits48h?: number;
  budget?: 'confirmed' | 'discussed' | 'unclear';
  intent?: 'requested_appointment' | 'requested_quote' | 'engaged' | 'limited';
}

/** Property facts from the roadmap's NBA feature list (4.1 A), as far as intake knows them. */
export interface PropertyFacts {
  propertyValue?: number;
  roofAge?: number;
  damageSeverity?: 'minor' | 'moderate' | 'severe';
  insuranceClaim?: boolean;
  insuranceClaimValue?: number;
  previousInteraction?: boolean;
}

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

export interface TemperatureResult {
  temperature: Temperature;
  score: number;
  reasons: string[];
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
  };
  breaches?: number;
  /** Routing decisions made so far; each has its own number (an assignment takes the number of its decision). */
  routingAttempts?: number;
  /** Why the lead is waiting or escalated, for ops. */
  note?: string;
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

/** SLA and routing settings, given at start from the configuration (defaults: routing.ts). */
export interface RoutingPolicy {
  slaMinutes: { HOT: number; WARM: number; COLD: number; VIP: number };
  /** Breaches before the lead goes to the ops queue instead of the next rep. */
  maxBreaches: number;
  /** How often a lead nobody can take looks for a free rep again. */
  retrySeconds: number;
}

/** Everything intake knows about a lead, assessed and stored in one step (no personal data). */
export interface LeadAssessment {
  property: PropertyFacts & { squareFeet?: number; propertyType?: string };
  enrichment: { found: boolean; source: string };
  language?: string;
  prediction: LeadPredictionSummary;
  temperature: TemperatureResult;
  vip: { isVip: boolean; reasons: string[]; preferredRepId?: string };
}
