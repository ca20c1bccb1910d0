// Raw records the models accept (models/README.md): validated here, so bad input never reaches a
// model — a 422 naming the field at the API, a non-retryable failure in an activity.
import { z } from '../../config/zod';
import { LEAD_SOURCES } from '../../workflows/lead-intake/rules/lead';

export const SEASONS = ['winter', 'spring', 'summer', 'fall'] as const;
export const DAMAGE_SEVERITIES = ['minor', 'moderate', 'severe'] as const;
export const PROPERTY_TYPES = ['single_family', 'townhouse', 'multi_family', 'commercial'] as const;
export const NEXT_BEST_ACTIONS = [
  'call_now',
  'send_sms',
  'send_email',
  'schedule_inspection',
  'send_proposal',
  'nurture',
] as const;
export type NextBestAction = (typeof NEXT_BEST_ACTIONS)[number];

const range = (min: number, max: number) => z.number().min(min).max(max);
const int = (min: number, max: number) => z.number().int().min(min).max(max);

/** The roadmap's 10 NBA features (4.1 A). */
export const leadFeaturesSchema = z.strictObject({
  leadSource: z.enum(LEAD_SOURCES),
  propertyValue: range(0, 100_000_000),
  roofAge: int(0, 50),
  damageSeverity: z.enum(DAMAGE_SEVERITIES),
  insuranceClaim: z.boolean(),
  contactQuality: range(0, 10),
  responseTimeMinutes: range(0, 525_600),
  zip: z.string().regex(/^\d{5}(-\d{4})?$/, 'ZIP code: 12345 or 12345-6789'),
  season: z.enum(SEASONS),
  previousInteraction: z.boolean(),
});
export type LeadFeatures = z.infer<typeof leadFeaturesSchema>;

/** CLV features (4.1 B). */
export const customerValueFeaturesSchema = z.strictObject({
  propertyValue: range(0, 100_000_000),
  squareFeet: range(300, 20_000),
  propertyType: z.enum(PROPERTY_TYPES),
  incomeEstimate: range(0, 10_000_000),
  householdSize: int(1, 20),
  roofAge: int(0, 50),
  previousRepairs: int(0, 50),
  claimsCount: int(0, 20),
  avgClaimValue: range(0, 1_000_000),
  neighborhoodAvgProjectValue: range(0, 1_000_000),
  neighborhoodUpgradeRate: range(0, 1),
  season: z.enum(SEASONS),
  weatherEvents12m: int(0, 50),
});
export type CustomerValueFeatures = z.infer<typeof customerValueFeaturesSchema>;

/** Churn indicators (4.1 C). */
export const churnFeaturesSchema = z.strictObject({
  engagementDrop: range(0, 1),
  sentiment: range(-1, 1),
  competitorActivity: z.boolean(),
  paymentDelayDays: range(0, 365),
  responseRateDecline: range(0, 1),
  emailOpenRate: range(0, 1),
  callPickupRate: range(0, 1),
  satisfactionTrend: range(-1, 1),
  daysSinceLastContact: range(0, 3650),
  isVip: z.boolean(),
});
export type ChurnFeatures = z.infer<typeof churnFeaturesSchema>;
