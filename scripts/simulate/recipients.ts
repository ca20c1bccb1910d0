// The simulated recipients, behind the real messaging gateway: every message goes through the
// production sending activity (consent, quiet hours, holidays, caps — on Postgres), and what a
// delivered message earns is drawn from the scenario: opened, clicked, replied, an out-of-office
// answer, or an opt-out — told to the sending workflow as the provider webhooks would.
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { createSendingActivities } from '../../activities';
import type { SendOutcome, SendRequest } from '../../activities/messaging/contract';
import { setConsent } from '../../db/repositories/messages';
import { cadenceWorkflowId } from '../../temporal/workflow-ids';
import type { Database } from '../../db/schema';
import type { CadenceChannel } from '../../workflows/cadence/rules/plan';
import { messageEventSignal, type MessageEvent } from '../../workflows/messaging/messages';
import { repliedSignal } from './customer';
import { draw } from './random';
import type { Scenario } from './scenarios';

const DAY = 86_400_000;

export interface Tally {
  sent: Record<string, Record<string, number>>; // by workflow kind, by channel
  blocked: number;
  deferrals: Record<string, number>; // by reason
  deferredMessages: Record<string, Set<string>>; // by reason: idempotency keys
  touchesPerLead: Map<string, number>; // cadence touches
  opens: number;
  clicks: number;
  replies: number;
  autoReplies: number;
  optOuts: Set<string>; // contacts
}

export function newTally(): Tally {
  return {
    sent: {},
    blocked: 0,
    deferrals: {},
    deferredMessages: {},
    touchesPerLead: new Map(),
    opens: 0,
    clicks: 0,
    replies: 0,
    autoReplies: 0,
    optOuts: new Set(),
  };
}

export function simulatedRecipients(deps: {
  sending: ReturnType<typeof createSendingActivities>;
  db: Kysely<Database>;
  client: Client;
  scenario: Scenario;
  seed: number;
  tally: Tally;
}) {
  const { sending, db, client, scenario, seed, tally } = deps;
  const tell = (workflowId: string, messageId: string, channel: string, event: MessageEvent, until?: string) =>
    client.workflow.getHandle(workflowId).signal(messageEventSignal, {
      messageId,
      channel,
      event,
      at: new Date(Context.current().info.currentAttemptScheduledTimestampMs).toISOString(),
      until,
    });

  return {
    // The rest of the sending activities as production has them (abandonMessage…).
    ...sending,
    async sendMessage(req: SendRequest): Promise<SendOutcome> {
      const outcome = await sending.sendMessage(req);
      const kind = req.workflowId?.split('-')[0] ?? 'other';
      if (outcome.status === 'deferred') {
        tally.deferrals[outcome.reason] = (tally.deferrals[outcome.reason] ?? 0) + 1;
        (tally.deferredMessages[outcome.reason] ??= new Set()).add(req.idempotencyKey);
      }
      if (outcome.status === 'blocked') tally.blocked += 1;
      if (outcome.status !== 'sent' || outcome.duplicate) return outcome;

      const byChannel = (tally.sent[kind] ??= {});
      byChannel[req.channel] = (byChannel[req.channel] ?? 0) + 1;
      if (kind === 'cadence' && req.leadId)
        tally.touchesPerLead.set(req.leadId, (tally.touchesPerLead.get(req.leadId) ?? 0) + 1);

      const p = scenario.perMessage[req.channel as CadenceChannel];
      const roll = (what: string) => draw(seed, req.idempotencyKey, what);
      const toCadence = kind === 'cadence' && req.workflowId !== undefined;
      if (roll('opt-out') < p.optOut) {
        const row = await db
          .selectFrom('messages')
          .select('to_address')
          .where('id', '=', outcome.messageId)
          .executeTakeFirstOrThrow();
        await setConsent(db, {
          channel: req.channel,
          address: row.to_address,
          status: 'opted_out',
          source: 'simulation',
        });
        tally.optOuts.add(req.contactId);
        if (toCadence) await tell(req.workflowId!, outcome.messageId, req.channel, 'unsubscribed');
        return outcome;
      }
      if (roll('open') >= p.open) return outcome;
      tally.opens += 1;
      if (toCadence) await tell(req.workflowId!, outcome.messageId, req.channel, 'opened');
      if (roll('away') < scenario.outOfOffice) {
        tally.autoReplies += 1;
        if (toCadence)
          await tell(
            req.workflowId!,
            outcome.messageId,
            req.channel,
            'auto_reply',
            new Date(Context.current().info.currentAttemptScheduledTimestampMs + 7 * DAY).toISOString(),
          );
        return outcome;
      }
      if (roll('click') < p.click) {
        tally.clicks += 1;
        if (toCadence) await tell(req.workflowId!, outcome.messageId, req.channel, 'clicked');
      }
      if (roll('reply') < p.reply) {
        tally.replies += 1;
        // A reply to any message (a journey's too) is the person answering: their cadence hands over.
        await tell(cadenceWorkflowId(req.leadId!), outcome.messageId, req.channel, 'replied').catch(() => undefined);
        await client.workflow
          .getHandle(`sim-${req.leadId}`)
          .signal(repliedSignal)
          .catch(() => undefined); // past the horizon
      }
      return outcome;
    },
  };
}
