import { describe, expect, it } from 'vitest';
import { holidaysOf, isHoliday, nextNonHolidayMorning } from '../../activities/messaging/holidays';
import { loadConfig } from '../../config/env';

const ET = 'America/New_York';
const DETROIT = 'America/Detroit';
const CT = 'America/Chicago';
const PT = 'America/Los_Angeles';
const HI = 'Pacific/Honolulu';

describe('the holidays the company observes', () => {
  it.each([
    ['2026-01-01', "New Year's Day"],
    ['2026-05-25', 'Memorial Day'],
    ['2026-07-04', 'Independence Day'],
    ['2026-09-07', 'Labor Day'],
    ['2026-11-26', 'Thanksgiving Day'],
    ['2026-12-24', 'Christmas Eve'],
    ['2026-12-25', 'Christmas Day'],
    ['2027-01-01', "New Year's Day"],
    ['2027-05-31', 'Memorial Day'],
    ['2027-07-04', 'Independence Day'],
    ['2027-09-06', 'Labor Day'],
    ['2027-11-25', 'Thanksgiving Day'],
    ['2027-12-24', 'Christmas Eve'],
    ['2027-12-25', 'Christmas Day'],
  ])('%s is %s', (date, name) => {
    expect(isHoliday(date, [])).toBe(name);
  });

  it('computes exactly seven a year, for any year (the rules, not a table)', () => {
    expect([...holidaysOf(2026).keys()]).toEqual([
      '2026-01-01',
      '2026-05-25',
      '2026-07-04',
      '2026-09-07',
      '2026-11-26',
      '2026-12-24',
      '2026-12-25',
    ]);
    // 2032: May 31 is a Monday, Nov 1 a Monday (Thanksgiving the 25th), Sep 1 a Wednesday.
    expect([...holidaysOf(2032).keys()]).toEqual([
      '2032-01-01',
      '2032-05-31',
      '2032-07-04',
      '2032-09-06',
      '2032-11-25',
      '2032-12-24',
      '2032-12-25',
    ]);
  });

  it.each([
    '2026-05-18', // the Monday before Memorial Day
    '2026-05-31', // the last day of May, a Sunday
    '2026-09-01', // the first of September, not its first Monday
    '2026-09-14', // the second Monday of September
    '2026-11-19', // the third Thursday of November
    '2026-11-27', // the day after Thanksgiving
    '2026-12-26',
    '2026-12-31',
    '2027-11-26', // 2026's Thanksgiving date in 2027
  ])('%s is an ordinary day', (date) => {
    expect(isHoliday(date, [])).toBeUndefined();
  });

  it('adds the extra dates from configuration, and can leave out the US holidays', () => {
    expect(isHoliday('2026-12-28', ['2026-12-28'])).toBe('Company holiday');
    expect(isHoliday('2026-12-29', ['2026-12-28'])).toBeUndefined();
    expect(isHoliday('2026-11-26', ['2026-12-28'], false)).toBeUndefined();
    expect(isHoliday('2026-12-28', ['2026-12-28'], false)).toBe('Company holiday');
  });

  it('rejects anything but a yyyy-mm-dd date', () => {
    expect(() => isHoliday('11/26/2026', [])).toThrow(RangeError);
    expect(() => isHoliday('2026-02-30', [])).toThrow(RangeError);
  });
});

describe('nextNonHolidayMorning', () => {
  it('is undefined on an ordinary day', () => {
    expect(nextNonHolidayMorning(new Date('2026-11-25T20:00:00Z'), [DETROIT], [])).toBeUndefined();
  });

  it('holds Thanksgiving until 08:00 local the next day, in the recipient’s zone', () => {
    // 15:00 in Detroit / 12:00 in Los Angeles on Thanksgiving.
    const at = new Date('2026-11-26T20:00:00Z');
    expect(nextNonHolidayMorning(at, [DETROIT], [])?.toISOString()).toBe('2026-11-27T13:00:00.000Z');
    expect(nextNonHolidayMorning(at, [PT], [])?.toISOString()).toBe('2026-11-27T16:00:00.000Z');
  });

  it('holds from the first minute of the holiday to its end, local time', () => {
    expect(nextNonHolidayMorning(new Date('2026-11-26T05:00:00Z'), [DETROIT], [])?.toISOString()).toBe(
      '2026-11-27T13:00:00.000Z',
    ); // 00:00 ET
    expect(nextNonHolidayMorning(new Date('2026-11-27T04:59:00Z'), [DETROIT], [])?.toISOString()).toBe(
      '2026-11-27T13:00:00.000Z',
    ); // 23:59 ET
    expect(nextNonHolidayMorning(new Date('2026-11-27T05:00:00Z'), [DETROIT], [])).toBeUndefined(); // 00:00 ET the day after
  });

  it('skips consecutive holidays: Christmas Eve → Christmas Day → 08:00 on the 26th', () => {
    const eve = new Date('2026-12-24T15:00:00Z'); // 10:00 in Detroit
    expect(nextNonHolidayMorning(eve, [DETROIT], [])?.toISOString()).toBe('2026-12-26T13:00:00.000Z');
    expect(nextNonHolidayMorning(new Date('2026-12-25T20:00:00Z'), [DETROIT], [])?.toISOString()).toBe(
      '2026-12-26T13:00:00.000Z',
    );
    // An extra company day after Christmas extends the run.
    expect(nextNonHolidayMorning(eve, [DETROIT], ['2026-12-26'])?.toISOString()).toBe('2026-12-27T13:00:00.000Z');
    // New Year's Eve is no holiday: New Year's Day runs to the 2nd.
    expect(nextNonHolidayMorning(new Date('2027-01-01T17:00:00Z'), [DETROIT], [])?.toISOString()).toBe(
      '2027-01-02T13:00:00.000Z',
    );
  });

  it('zones straddling midnight: a holiday in any of them holds, until a morning that is a holiday in none', () => {
    // 00:30 on Thanksgiving in New York, still 23:30 on Wednesday in Chicago.
    const justAfterMidnightEast = new Date('2026-11-26T05:30:00Z');
    expect(nextNonHolidayMorning(justAfterMidnightEast, [CT], [])).toBeUndefined();
    // Fail closed: held. 08:00 on Friday in New York is 07:00 in Chicago — Friday there too.
    expect(nextNonHolidayMorning(justAfterMidnightEast, [ET, CT], [])?.toISOString()).toBe('2026-11-27T13:00:00.000Z');

    // 22:00 on Thanksgiving in Honolulu is already Friday 03:00 in New York: only Hawaii holds it,
    // until Friday 08:00 in New York (03:00 Friday in Honolulu — no longer the holiday there).
    const lateInHawaii = new Date('2026-11-27T08:00:00Z');
    expect(nextNonHolidayMorning(lateInHawaii, [ET], [])).toBeUndefined();
    expect(nextNonHolidayMorning(lateInHawaii, [HI], [])?.toISOString()).toBe('2026-11-27T18:00:00.000Z');
    expect(nextNonHolidayMorning(lateInHawaii, [ET, HI], [])?.toISOString()).toBe('2026-11-27T13:00:00.000Z');

    // New Year's Day begins in New York while it is New Year's Eve in Honolulu: a morning in
    // Honolulu on the 1st is still the holiday in New York, so the answer is New York's morning of the 2nd.
    expect(nextNonHolidayMorning(new Date('2027-01-01T05:30:00Z'), [ET, HI], [])?.toISOString()).toBe(
      '2027-01-02T13:00:00.000Z',
    );
  });

  it('extra dates are local dates in each zone', () => {
    const at = new Date('2026-08-14T15:00:00Z'); // Friday 11:00 in Detroit, 08:00 in Los Angeles
    expect(nextNonHolidayMorning(at, [DETROIT], [])).toBeUndefined();
    expect(nextNonHolidayMorning(at, [DETROIT], ['2026-08-14'])?.toISOString()).toBe('2026-08-15T12:00:00.000Z'); // EDT
    expect(nextNonHolidayMorning(at, [PT], ['2026-08-14'])?.toISOString()).toBe('2026-08-15T15:00:00.000Z'); // PDT
    expect(nextNonHolidayMorning(at, [DETROIT], ['2026-08-14'], false)?.toISOString()).toBe('2026-08-15T12:00:00.000Z');
    expect(nextNonHolidayMorning(new Date('2026-11-26T20:00:00Z'), [DETROIT], ['2026-08-14'], false)).toBeUndefined();
  });

  it('reaches past a long run of extra dates', () => {
    const run = Array.from({ length: 20 }, (_, i) => `2026-08-${String(i + 1).padStart(2, '0')}`);
    expect(nextNonHolidayMorning(new Date('2026-08-01T15:00:00Z'), [DETROIT], run)?.toISOString()).toBe(
      '2026-08-21T12:00:00.000Z',
    );
  });
});

describe('holiday configuration', () => {
  it('observes the US holidays by default, with no extra dates', () => {
    const config = loadConfig({});
    expect(config.MESSAGE_HOLIDAYS_OBSERVED).toBe(true);
    expect(config.MESSAGE_HOLIDAYS).toEqual([]);
  });

  it('reads on/off and a comma-separated list of dates (sorted, without repeats)', () => {
    const config = loadConfig({
      MESSAGE_HOLIDAYS_OBSERVED: 'off',
      MESSAGE_HOLIDAYS: '2026-12-28, 2026-08-14,2026-12-28',
    });
    expect(config.MESSAGE_HOLIDAYS_OBSERVED).toBe(false);
    expect(config.MESSAGE_HOLIDAYS).toEqual(['2026-08-14', '2026-12-28']);
    expect(loadConfig({ MESSAGE_HOLIDAYS_OBSERVED: 'ON' }).MESSAGE_HOLIDAYS_OBSERVED).toBe(true);
  });

  it('names the variable on a bad value', () => {
    expect(() => loadConfig({ MESSAGE_HOLIDAYS: '2026-02-30' })).toThrow(/MESSAGE_HOLIDAYS: .*2026-02-30/);
    expect(() => loadConfig({ MESSAGE_HOLIDAYS: '12/28/2026' })).toThrow(/MESSAGE_HOLIDAYS/);
    expect(() => loadConfig({ MESSAGE_HOLIDAYS_OBSERVED: 'maybe' })).toThrow(/MESSAGE_HOLIDAYS_OBSERVED/);
  });
});
