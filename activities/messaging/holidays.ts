// The days the company sends no marketing: the US holidays it observes, computed for any year, plus
// extra dates from configuration (MESSAGE_HOLIDAYS). Pure: dates are the recipient's local dates,
// and like quiet hours it fails closed — a moment that is a holiday in any zone the recipient may
// be in is held, until 08:00 on the first day that is a holiday in none of them.
import { DateTime } from 'luxon';

/** The company's own zone (Detroit): the recipient's when nothing else is known. */
export const COMPANY_ZONE = 'America/Detroit';

/** Held messages go out at this local hour of the first day after the holiday(s). */
export const HOLIDAY_MORNING_HOUR = 8;

/** Which days hold marketing: the US holidays below unless switched off, and the extra dates. */
export interface HolidayPolicy {
  /** The US holidays of holidaysOf (MESSAGE_HOLIDAYS_OBSERVED). */
  observed: boolean;
  /** Extra `yyyy-mm-dd` local dates, held whether or not the US holidays are (MESSAGE_HOLIDAYS). */
  extra: readonly string[];
}

export const EXTRA_HOLIDAY_NAME = 'Company holiday';

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Whether `s` is a real calendar date written `yyyy-mm-dd`. */
export function isLocalDate(s: string): boolean {
  return LOCAL_DATE.test(s) && DateTime.fromISO(s, { zone: 'UTC' }).isValid;
}

const iso = (year: number, month: number, day: number) => DateTime.utc(year, month, day).toISODate()!;

/** The `n`th (1-based) `weekday` (1 = Monday … 7 = Sunday) of a month. */
function nthWeekday(year: number, month: number, weekday: number, n: number): string {
  const first = DateTime.utc(year, month, 1);
  return iso(year, month, 1 + ((weekday - first.weekday + 7) % 7) + 7 * (n - 1));
}

/** The last `weekday` of a month. */
function lastWeekday(year: number, month: number, weekday: number): string {
  const last = DateTime.utc(year, month, 1).endOf('month');
  return iso(year, month, last.day - ((last.weekday - weekday + 7) % 7));
}

const byYear = new Map<number, ReadonlyMap<string, string>>();

/** The holidays the company observes in `year`, by local date (`yyyy-mm-dd` → name). */
export function holidaysOf(year: number): ReadonlyMap<string, string> {
  let days = byYear.get(year);
  if (!days) {
    days = new Map([
      [iso(year, 1, 1), "New Year's Day"],
      [lastWeekday(year, 5, 1), 'Memorial Day'],
      [iso(year, 7, 4), 'Independence Day'],
      [nthWeekday(year, 9, 1, 1), 'Labor Day'],
      [nthWeekday(year, 11, 4, 4), 'Thanksgiving Day'],
      [iso(year, 12, 24), 'Christmas Eve'],
      [iso(year, 12, 25), 'Christmas Day'],
    ]);
    byYear.set(year, days);
  }
  return days;
}

/**
 * The holiday's name when the local date `yyyy-mm-dd` is one of the US holidays (unless `observed`
 * is false) or among `extra`; else undefined.
 */
export function isHoliday(localDate: string, extra: readonly string[] = [], observed = true): string | undefined {
  if (!isLocalDate(localDate)) throw new RangeError(`expected a yyyy-mm-dd date, got ${JSON.stringify(localDate)}`);
  return (
    (observed ? holidaysOf(Number(localDate.slice(0, 4))).get(localDate) : undefined) ??
    (extra.includes(localDate) ? EXTRA_HOLIDAY_NAME : undefined)
  );
}

/** Whether the moment falls on a holiday in any of the zones. */
function holidayInAny(t: DateTime, zones: readonly string[], extra: readonly string[], observed: boolean): boolean {
  return zones.some((zone) => isHoliday(t.setZone(zone).toISODate()!, extra, observed) !== undefined);
}

/** The longest run of consecutive holidays looked through (a year and a bit: a misconfiguration beyond). */
const MAX_DAYS = 400;

/**
 * Undefined when `at` is a holiday in none of the zones; otherwise the first 08:00 (in one of the
 * zones) after `at` that is a holiday in none of them — consecutive holidays are skipped
 * (Christmas Eve and Day: the 26th). As with quiet hours, the candidates are each zone's next
 * mornings and the earliest that no zone objects to wins.
 */
export function nextNonHolidayMorning(
  at: Date,
  zones: readonly string[],
  extra: readonly string[] = [],
  observed = true,
): Date | undefined {
  if (zones.length === 0) throw new Error('no zones given');
  const t = DateTime.fromJSDate(at);
  if (!holidayInAny(t, zones, extra, observed)) return undefined;
  // Look a fortnight ahead first; only an unusual run of extra dates needs more.
  for (const horizon of [14, MAX_DAYS]) {
    const candidates = zones.flatMap((zone) => {
      const morning = t.setZone(zone).set({ hour: HOLIDAY_MORNING_HOUR, minute: 0, second: 0, millisecond: 0 });
      return Array.from({ length: horizon + 1 }, (_, days) => morning.plus({ days })).filter((c) => c > t);
    });
    const first = candidates
      .sort((a, b) => a.toMillis() - b.toMillis())
      .find((c) => !holidayInAny(c, zones, extra, observed));
    if (first) return first.toJSDate();
  }
  throw new Error(`no day without a holiday within ${MAX_DAYS} days of ${at.toISOString()} in ${zones.join(', ')}`);
}
