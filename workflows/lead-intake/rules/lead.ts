// The lead's vocabulary (roadmap 4.1 D, 4.4): sources, temperatures, stages, engagement signals and
// property facts. Pure data that every layer may import: the workflow, its activities, the database
// layer, the API schemas and the config.

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
/** The stages a lead never leaves: nothing can change a closed lead. */
export const CLOSED_STAGES = ['won', 'lost', 'duplicate'] as const satisfies readonly LeadStage[];
export type LeadCloseReason = (typeof CLOSED_STAGES)[number];
export const isClosedStage = (stage: string): stage is LeadCloseReason =>
  (CLOSED_STAGES as readonly string[]).includes(stage);

/**
 * What kind of line a contact's phone number is, as far as its numbering plan tells (Google's
 * libphonenumber metadata): US and Canadian plans do not separate landlines from mobiles
 * (`fixed_line_or_mobile`); `unknown` for anything else (premium rate, pager, shared cost…).
 */
export const PHONE_LINE_TYPES = [
  'mobile',
  'fixed_line',
  'fixed_line_or_mobile',
  'voip',
  'toll_free',
  'unknown',
] as const;
export type PhoneLineType = (typeof PHONE_LINE_TYPES)[number];

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

export interface TemperatureResult {
  temperature: Temperature;
  score: number;
  reasons: string[];
}
