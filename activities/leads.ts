// Lead activities: the workflow's only way to write lead state. Each is idempotent — a retry
// writes the same values, and the revision guard drops writes older than what is stored.
import { ApplicationFailure, log } from '@temporalio/activity';
import type { Kysely } from 'kysely';
import { saveLeadStage, saveLeadTemperature } from '../db/repositories/leads';
import type { Database } from '../db/schema';
import type { LeadStage, Temperature } from '../workflows/lead-intake/types';

const leadNotFound = (leadId: string): ApplicationFailure =>
  ApplicationFailure.create({ type: 'LeadNotFound', message: `lead ${leadId} does not exist`, nonRetryable: true });

export function createLeadActivities({ db }: { db: Kysely<Database> }) {
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
  };
}
