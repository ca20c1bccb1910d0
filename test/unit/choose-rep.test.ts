// Routing decisions (roadmap 4.4 A-C): availability, the 0.4/0.2/0.2/0.2 score, language, VIPs to
// the top 20 %, returning customers to their rep, the best-fit band, weighted round-robin shares
// over 1,000 leads, and premium leads in turn.
import { describe, expect, it } from 'vitest';
import {
  applyCredits,
  chooseRep,
  neededSkills,
  nextWorkingStart,
  withinWorkingHours,
  type RoutingLead,
  type RoutingRep,
} from '../../workflows/lead-intake/rules/choose-rep';

const allWeek = {
  mon: ['00:00', '24:00'],
  tue: ['00:00', '24:00'],
  wed: ['00:00', '24:00'],
  thu: ['00:00', '24:00'],
  fri: ['00:00', '24:00'],
  sat: ['00:00', '24:00'],
  sun: ['00:00', '24:00'],
} as RoutingRep['workingHours'];
const rep = (id: string, over: Partial<RoutingRep> = {}): RoutingRep => ({
  id,
  role: 'rep',
  active: true,
  territories: ['Troy'],
  skills: ['residential'],
  languages: ['English'],
  performanceTier: 'standard',
  closeRate: 0.35,
  activeLeads: 0,
  maxActiveLeads: 15,
  timeZone: 'America/Detroit',
  workingHours: allWeek,
  timeOff: [],
  ...over,
});
const lead = (over: Partial<RoutingLead> = {}): RoutingLead => ({
  city: 'Troy',
  needs: ['residential'],
  isVip: false,
  excludeRepIds: [],
  ...over,
});
// Wednesday 2026-11-25 15:00 in Detroit (UTC-5).
const now = new Date('2026-11-25T20:00:00Z');

describe('chooseRep', () => {
  it('scores expertise 0.4, territory 0.2, performance 0.2, capacity 0.2 and prefers the clear best fit', () => {
    const d = chooseRep(
      lead({ needs: ['residential', 'insurance_claims'] }),
      [rep('fit', { skills: ['residential', 'insurance_claims'] }), rep('elsewhere', { territories: ['Detroit'] })],
      now,
    );
    expect(d.chosenRepId).toBe('fit');
    const fit = d.candidates.find((c) => c.repId === 'fit')!;
    expect(fit).toMatchObject({ expertise: 1, territory: 1, performance: 1, capacity: 1, score: 1 });
    expect(d.candidates.find((c) => c.repId === 'elsewhere')).toMatchObject({
      expertise: 0.5,
      territory: 0,
      score: 0.6,
    });
  });

  it('says why each unavailable rep was passed over', () => {
    const d = chooseRep(
      lead({ excludeRepIds: ['breached'] }),
      [
        rep('manager', { role: 'manager' }),
        rep('gone', { active: false }),
        rep('breached'),
        rep('pto', { timeOff: [{ startsAt: new Date('2026-11-20'), endsAt: new Date('2026-11-30') }] }),
        rep('night', { workingHours: { wed: ['08:00', '12:00'] } }),
        rep('full', { activeLeads: 15 }),
        rep('free'),
      ],
      now,
    );
    expect(d.chosenRepId).toBe('free');
    expect(Object.fromEntries(d.excluded.map((e) => [e.repId, e.reason]))).toEqual({
      manager: 'not a sales rep',
      gone: 'inactive',
      breached: 'already missed this lead’s SLA',
      pto: 'on time off',
      night: 'outside working hours',
      full: 'at capacity (15/15)',
    });
  });

  it('reads working hours in the rep’s own time zone', () => {
    const hours = { wed: ['09:00', '17:00'] } as RoutingRep['workingHours'];
    expect(withinWorkingHours(hours, 'America/Detroit', now)).toBe(true); // 15:00 in Detroit
    expect(withinWorkingHours(hours, 'Asia/Tokyo', now)).toBe(false); // 05:00 Thursday in Tokyo
  });

  it('answers no rep when nobody is available, listing everyone excluded', () => {
    const d = chooseRep(lead(), [rep('a', { activeLeads: 15 }), rep('b', { active: false })], now);
    expect(d).toMatchObject({ chosenRepId: null, reason: 'no rep available' });
    expect(d.excluded).toHaveLength(2);
  });

  it('gives VIPs only to the top 20 % performers, however free the others are', () => {
    const team = Array.from({ length: 10 }, (_, i) =>
      rep(`r${i}`, { closeRate: 0.3 + i * 0.01, activeLeads: i === 9 || i === 8 ? 10 : 0 }),
    );
    const d = chooseRep(lead({ isVip: true }), team, now);
    expect(['r9', 'r8']).toContain(d.chosenRepId);
    expect(d.candidates.map((c) => c.repId).sort()).toEqual(['r8', 'r9']);
    expect(d.excluded.filter((e) => e.reason.startsWith('VIP lead'))).toHaveLength(8);
  });

  it('sends a returning customer back to their original rep when available, else routes normally', () => {
    const team = [rep('original', { activeLeads: 10 }), rep('other')];
    expect(chooseRep(lead({ preferredRepId: 'original' }), team, now)).toMatchObject({
      chosenRepId: 'original',
      reason: expect.stringMatching(/original rep/) as unknown,
    });
    expect(chooseRep(lead({ preferredRepId: 'original', excludeRepIds: ['original'] }), team, now).chosenRepId).toBe(
      'other',
    );
  });

  it('a returning VIP customer goes back to their original rep even outside the top 20 % (4.4 C assign_to_original_rep)', () => {
    // Five reps: the top 20 % is `star`; the original rep is the weakest closer.
    const team = [
      rep('star', { closeRate: 0.5 }),
      rep('b', { closeRate: 0.4 }),
      rep('c', { closeRate: 0.38 }),
      rep('d', { closeRate: 0.36 }),
      rep('original', { closeRate: 0.2, activeLeads: 9 }),
    ];
    const returning = lead({ isVip: true, preferredRepId: 'original' });
    expect(chooseRep(returning, team, now)).toMatchObject({
      chosenRepId: 'original',
      reason: 'returning customer: back to their original rep',
    });
    expect(chooseRep(returning, team, now).vipWidened).toBeUndefined();
    // Their rep unavailable: the VIP rule for everyone else, the top 20 %.
    expect(chooseRep({ ...returning, excludeRepIds: ['original'] }, team, now).chosenRepId).toBe('star');
  });

  it('prefers a rep who speaks the lead’s language, and says so when nobody does', () => {
    const team = [
      rep('en', { skills: ['residential', 'insurance_claims'] }),
      rep('es', { languages: ['English', 'Spanish'] }),
    ];
    expect(
      chooseRep(lead({ language: 'spanish', needs: ['residential', 'insurance_claims'] }), team, now).chosenRepId,
    ).toBe('es');
    expect(chooseRep(lead({ language: 'Korean' }), team, now).reason).toMatch(/nobody available speaks Korean/);
  });

  it('shares a run of equal leads by weight: top 1.3, standard 1.0, new hire 0.5', () => {
    const team = [
      rep('top', { performanceTier: 'top' }),
      rep('std'),
      rep('new', { performanceTier: 'new_hire', maxActiveLeads: 8 }),
    ];
    const counts: Record<string, number> = { top: 0, std: 0, new: 0 };
    for (let i = 0; i < 28; i++) {
      const decision = chooseRep(lead(), team, now);
      counts[decision.chosenRepId!]! += 1;
      team.find((r) => r.id === decision.chosenRepId)!.activeLeads += 1;
      applyCredits(team, decision);
    }
    // 28 × 1.3/2.8, × 1/2.8, × 0.5/2.8 = 13, 10, 5
    expect(counts).toEqual({ top: 13, std: 10, new: 5 });
  });

  it('the band never trades fit for load: the territory’s rep with 8 of 15 beats an idle rep from elsewhere (issue 22 item 6)', () => {
    // The roadmap's john_smith (Bloomfield Hills, 8 of 15 active) and a rep outside the territory with nothing.
    const team = [
      rep('john', { territories: ['Bloomfield Hills', 'Birmingham'], activeLeads: 8 }),
      rep('idle', { territories: ['Troy'], activeLeads: 0 }),
    ];
    const d = chooseRep(lead({ city: 'Bloomfield Hills' }), team, now);
    expect(d.chosenRepId).toBe('john');
    expect(d.candidates.find((c) => c.repId === 'idle')).toMatchObject({ inBand: false, fit: 0.4 });
    // The same fit: load and tier are the rotation's, not the score's.
    const even = chooseRep(lead(), [rep('busy', { activeLeads: 8 }), rep('free')], now);
    expect(even.candidates.every((c) => c.inBand)).toBe(true);
  });

  it('weighted round-robin delivers its shares over 1,000 leads with leads closing: top 1.3×, new hire 0.5× (±10 %)', () => {
    // A balanced team: two top performers, four standard, two new hires, all covering Troy, with the
    // close rates that make them those tiers. Leads close at random (seeded) so capacity is kept.
    const team = [
      ...['top1', 'top2'].map((id) => rep(id, { performanceTier: 'top', closeRate: 0.45 })),
      ...['std1', 'std2', 'std3', 'std4'].map((id) => rep(id, { closeRate: 0.35 })),
      ...['new1', 'new2'].map((id) => rep(id, { performanceTier: 'new_hire', closeRate: 0.22, maxActiveLeads: 8 })),
    ];
    let seed = 22;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    const received = Object.fromEntries(team.map((r) => [r.id, 0]));
    for (let i = 0; i < 1000; i++) {
      for (const r of team) for (let n = r.activeLeads; n > 0; n--) if (random() < 1 / 40) r.activeLeads -= 1;
      const decision = chooseRep(lead(), team, now);
      expect(decision.chosenRepId).not.toBeNull();
      received[decision.chosenRepId!]! += 1;
      team.find((r) => r.id === decision.chosenRepId)!.activeLeads += 1;
      applyCredits(team, decision);
    }
    const mean = (ids: string[]) => ids.reduce((sum, id) => sum + received[id]!, 0) / ids.length;
    const standard = mean(['std1', 'std2', 'std3', 'std4']);
    expect(mean(['top1', 'top2']) / standard).toBeGreaterThanOrEqual(1.3 * 0.9);
    expect(mean(['top1', 'top2']) / standard).toBeLessThanOrEqual(1.3 * 1.1);
    expect(mean(['new1', 'new2']) / standard).toBeGreaterThanOrEqual(0.5 * 0.9);
    expect(mean(['new1', 'new2']) / standard).toBeLessThanOrEqual(0.5 * 1.1);
  });

  it('premium leads rotate: every rep in the band gets them in turn, not whoever the rotation reaches (4.4 B)', () => {
    const team = [rep('a'), rep('b'), rep('c')];
    const premium: Record<string, number> = { a: 0, b: 0, c: 0 };
    const all: Record<string, number> = { a: 0, b: 0, c: 0 };
    // Every third lead is premium: a plain rotation would hand all of them to the same rep.
    for (let i = 0; i < 30; i++) {
      const isPremium = i % 3 === 2;
      const decision = chooseRep(lead({ premium: isPremium }), team, now);
      all[decision.chosenRepId!]! += 1;
      if (isPremium) premium[decision.chosenRepId!]! += 1;
      team.find((r) => r.id === decision.chosenRepId)!.activeLeads += 1;
      applyCredits(team, decision);
    }
    expect(Object.values(premium).sort()).toEqual([3, 3, 4]);
    expect(Object.values(all).sort()).toEqual([10, 10, 10]);
  });

  it('a rep back from time off earns no backlog: the rotation carries on where it was', () => {
    const team = [rep('a'), rep('b'), rep('away', { active: false })];
    const run = (n: number) => {
      const got: string[] = [];
      for (let i = 0; i < n; i++) {
        const d = chooseRep(lead(), team, now);
        got.push(d.chosenRepId!);
        team.find((r) => r.id === d.chosenRepId)!.activeLeads += 1;
        applyCredits(team, d);
      }
      return got;
    };
    run(20); // a and b hold 10 each
    team[2]!.active = true;
    const next = run(6);
    expect(next.filter((id) => id === 'away')).toHaveLength(2);
  });

  it('derives the skills a job needs from what is known about it', () => {
    expect(neededSkills({})).toEqual(['residential']);
    expect(
      neededSkills({
        propertyType: 'commercial',
        insuranceClaim: true,
        damageSeverity: 'severe',
        propertyValue: 750_000,
      }),
    ).toEqual(['commercial', 'insurance_claims', 'emergency_repair', 'luxury_residential']);
  });

  it('a VIP whose top performer cannot take it (missed its SLA) goes to the best available rep, flagged, not to nobody', () => {
    // The demo team's shape: four reps, so the top 20 % is one.
    const team = [
      rep('top', { closeRate: 0.45 }),
      rep('b', { closeRate: 0.3 }),
      rep('c', { closeRate: 0.35, skills: ['residential', 'insurance_claims'] }),
      rep('d', { closeRate: 0.2 }),
    ];
    const vip = lead({ isVip: true, needs: ['residential', 'insurance_claims'] });
    expect(chooseRep(vip, team, now)).toMatchObject({ chosenRepId: 'top' });
    expect(chooseRep(vip, team, now).vipWidened).toBeUndefined();
    const widened = chooseRep({ ...vip, excludeRepIds: ['top'] }, team, now);
    expect(widened).toMatchObject({ chosenRepId: 'c', vipWidened: true });
    expect(widened.reason).toMatch(/^VIP lead: no top-20 % performer available, widened to the best available rep; /);
    expect(widened.candidates.map((c) => c.repId).sort()).toEqual(['b', 'c', 'd']);
    // The top performer at capacity: the same.
    expect(chooseRep(vip, [rep('top', { closeRate: 0.45, activeLeads: 15 }), ...team.slice(1)], now).vipWidened).toBe(
      true,
    );
  });

  it('nobody available: says when the first rep who is off (time off, outside hours) is back', () => {
    const off = [
      rep('holiday', {
        timeOff: [{ startsAt: new Date('2026-11-20T00:00:00Z'), endsAt: new Date('2026-11-26T14:00:00Z') }],
      }),
      // 15:00 in Detroit; back at 09:00 tomorrow (14:00 UTC).
      rep('days', { workingHours: { thu: ['09:00', '17:00'] } as RoutingRep['workingHours'] }),
      rep('full', { activeLeads: 15 }), // freed capacity is signalled: no time to give
      rep('gone', { active: false }),
    ];
    expect(chooseRep(lead(), off, now)).toMatchObject({
      chosenRepId: null,
      nextAvailableAt: '2026-11-26T14:00:00.000Z',
    });
    const sooner = [
      ...off,
      rep('evening', {
        timeZone: 'Asia/Tokyo',
        workingHours: { thu: ['07:30', '12:00'] } as RoutingRep['workingHours'],
      }),
    ];
    // 05:00 Thursday in Tokyo: back at 07:30 Tokyo, 22:30 UTC Wednesday.
    expect(chooseRep(lead(), sooner, now).nextAvailableAt).toBe('2026-11-25T22:30:00.000Z');
    // A rep who missed this lead's SLA is not waited for.
    expect(chooseRep(lead({ excludeRepIds: ['holiday', 'days'] }), off, now).nextAvailableAt).toBeUndefined();
    expect(chooseRep(lead(), [rep('a')], now).nextAvailableAt).toBeUndefined(); // someone was chosen
  });

  it('finds the next start of working hours in the rep’s own zone, across days and a DST change', () => {
    const hours = { mon: ['08:00', '16:00'], fri: ['10:00', '14:00'] } as RoutingRep['workingHours'];
    // Wednesday 15:00 Detroit → Friday 10:00 Detroit (EST, UTC-5).
    expect(nextWorkingStart(hours, 'America/Detroit', now)?.toISOString()).toBe('2026-11-27T15:00:00.000Z');
    // Saturday 2026-03-07 in Detroit → Monday 08:00 after the switch to EDT (UTC-4) on Sunday.
    expect(nextWorkingStart(hours, 'America/Detroit', new Date('2026-03-07T17:00:00Z'))?.toISOString()).toBe(
      '2026-03-09T12:00:00.000Z',
    );
    expect(nextWorkingStart({}, 'America/Detroit', now)).toBeUndefined();
  });
});
