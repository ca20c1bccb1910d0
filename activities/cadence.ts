// Cadence activities: the one-cadence-per-contact claim with its cooldown, ops holds, touches for
// the A/B report, and the end of a run. Each is idempotent (keys from the workflow id and run).
import { ApplicationFailure, log } from '@temporalio/activity';
import type { Kysely } from 'kysely';
import { activeHold, claimCadence, contactOfLead, endCadence, recordTouch } from '../db/repositories/cadences';
import { notify } from '../db/repositories/notifications';
import { findRep, topPerformerFor } from '../db/repositories/reps';
import type { Database } from '../db/schema';
import { DEFAULT_CADENCE_SETTINGS, type AccelerateOutcome, type CadenceSettings } from '../workflows/cadence/types';

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

    /**
     * ACCELERATE's people side (4.3 C "Assign to top performer", "Send proposal within 24 hours"):
     * a rep not in the top tier keeps the lead, and a top performer is looped in (a notification,
     * audited in `notifications`); the proposal is asked of the rep as a notification due within 24
     * hours — there is no proposal process yet (4.3 D). Once per key (workflow id + step).
     */
    async accelerateLead(a: {
      key: string;
      leadId: string;
      repId?: string;
      why: string;
      proposalDueBy: string;
    }): Promise<AccelerateOutcome> {
      const lead = await db
        .selectFrom('leads')
        .select(['assigned_rep_id', 'city'])
        .where('id', '=', a.leadId)
        .executeTakeFirst();
      const repId = lead?.assigned_rep_id ?? a.repId ?? null;
      const repTier = repId ? ((await findRep(db, repId))?.performance_tier ?? null) : null;
      let loopedIn: string | null = null;
      if (repTier !== 'top') {
        const top = await topPerformerFor(db, { city: lead?.city, exclude: repId ?? undefined });
        loopedIn = top?.id ?? null;
        await notify(db, {
          key: `${a.key}:loop-in`,
          recipient: top ? `rep:${top.id}` : 'ops',
          kind: top ? 'cadence_top_performer_loop_in' : 'cadence_top_performer_unavailable',
          leadId: a.leadId,
          payload: { repId, repTier, why: a.why, topPerformer: top?.id ?? null },
        });
      }
      const proposalRequestedOf = repId ? `rep:${repId}` : loopedIn ? `rep:${loopedIn}` : 'ops';
      await notify(db, {
        key: `${a.key}:proposal`,
        recipient: proposalRequestedOf,
        kind: 'proposal_requested',
        leadId: a.leadId,
        payload: {
          dueBy: a.proposalDueBy,
          why: a.why,
          loopedIn,
          note: 'no proposal process yet (roadmap 4.3 D): prepare and send the proposal by hand',
        },
      });
      log.info('cadence accelerated', { loopedIn, repTier });
      return { repId, repTier, loopedIn, proposalRequestedOf };
    },

    async endCadence(e: { cadenceId: string; reason: string; touches: number }): Promise<void> {
      await endCadence(db, { id: e.cadenceId, reason: e.reason, touches: e.touches, at: new Date() });
      log.info('cadence ended', { reason: e.reason, touches: e.touches });
    },
  };
}
