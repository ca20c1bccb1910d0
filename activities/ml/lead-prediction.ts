// A CRM lead as the models see it (roadmap 4.1 A-B): the raw records built from what intake knows,
// and the summary the rep reads — the prediction, or the features the lead still lacks.
import type { Lead } from '../../db/schema';
import type { PropertyFacts } from '../../workflows/lead-intake/rules/lead';
import type { LeadPredictionSummary } from '../../workflows/lead-intake/types';
import type { ModelStore } from './model-store';
import { predictCustomerValue, predictLeads } from './predict';
import { customerValueFeaturesSchema, leadFeaturesSchema, type SEASONS } from './schemas';

/** Meteorological season of the month the lead came in (the `season` feature). */
export function seasonOf(date: Date): (typeof SEASONS)[number] {
  const m = date.getUTCMonth();
  return m === 11 || m <= 1 ? 'winter' : m <= 4 ? 'spring' : m <= 7 ? 'summer' : 'fall';
}

/** The models' view of a lead, or the features it still lacks. */
export async function predictionFor(
  lead: Lead,
  property: PropertyFacts,
  store: ModelStore,
): Promise<LeadPredictionSummary> {
  const signals = lead.signals as Record<string, unknown>;
  const features = leadFeaturesSchema.safeParse({
    leadSource: lead.source,
    propertyValue: property.propertyValue,
    roofAge: property.roofAge,
    damageSeverity: property.damageSeverity,
    insuranceClaim: property.insuranceClaim ?? false,
    contactQuality: signals.contactQuality,
    responseTimeMinutes: signals.responseTimeMinutes,
    zip: lead.zip,
    season: seasonOf(lead.created_at),
    previousInteraction: property.previousInteraction ?? false,
  });
  const clv = await customerValueFor(lead, { ...property }, store);
  if (!features.success) return { missing: [...new Set(features.error.issues.map((i) => String(i.path[0])))], clv };
  const [p] = await predictLeads(store, [features.data]);
  return {
    clv,
    conversionProbability: Math.round(p!.conversion.probability * 1000) / 1000,
    nextBestAction: {
      action: p!.nextBestAction.action,
      confidence: Math.round(p!.nextBestAction.confidence * 1000) / 1000,
      because: p!.nextBestAction.topFeatures.map(
        (f) => `${f.feature} ${f.contribution > 0 ? '+' : ''}${f.contribution}`,
      ),
    },
    model: `${p!.conversion.model} ${p!.conversion.version}, ${p!.nextBestAction.model} ${p!.nextBestAction.version}`,
  };
}

/**
 * CLV needs household and neighbourhood facts intake rarely has (income, household size, claims
 * history…): scored when the lead's property facts carry them, otherwise the missing ones are named.
 */
async function customerValueFor(
  lead: Lead,
  property: Record<string, unknown>,
  store: ModelStore,
): Promise<NonNullable<LeadPredictionSummary['clv']>> {
  const features = customerValueFeaturesSchema.safeParse({
    ...pick(property, Object.keys(customerValueFeaturesSchema.shape)),
    season: seasonOf(lead.created_at),
  });
  if (!features.success) return { missing: [...new Set(features.error.issues.map((i) => String(i.path[0])))] };
  const [v] = await predictCustomerValue(store, [features.data]);
  return {
    clv3Year: Math.round(v!.clv3Year),
    firstProjectValue: Math.round(v!.firstProjectValue),
    ultraPremium: v!.ultraPremium,
    model: `${v!.model} ${v!.version}`,
  };
}

const pick = (o: Record<string, unknown>, keys: string[]) =>
  Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
