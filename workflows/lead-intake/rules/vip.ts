// VIP fast-track triggers (roadmap 4.4 C). Pure: the workflow decides, activities act on it.
import type { LeadSource } from './lead';

export const PREMIUM_CITIES = ['Bloomfield Hills', 'Birmingham', 'Grosse Pointe'] as const;
export const PARTNER_SOURCES: readonly LeadSource[] = ['insurance_agent', 'realtor', 'property_manager'];
export const VIP_THRESHOLDS = { propertyValue: 500_000, insuranceClaimValue: 40_000, previousLtv: 30_000 } as const;

export type VipTrigger = 'ultra_premium_property' | 'partner_referral' | 'high_value_claim' | 'previous_customer';

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
  /** high_value_claim: the manager is told at once (CC on every VIP lead anyway). */
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
  return {
    isVip: triggers.length > 0,
    triggers,
    notifyManager: triggers.length > 0,
    preferredRepId: returning?.originalRepId,
  };
}
