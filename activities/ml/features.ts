// Raw record → feature vector, column for column as models/training/features.py builds it
// (contract: models/README.md). Scaling lives inside the ONNX graphs, so nothing is scaled here.
import premiumZips from '../../models/premium-zips.json';
import { LEAD_SOURCES } from '../../workflows/lead-intake/rules/lead';
import {
  DAMAGE_SEVERITIES,
  PROPERTY_TYPES,
  SEASONS,
  type ChurnFeatures,
  type CustomerValueFeatures,
  type LeadFeatures,
} from './schemas';

const PREMIUM_ZIPS = new Set(Object.values(premiumZips.areas).flat());
const oneHot = <T extends string>(values: readonly T[], value: T): number[] => values.map((v) => (v === value ? 1 : 0));
const flag = (b: boolean): number => (b ? 1 : 0);

export const LEAD_FEATURE_COUNT =
  LEAD_SOURCES.length + 1 + 1 + DAMAGE_SEVERITIES.length + 1 + 1 + 1 + 1 + SEASONS.length + 1;

export function leadFeatureVector(r: LeadFeatures): number[] {
  return [
    ...oneHot(LEAD_SOURCES, r.leadSource),
    r.propertyValue / 100_000,
    r.roofAge,
    ...oneHot(DAMAGE_SEVERITIES, r.damageSeverity),
    flag(r.insuranceClaim),
    r.contactQuality,
    Math.log1p(r.responseTimeMinutes),
    flag(PREMIUM_ZIPS.has(r.zip.slice(0, 5))),
    ...oneHot(SEASONS, r.season),
    flag(r.previousInteraction),
  ];
}

export function customerValueFeatureVector(r: CustomerValueFeatures): number[] {
  return [
    r.propertyValue / 100_000,
    r.squareFeet / 1000,
    ...oneHot(PROPERTY_TYPES, r.propertyType),
    r.incomeEstimate / 10_000,
    r.householdSize,
    r.roofAge,
    r.previousRepairs,
    r.claimsCount,
    r.avgClaimValue / 10_000,
    r.neighborhoodAvgProjectValue / 10_000,
    r.neighborhoodUpgradeRate,
    ...oneHot(SEASONS, r.season),
    r.weatherEvents12m,
  ];
}

export function churnFeatureVector(r: ChurnFeatures): number[] {
  return [
    r.engagementDrop,
    r.sentiment,
    flag(r.competitorActivity),
    r.paymentDelayDays,
    r.responseRateDecline,
    r.emailOpenRate,
    r.callPickupRate,
    r.satisfactionTrend,
    r.daysSinceLastContact,
    flag(r.isVip),
  ];
}
