// The adaptive follow-up plan (roadmap 4.3 B-C): the day 1-10 channel tests, then frequency by
// engagement and the ACCELERATE / PAUSE / ADJUST modes, the touch cap and opted-out channels.
import { describe, expect, it } from 'vitest';
import {
  engagementLevel,
  intervalDays,
  modeOf,
  nextTouch,
  type CadenceState,
  type EngagementEvent,
  type PlannedTouch,
} from '../../workflows/cadence/rules/plan';

const policy = { maxTouches: 12, minGapDays: 0.5 };
const state = (over: Partial<CadenceState> = {}): CadenceState => ({
  day: 0,
  touches: [],
  events: [],
  blocked: [],
  connected: { messenger: false, nextdoor: false },
  ...over,
});
const touch = (s: CadenceState) => nextTouch(s, policy) as PlannedTouch;

describe('cadence plan', () => {
  it('day 1 is an email; day 2 an SMS when it was not opened', () => {
    expect(touch(state())).toMatchObject({ day: 1, channel: 'email', reason: 'day 1: email, to test the open rate' });
    const s = state({ day: 1.2, touches: [{ day: 1, channel: 'email' }] });
    expect(touch(s)).toMatchObject({ day: 2, channel: 'sms', reason: 'day 2: the email was not opened' });
  });

  it('an opened email without a click gets a call on day 3, not an SMS on day 2', () => {
    const s = state({
      day: 1.5,
      touches: [{ day: 1, channel: 'email' }],
      events: [{ day: 1.3, kind: 'opened', channel: 'email' }],
    });
    expect(touch(s)).toMatchObject({ day: 3, channel: 'call', reason: 'day 3: opened but no click' });
  });

  it('a delivered SMS gets a follow-up email on day 4; nothing at all by day 5 brings a postcard', () => {
    const delivered = state({
      day: 2.2,
      touches: [
        { day: 1, channel: 'email' },
        { day: 2, channel: 'sms' },
      ],
      events: [{ day: 2.1, kind: 'delivered', channel: 'sms' }],
    });
    expect(touch(delivered)).toMatchObject({ day: 4, channel: 'email' });
    const silent = state({
      day: 4.1,
      touches: [
        { day: 1, channel: 'email' },
        { day: 2, channel: 'sms' },
      ],
    });
    expect(touch(silent)).toMatchObject({ day: 5, channel: 'postcard', reason: 'day 5: no engagement yet' });
  });

  it('Messenger on day 7 and Nextdoor on day 10 only when connected', () => {
    const base = {
      day: 5.5,
      touches: [
        { day: 1, channel: 'email' as const },
        { day: 2, channel: 'sms' as const },
        { day: 5, channel: 'postcard' as const },
      ],
    };
    expect(touch(state({ ...base, connected: { messenger: true, nextdoor: true } }))).toMatchObject({
      day: 7,
      channel: 'messenger',
    });
    expect(
      touch(
        state({
          ...base,
          day: 7.5,
          touches: [...base.touches, { day: 7, channel: 'messenger' }],
          connected: { messenger: true, nextdoor: true },
        }),
      ),
    ).toMatchObject({ day: 10, channel: 'nextdoor' });
    expect(touch(state(base)).channel).not.toBe('messenger');
  });

  it('an opted-out channel falls back to the next one, and says so', () => {
    const s = state({ day: 1.2, touches: [{ day: 1, channel: 'email' }], blocked: ['sms'] });
    expect(touch(s)).toMatchObject({
      day: 2,
      channel: 'email',
      reason: 'day 2: the email was not opened; sms unavailable, email instead',
    });
  });

  it('ACCELERATE on a buying signal: next day, phone first, a proposal after a click', () => {
    const events: EngagementEvent[] = [{ day: 1.5, kind: 'clicked', channel: 'email' }];
    const s = state({ day: 1.6, touches: [{ day: 1, channel: 'email' }], events });
    expect(modeOf(s).mode).toBe('ACCELERATE');
    expect(touch(s)).toMatchObject({ day: 2, channel: 'call', content: 'proposal', mode: 'ACCELERATE' });
    const visits = state({
      day: 12,
      touches: [{ day: 10, channel: 'email' }],
      events: [11, 11.2, 11.5].map((d) => ({ day: d, kind: 'website_visit' as const })),
    });
    expect(modeOf(visits)).toEqual({ mode: 'ACCELERATE', why: '3 website visits in 3 days' });
  });

  it('PAUSE on overwhelm: weekly, educational, by email — and overwhelm beats a buying signal', () => {
    const s = state({
      day: 12,
      touches: [{ day: 11, channel: 'sms' }],
      events: [
        { day: 11.5, kind: 'replied', channel: 'sms' },
        { day: 11.6, kind: 'overwhelmed', channel: 'sms' },
      ],
    });
    expect(touch(s)).toMatchObject({ day: 18, channel: 'email', content: 'educational', mode: 'PAUSE' });
  });

  it('frequency follows engagement: 3+ interactions daily, 1-2 every 2-3 days, none weekly', () => {
    const at = (n: number) =>
      state({
        day: 20,
        events: Array.from({ length: n }, (_, i) => ({
          day: 15 + i * 0.5,
          kind: 'opened' as const,
          channel: 'email' as const,
        })),
      });
    expect([0, 1, 2, 3].map((n) => engagementLevel(at(n)))).toEqual(['low', 'medium', 'medium', 'high']);
    expect([0, 1, 2, 3].map((n) => intervalDays(at(n), 'ADJUST'))).toEqual([7, 3, 2, 1]);
    const quiet = state({ day: 15, touches: [{ day: 14, channel: 'email' }] });
    expect(touch(quiet)).toMatchObject({ day: 21, mode: 'ADJUST' });
  });

  it('ends at the touch cap or when no channel is left; never closer than the minimum gap', () => {
    expect(
      nextTouch(
        state({ touches: Array.from({ length: 12 }, (_, i) => ({ day: i, channel: 'email' as const })) }),
        policy,
      ),
    ).toEqual({ end: 'touch cap of 12 reached' });
    expect(nextTouch(state({ blocked: ['email', 'sms', 'call', 'postcard'] }), policy)).toEqual({
      end: 'every channel opted out or unavailable',
    });
    const s = state({
      day: 2,
      touches: [{ day: 1.9, channel: 'email' }],
      events: [{ day: 1.95, kind: 'replied', channel: 'email' }],
    });
    expect(touch(s).day).toBeGreaterThanOrEqual(2.4);
  });
});
