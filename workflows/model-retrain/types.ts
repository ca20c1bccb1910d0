// The retrain's vocabulary, shared by the workflow, its activities, the repository and the API.
// Pure data: safe to import from workflow code.

export const RETRAIN_TRIGGERS = ['schedule', 'api', 'test'] as const;
export type RetrainTrigger = (typeof RETRAIN_TRIGGERS)[number];

export type RetrainPhase =
  | 'starting'
  | 'exporting'
  | 'training'
  | 'evaluating'
  | 'deciding'
  | 'promoted'
  | 'rejected'
  | 'superseded'
  | 'failed'
  | 'cancelled';

export interface ModelRetrainInput {
  trigger: RetrainTrigger;
  /** Synthetic data and holdout split seed; default: derived from the retrain's sequence number. */
  seed?: number;
  /** Synthetic rows for models without enough exported history (train.py defaults otherwise). */
  nLeads?: number;
  nCustomers?: number;
  /** Required gain of the primary metric; default: ML_PROMOTION_MARGIN of the worker. */
  margin?: number;
}

/** Per model: promote the challenger or keep the champion, and why. */
export interface ModelDecision {
  model: string;
  promote: boolean;
  reason: string;
  metric: string;
  champion: number | null;
  challenger: number;
  margin: number;
}

export interface PromotionOutcome {
  outcome: 'promoted' | 'rejected' | 'superseded';
  promoted: string[];
  generation: number;
}

export interface ModelRetrainStatus {
  retrainId: string;
  version?: string;
  phase: RetrainPhase;
  /** What the training data was (rows exported, per model csv or synthetic). */
  data?: Record<string, unknown>;
  decisions?: ModelDecision[];
  outcome?: PromotionOutcome;
  error?: string;
}
