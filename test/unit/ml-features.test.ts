import { describe, expect, it } from 'vitest';
import {
  churnFeatureVector,
  customerValueFeatureVector,
  LEAD_FEATURE_COUNT,
  leadFeatureVector,
} from '../../activities/ml/features';
import type { LeadFeatures } from '../../activities/ml/schemas';
import { LEAD_SOURCES } from '../../workflows/lead-intake/rules/lead';

const lead: LeadFeatures = {
  leadSource: 'realtor',
  propertyValue: 650_000,
  roofAge: 18,
  damageSeverity: 'severe',
  insuranceClaim: true,
  contactQuality: 7.5,
  responseTimeMinutes: 4,
  zip: '48301-1234',
  season: 'fall',
  previousInteraction: false,
};

describe('feature vectors (models/README.md)', () => {
  it('builds the 29 lead columns in contract order', () => {
    const x = leadFeatureVector(lead);
    expect(x).toHaveLength(29);
    expect(LEAD_FEATURE_COUNT).toBe(29);
    const source = x.slice(0, LEAD_SOURCES.length);
    expect(source.indexOf(1)).toBe(LEAD_SOURCES.indexOf('realtor'));
    expect(source.reduce((a, b) => a + b)).toBe(1);
    const rest = x.slice(LEAD_SOURCES.length);
    expect(rest).toEqual([6.5, 18, 0, 0, 1, 1, 7.5, Math.log1p(4), 1, 0, 0, 0, 1, 0]);
  });

  it('marks only premium-area ZIPs as premium', () => {
    const premium = (zip: string) => leadFeatureVector({ ...lead, zip })[LEAD_SOURCES.length + 8];
    expect(premium('48230')).toBe(1);
    expect(premium('48083')).toBe(0);
  });

  it('builds 19 CLV columns and 10 churn columns', () => {
    expect(
      customerValueFeatureVector({
        propertyValue: 400_000,
        squareFeet: 2400,
        propertyType: 'townhouse',
        incomeEstimate: 150_000,
        householdSize: 3,
        roofAge: 12,
        previousRepairs: 1,
        claimsCount: 0,
        avgClaimValue: 0,
        neighborhoodAvgProjectValue: 30_000,
        neighborhoodUpgradeRate: 0.2,
        season: 'spring',
        weatherEvents12m: 2,
      }),
    ).toEqual([4, 2.4, 0, 1, 0, 0, 15, 3, 12, 1, 0, 0, 3, 0.2, 0, 1, 0, 0, 2]);
    expect(
      churnFeatureVector({
        engagementDrop: 0.5,
        sentiment: -0.2,
        competitorActivity: true,
        paymentDelayDays: 12,
        responseRateDecline: 0.3,
        emailOpenRate: 0.1,
        callPickupRate: 0.4,
        satisfactionTrend: -0.5,
        daysSinceLastContact: 40,
        isVip: false,
      }),
    ).toEqual([0.5, -0.2, 1, 12, 0.3, 0.1, 0.4, -0.5, 40, 0]);
  });
});
