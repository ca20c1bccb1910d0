// leadIntake — the front door for every lead (roadmap 4.1 D, 4.4). New runs take the routed path
// (routed.ts: prepare, score, VIP, assign, SLA). The code below is the scoring-only path that leads
// started before routing existed still replay: keep it until none of them is running.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createLeadActivities } from '../../activities/leads';
import { LeadScore, Stage, Temperature } from '../../temporal/search-attributes';
import { closeLeadSignal, engagementSignal, statusQuery } from './messages';
import { routedLeadIntake } from './routed';
import { classifyTemperature } from './temperature';
import type { EngagementSignals, LeadCloseReason, LeadIntakeInput, LeadStatus } from './types';

const { recordLeadTemperature, recordLeadStage } = proxyActivities<ReturnType<typeof createLeadActivities>>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: ['LeadNotFound'] },
});

export async function leadIntake(input: LeadIntakeInput, carried?: LeadStatus): Promise<LeadStatus> {
  // Leads started before routing existed replay the scoring-only path below; every new run routes.
  if (patched('lead-routing')) return routedLeadIntake(input, carried);
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
      await continueAsNew<typeof leadIntake>(input, status);
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
