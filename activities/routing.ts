// Routing activities (roadmap 4.1 D, 4.4): prepare a lead (property data, returning customer,
// model scores), assign it (serialised, audited), and tell people. Each is idempotent on the lead
// and attempt: a retry finds what the first call wrote.
import { ApplicationFailure, log } from '@temporalio/activity';
import type { Kysely } from 'kysely';
import { assignLead, endAssignment, managerOf, markAssignment, notify, type AssignmentResult } from '../db/repositories/assignments';
import { findLeadWithContact, previousCustomerOf, saveLeadIntelligence } from '../db/repositories/leads';
import type { Database } from '../db/schema';
import { chooseRep, type RoutingLead } from '../workflows/lead-intake/routing';
import type { LeadPredictionSummary, PreparedLead, PropertyFacts } from '../workflows/lead-intake/types';
import type { ModelStore } from './ml/model-store';
import { predictLeads } from './ml/predict';
import { leadFeaturesSchema } from './ml/schemas';
import { seasonOf } from './ml/training-export';
import type { PropertyDataProvider } from './property-data/provider';

const leadNotFound = (leadId: string) => ApplicationFailure.create({ type: 'LeadNotFound', message: `lead ${leadId} does not exist`, nonRetryable: true });

export interface RoutingDeps {
  db: Kysely<Database>;
  modelStore: ModelStore;
  propertyData: PropertyDataProvider;
}

export function createRoutingActivities({ db, modelStore, propertyData }: RoutingDeps) {
  return {
    /** Property data, returning-customer facts and the models' view of the lead, stored and returned. */
    async prepareLead(input: { leadId: string; at: string }): Promise<PreparedLead> {
      const found = await findLeadWithContact(db, input.leadId);
      if (!found) throw leadNotFound(input.leadId);
      const { lead, contact } = found;
      const lookup = await propertyData.lookup({ street: lead.street, city: lead.city, state: lead.state, zip: lead.zip }, new Date(input.at));
      // What the lead told us wins over the records; the records fill the gaps.
      const stated = lead.property as PropertyFacts;
      const property = { ...(lookup.found ? lookup.record : {}), ...stated };
      const signals = lead.signals as Record<string, unknown>;
      const candidate = {
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
      };
      const features = leadFeaturesSchema.safeParse(candidate);
      let prediction: LeadPredictionSummary;
      if (features.success) {
        const [p] = await predictLeads(modelStore, [features.data]);
        prediction = {
          conversionProbability: Math.round(p!.conversion.probability * 1000) / 1000,
          nextBestAction: {
            action: p!.nextBestAction.action,
            confidence: Math.round(p!.nextBestAction.confidence * 1000) / 1000,
            because: p!.nextBestAction.topFeatures.map((f) => `${f.feature} ${f.contribution > 0 ? '+' : ''}${f.contribution}`),
          },
          model: `${p!.conversion.model} ${p!.conversion.version}, ${p!.nextBestAction.model} ${p!.nextBestAction.version}`,
        };
      } else {
        prediction = { missing: [...new Set(features.error.issues.map((i) => String(i.path[0])))] };
      }
      const enrichment = lookup.found ? { found: true, source: lookup.source, ...lookup.record } : { found: false, source: lookup.source, reason: lookup.reason };
      await saveLeadIntelligence(db, lead.id, { enrichment, prediction: { ...prediction } });
      const previousCustomer = await previousCustomerOf(db, contact.id, lead.id);
      log.info('lead prepared', { enriched: lookup.found, predicted: features.success, returning: Boolean(previousCustomer) });
      return {
        property,
        enrichment: { found: lookup.found, source: lookup.source },
        previousCustomer,
        language: contact.preferred_language ?? undefined,
        prediction,
      };
    },

    async recordLeadVip(input: { leadId: string; isVip: boolean; reasons: string[] }): Promise<void> {
      await saveLeadIntelligence(db, input.leadId, { vip: { isVip: input.isVip, reasons: input.reasons } });
    },

    /** One routing decision for attempt `attempt` (see db/repositories/assignments.ts). */
    async assignLeadToRep(input: { leadId: string; attempt: number; lead: RoutingLead; at: string; slaDeadline: string; workflowId: string; isVip: boolean }): Promise<Omit<AssignmentResult, 'decision'> & { reason: string }> {
      const { decision, ...result } = await assignLead(
        db,
        { ...input, at: new Date(input.at), slaDeadline: new Date(input.slaDeadline), notificationKey: input.workflowId },
        chooseRep,
      );
      log.info('routing decided', { attempt: input.attempt, outcome: result.outcome, repId: result.repId, reason: decision.reason });
      return { ...result, reason: decision.reason };
    },

    async endLeadAssignment(input: { leadId: string; attempt: number; reason: string }): Promise<void> {
      await endAssignment(db, input.leadId, input.attempt, input.reason);
    },

    async markLeadAssignment(input: { leadId: string; attempt: number; what: 'accepted' | 'contacted'; at: string }): Promise<void> {
      await markAssignment(db, input.leadId, input.attempt, input.what, new Date(input.at));
    },

    /**
     * A notification (a rep's task, a manager escalation, the ops queue), once per key.
     * `manager-of:<repId>` goes to that rep's manager, or to ops when the rep has none.
     */
    async notifyPeople(input: { key: string; recipient: string; kind: string; leadId: string; payload: Record<string, unknown> }): Promise<void> {
      let recipient = input.recipient;
      if (recipient.startsWith('manager-of:')) {
        const managerId = await managerOf(db, recipient.slice('manager-of:'.length));
        recipient = managerId ? `rep:${managerId}` : 'ops';
      }
      await notify(db, { ...input, recipient });
      log.info('notified', { recipient, kind: input.kind });
    },
  };
}
