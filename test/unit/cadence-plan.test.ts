// The adaptive follow-up plan (roadmap 4.3 B-C): the day 1-10 channel tests, then frequency by
// engagement and the ACCELERATE / PAUSE / ADJUST modes, the touch cap and opted-out channels.
import { describe, expect, it } from 'vitest';
import { CADENCE_DEFINITIONS, variantFor, type CadenceDefinition } from '../../workflows/cadence/rules/definitions';
import { DEFAULT_CADENCE_SETTINGS } from '../../workflows/cadence/types';
import {
  CURRENT_RULES,
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

  describe('issue 22', () => {
    const overwhelmed: EngagementEvent = { day: 11.6, kind: 'overwhelmed', channel: 'sms' };
    const paused = (over: Partial<CadenceState>) =>
      state({ touches: [{ day: 11, channel: 'sms' }], events: [overwhelmed], ...over });

    it('item 11: PAUSE lasts — weekly educational, then value-add, until re-engaged and at least pauseMinDays', () => {
      // Past the three days the old rule paused for: still paused, a week after the last touch.
      const p1 = paused({ day: 15 });
      expect(modeOf(p1, policy).mode).toBe('PAUSE');
      expect(touch(p1)).toMatchObject({ day: 18, channel: 'email', content: 'educational', mode: 'PAUSE' });
      const p2 = paused({
        day: 18.5,
        touches: [
          { day: 11, channel: 'sms' },
          { day: 18, channel: 'email' },
        ],
      });
      expect(touch(p2)).toMatchObject({ day: 25, content: 'value_add', mode: 'PAUSE' });
      // Weeks later, with no sign of interest: still paused.
      expect(modeOf(paused({ day: 60 }), policy).mode).toBe('PAUSE');
      // Interest before the minimum (21 days from day 11.6) does not end it yet…
      const clicked = [overwhelmed, { day: 30, kind: 'clicked' as const, channel: 'email' as const }];
      expect(modeOf(paused({ day: 31, events: clicked }), policy).mode).toBe('PAUSE');
      // …after it, a click (a buying signal within 3 days) does, and so do two opens.
      expect(modeOf(paused({ day: 32.7, events: clicked }), policy).mode).toBe('ACCELERATE');
      const opens = [
        overwhelmed,
        ...[26, 28].map((d) => ({ day: d, kind: 'opened' as const, channel: 'email' as const })),
      ];
      expect(modeOf(paused({ day: 33, events: opens }), policy).mode).toBe('ADJUST');
      expect(modeOf(paused({ day: 33, events: opens.slice(0, 2) }), policy).mode).toBe('PAUSE'); // one open: not yet
      // The minimum is configurable.
      expect(
        modeOf(paused({ day: 14, events: clicked.map((e) => ({ ...e, day: e.day === 30 ? 13 : e.day })) }), {
          ...policy,
          pauseMinDays: 2,
        }).mode,
      ).toBe('ACCELERATE');
      // The rule before issue 22 (old histories): three days.
      expect(modeOf(paused({ day: 15 }), policy, { ...CURRENT_RULES, pauseLasts: false }).mode).toBe('ADJUST');
    });

    it('item 12: ADJUST varies content types — educational, testimonial, offer, seasonal (storm for the storm definition)', () => {
      const adjustTouches = (n: number) =>
        Array.from({ length: n }, (_, i) => ({ day: 12 + 7 * i, channel: 'email' as const, step: 'adjust' }));
      const contents = [0, 1, 2, 3, 4].map(
        (n) =>
          touch(state({ day: 12 + 7 * n, touches: [{ day: 5, channel: 'postcard' }, ...adjustTouches(n)] })).content,
      );
      expect(contents).toEqual(['educational', 'testimonial', 'offer', 'seasonal', 'educational']);
      const storm = state({ day: 40, storm: true, touches: [{ day: 5, channel: 'postcard' }, ...adjustTouches(3)] });
      expect(touch(storm)).toMatchObject({ step: 'adjust', content: 'storm' });
      // The day 1-10 tests stay the standard (sales) cadence.
      expect(touch(state()).content).toBe('sales');
      expect(nextTouch(storm, policy, { ...CURRENT_RULES, adjustVariesContent: false })).toMatchObject({
        content: 'sales',
      });
    });

    it('item 14: the default touch cap is a safety limit above 16 — an accelerated cadence goes on past 12', () => {
      const defaults = DEFAULT_CADENCE_SETTINGS.policy;
      expect(defaults.maxTouches).toBeGreaterThan(16);
      const twelve = Array.from({ length: 12 }, (_, i) => ({ day: i + 1, channel: 'email' as const }));
      const accelerated = state({
        day: 13,
        touches: twelve,
        events: [{ day: 12.5, kind: 'clicked', channel: 'email' }],
      });
      expect(nextTouch(accelerated, defaults)).toMatchObject({ mode: 'ACCELERATE', channel: 'call', day: 13 });
      const atCap = Array.from({ length: defaults.maxTouches }, (_, i) => ({ day: i + 1, channel: 'email' as const }));
      expect(nextTouch(state({ day: 30, touches: atCap }), defaults)).toEqual({
        end: `touch cap of ${defaults.maxTouches} reached`,
      });
    });

    it('item 10: variants vary a step within the plan — never its channel, unless the definition says channelTests', () => {
      const open = () => true;
      for (const definition of Object.values(CADENCE_DEFINITIONS))
        for (const step of Object.keys(definition.variants))
          for (let i = 0; i < 50; i++) expect(variantFor(definition, step, `lead-${i}`, open).channel).toBeUndefined();
      // Both of standard's day-2 variants reach someone, and both are the plan's SMS.
      const day2 = new Set(
        Array.from({ length: 50 }, (_, i) => variantFor(CADENCE_DEFINITIONS.standard!, 'day-2', `lead-${i}`, open).id),
      );
      expect(day2).toEqual(new Set(['A', 'B']));
      const sneaky: CadenceDefinition = {
        name: 'x',
        variants: { 'day-2': [{ id: 'A' }, { id: 'B', channel: 'call', subject: 's' }] },
      };
      const explicit: CadenceDefinition = { ...sneaky, channelTests: true };
      const leadB = Array.from({ length: 50 }, (_, i) => `lead-${i}`).find(
        (l) => variantFor(explicit, 'day-2', l, open).id === 'B',
      )!;
      expect(variantFor(sneaky, 'day-2', leadB, open)).toEqual({ id: 'B', subject: 's' });
      expect(variantFor(explicit, 'day-2', leadB, open).channel).toBe('call');
      expect(variantFor(explicit, 'day-2', leadB, (c) => c !== 'call').id).toBe('A'); // closed: the control
    });
  });
});
