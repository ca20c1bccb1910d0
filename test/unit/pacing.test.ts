import { describe, expect, it } from 'vitest';
import { pace, STALE_WAIT_MS } from '../../activities/messaging/pacing';

const H = 3_600_000;
const T = Date.parse('2026-06-02T14:00:00Z');
const gap = 4 * H;

describe('pacing one contact across plans', () => {
  it('sends when nothing was sent lately and nothing more important waits', () => {
    expect(pace({ at: T, plan: 'journey', waiting: [], minGapMs: gap })).toEqual({ ok: true });
    expect(pace({ at: T, plan: 'journey', lastMessageAt: T - gap, waiting: [], minGapMs: gap })).toEqual({ ok: true });
  });

  it('waits the minimum gap after the last message, whichever plan sent it', () => {
    expect(pace({ at: T, plan: 'cadence', lastMessageAt: T - H, waiting: [], minGapMs: gap })).toEqual({
      ok: false,
      notBefore: T + 3 * H,
      because: 'min_gap',
    });
  });

  it('lets a more important waiting message go first, then keeps the gap after it', () => {
    const waiting = [{ plan: 'cadence' as const, notBefore: T + H }];
    expect(pace({ at: T, plan: 'journey', waiting, minGapMs: gap })).toEqual({
      ok: false,
      notBefore: T + H + gap,
      because: 'higher_priority_waiting',
    });
    // A waiting message that is already due (it will ask again in a moment) still goes first.
    expect(
      pace({ at: T, plan: 'review', waiting: [{ plan: 'cadence', notBefore: T - 60_000 }], minGapMs: gap }),
    ).toEqual({ ok: false, notBefore: T + gap, because: 'higher_priority_waiting' });
  });

  it('ignores waiting messages of the same or lower priority, due after the gap, or long stale', () => {
    const ok = { ok: true };
    expect(pace({ at: T, plan: 'cadence', waiting: [{ plan: 'journey', notBefore: T + H }], minGapMs: gap })).toEqual(
      ok,
    );
    expect(pace({ at: T, plan: 'review', waiting: [{ plan: 'review', notBefore: T + H }], minGapMs: gap })).toEqual(ok);
    expect(pace({ at: T, plan: 'journey', waiting: [{ plan: 'cadence', notBefore: T + gap }], minGapMs: gap })).toEqual(
      ok,
    );
    const stale = [{ plan: 'cadence' as const, notBefore: T - STALE_WAIT_MS - 1 }];
    expect(pace({ at: T, plan: 'journey', waiting: stale, minGapMs: gap })).toEqual(ok);
  });

  it('a zero gap turns pacing off', () => {
    expect(
      pace({ at: T, plan: 'journey', lastMessageAt: T - 1, waiting: [{ plan: 'cadence', notBefore: T }], minGapMs: 0 }),
    ).toEqual({ ok: true });
  });
});
