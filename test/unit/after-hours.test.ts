// After hours (issue 22 item 5; workflows/lead-intake/rules/after-hours.ts): nobody on shift → whoever
// is on call now (a rep or a manager) takes the lead with the SLA from now; nobody on call → the rep
// the routing rule picks at the first shift start, with the SLA from then. A team on shift but full
// is not after hours.
import { describe, expect, it } from 'vitest';
import { chooseAfterHours, someoneOnShift } from '../../workflows/lead-intake/rules/after-hours';
import { chooseRep, type RoutingLead, type RoutingRep } from '../../workflows/lead-intake/rules/choose-rep';

const office = {
  mon: ['08:00', '17:00'],
  tue: ['08:00', '17:00'],
  wed: ['08:00', '17:00'],
  thu: ['08:00', '17:00'],
  fri: ['08:00', '17:00'],
} as RoutingRep['workingHours'];
const person = (id: string, over: Partial<RoutingRep> = {}): RoutingRep => ({
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
  workingHours: office,
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
// Tuesday 2026-11-24 02:00 in Detroit (UTC-5); the shift starts at 08:00 (13:00Z).
const night = new Date('2026-11-24T07:00:00Z');
const shiftStart = new Date('2026-11-24T13:00:00Z');
const shift = (personId: string, from = '2026-11-23T22:00:00Z', to = '2026-11-24T13:00:00Z') => ({
  personId,
  startsAt: new Date(from),
  endsAt: new Date(to),
});
const team = [person('ann'), person('ben', { territories: ['Detroit'] }), person('pat', { role: 'manager' })];

describe('after hours', () => {
  it('a team on shift, even full, is not after hours: the lead waits as before', () => {
    const day = new Date('2026-11-24T15:00:00Z');
    const full = team.map((p) => ({ ...p, activeLeads: p.maxActiveLeads }));
    expect(someoneOnShift(lead(), full, day)).toBe(true);
    expect(
      chooseAfterHours(lead(), full, [shift('pat', '2026-11-24T14:00:00Z', '2026-11-24T20:00:00Z')], day, chooseRep),
    ).toBeUndefined();
  });

  it('nobody on shift, someone on call: they take it now, a manager too, whatever their working hours', () => {
    expect(someoneOnShift(lead(), team, night)).toBe(false);
    expect(chooseAfterHours(lead(), team, [shift('pat')], night, chooseRep)).toEqual({
      chosenRepId: 'pat',
      via: 'on_call',
      slaStartsAt: night,
      reason: 'after hours: on call until 2026-11-24T13:00:00.000Z',
    });
  });

  it('of several on call: the least loaded, then the earliest on call; not one full, off, or who missed the SLA', () => {
    const loaded = [person('ann', { activeLeads: 3 }), person('ben', { activeLeads: 1 }), person('cy'), person('dee')];
    const rota = [
      shift('ann'),
      shift('ben'),
      shift('cy', '2026-11-24T01:00:00Z'),
      shift('dee', '2026-11-24T00:00:00Z'),
    ];
    expect(chooseAfterHours(lead(), loaded, rota, night, chooseRep)?.chosenRepId).toBe('dee');
    expect(chooseAfterHours(lead({ excludeRepIds: ['dee'] }), loaded, rota, night, chooseRep)?.chosenRepId).toBe('cy');
    const cyOff = loaded.map((p) =>
      p.id === 'cy' || p.id === 'dee' ? { ...p, timeOff: [{ startsAt: night, endsAt: shiftStart }] } : p,
    );
    expect(chooseAfterHours(lead(), cyOff, rota, night, chooseRep)?.chosenRepId).toBe('ben');
    const benFull = cyOff.map((p) => (p.id === 'ben' ? { ...p, activeLeads: 15 } : p));
    expect(chooseAfterHours(lead(), benFull, rota, night, chooseRep)?.chosenRepId).toBe('ann');
    // A shift that has ended, or not begun, does not count.
    expect(
      chooseAfterHours(lead(), team, [shift('pat', '2026-11-24T08:00:00Z', '2026-11-24T09:00:00Z')], night, chooseRep)
        ?.via,
    ).toBe('next_shift');
  });

  it('nobody on call: the rep the routing rule picks at the first shift start, SLA from then', () => {
    const choice = chooseAfterHours(lead(), team, [], night, chooseRep)!;
    expect(choice).toMatchObject({ chosenRepId: 'ann', via: 'next_shift', slaStartsAt: shiftStart });
    expect(choice.reason).toMatch(/^after hours, nobody on call: the first rep on shift \(2026-11-24T13:00:00.000Z\)/);
    // Saturday night: Monday 08:00.
    const saturday = new Date('2026-11-29T03:00:00Z');
    expect(chooseAfterHours(lead(), team, [], saturday, chooseRep)?.slaStartsAt).toEqual(
      new Date('2026-11-30T13:00:00Z'),
    );
  });

  it('nobody on call: a rep on time off through the next shift start is passed over for one who is back', () => {
    const annOff = team.map((p) =>
      p.id === 'ann' ? { ...p, timeOff: [{ startsAt: night, endsAt: new Date('2026-11-26T13:00:00Z') }] } : p,
    );
    expect(chooseAfterHours(lead(), annOff, [], night, chooseRep)).toMatchObject({
      chosenRepId: 'ben',
      slaStartsAt: shiftStart,
    });
    // An early bird starts at 06:00: first on shift.
    const early = [...team, person('eve', { territories: ['Novi'], workingHours: { tue: ['06:00', '14:00'] } })];
    expect(chooseAfterHours(lead(), early, [], night, chooseRep)).toMatchObject({
      chosenRepId: 'eve',
      slaStartsAt: new Date('2026-11-24T11:00:00Z'),
    });
  });

  it('nobody ever comes on shift (everyone inactive or missed the SLA): undefined, the lead waits', () => {
    expect(chooseAfterHours(lead({ excludeRepIds: ['ann', 'ben'] }), team, [], night, chooseRep)).toBeUndefined();
  });
});
