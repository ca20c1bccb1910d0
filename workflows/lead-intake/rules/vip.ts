// VIP fast-track triggers (roadmap 4.4 C). Pure: the workflow decides, activities act on it.
import type { LeadSource } from './lead';

export const PREMIUM_CITIES = ['Bloomfield Hills', 'Birmingham', 'Grosse Pointe'] as const;
export const PARTNER_SOURCES: readonly LeadSource[] = ['insurance_agent', 'realtor', 'property_manager'];
export const VIP_THRESHOLDS = { propertyValue: 500_000, insuranceClaimValue: 40_000, previousLtv: 30_000 } as const;

export type VipTrigger = 'ultra_premium_property' | 'partner_referral' | 'high_value_claim' | 'previous_customer';
export type VipAction =
  'assign_to_top_performer' | 'skip_qualification_queue' | 'notify_manager' | 'assign_to_original_rep';

/**
 * Each trigger's own action, as 4.4 C's VIP_TRIGGERS table writes it (every VIP also gets the
 * 15-minute SLA, the top 20 % and a manager CC at assignment). What each means here (docs/routing.md):
 * - assign_to_top_performer: routing's top-20 % filter (choose-rep.ts);
 * - skip_qualification_queue: first to be woken when a rep frees up (leadsWaitingForRep);
 * - notify_manager: the managers are told at assessment, before any rep is assigned (workflow.ts);
 * - assign_to_original_rep: the rep who sold them, whenever available, before the top-20 % filter.
 */
export const VIP_ACTIONS: Record<VipTrigger, VipAction> = {
  ultra_premium_property: 'assign_to_top_performer',
  partner_referral: 'skip_qualification_queue',
  high_value_claim: 'notify_manager',
  previous_customer: 'assign_to_original_rep',
};

/** The sources whose trigger (partner_referral) skips the queue of leads waiting for a rep. */
export const QUEUE_SKIPPING_SOURCES: readonly LeadSource[] = PARTNER_SOURCES;

export interface VipFacts {
  city: string;
  source: LeadSource;
  propertyValue?: number;
  insuranceClaimValue?: number;
  /** A returning customer: what they spent with us and who sold it. */
  previousCustomer?: { ltv: number; originalRepId?: string };
}

export interface VipAssessment {
  isVip: boolean;
  triggers: { trigger: VipTrigger; detail: string }[];
  /** The actions of the triggers that fired (VIP_ACTIONS), each once. */
  actions: VipAction[];
  /** A `notify_manager` trigger (high_value_claim): the managers are told at detection, not at assignment. */
  notifyManager: boolean;
  /** previous_customer: back to the rep who sold them, when available. */
  preferredRepId?: string;
}

const money = (v: number) => `$${Math.round(v).toLocaleString('en-US')}`;

export function assessVip(facts: VipFacts): VipAssessment {
  const triggers: VipAssessment['triggers'] = [];
  const premiumCity = PREMIUM_CITIES.find((c) => c.toLowerCase() === facts.city.trim().toLowerCase());
  if (premiumCity && (facts.propertyValue ?? 0) > VIP_THRESHOLDS.propertyValue) {
    triggers.push({
      trigger: 'ultra_premium_property',
      detail: `${money(facts.propertyValue!)} property in ${premiumCity}`,
    });
  }
  if (PARTNER_SOURCES.includes(facts.source))
    triggers.push({ trigger: 'partner_referral', detail: `referred by a partner (${facts.source})` });
  if ((facts.insuranceClaimValue ?? 0) > VIP_THRESHOLDS.insuranceClaimValue) {
    triggers.push({ trigger: 'high_value_claim', detail: `insurance claim ${money(facts.insuranceClaimValue!)}` });
  }
  const returning =
    facts.previousCustomer && facts.previousCustomer.ltv > VIP_THRESHOLDS.previousLtv
      ? facts.previousCustomer
      : undefined;
  if (returning)
    triggers.push({
      trigger: 'previous_customer',
      detail: `returning customer, lifetime value ${money(returning.ltv)}`,
    });
  const actions = [...new Set(triggers.map((t) => VIP_ACTIONS[t.trigger]))];
  return {
    isVip: triggers.length > 0,
    triggers,
    actions,
    notifyManager: actions.includes('notify_manager'),
    preferredRepId: returning?.originalRepId,
  };
}
