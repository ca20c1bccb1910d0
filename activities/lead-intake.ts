// The leadIntake workflow's activities (roadmap 4.1 D, 4.4): assess a lead (property data,
// returning customer, model scores, temperature, VIP), record its temperature and stage, assign it
// (serialised, audited), and tell people. The workflow's only way to write lead state. Each is
// idempotent on the lead and attempt (or revision): a retry finds or rewrites what the first call
// wrote, and the revision guard drops temperature writes older than what is stored.
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import {
  assignLead,
  endAssignment,
  managerOf,
  markAssignment,
  type AssignmentResult,
} from '../db/repositories/assignments';
import { notify } from '../db/repositories/notifications';
import {
  findLeadWithContact,
  leadsWaitingForRep,
  previousCustomerOf,
  saveLeadIntelligence,
  saveLeadStage,
  saveLeadTemperature,
} from '../db/repositories/leads';
import type { Database } from '../db/schema';
import { capacityFreedSignal } from '../workflows/lead-intake/messages';
import { chooseRep, type RoutingLead } from '../workflows/lead-intake/rules/choose-rep';
import type {
  EngagementSignals,
  LeadSource,
  LeadStage,
  PropertyFacts,
  Temperature,
} from '../workflows/lead-intake/rules/lead';
import { classifyTemperature } from '../workflows/lead-intake/rules/temperature';
import { assessVip } from '../workflows/lead-intake/rules/vip';
import type { LeadAssessment } from '../workflows/lead-intake/types';
import type { ModelStore } from './ml/model-store';
import { predictionFor } from './ml/lead-prediction';
import type { PropertyDataProvider } from './property-data/provider';

const leadNotFound = (leadId: string) =>
  ApplicationFailure.create({ type: 'LeadNotFound', message: `lead ${leadId} does not exist`, nonRetryable: true });

/** Leads woken per freed place: each tries once, the lock lets one win, the rest keep waiting. */
const WAKE_AT_MOST = 20;

/**
 * Something may have freed a rep (an assignment ended; through the API: a rep added or reactivated,
 * given more capacity or other hours, time off removed): the leads waiting longest for a rep look
 * again now instead of at their next backed-off look. Best effort: a lead not told still looks
 * within `maxRetrySeconds`. Returns how many were told.
 */
export async function wakeLeadsWaitingForRep(db: Kysely<Database>, client: Client): Promise<number> {
  const waiting = await leadsWaitingForRep(db, WAKE_AT_MOST);
  const woken = await Promise.allSettled(
    waiting.map((w) => client.workflow.getHandle(w.workflowId).signal(capacityFreedSignal)),
  );
  return woken.filter((r) => r.status === 'fulfilled').length;
}

export interface LeadIntakeDeps {
  db: Kysely<Database>;
  modelStore: ModelStore;
  propertyData: PropertyDataProvider;
}

export function createLeadIntakeActivities({ db, modelStore, propertyData }: LeadIntakeDeps) {
  return {
    async recordLeadTemperature(input: {
      leadId: string;
      temperature: Temperature;
      score: number;
      reasons: string[];
      revision: number;
      stage: LeadStage;
    }): Promise<void> {
      const { found, applied } = await saveLeadTemperature(db, input);
      if (!found) throw leadNotFound(input.leadId);
      log.info('lead temperature recorded', {
        temperature: input.temperature,
        score: input.score,
        revision: input.revision,
        applied,
      });
    },

    async recordLeadStage(input: { leadId: string; stage: LeadStage; dealValue?: number }): Promise<void> {
      if (!(await saveLeadStage(db, input.leadId, input.stage, input.dealValue))) throw leadNotFound(input.leadId);
      log.info('lead stage recorded', { stage: input.stage });
    },

    /**
     * Intake's assessment in one step: property data (what the lead told us wins over the records),
     * the models' view, the temperature (4.1 D) and the VIP triggers (4.4 C, with returning-customer
     * facts), stored together as the lead's first scoring (revision 1).
     */
    async assessLead(input: { leadId: string; at: string; signals: EngagementSignals }): Promise<LeadAssessment> {
      const found = await findLeadWithContact(db, input.leadId);
      if (!found) throw leadNotFound(input.leadId);
      const { lead, contact } = found;
      const [lookup, previousCustomer] = await Promise.all([
        propertyData.lookup(
          { street: lead.street, city: lead.city, state: lead.state, zip: lead.zip },
          new Date(input.at),
        ),
        previousCustomerOf(db, contact.id, lead.id),
      ]);
      const property = { ...(lookup.found ? lookup.record : {}), ...(lead.property as PropertyFacts) };
      const prediction = await predictionFor(lead, property, modelStore);
      const temperature = classifyTemperature(input.signals);
      const vip = assessVip({
        city: lead.city,
        source: lead.source as LeadSource,
        propertyValue: property.propertyValue,
        insuranceClaimValue: property.insuranceClaimValue,
        previousCustomer,
      });
      const reasons = vip.triggers.map((t) => t.detail);
      const enrichment = lookup.found
        ? { found: true, source: lookup.source, ...lookup.record }
        : { found: false, source: lookup.source, reason: lookup.reason };
      await saveLeadIntelligence(db, lead.id, {
        enrichment,
        prediction: { ...prediction },
        vip: { isVip: vip.isVip, reasons },
      });
      await saveLeadTemperature(db, { leadId: lead.id, stage: 'scored', revision: 1, ...temperature });
      log.info('lead assessed', {
        enriched: lookup.found,
        predicted: !prediction.missing,
        temperature: temperature.temperature,
        isVip: vip.isVip,
      });
      return {
        property,
        enrichment: { found: lookup.found, source: lookup.source },
        language: contact.preferred_language ?? undefined,
        prediction,
        temperature,
        vip: { isVip: vip.isVip, reasons, preferredRepId: vip.preferredRepId },
      };
    },

    /**
     * One routing decision for attempt `attempt` (see db/repositories/assignments.ts). Nobody
     * available: also when a rep who is off now comes back (`nextAvailableAt`), for the lead's next look.
     */
    async assignLeadToRep(input: {
      leadId: string;
      attempt: number;
      lead: RoutingLead;
      at: string;
      slaDeadline: string;
      workflowId: string;
      isVip: boolean;
    }): Promise<Omit<AssignmentResult, 'decision'> & { reason: string; nextAvailableAt?: string }> {
      const { decision, ...result } = await assignLead(
        db,
        {
          ...input,
          at: new Date(input.at),
          slaDeadline: new Date(input.slaDeadline),
          notificationKey: input.workflowId,
        },
        chooseRep,
      );
      log.info('routing decided', {
        attempt: input.attempt,
        outcome: result.outcome,
        repId: result.repId,
        reason: decision.reason,
      });
      return {
        ...result,
        reason: decision.reason,
        ...(decision.nextAvailableAt && { nextAvailableAt: decision.nextAvailableAt }),
      };
    },

    /** Ends an assignment; the freed capacity wakes the leads waiting for a rep (oldest first). */
    async endLeadAssignment(input: { leadId: string; attempt: number; reason: string }): Promise<void> {
      // Woken even when a retry finds the assignment already ended: the first attempt may have died
      // between the two steps. A spurious wake costs a waiting lead one routing attempt.
      await endAssignment(db, input.leadId, input.attempt, input.reason);
      const waitingWoken = await wakeLeadsWaitingForRep(db, Context.current().client);
      log.info('assignment ended', { reason: input.reason, waitingWoken });
    },

    async markLeadAssignment(input: {
      leadId: string;
      attempt: number;
      what: 'accepted' | 'contacted';
      at: string;
    }): Promise<void> {
      await markAssignment(db, input.leadId, input.attempt, input.what, new Date(input.at));
    },

    /**
     * A notification (a rep's task, a manager escalation, the ops queue), once per key.
     * `manager-of:<repId>` goes to that rep's manager, or to ops when the rep has none.
     */
    async notifyPeople(input: {
      key: string;
      recipient: string;
      kind: string;
      leadId: string;
      payload: Record<string, unknown>;
    }): Promise<void> {
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
