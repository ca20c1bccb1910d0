// The monthly re-tiering (roadmap 4.4 B WEIGHTED_ROUND_ROBIN: "Top performers get 30% more leads",
// "New hires get 50% load for training period", "Auto-adjust based on monthly performance"). Pure:
// the activity reads each rep's closes and applies what this decides, a row per change.
//
// - A new hire stays one until their training ends (reps.training_ends_on; none set: still in
//   training), then becomes standard.
// - Every other active rep with at least `minClosed` leads closed (won or lost) in the last
//   `windowDays` gets their own close rate (won / closed); ranked by it, the top `topShare` of them
//   (at least one) are top performers, the rest standard. A rep with fewer closes keeps their tier
//   and close rate: a handful of closes says nothing.
export interface RetierPolicy {
  windowDays: number;
  minClosed: number;
  topShare: number;
}

/** A month; ten closes at least; the top 20 %, the same share VIPs go to (4.4 C). */
export const DEFAULT_RETIER_POLICY: RetierPolicy = { windowDays: 30, minClosed: 10, topShare: 0.2 };

export type Tier = 'top' | 'standard' | 'new_hire';

export interface RepRecord {
  repId: string;
  tier: string;
  closeRate: number;
  /** YYYY-MM-DD, or null. */
  trainingEndsOn: string | null;
  closed: number;
  won: number;
}

export interface TierChange {
  repId: string;
  fromTier: string;
  toTier: string;
  closeRateBefore: number;
  closeRateAfter: number;
  closed: number;
  won: number;
  reason: string;
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;

/** What changes for each rep on `today` (YYYY-MM-DD): only reps whose tier or close rate moves. */
export function retier(reps: RepRecord[], today: string, policy: RetierPolicy = DEFAULT_RETIER_POLICY): TierChange[] {
  const inTraining = (r: RepRecord) => r.tier === 'new_hire' && (r.trainingEndsOn === null || r.trainingEndsOn > today);
  const measured = reps
    .filter((r) => !inTraining(r) && r.closed >= policy.minClosed)
    .map((r) => ({ ...r, rate: round(r.won / r.closed) }))
    .sort((a, b) => b.rate - a.rate || a.repId.localeCompare(b.repId));
  const topCount = measured.length > 0 ? Math.max(1, Math.ceil(measured.length * policy.topShare)) : 0;
  const rank = new Map(measured.map((r, i) => [r.repId, { rate: r.rate, top: i < topCount, place: i + 1 }]));

  const changes: TierChange[] = [];
  for (const r of reps) {
    if (inTraining(r)) continue;
    const m = rank.get(r.repId);
    const graduating = r.tier === 'new_hire';
    const toTier: string = m ? (m.top ? 'top' : 'standard') : graduating ? 'standard' : r.tier;
    const closeRateAfter = m ? m.rate : r.closeRate;
    if (toTier === r.tier && closeRateAfter === r.closeRate) continue;
    const measuredNote = m
      ? `close rate ${closeRateAfter} (${r.won}/${r.closed} in ${policy.windowDays} days), #${m.place} of ${measured.length} measured, top ${topCount}`
      : `${r.closed} closed in ${policy.windowDays} days, fewer than ${policy.minClosed}: tier kept`;
    changes.push({
      repId: r.repId,
      fromTier: r.tier,
      toTier,
      closeRateBefore: r.closeRate,
      closeRateAfter,
      closed: r.closed,
      won: r.won,
      reason: graduating ? `training ended ${r.trainingEndsOn}; ${measuredNote}` : measuredNote,
    });
  }
  return changes;
}
