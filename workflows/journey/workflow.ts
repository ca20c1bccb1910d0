// customerJourney — one per customer, `journey-<customerId>` (roadmap 7.1 C): the five stages of
// JOURNEY_STAGES on the workflow's clock, by the rules of touchpoints.ts. Lifecycle events move the
// stage forward (never back) and trigger their stage's touchpoints; time sends the timed ones, marks
// goals missed and ends the review sequence. Every touch goes through the messaging gateway, which
// may defer it (the send waits durably) or block it (recorded as skipped, with the reason). The
// journey lives for years: it continues as new after each quarterly mail, and whenever its history
// grows long (history-size.ts), carrying its status (kept bounded by touchpoints.ts). Only the
// customer's deletion ends it.
import {
  condition,
  continueAsNew,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { CustomerId, LeadId, Stage } from '../../temporal/search-attributes';
import { historyIsLong } from '../history-size';
import { sendMessage } from '../messaging/send';
import { copyFor } from './content';
import { messageEventSignal } from '../messaging/messages';
import {
  customerRespondedSignal,
  endJourneySignal,
  journeyStatusQuery,
  lifecycleEventSignal,
  newLeadSignal,
} from './messages';
import {
  advanceClock,
  applyLifecycleEvent,
  applyResponse,
  followResponseRule,
  deferSending,
  describeJourney,
  dueTouchpoints,
  endJourney,
  finishSending,
  nextWakeAt,
  planOf,
  recordNewLead,
  sendingNoLongerWanted,
  startJourney,
  startSending,
  TOUCHPOINTS,
} from './touchpoints';
import type { JourneyInput, JourneyStatus, PlannedTouchpoint, ResponseKind } from './types';

/** Issue 22 item 15: opening the quote is not a response (journeys recorded before: it was). */
const PATCH_OPEN_NOT_RESPONSE = 'journey-quote-open-not-response';

export async function customerJourney(input: JourneyInput, carried?: JourneyStatus): Promise<JourneyStatus> {
  const { workflowId } = workflowInfo();
  let status = carried ?? startJourney(input, Date.now());
  let changed = false;
  let endReason: string | undefined;

  setHandler(journeyStatusQuery, () => status);
  setHandler(lifecycleEventSignal, (e) => {
    const applied = applyLifecycleEvent(status, e, Date.now());
    if (applied.outcome === 'unknown')
      log.warn('Unknown lifecycle event ignored', { eventId: e.eventId, event: e.event });
    if (applied.outcome !== 'applied') return; // a redelivery (same eventId), or not a lifecycle event
    status = applied.status;
    changed = true;
  });
  const responded = (kind: ResponseKind, ref: string): void => {
    const applied = applyResponse(status, { kind, ref }, Date.now());
    if (applied.outcome !== 'applied') return; // a redelivery, or a journey before the response rule
    status = applied.status;
    changed = true;
  };
  // A reply to one of the journey's own messages (the webhooks tell the workflow that sent it).
  setHandler(messageEventSignal, ({ messageId, event, at }) => {
    if (event === 'replied') responded('reply', `${messageId}:replied:${at}`);
  });
  setHandler(customerRespondedSignal, ({ kind, ref }) => responded(kind, ref));
  setHandler(newLeadSignal, ({ leadId }) => {
    status = recordNewLead(status, leadId, Date.now());
  });
  setHandler(endJourneySignal, ({ reason }) => {
    endReason ??= reason;
  });

  let shownStage: string | undefined;
  const show = (): void => {
    const stage = status.ended ? 'journey_ended' : `journey_${status.stage}`;
    if (stage !== shownStage) {
      upsertSearchAttributes([
        { key: CustomerId, value: input.customerId },
        { key: LeadId, value: input.leadId },
        { key: Stage, value: stage },
      ]);
      shownStage = stage;
    }
    setCurrentDetails(describeJourney(status));
  };

  const send = async (touch: PlannedTouchpoint): Promise<void> => {
    status = startSending(status, touch.key, Date.now());
    show();
    const outcome = await sendMessage(
      {
        idempotencyKey: `${workflowId}:${touch.key}`,
        workflowId,
        contactId: input.customerId,
        leadId: input.leadId,
        channel: touch.channel,
        kind: TOUCHPOINTS[touch.name].kind,
        plan: planOf(touch.name),
        ...copyFor(touch.name, touch.channel),
      },
      {
        onDeferred: (until) => {
          status = deferSending(status, until);
          show();
        },
        // The journey ends, or an event makes the touch unwanted (goal met, stage left…) meanwhile.
        calledOff: () => (endReason !== undefined ? `journey ended: ${endReason}` : sendingNoLongerWanted(status)),
      },
    );
    status = finishSending(status, outcome, Date.now());
  };

  const carryOn = (): Promise<never> =>
    continueAsNew<typeof customerJourney>(input, { ...status, continuedAsNew: status.continuedAsNew + 1 });

  for (;;) {
    if (endReason !== undefined) {
      status = endJourney(status, endReason, Date.now());
      show();
      return status;
    }
    if (!status.openIsNotResponse && patched(PATCH_OPEN_NOT_RESPONSE)) status = followResponseRule(status, Date.now());
    status = advanceClock(status, Date.now());
    show();

    const [due] = dueTouchpoints(status, Date.now());
    if (due) {
      await send(due);
      // A run per quarter: an advocate's history stays a handful of events however many years pass.
      if (due.name === 'vip_postcard' && endReason === undefined) await carryOn();
      continue;
    }
    // Signals that change nothing (a duplicate newLead per repeated POST) still add events: the run
    // is counted while it waits too, not only when something wakes it. Histories recorded before
    // this patch only continued when Temporal suggested it, between two waits.
    const continueOnHistory = patched('journey-can-on-history');
    if (continueOnHistory ? historyIsLong() : workflowInfo().continueAsNewSuggested) await carryOn();

    changed = false;
    const wake = nextWakeAt(status);
    const woken = (): boolean => changed || endReason !== undefined || (continueOnHistory && historyIsLong());
    if (wake === undefined) await condition(woken);
    else await condition(woken, Math.max(1, wake - Date.now()));
  }
}
