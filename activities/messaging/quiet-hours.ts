// When an SMS or a call may reach someone (TCPA-style quiet hours): 08:00 to 21:00 in the
// recipient's local time. It fails closed: a state spanning two zones, or an unknown address,
// counts as every zone it could be in, and only the hours legal in all of them are used.
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { timezones } from 'libphonenumber-geo-carrier';
import { DateTime } from 'luxon';

export const SEND_WINDOW = { startHour: 8, endHour: 21 } as const;

const ET = 'America/New_York';
const CT = 'America/Chicago';
const MT = 'America/Denver';
const AZ = 'America/Phoenix'; // no daylight saving
const PT = 'America/Los_Angeles';
const AK = 'America/Anchorage';
const HAST = 'America/Adak';
const HI = 'Pacific/Honolulu';

/** Every zone of the 50 states and DC: the fallback when nothing is known. */
export const ALL_US_ZONES = [ET, CT, MT, AZ, PT, AK, HAST, HI];

/** The zones each state's territory spans (a state split between zones lists both). */
const STATE_ZONES: Record<string, string[]> = {
  ...Object.fromEntries(
    ['CT', 'DE', 'DC', 'GA', 'ME', 'MD', 'MA', 'NH', 'NJ', 'NY', 'NC', 'OH', 'PA', 'RI', 'SC', 'VT', 'VA', 'WV'].map(
      (s) => [s, [ET]],
    ),
  ),
  ...Object.fromEntries(['FL', 'IN', 'KY', 'MI', 'TN'].map((s) => [s, [ET, CT]])),
  ...Object.fromEntries(['AL', 'AR', 'IL', 'IA', 'LA', 'MN', 'MS', 'MO', 'OK', 'WI'].map((s) => [s, [CT]])),
  ...Object.fromEntries(['KS', 'NE', 'ND', 'SD', 'TX'].map((s) => [s, [CT, MT]])),
  ...Object.fromEntries(['CO', 'MT', 'NM', 'UT', 'WY'].map((s) => [s, [MT]])),
  AZ: [AZ, MT], // the Navajo Nation keeps daylight saving
  ...Object.fromEntries(['ID', 'OR', 'NV'].map((s) => [s, [MT, PT]])),
  CA: [PT],
  WA: [PT],
  AK: [AK, HAST],
  HI: [HI],
};

/** ZIP ranges that settle a split state: Michigan's Lower Peninsula and eastern UP are Eastern. */
const ZIP_ZONES: { state: string; from: number; to: number; zone: string }[] = [
  { state: 'MI', from: 48000, to: 49799, zone: ET },
];

/** The zones a recipient may be in, from their address; `known` when it is a single zone. */
export function zonesFor(address?: { state?: string | null; zip?: string | null }): {
  zones: string[];
  known: boolean;
} {
  const state = address?.state?.toUpperCase();
  const zip = Number(address?.zip?.slice(0, 5));
  const byZip =
    state && Number.isFinite(zip)
      ? ZIP_ZONES.find((z) => z.state === state && zip >= z.from && zip <= z.to)
      : undefined;
  if (byZip) return { zones: [byZip.zone], known: true };
  const zones = state ? STATE_ZONES[state] : undefined;
  return zones ? { zones, known: zones.length === 1 } : { zones: ALL_US_ZONES, known: false };
}

/**
 * The recipient's zones: from their address when it settles them, else from their phone number
 * (Google's libphonenumber area-code data), else every US zone. A number spread over many zones
 * (toll-free, non-geographic) settles nothing.
 */
export async function recipientZones(r: {
  state?: string | null;
  zip?: string | null;
  phone?: string | null;
}): Promise<{ zones: string[]; known: boolean; from: 'address' | 'phone' | 'none' }> {
  const byAddress = zonesFor(r);
  if (byAddress.known) return { ...byAddress, from: 'address' };
  const parsed = r.phone ? parsePhoneNumberFromString(r.phone) : undefined;
  const byPhone = parsed ? ((await timezones(parsed)) ?? []) : [];
  if (byPhone.length > 0 && byPhone.length <= 4) {
    // An address spanning zones and a phone in fewer of them: keep what both allow.
    const zones = r.state ? byPhone.filter((z) => byAddress.zones.includes(z)) : byPhone;
    if (zones.length > 0) return { zones, known: zones.length === 1, from: 'phone' };
  }
  return { ...byAddress, from: r.state ? 'address' : 'none' };
}

function inWindow(at: DateTime, zone: string): boolean {
  const local = at.setZone(zone);
  return local.hour >= SEND_WINDOW.startHour && local.hour < SEND_WINDOW.endHour;
}

export function isWithinWindow(at: Date, zones: string[]): boolean {
  const t = DateTime.fromJSDate(at);
  return zones.every((z) => inWindow(t, z));
}

/**
 * The first moment at or after `at` inside the window in every zone: `at` itself when it is. The
 * window of several zones opens when it has opened in the westernmost, so the candidates are each
 * zone's next 08:00.
 */
export function nextAllowed(at: Date, zones: string[]): Date {
  if (isWithinWindow(at, zones)) return at;
  const t = DateTime.fromJSDate(at);
  const candidates = zones.flatMap((zone) => {
    const local = t.setZone(zone);
    const today = local.set({ hour: SEND_WINDOW.startHour, minute: 0, second: 0, millisecond: 0 });
    return [today, today.plus({ days: 1 }), today.plus({ days: 2 })].filter((c) => c >= t);
  });
  const first = candidates.sort((a, b) => a.toMillis() - b.toMillis()).find((c) => zones.every((z) => inWindow(c, z)));
  if (!first) throw new Error(`no common sending window for zones ${zones.join(', ')}`);
  return first.toJSDate();
}
