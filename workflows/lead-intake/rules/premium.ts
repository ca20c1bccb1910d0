// Which leads are premium (roadmap 4.4 B FAIRNESS ENFORCEMENT: "Ensure equal premium lead access",
// "Rotate high-value lead assignments"): the leads reps would cherry-pick. Routing rotates them on a
// credit of their own (choose-rep.ts), and the fairness report counts them per rep. Data, not code:
// ops read the rule here and in docs/routing.md.
import type { Temperature } from './lead';

export const PREMIUM_LEAD = {
  /** Every VIP (4.4 C's triggers): ultra-premium property, partner referral, big claim, returning customer. */
  vip: true,
  /** The temperatures that make a lead premium on their own: HOT is the 78 % conversion advantage (4.1 D). */
  temperatures: ['HOT'] as readonly Temperature[],
  /** An expected first project at least this big (the models' CLV, else the insurance claim): 4.4 C's claim line. */
  valueAtLeast: 40_000,
} as const;

export interface LeadQuality {
  isVip: boolean;
  temperature?: Temperature | null;
  /** Expected first project value, when known. */
  value?: number | null;
}

export function isPremium(q: LeadQuality): boolean {
  return (
    (PREMIUM_LEAD.vip && q.isVip) ||
    (!!q.temperature && PREMIUM_LEAD.temperatures.includes(q.temperature)) ||
    (q.value ?? 0) >= PREMIUM_LEAD.valueAtLeast
  );
}
