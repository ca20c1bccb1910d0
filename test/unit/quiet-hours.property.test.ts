// Property: whatever the recipient (any state or territory, a ZIP from the table or not, a phone or
// none, valid or not) and whenever in 2026 (both clock changes included), the moment the gateway's
// rule lets a message go out is inside 08:00-21:00 in every zone the recipient could truly be in,
// and for marketing inside the state windows of every state they could be in. "Could truly be" is
// worked out here from the ZIP and state tables alone, and local times by luxon, not by the code
// under test.
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_QUIET_HOURS,
  nextSendingMoment,
  recipientZones,
  type QuietHoursPolicy,
  type Recipient,
} from '../../activities/messaging/quiet-hours';
import { STATE_SENDING_WINDOWS, type SendingWindowRule } from '../../activities/messaging/rules/sending-windows';
import { ALL_ZONES, STATE_CODES, allZips, stateZones } from '../../activities/messaging/zip-zones';

const ZIPS = new Map(allZips());
const ZIP_LIST = [...ZIPS.keys()];
const SPLIT_ZIPS = ZIP_LIST.filter((z) => ZIPS.get(z)!.zones.length > 1);
const TABLE_STATES = Object.keys(STATE_SENDING_WINDOWS);

/** Where the recipient could be, from the tables: the ZIP's area, the state's, both when they disagree, else anywhere. */
function trulyPossible(r: Recipient): { zones: readonly string[]; states: readonly string[] } {
  const state = (r.state ?? '').trim().toUpperCase();
  const zip = /^\s*(\d{5})(-\d{4})?\s*$/.exec(r.zip ?? '')?.[1];
  const byZip = zip ? ZIPS.get(zip) : undefined;
  const byState = STATE_CODES.includes(state) ? { zones: stateZones(state)!, states: [state] } : undefined;
  const anywhere = { zones: ALL_ZONES, states: STATE_CODES };
  if (byZip && (!state || byZip.states.includes(state))) return byZip;
  if (byZip)
    return byState ? { zones: [...byZip.zones, ...byState.zones], states: [...byZip.states, state] } : anywhere;
  return byState ?? anywhere;
}

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

/** What is wrong with sending at `at`: the zone and rule that forbid it, or undefined when nothing does. */
function violation(
  at: Date,
  zones: readonly string[],
  states: readonly string[],
  marketing: boolean,
  windows: Readonly<Record<string, SendingWindowRule>> = STATE_SENDING_WINDOWS,
): string | undefined {
  for (const zone of zones) {
    const local = DateTime.fromJSDate(at).setZone(zone);
    const minute = local.hour * 60 + local.minute + local.second / 60;
    if (minute < 8 * 60 || minute >= 21 * 60) return `${local.toISO()} in ${zone}: outside 08:00-21:00`;
    if (!marketing) continue;
    for (const state of states) {
      const rule = windows[state];
      const day = rule && (rule.days?.[WEEKDAYS[local.weekday - 1]!] ?? rule.daily);
      if (!day) continue;
      if (day === 'closed' || minute < minutesOf(day.start) || minute >= minutesOf(day.end))
        return `${local.toISO()} in ${zone}: outside ${state}'s window (${rule.citation})`;
    }
  }
  return undefined;
}

const PHONES = [
  '+19065550100', // Upper Peninsula: Eastern and Central, the metadata says Eastern
  '+13135550100',
  '+18505550100',
  '+19155550100',
  '+12085550100',
  '+17875550100',
  '+16715550100',
  '+16845550100',
  '+18085550100',
  '+19075550100',
  '+18005550100', // toll-free
  '+14165550100', // Toronto
  '(248) 555-0100',
  'not a phone',
];

const blank = fc.constantFrom(undefined, null, '', '  ');
const stateArb = fc.oneof(
  blank,
  fc.constantFrom(...STATE_CODES),
  fc.constantFrom(...STATE_CODES).map((s) => s.toLowerCase()),
  fc.constantFrom('ZZ', 'AE', 'XX', 'Michigan'),
);
const zipArb = fc.oneof(
  blank,
  fc.constantFrom(...ZIP_LIST),
  fc.constantFrom(...SPLIT_ZIPS),
  fc.constantFrom(...ZIP_LIST).map((z) => `${z}-1234`),
  fc.integer({ min: 0, max: 99_999 }).map((n) => String(n).padStart(5, '0')),
  fc.string({ maxLength: 7 }),
);
const phoneArb = fc.oneof(blank, fc.constantFrom(...PHONES));
/** Anything, and (as often) a ZIP with its own state, a state alone or no address. */
const recipientArb: fc.Arbitrary<Recipient> = fc.oneof(
  fc.record({ state: stateArb, zip: zipArb, phone: phoneArb }),
  fc
    .constantFrom(...ZIP_LIST, ...SPLIT_ZIPS)
    .chain((zip) =>
      fc.record({ state: fc.constantFrom(...ZIPS.get(zip)!.states), zip: fc.constant(zip), phone: phoneArb }),
    ),
  fc.record({ state: fc.constantFrom(...STATE_CODES), phone: phoneArb }),
  fc.record({ phone: phoneArb }),
);

const YEAR = [Date.parse('2026-01-01T00:00:00Z'), Date.parse('2027-01-01T00:00:00Z')] as const;
const SPRING_FORWARD = Date.parse('2026-03-08T07:00:00Z');
const FALL_BACK = Date.parse('2026-11-01T06:00:00Z');
const DAY = 86_400_000;
const around = (t: number) => fc.integer({ min: t - 2 * DAY, max: t + 2 * DAY });
const instantArb = fc
  .oneof(fc.integer({ min: YEAR[0], max: YEAR[1] }), around(SPRING_FORWARD), around(FALL_BACK))
  .map((t) => new Date(t));

const policyOf = (unknownAddress: QuietHoursPolicy['unknownAddress']): QuietHoursPolicy => ({
  ...DEFAULT_QUIET_HOURS,
  unknownAddress,
});

async function check(r: Recipient, at: Date, marketing: boolean, policy = DEFAULT_QUIET_HOURS) {
  const place = await recipientZones(r, policy);
  const next = nextSendingMoment(at, place, { marketing, windows: policy.windows });
  expect(next.getTime()).toBeGreaterThanOrEqual(at.getTime());
  expect(next.getTime() - at.getTime()).toBeLessThanOrEqual(8 * DAY);
  return next;
}

describe('quiet hours, for any recipient at any moment', () => {
  it('never allows a moment outside the windows of a zone or state the recipient could be in', async () => {
    await fc.assert(
      fc.asyncProperty(recipientArb, instantArb, fc.boolean(), async (r, at, marketing) => {
        const next = await check(r, at, marketing);
        const truly = trulyPossible(r);
        expect(violation(next, truly.zones, truly.states, marketing)).toBeUndefined();
      }),
      { numRuns: 400 },
    );
  });

  it('with an address, the unknown-address policy changes nothing', async () => {
    const policies = fc.constantFrom('area_code', 'operating_zones', 'all_zones' as const);
    const withAddress = recipientArb.filter((r) => Boolean(r.state?.trim() || r.zip?.trim()));
    await fc.assert(
      fc.asyncProperty(withAddress, instantArb, fc.boolean(), policies, async (r, at, marketing, policy) => {
        const next = await check(r, at, marketing, policyOf(policy));
        const truly = trulyPossible(r);
        expect(violation(next, truly.zones, truly.states, marketing)).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it('without one, operating_zones keeps every zone where the company works, whatever the phone', async () => {
    const policy = policyOf('operating_zones');
    await fc.assert(
      fc.asyncProperty(phoneArb, instantArb, fc.boolean(), async (phone, at, marketing) => {
        const next = await check({ phone }, at, marketing, policy);
        expect(violation(next, stateZones('MI')!, TABLE_STATES, marketing)).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });

  it('every quarter hour of the weeks around both clock changes, for recipients near zone lines', async () => {
    const recipients: Recipient[] = [
      { state: 'MI', zip: '49801', phone: '+19065550100' },
      { state: 'TX', zip: '79855' },
      { state: 'FL', zip: '32465' },
      { state: 'PR', zip: '00901' },
      { phone: '+13135550100' },
    ];
    for (const r of recipients) {
      const truly = trulyPossible(r);
      const place = await recipientZones(r); // the same at every moment
      for (const start of [SPRING_FORWARD, FALL_BACK])
        for (let t = start - 3.5 * DAY; t < start + 3.5 * DAY; t += 15 * 60_000)
          for (const marketing of [true, false]) {
            const next = nextSendingMoment(new Date(t), place, { marketing });
            const wrong =
              next.getTime() < t ? 'earlier than asked' : violation(next, truly.zones, truly.states, marketing);
            if (wrong) expect.fail(`${JSON.stringify(r)} at ${new Date(t).toISOString()}: ${wrong}`);
          }
    }
  });
});
