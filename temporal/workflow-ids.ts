// Workflow ids are business keys, built and parsed in one place per process (see docs/processes.md).
export const leadWorkflowId = (leadId: string): string => `lead-${leadId}`;

export function leadIdFromWorkflowId(workflowId: string): string | undefined {
  return workflowId.startsWith('lead-') ? workflowId.slice('lead-'.length) : undefined;
}

/** One retrain run; the weekly Schedule's runs are `ml-retrain-weekly-<timestamp>` (Temporal appends it). */
export const retrainWorkflowId = (runKey: string): string => `ml-retrain-${runKey}`;
export const RETRAIN_SCHEDULE_ID = 'ml-retrain-weekly';
/** The monthly re-tiering of the sales team; its runs are `rep-retier-monthly-<timestamp>`. */
export const RETIER_SCHEDULE_ID = 'rep-retier-monthly';

/** A lead's follow-up cadence (one per lead; Postgres keeps it to one per contact). */
export const cadenceWorkflowId = (leadId: string): string => `cadence-${leadId}`;

/** A customer's journey: the contact id (one per customer, for years). */
export const journeyWorkflowId = (customerId: string): string => `journey-${customerId}`;
