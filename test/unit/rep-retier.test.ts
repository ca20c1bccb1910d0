// The monthly re-tiering rule (roadmap 4.4 B "Auto-adjust based on monthly performance"): own close
// rates with a minimum sample, the top 20 % of those measured, new hires until their training ends.
import { describe, expect, it } from 'vitest';
import { retier, type RepRecord } from '../../workflows/rep-retier/rules/tiers';

const rep = (repId: string, over: Partial<RepRecord> = {}): RepRecord => ({
  repId,
  tier: 'standard',
  closeRate: 0.35,
  trainingEndsOn: null,
  closed: 0,
  won: 0,
  ...over,
});
const today = '2026-12-01';

describe('retier', () => {
  it('ranks the reps with enough closes by their own close rate: the top 20 % are top, the rest standard', () => {
    const team = [
      ...Array.from({ length: 9 }, (_, i) => rep(`s${i}`, { closed: 10, won: 3 + (i % 3) })),
      rep('star', { closed: 10, won: 7 }),
      rep('fallen', { tier: 'top', closeRate: 0.5, closed: 20, won: 6 }),
    ];
    const changes = retier(team, today);
    // 11 measured: ceil(2.2) = 3 top places: star (0.7) and the two s-reps at 0.5 (ids first).
    expect(changes.filter((c) => c.toTier === 'top').map((c) => c.repId)).toEqual(['s2', 's5', 'star']);
    expect(changes.find((c) => c.repId === 'fallen')).toMatchObject({ toTier: 'standard', closeRateAfter: 0.3 });
  });

  it('a handful of closes says nothing: tier and close rate are kept, and no change is written', () => {
    expect(retier([rep('few', { tier: 'top', closeRate: 0.5, closed: 9, won: 0 })], today)).toEqual([]);
  });

  it('a new hire stays one until the day their training ends (none set: still training), then is standard', () => {
    const changes = retier(
      [
        rep('ends-today', { tier: 'new_hire', trainingEndsOn: today }),
        rep('tomorrow', { tier: 'new_hire', trainingEndsOn: '2026-12-02', closed: 30, won: 30 }),
        rep('unset', { tier: 'new_hire' }),
      ],
      today,
    );
    expect(changes.map((c) => [c.repId, c.toTier])).toEqual([['ends-today', 'standard']]);
  });
});
