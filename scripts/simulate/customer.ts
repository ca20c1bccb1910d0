// A synthetic customer, as a workflow of the simulator's own bundle (never deployed): it arrives on
// its day, starts the real followUpCadence and customerJourney, and once it has replied lives the
// lifecycle its drawn fate says — inspection, quote, contract, project, review, referral — as
// lifecycle events to the journey and a stop to the cadence, on the workflow clock, until the horizon.
import {
  ParentClosePolicy,
  condition,
  getExternalWorkflowHandle,
  defineSignal,
  setHandler,
  sleep,
  startChild,
} from '@temporalio/workflow';
import { cadenceWorkflowId, journeyWorkflowId } from '../../temporal/workflow-ids';
import { stopCadenceSignal } from '../../workflows/cadence/messages';
import type { CadenceSettings } from '../../workflows/cadence/types';
import { followUpCadence } from '../../workflows/cadence/workflow';
import type { LifecycleEvent } from '../../workflows/journey/rules/lifecycle';
import { lifecycleEventSignal } from '../../workflows/journey/messages';
import { customerJourney } from '../../workflows/journey/workflow';

const DAY = 86_400_000;

/** The simulated recipient answered a message (told by the simulator's sending activity). */
export const repliedSignal = defineSignal('simReplied');

export interface Fate {
  inspection: boolean;
  quoteOpened: boolean;
  competitor: boolean;
  win: boolean;
  review: boolean;
  referral: boolean;
}

export interface SimulatedCustomerInput {
  leadId: string;
  contactId: string;
  definition: string;
  settings?: Partial<CadenceSettings>;
  /** Days after the start of the simulation when the lead arrives. */
  arrivesOnDay: number;
  /** The end of the simulation (ms since epoch, workflow clock). */
  horizon: number;
  fate: Fate;
}

export interface SimulatedCustomerResult {
  leadId: string;
  repliedOnDay?: number;
  events: LifecycleEvent[];
  won: boolean;
}

export async function simulatedCustomer(input: SimulatedCustomerInput): Promise<SimulatedCustomerResult> {
  const begin = Date.now();
  const result: SimulatedCustomerResult = { leadId: input.leadId, events: [], won: false };
  let replied = false;
  setHandler(repliedSignal, () => {
    replied = true;
  });
  await sleep(input.arrivesOnDay * DAY + 1);
  const cadenceId = cadenceWorkflowId(input.leadId);
  const journeyId = journeyWorkflowId(input.contactId);
  // A long task timeout: one worker on a busy machine may hold a task past the default 10 s, and the
  // time-skipping server then refuses its late completion.
  const child = { parentClosePolicy: ParentClosePolicy.ABANDON, workflowTaskTimeout: '2 minutes' } as const;
  await startChild(followUpCadence, {
    ...child,
    workflowId: cadenceId,
    args: [
      { leadId: input.leadId, contactId: input.contactId, definition: input.definition, settings: input.settings },
    ],
  });
  await startChild(customerJourney, {
    ...child,
    workflowId: journeyId,
    args: [{ customerId: input.contactId, leadId: input.leadId }],
  });

  const left = (): number => input.horizon - Date.now();
  if (await condition(() => replied, Math.max(1, left()))) {
    result.repliedOnDay = Math.round(((Date.now() - begin) / DAY) * 10) / 10;
    const journey = getExternalWorkflowHandle(journeyId);
    /** The next lifecycle event after `days`, unless the simulation ends first. */
    const next = async (days: number, event: LifecycleEvent, details?: Record<string, unknown>): Promise<boolean> => {
      if (days * DAY >= left()) return false;
      await sleep(days * DAY);
      await journey.signal(lifecycleEventSignal, {
        eventId: `${input.leadId}:${event}`,
        event,
        occurredAt: new Date().toISOString(),
        details,
      });
      result.events.push(event);
      return true;
    };
    const f = input.fate;
    const lived =
      f.inspection &&
      (await next(1, 'inspection_scheduled')) &&
      (await next(2, 'inspection_completed')) &&
      (await next(1, 'quote_sent')) &&
      (!f.quoteOpened || (await next(1, 'quote_opened'))) &&
      (!f.competitor || (await next(1, 'competitor_mentioned'))) &&
      f.win &&
      (await next(5, 'contract_signed'));
    if (lived) {
      result.won = true;
      await getExternalWorkflowHandle(cadenceId)
        .signal(stopCadenceSignal, { reason: 'lead won' })
        .catch(() => undefined); // a reply already handed it over
      const startsAt = new Date(Date.now() + 14 * DAY).toISOString();
      const completed =
        (await next(0, 'project_scheduled', { startsAt })) &&
        (await next(14, 'project_started')) &&
        (await next(3, 'project_completed'));
      if (completed && (!f.review || (await next(5, 'review_posted'))) && f.referral) await next(30, 'referral_made');
    }
  }
  if (left() > 0) await sleep(left());
  return result;
}
