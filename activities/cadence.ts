// Cadence activities: the one-cadence-per-contact claim with its cooldown, ops holds, touches for
// the A/B report, and the end of a run. Each is idempotent (keys from the workflow id and run).
import { ApplicationFailure, log } from '@temporalio/activity';
import type { Kysely } from 'kysely';
import { activeHold, claimCadence, contactOfLead, endCadence, recordTouch } from '../db/repositories/cadences';
import type { Database } from '../db/schema';
import { DEFAULT_CADENCE_SETTINGS, type CadenceSettings } from '../workflows/cadence/types';

export type BeginOutcome =
  { begun: true; settings: CadenceSettings; contactId: string } | { begun: false; reason: string };

export function createCadenceActivities({
  db,
  settings = DEFAULT_CADENCE_SETTINGS,
}: {
  db: Kysely<Database>;
  settings?: CadenceSettings;
}) {
  return {
    async beginCadence(c: {
      cadenceId: string;
      workflowId: string;
      contactId?: string;
      leadId: string;
      repId?: string;
      definition: string;
      cooldownDays?: number;
    }): Promise<BeginOutcome> {
      const contactId = c.contactId ?? (await contactOfLead(db, c.leadId));
      if (!contactId)
        throw ApplicationFailure.create({
          type: 'LeadNotFound',
          message: `lead ${c.leadId} does not exist`,
          nonRetryable: true,
        });
      const outcome = await claimCadence(db, {
        ...c,
        contactId,
        id: c.cadenceId,
        cooldownDays: c.cooldownDays ?? settings.cooldownDays,
        now: new Date(),
      });
      log.info('cadence claim', { outcome: outcome.kind });
      switch (outcome.kind) {
        case 'claimed':
          return { begun: true, settings, contactId };
        case 'busy':
          return { begun: false, reason: `the contact is already in cadence ${outcome.workflowId}` };
        case 'cooling_down':
          return { begun: false, reason: `cooling down after the last cadence until ${outcome.until.toISOString()}` };
        case 'ended':
          return { begun: false, reason: 'this cadence already ended' };
      }
    },

    /** The ops hold that covers this cadence now, if any. */
    async cadenceHold(c: {
      leadId: string;
      repId?: string;
      definition: string;
    }): Promise<{ scope: string; reason: string } | null> {
      const hold = await activeHold(db, c);
      return hold ? { scope: hold.scope, reason: hold.reason } : null;
    },

    async recordCadenceTouch(t: {
      cadenceId: string;
      touchNo: number;
      step: string;
      variant: string;
      channel: string;
      messageId: string;
    }): Promise<void> {
      await recordTouch(db, { ...t, sentAt: new Date() });
    },

    async endCadence(e: { cadenceId: string; reason: string; touches: number }): Promise<void> {
      await endCadence(db, { id: e.cadenceId, reason: e.reason, touches: e.touches, at: new Date() });
      log.info('cadence ended', { reason: e.reason, touches: e.touches });
    },
  };
}
