// A plausible, valid record for each model (models/README.md).
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
