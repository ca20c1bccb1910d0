// The leadIntake workflow's activities (roadmap 4.1 D, 4.4): assess a lead (property data,
// returning customer, model scores, temperature, VIP), record its temperature and stage, assign it
// (serialised, audited), and tell people. The workflow's only way to write lead state. Each is
// idempotent on the lead and attempt (or revision): a retry finds or rewrites what the first call
// wrote, and the revision guard drops temperature writes older than what is stored.
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import type { Kysely } from 'kysely';
import {
  activeManagers,
  assignLead,
  endAssignment,
  managerOf,
  markAssignment,
  tightenSlaDeadline,
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
import { queueWorkflowSignals, signalTo } from '../db/repositories/workflow-signals';
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
import type { AfterHoursAssignment, LeadAssessment } from '../workflows/lead-intake/types';
import type { ModelStore } from './ml/model-store';
import { predictionFor } from './ml/lead-prediction';
import type { PropertyDataProvider } from './property-data/provider';
import { deliverWorkflowSignals } from './workflow-signals';
import { countLeadCreated, countSlaBreach, slaTierOf } from './business-metrics';

const leadNotFound = (leadId: string) =>
  ApplicationFailure.create({ type: 'LeadNotFound', message: `lead ${leadId} does not exist`, nonRetryable: true });

/** Leads woken per freed place: each tries once, the lock lets one win, the rest keep waiting. */
const WAKE_AT_MOST = 20;
/** The deadline of each wake-up signal: well inside the activity's own 30 s. */
const SIGNAL_TIMEOUT_MS = 5_000;
/** The activity logger in the shape the signal delivery logs with. */
const deliveryLog = {
  info: (fields: object, message: string) => log.info(message, { ...fields }),
  warn: (fields: object, message: string) => log.warn(message, { ...fields }),
};

/**
 * Something may have freed a rep (an assignment ended; through the API: a rep added or reactivated,
 * given more capacity or other hours, time off removed): the leads waiting longest for a rep are
 * told to look again now instead of at their next backed-off look. Queued in the signal outbox in
 * the caller's transaction under `source`; the caller delivers them after commit. A lead not told
 * still looks within `maxRetrySeconds`. Returns how many were queued.
 */
export async function queueWakeOfWaitingLeads(tx: Kysely<Database>, source: string): Promise<number> {
  const waiting = await leadsWaitingForRep(tx, WAKE_AT_MOST);
  return queueWorkflowSignals(
    tx,
    source,
    waiting.map((w) => signalTo(w.workflowId, capacityFreedSignal)),
  );
}

/** What the workflow learns of a routing decision (workflows/lead-intake/types.ts names the after-hours part). */
export type AssignedLead = Omit<AssignmentResult, 'decision' | 'slaDeadline' | 'afterHours'> & {
  reason: string;
  nextAvailableAt?: string;
  slaDeadline?: string;
  afterHours?: AfterHoursAssignment;
};

/** "Tuesday 8:00 AM EST": when the rep's shift starts, in their zone, for the customer. */
export function shiftStartText(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'long',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(at);
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
      const first = await saveLeadTemperature(db, { leadId: lead.id, stage: 'scored', revision: 1, ...temperature });
      if (first.applied) countLeadCreated(temperature.temperature); // a retry finds it stored: counted once
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
        vip: { isVip: vip.isVip, reasons, preferredRepId: vip.preferredRepId, notifyManager: vip.notifyManager },
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
      /** Leads started since after-hours routing: nobody on shift → on call, else the next shift (this SLA from its start). */
      afterHours?: { slaMinutes: number };
    }): Promise<AssignedLead> {
      const { decision, slaDeadline, afterHours, ...result } = await assignLead(
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
        // Absent on the usual path: the deadline is the one the workflow asked for.
        ...(afterHours && slaDeadline && { slaDeadline: slaDeadline.toISOString() }),
        ...(afterHours && {
          afterHours: {
            via: afterHours.via,
            slaStartsAt: afterHours.slaStartsAt.toISOString(),
            contactId: afterHours.contactId,
            shiftStarts: shiftStartText(afterHours.slaStartsAt, afterHours.timeZone),
          },
        }),
      };
    },

    /**
     * Ends an assignment; the freed capacity wakes the leads waiting for a rep (oldest first). The
     * wake-ups are queued with the end (the signal outbox) and delivered now; what Temporal does
     * not take now, the relay in the API process delivers. A retry that finds the end made finds
     * them queued too, and delivers what is still owed.
     */
    async endLeadAssignment(input: { leadId: string; attempt: number; reason: string }): Promise<void> {
      const source = `assignment-ended:${input.leadId}:${input.attempt}`;
      const ended = await db.transaction().execute(async (tx) => {
        if (!(await endAssignment(tx, input.leadId, input.attempt, input.reason))) return false;
        await queueWakeOfWaitingLeads(tx, source);
        return true;
      });
      // A breach counts once: a retry finds the assignment already ended.
      if (ended && input.reason === 'breached')
        countSlaBreach(slaTierOf((await findLeadWithContact(db, input.leadId))?.lead));
      const { client } = Context.current();
      const woken = await deliverWorkflowSignals(
        { db, client, logger: deliveryLog, timeoutMs: SIGNAL_TIMEOUT_MS },
        { source },
      );
      log.info('assignment ended', { reason: input.reason, waitingWoken: woken.done });
    },

    /**
     * The lead turned HOT before its rep made contact: the assignment's (and the lead's) SLA deadline
     * comes forward, never back, and the rep is told (once per key). Idempotent: `least` of the two.
     */
    async tightenLeadSla(input: {
      leadId: string;
      attempt: number;
      slaDeadline: string;
      key: string;
      temperature: Temperature;
    }): Promise<void> {
      const repId = await tightenSlaDeadline(db, { ...input, deadline: new Date(input.slaDeadline) });
      log.info('SLA deadline tightened', { attempt: input.attempt, slaDeadline: input.slaDeadline, repId });
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
     * `manager-of:<repId>` goes to that rep's manager, or to ops when the rep has none; `managers`
     * to every active manager (key `<key>:<managerId>`), or to ops when there is none.
     */
    async notifyPeople(input: {
      key: string;
      recipient: string;
      kind: string;
      leadId: string;
      payload: Record<string, unknown>;
    }): Promise<void> {
      let recipient = input.recipient;
      if (recipient === 'managers') {
        const managers = await activeManagers(db);
        for (const id of managers) await notify(db, { ...input, key: `${input.key}:${id}`, recipient: `rep:${id}` });
        if (managers.length === 0) await notify(db, { ...input, recipient: 'ops' });
        log.info('notified', { recipient: managers.length ? `${managers.length} managers` : 'ops', kind: input.kind });
        return;
      }
      if (recipient.startsWith('manager-of:')) {
        const managerId = await managerOf(db, recipient.slice('manager-of:'.length));
        recipient = managerId ? `rep:${managerId}` : 'ops';
      }
      await notify(db, { ...input, recipient });
      log.info('notified', { recipient, kind: input.kind });
    },
  };
}
