// The messaging contract: what a send asks for and answers, what a provider is given, and the shape
// of a template. Workflows, providers and templates depend on this file, not on the gateway's
// implementation, so none of them pulls in the others (and workflows import it type-only).
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../../db/schema';

/** The plans that message a contact, paced against each other by the gateway. */
export const PLANS = ['cadence', 'review', 'journey', 'other'] as const;
export type Plan = (typeof PLANS)[number];

export const CHANNELS = ['email', 'sms', 'call', 'postcard', 'messenger', 'nextdoor'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface SendRequest {
  /** Derived from the workflow id and step: the same key never sends twice. */
  idempotencyKey: string;
  workflowId?: string;
  contactId: string;
  leadId?: string;
  channel: Channel;
  /** Transactional messages (confirmations, reminders the customer asked for) skip the caps and pacing. */
  kind?: 'marketing' | 'transactional';
  /** Which plan asks (activities/messaging/pacing.ts): its priority when two plans want one slot. */
  plan?: Plan;
  /** Either the content itself… */
  subject?: string;
  text?: string;
  html?: string;
  /** …or a template and its variables, rendered here (a missing variable fails, nothing is sent). */
  template?: { name: string; version?: number; variables: Record<string, unknown> };
  /** Let the LLM reword a templated message (when personalisation is configured). */
  personalise?: boolean;
}

export type SendOutcome =
  | { status: 'sent'; messageId: string; providerMessageId: string; provider: string; duplicate: boolean }
  /** `messageId`: when the message had been recorded (an earlier attempt) and is now marked blocked. */
  | {
      status: 'blocked';
      reason: 'opted_out' | 'suppressed' | 'no_address' | 'landline';
      channel: Channel;
      messageId?: string;
    }
  | { status: 'deferred'; reason: 'quiet_hours' | 'holiday' | 'frequency_cap' | 'pacing'; notBefore: string }
  /**
   * Not sent, and never will be under this key: the provider refused it for good (`permanent`: an
   * invalid number, not a mobile… — activities/messaging/providers/errors.ts), or its retries ran
   * out (`permanent: false`, `reason: 'retries_exhausted'`). The caller picks another channel.
   */
  | { status: 'failed'; reason: string; channel: Channel; permanent: boolean; messageId?: string };

/**
 * The caller gives a send up: its retries ran out (`retries_exhausted`), the activity refused it
 * for good (`template_error`, `invalid_message`), or it no longer wants a deferred one (`called_off`).
 */
export interface AbandonRequest {
  idempotencyKey: string;
  channel: Channel;
  reason: string;
}

export interface OutboundMessage {
  id: string;
  idempotencyKey: string;
  contactId?: string;
  leadId?: string;
  channel: Channel;
  to: string;
  subject?: string;
  text: string;
  html?: string;
}

/**
 * What the gateway lends a provider for one call: the send's own database connection, which holds
 * the message's send lock. A provider that writes to our database (the local outbox, call tasks,
 * local postcards) uses it instead of taking a second connection from the pool: sends holding every
 * pooled connection while each waits for one more would stall the pool.
 */
export interface SendVia {
  db?: Kysely<Database>;
}

/** What a provider is told when asked whether an earlier attempt of a message reached it. */
export interface EarlierAttempt extends SendVia {
  /** When the message was recorded: no attempt of it can have reached the provider before. */
  recordedAt: Date;
  /** Whether a provider id already belongs to another of our messages (then it is not this one). */
  claimed(providerMessageId: string): Promise<boolean>;
}

/** A delivery service for one channel (SendGrid, Twilio, the local outbox…). */
export interface MessageProvider {
  readonly name: string;
  send(message: OutboundMessage, via?: SendVia): Promise<{ providerMessageId: string }>;
  /**
   * For providers without idempotency keys (Twilio): whether an earlier attempt of this message
   * reached them — its provider id, or undefined. The gateway asks only on a retry after an
   * unknown outcome (recorded by an earlier attempt, never confirmed), never on a first attempt,
   * so a new message is never mistaken for an older one with the same text.
   */
  alreadySent?(message: OutboundMessage, earlier: EarlierAttempt): Promise<string | undefined>;
}

export interface FrequencyCaps {
  perDay: number;
  perWeek: number;
  /** Pacing across plans (activities/messaging/pacing.ts): the least gap before a marketing message; absent: none. */
  minGapMs?: number;
}

export interface MessageTemplate<V extends z.ZodType = z.ZodType> {
  name: string;
  /** A new wording is a new version: messages record which one they were rendered from. */
  version: number;
  channel: Channel;
  variables: V;
  subject?: string;
  text: string;
  html?: string;
}

export interface RenderedMessage {
  template: string;
  subject?: string;
  text: string;
  html?: string;
}
