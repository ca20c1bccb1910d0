// Cadence definitions: a name ops can pause as a whole (a holiday, a storm) and the A/B variants
// of its steps. A lead's variant is a hash of definition, step and lead id: the same lead always
// gets the same variant, on replay and after continue-as-new, with no randomness in the workflow.
import type { CadenceChannel } from './plan';

export interface Variant {
  id: string;
  /** Another channel for the step (used only while that channel is open to the person). */
  channel?: CadenceChannel;
  /** Another email subject for the step. */
  subject?: string;
}

export interface CadenceDefinition {
  name: string;
  /** Variants by plan step (`day-1`…`day-10`, `accelerate`, `pause`, `adjust`); the first is the control. */
  variants: Partial<Record<string, Variant[]>>;
}

export const CADENCE_DEFINITIONS: Record<string, CadenceDefinition> = {
  standard: {
    name: 'standard',
    variants: {
      'day-1': [{ id: 'A' }, { id: 'B', subject: 'Is your roof ready for winter?' }],
      'day-2': [{ id: 'A' }, { id: 'B', channel: 'call' }],
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

/** The lead's variant of a step; the control when the step has none or the variant's channel is closed. */
export function variantFor(
  definition: CadenceDefinition,
  step: string,
  leadId: string,
  open: (c: CadenceChannel) => boolean,
): Variant {
  const variants = definition.variants[step];
  if (!variants?.length) return { id: 'A' };
  const chosen = variants[fnv1a(`${definition.name}:${step}:${leadId}`) % variants.length]!;
  return chosen.channel && !open(chosen.channel) ? variants[0]! : chosen;
}
