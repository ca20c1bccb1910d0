// Plausible, valid records for each model (models/README.md): a strong lead and a weak one, a
// wealthy customer and a modest one, a customer at risk of leaving and a loyal one.
import type { ChurnFeatures, CustomerValueFeatures, LeadFeatures } from '../../activities/ml/schemas';

export const validLead: LeadFeatures = {
  leadSource: 'insurance_agent',
  propertyValue: 540_000,
  roofAge: 24,
  damageSeverity: 'severe',
  insuranceClaim: true,
  contactQuality: 8,
  responseTimeMinutes: 2,
  zip: '48009',
  season: 'spring',
  previousInteraction: true,
};

/** Found by direct mail, no damage to speak of, unreachable for three days: a lead to nurture. */
export const weakLead: LeadFeatures = {
  leadSource: 'direct_mail',
  propertyValue: 150_000,
  roofAge: 3,
  damageSeverity: 'minor',
  insuranceClaim: false,
  contactQuality: 1,
  responseTimeMinutes: 4320,
  zip: '48235',
  season: 'winter',
  previousInteraction: false,
};

export const validCustomer: CustomerValueFeatures = {
  propertyValue: 820_000,
  squareFeet: 4200,
  propertyType: 'single_family',
  incomeEstimate: 310_000,
  householdSize: 4,
  roofAge: 21,
  previousRepairs: 2,
  claimsCount: 1,
  avgClaimValue: 38_000,
  neighborhoodAvgProjectValue: 47_000,
  neighborhoodUpgradeRate: 0.3,
  season: 'spring',
  weatherEvents12m: 3,
};

export const modestCustomer: CustomerValueFeatures = {
  propertyValue: 240_000,
  squareFeet: 1500,
  propertyType: 'single_family',
  incomeEstimate: 68_000,
  householdSize: 3,
  roofAge: 18,
  previousRepairs: 1,
  claimsCount: 0,
  avgClaimValue: 0,
  neighborhoodAvgProjectValue: 16_000,
  neighborhoodUpgradeRate: 0.1,
  season: 'fall',
  weatherEvents12m: 1,
};

export const atRiskCustomer: ChurnFeatures = {
  engagementDrop: 0.7,
  sentiment: -0.6,
  competitorActivity: true,
  paymentDelayDays: 40,
  responseRateDecline: 0.6,
  emailOpenRate: 0.05,
  callPickupRate: 0.1,
  satisfactionTrend: -0.7,
  daysSinceLastContact: 120,
  isVip: false,
};

export const loyalCustomer: ChurnFeatures = {
  engagementDrop: 0,
  sentiment: 0.8,
  competitorActivity: false,
  paymentDelayDays: 0,
  responseRateDecline: 0,
  emailOpenRate: 0.7,
  callPickupRate: 0.8,
  satisfactionTrend: 0.6,
  daysSinceLastContact: 7,
  isVip: true,
};
