// leadIntake as it ran before routing existed (scoring only): the path that histories recorded
// without the `lead-routing` marker replay. workflow.ts says how to see that none is left, after
// which this file goes. Do not change it: a change here breaks those histories.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createLeadIntakeActivities } from '../../activities/lead-intake';
import { LeadScore, Stage, Temperature } from '../../temporal/search-attributes';
import { closeLeadSignal, engagementSignal, statusQuery } from './messages';
import { classifyTemperature } from './rules/temperature';
import type { LeadIntakeInput, LeadStatus } from './types';
import type { EngagementSignals, LeadCloseReason } from './rules/lead';

/**
 * The visibility query that finds runs still on this path: they never set IsVip, which a routed
 * lead sets at its assessment, seconds after it starts (so ask twice, a minute apart). At 0 both
 * times (Web UI, or `temporal workflow count --query …`), this file and its kept histories can go.
 */
export const RUNNING_BEFORE_ROUTING = "WorkflowType = 'leadIntake' AND ExecutionStatus = 'Running' AND IsVip IS NULL";

const { recordLeadTemperature, recordLeadStage } = proxyActivities<ReturnType<typeof createLeadIntakeActivities>>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: ['LeadNotFound'] },
});

export async function leadIntakeBeforeRouting(input: LeadIntakeInput, carried?: LeadStatus): Promise<LeadStatus> {
  const status: LeadStatus = carried ?? {
    leadId: input.leadId,
    stage: 'new',
    signals: { ...input.signals },
    revision: 0,
  };
  let pendingSignals: EngagementSignals | undefined;
  let closeReason: LeadCloseReason | undefined;

  setHandler(statusQuery, () => status);
  setHandler(engagementSignal, (signals) => {
    pendingSignals = { ...pendingSignals, ...signals };
  });
  setHandler(closeLeadSignal, ({ reason }) => {
    closeReason ??= reason;
  });

  if (!carried) await score(status, input);

  for (;;) {
    await condition(
      () => pendingSignals !== undefined || closeReason !== undefined || workflowInfo().continueAsNewSuggested,
    );
    if (closeReason) {
      status.stage = closeReason;
      await recordLeadStage({ leadId: input.leadId, stage: closeReason });
      publish(status, input);
      await condition(allHandlersFinished);
      return status;
    }
    if (pendingSignals) {
      status.signals = { ...status.signals, ...pendingSignals };
      pendingSignals = undefined;
      await score(status, input);
    } else if (workflowInfo().continueAsNewSuggested) {
      // Nothing is pending and no await stands between this check and the call: no signal is lost.
      await continueAsNew<typeof leadIntakeBeforeRouting>(input, status);
    }
  }
}

async function score(status: LeadStatus, input: LeadIntakeInput): Promise<void> {
  status.temperature = classifyTemperature(status.signals);
  status.revision += 1;
  status.stage = 'scored';
  await recordLeadTemperature({
    leadId: input.leadId,
    stage: status.stage,
    revision: status.revision,
    ...status.temperature,
  });
  publish(status, input);
}

/** Search attributes and the one-line summary ops managers read in the Web UI. */
function publish(status: LeadStatus, input: LeadIntakeInput): void {
  const { temperature, score } = status.temperature ?? { temperature: null, score: null };
  upsertSearchAttributes([
    { key: Stage, value: status.stage },
    { key: Temperature, value: temperature },
    { key: LeadScore, value: score },
  ]);
  const label = temperature ? `${temperature} ${score}` : 'unscored';
  setCurrentDetails(`${label} · ${input.source} · ${input.city} ${input.zip} · ${status.stage}`);
}
