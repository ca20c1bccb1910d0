// modelRetrain — the lead-intelligence models learn from the CRM's own history (roadmap 4.1 A-C):
// export closed leads → train challengers (Python, heartbeating) → score them and the champions on
// the same holdout → promote the ones better by the margin. Promotion is a compare-and-set on the
// champions' generation, so of two retrains running at once only one can promote; the other ends
// 'superseded'. Every challenger is kept with its metrics and the decision about it.
import {
  ActivityCancellationType,
  ActivityFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createRetrainActivities } from '../../activities/model-retrain';
import { Stage } from '../../temporal/search-attributes';
import { decide } from './rules/promotion';
import { retrainStatusQuery } from './messages';
import type { ModelRetrainInput, ModelRetrainStatus, RetrainPhase } from './types';

type RetrainActivities = ReturnType<typeof createRetrainActivities>;

/** Required gain of the primary metric when the starter gives none (ML_PROMOTION_MARGIN's default). */
export const DEFAULT_MARGIN = 0.005;

const retry = {
  initialInterval: '2 seconds',
  maximumInterval: '1 minute',
  maximumAttempts: 5,
  nonRetryableErrorTypes: ['RetrainNotFound'],
};
const db = proxyActivities<RetrainActivities>({ startToCloseTimeout: '1 minute', retry });
// Python runs: long, so they heartbeat; a cancelled run is waited for, so its process is killed
// before the retrain is marked cancelled.
const { trainChallengers } = proxyActivities<RetrainActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { ...retry, maximumAttempts: 3 },
});
const { evaluateChallengers } = proxyActivities<RetrainActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { ...retry, maximumAttempts: 3 },
});

export async function modelRetrain(input: ModelRetrainInput): Promise<ModelRetrainStatus> {
  const retrainId = workflowInfo().workflowId;
  const status: ModelRetrainStatus = { retrainId, phase: 'starting' };
  setHandler(retrainStatusQuery, () => status);
  const enter = (phase: RetrainPhase, detail?: string): void => {
    status.phase = phase;
    upsertSearchAttributes([{ key: Stage, value: phase }]);
    setCurrentDetails(
      `Model retrain ${status.version ?? ''} · ${input.trigger} · ${phase}${detail ? ` · ${detail}` : ''}`,
    );
  };

  try {
    const { version } = await db.beginModelRetrain({ retrainId, trigger: input.trigger });
    status.version = version;

    enter('exporting');
    const exported = await db.exportTrainingData({ retrainId });

    enter('training', `${exported.usableLeadRows} usable closed leads`);
    const trained = await trainChallengers({
      retrainId,
      seed: input.seed,
      nLeads: input.nLeads,
      nCustomers: input.nCustomers,
    });
    status.data = { export: exported, models: Object.fromEntries(trained.map((t) => [t.model, t.trainingData])) };

    enter('evaluating');
    const { generation, evaluations } = await evaluateChallengers({ retrainId });

    enter('deciding');
    status.decisions = decide(evaluations, input.margin ?? DEFAULT_MARGIN);
    status.outcome = await db.promoteChallengers({ retrainId, generation, decisions: status.decisions });
    const promoted = status.outcome.promoted;
    enter(status.outcome.outcome, promoted.length ? `promoted ${promoted.join(', ')}` : undefined);
    return status;
  } catch (err) {
    const cancelled = isCancellation(err);
    // An activity's own error says what went wrong; its wrapper only says which activity.
    status.error =
      err instanceof ActivityFailure && err.cause
        ? `${err.activityType}: ${err.cause.message}`
        : (err as Error).message;
    // Record the end even though the workflow itself was cancelled.
    await CancellationScope.nonCancellable(() =>
      db.endModelRetrain({ retrainId, status: cancelled ? 'cancelled' : 'failed', reason: status.error ?? 'unknown' }),
    );
    enter(cancelled ? 'cancelled' : 'failed');
    throw err;
  }
}
