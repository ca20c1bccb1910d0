// The hours a text or call may reach someone, as data a lawyer can review: the federal window for
// every message to a phone, and the stricter windows of some states for marketing. Each row is
// how we read the statute it cites — NOT reviewed by counsel yet: `reviewed` says what we could
// confirm. SENDING_WINDOWS / SENDING_WINDOWS_FILE (config/env.ts) replace or remove rows, or add
// states, without a release. Times are the recipient's local time; `end` is the first minute
// that is no longer allowed. Pure: no I/O, no package.
import type { SendingWindowRule, Weekday } from '../../../config/env';

export type { SendingWindowRule, Weekday };

/** Every SMS and call, marketing or not: 47 CFR § 64.1200(c)(1), 8 a.m. to 9 p.m. at the called party's location. */
export const FEDERAL_WINDOW: SendingWindowRule = {
  name: 'Telephone Consumer Protection Act (FCC rule)',
  citation: '47 C.F.R. § 64.1200(c)(1)',
  source: 'https://www.ecfr.gov/current/title-47/chapter-I/subchapter-B/part-64/subpart-L/section-64.1200',
  daily: { start: '08:00', end: '21:00' },
  reviewed: 'Text confirmed: "before the hour of 8 a.m. or after 9 p.m. (local time at the called party\'s location)".',
};

/** Stricter state windows, applied to marketing SMS and calls by the recipient's state. */
export const STATE_SENDING_WINDOWS: Readonly<Record<string, SendingWindowRule>> = {
  FL: {
    name: 'Florida Telemarketing Act, as amended by SB 1120 (2021)',
    citation: 'Fla. Stat. § 501.616(6)(a)',
    source: 'https://www.flsenate.gov/Laws/Statutes/2024/501.616',
    daily: { start: '08:00', end: '20:00' },
    reviewed:
      'Hours confirmed in the 2021 bill text (SB 1120: "before 8 a.m. or after 8 p.m. local time at the called ' +
      'person\'s location"). The hours sit in § 501.616(6)(a); § 501.059(8)(a), cited in the issue, is the ' +
      "Florida Telephone Solicitation Act's consent rule for automated calls and texts.",
  },
  OK: {
    name: 'Oklahoma Telephone Solicitation Act of 2022 (HB 3168)',
    citation: 'Okla. Stat. tit. 15, § 775C.4',
    source: 'https://www.oklegislature.gov/BillInfo.aspx?Bill=HB3168&Session=2200',
    daily: { start: '08:00', end: '20:00' },
    reviewed:
      'Hours 8 a.m. to 8 p.m. confirmed by secondary sources only (effective 2022-11-01); the section number ' +
      'is not confirmed against the official text.',
  },
  MD: {
    name: 'Maryland Stop the Spam Calls Act of 2023 (SB 90)',
    citation: 'Md. Code Ann., Com. Law § 14-4503',
    source: 'https://mgaleg.maryland.gov/mgawebsite/Legislation/Details/sb0090?ys=2023RS',
    daily: { start: '08:00', end: '20:00' },
    reviewed:
      "Hours 8 a.m. to 8 p.m. in the called party's time zone confirmed by secondary sources (effective " +
      '2024-01-01); the Act is Com. Law §§ 14-4501 ff., and which section holds the hours (the issue says ' +
      '§ 14-4503) is not confirmed.',
  },
  TX: {
    name: 'Texas telephone solicitation practices',
    citation: 'Tex. Bus. & Com. Code § 301.051',
    source: 'https://statutes.capitol.texas.gov/Docs/BC/htm/BC.301.htm#301.051',
    daily: { start: '09:00', end: '21:00' },
    days: { sun: { start: '12:00', end: '21:00' } },
    reviewed:
      'As we read § 301.051: not before 9 a.m. or after 9 p.m. on a weekday or Saturday, not before noon or ' +
      'after 9 p.m. on a Sunday (the issue named only Sunday). The statute text was not reachable here: ' +
      'to be confirmed.',
  },
};

const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** A rule's window on an ISO weekday (1 = Monday … 7 = Sunday), in minutes of the day; undefined: closed. */
export function windowOn(rule: SendingWindowRule, isoWeekday: number): { start: number; end: number } | undefined {
  const day = rule.days?.[WEEKDAYS[isoWeekday - 1]!] ?? rule.daily;
  return day === 'closed' ? undefined : { start: minutes(day.start), end: minutes(day.end) };
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/** The table with configuration applied: a row replaces the state's, null removes it. */
export function withOverrides(
  table: Readonly<Record<string, SendingWindowRule>>,
  overrides: Readonly<Record<string, SendingWindowRule | null>> = {},
): Readonly<Record<string, SendingWindowRule>> {
  const merged: Record<string, SendingWindowRule> = { ...table };
  for (const [state, rule] of Object.entries(overrides)) {
    if (rule) merged[state] = rule;
    else delete merged[state];
  }
  return merged;
}
