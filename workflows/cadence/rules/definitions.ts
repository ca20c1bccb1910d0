// Cadence definitions: a name ops can pause as a whole (a holiday, a storm) and the A/B variants
// of its steps. A lead's variant is a hash of definition, step and lead id: the same lead always
// gets the same variant, on replay and after continue-as-new, with no randomness in the workflow.
// The day 1-10 channel tests (4.3 B) are the plan: a variant varies a step within it — wording,
// timing within the day, the template — and keeps the plan's channel, unless its definition says
// `channelTests: true` (issue 22 item 10: a channel variant also changes which later steps happen).
import type { CadenceChannel } from './plan';

export interface Variant {
  id: string;
  /** Another channel for the step: only in a definition with `channelTests` (and while that channel is open). */
  channel?: CadenceChannel;
  /** Another email subject for the step. */
  subject?: string;
  /** Other wording for the message's text (the SMS, the email's body, the call task's script). */
  text?: string;
  /** Timing within the day: this many hours after the plan's moment (0-8). */
  laterHours?: number;
}

export interface CadenceDefinition {
  name: string;
  /** Variants may replace the plan's channel (a channel experiment ops asked for explicitly). Default: no. */
  channelTests?: boolean;
  /** Variants by plan step (`day-1`…`day-10`, `accelerate`, `pause`, `adjust`); the first is the control. */
  variants: Partial<Record<string, Variant[]>>;
}

export const CADENCE_DEFINITIONS: Record<string, CadenceDefinition> = {
  standard: {
    name: 'standard',
    variants: {
      'day-1': [{ id: 'A' }, { id: 'B', subject: 'Is your roof ready for winter?' }],
      'day-2': [
        { id: 'A' },
        {
          id: 'B',
          text: 'iSwitch Roofs here: a free roof inspection takes 30 minutes and you get photos of everything we see. Reply with a day that suits you.',
        },
      ],
      'day-4': [{ id: 'A' }, { id: 'B', laterHours: 4 }],
    },
  },
  // The plan alone, without experiments.
  plain: { name: 'plain', variants: {} },
  // After a storm: the same rules, its own name so ops can pause or compare it on its own.
  storm: {
    name: 'storm',
    variants: { 'day-1': [{ id: 'A' }, { id: 'B', subject: 'Storm damage? Free inspection this week' }] },
  },
};

/**
 * The definitions as they were before issue 22, where `standard`'s day-2 variant B was a call
 * instead of the SMS: only histories recorded before the `cadence-variants-within-plan` patch use them.
 */
export const DEFINITIONS_BEFORE_ISSUE_22: Record<string, CadenceDefinition> = {
  standard: {
    name: 'standard',
    channelTests: true,
    variants: {
      'day-1': [{ id: 'A' }, { id: 'B', subject: 'Is your roof ready for winter?' }],
      'day-2': [{ id: 'A' }, { id: 'B', channel: 'call' }],
    },
  },
};

export const DEFAULT_DEFINITION = 'standard';

/** FNV-1a: a small, stable string hash (no crypto in workflow code). */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * The lead's variant of a step; the control when the step has none or the variant's channel is
 * closed. Without `channelTests` a variant never changes the channel.
 */
export function variantFor(
  definition: CadenceDefinition,
  step: string,
  leadId: string,
  open: (c: CadenceChannel) => boolean,
): Variant {
  const variants = definition.variants[step];
  if (!variants?.length) return { id: 'A' };
  const chosen = variants[fnv1a(`${definition.name}:${step}:${leadId}`) % variants.length]!;
  if (!chosen.channel) return chosen;
  if (!definition.channelTests) {
    const { channel: _ignored, ...within } = chosen;
    return within;
  }
  return open(chosen.channel) ? chosen : variants[0]!;
}
