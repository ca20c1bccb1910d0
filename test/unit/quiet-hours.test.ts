// Quiet hours: 08:00-21:00 recipient time for every SMS and call, the stricter state windows for
// marketing, failing closed on every zone and state the recipient could be in.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, quietHoursSettingsOf } from '../../config/env';
import {
  ALL_US_ZONES,
  DEFAULT_QUIET_HOURS,
  addressPlace,
  isWithinWindow,
  nextAllowed,
  nextSendingMoment,
  quietHoursPolicy,
  recipientZones,
  zonesFor,
  type QuietHoursPolicy,
  type Recipient,
} from '../../activities/messaging/quiet-hours';
import { stateZones } from '../../activities/messaging/zip-zones';

const policy = (unknownAddress: QuietHoursPolicy['unknownAddress']): QuietHoursPolicy => ({
  ...DEFAULT_QUIET_HOURS,
  unknownAddress,
});

/** When a message to `r` asked for at `iso` may go out, under the default policy. */
async function sendAt(r: Recipient, iso: string, marketing = true, p: QuietHoursPolicy = DEFAULT_QUIET_HOURS) {
  const place = await recipientZones(r, p);
  return nextSendingMoment(new Date(iso), place, { marketing, windows: p.windows }).toISOString();
}

describe('quiet hours: where the recipient could be', () => {
  it('an address settles the zones by ZIP, else by state; a ZIP and state that disagree count as both', () => {
    expect(zonesFor({ state: 'MI', zip: '48083' })).toEqual({ zones: ['America/Detroit'], known: true });
    expect(addressPlace({ zip: '49801' })).toMatchObject({ states: ['MI'], from: 'address' }); // no state: the ZIP's
    expect(addressPlace({ state: 'tx' })).toMatchObject({ zones: stateZones('TX'), states: ['TX'] });
    expect(addressPlace({ state: 'MI', zip: '99999' })).toMatchObject({ zones: stateZones('MI'), states: ['MI'] });
    const disagree = addressPlace({ state: 'MI', zip: '32501' })!; // a Pensacola ZIP with a Michigan state
    expect(disagree.states).toEqual(['FL', 'MI']);
    expect(disagree.zones).toEqual(expect.arrayContaining([...stateZones('MI')!, 'America/Chicago']));
    // Written but not recognised: anywhere.
    expect(addressPlace({ state: 'ZZ' })).toMatchObject({ zones: ALL_US_ZONES, states: 'any' });
    expect(addressPlace({ zip: '99999' })).toMatchObject({ zones: ALL_US_ZONES, states: 'any' });
    expect(addressPlace({ state: ' ', zip: '' })).toBeUndefined();
    expect(zonesFor(undefined)).toEqual({ zones: ALL_US_ZONES, known: false });
  });

  it('the phone never narrows an address; with none, QUIET_HOURS_UNKNOWN_ADDRESS decides', async () => {
    const la = '+13105550100';
    expect(await recipientZones({ state: 'MI', zip: '48083', phone: la })).toMatchObject({
      zones: ['America/Detroit'],
      from: 'address',
    });
    // all_zones (the default): mobile numbers move, so the area code says nothing.
    expect(await recipientZones({ phone: la })).toEqual({
      zones: ALL_US_ZONES,
      states: 'any',
      known: false,
      from: 'none',
    });
    // area_code: the number's zone, unless it has many (toll-free).
    expect(await recipientZones({ phone: la }, policy('area_code'))).toEqual({
      zones: ['America/Los_Angeles'],
      states: 'any',
      known: true,
      from: 'phone',
    });
    expect(await recipientZones({ phone: '+18005550100' }, policy('area_code'))).toMatchObject({
      zones: ALL_US_ZONES,
      from: 'none',
    });
    // operating_zones: the number's zone and every zone where the company works (Michigan).
    const operating = await recipientZones({ phone: la }, policy('operating_zones'));
    expect(operating).toMatchObject({ from: 'phone', states: 'any' });
    expect([...operating.zones].sort()).toEqual(['America/Los_Angeles', ...stateZones('MI')!].sort());
    expect(await recipientZones({ phone: 'not a number' }, policy('operating_zones'))).toMatchObject({
      zones: stateZones('MI'),
      from: 'operating',
    });
  });
});

describe('quiet hours: the federal window', () => {
  it('a send asked for at 22:30 in Detroit goes out at 08:00 the next morning, local', () => {
    const detroit = zonesFor({ state: 'MI', zip: '48083' }).zones;
    const asked = new Date('2026-11-25T03:30:00Z'); // 22:30 EST on the 24th
    expect(isWithinWindow(asked, detroit)).toBe(false);
    expect(nextAllowed(asked, detroit).toISOString()).toBe('2026-11-25T13:00:00.000Z'); // 08:00 EST
  });

  it('inside the window a send goes now; the window closes at 21:00', () => {
    const la = ['America/Los_Angeles'];
    const noon = new Date('2026-07-01T19:00:00Z'); // 12:00 PDT
    expect(nextAllowed(noon, la)).toBe(noon);
    expect(isWithinWindow(new Date('2026-07-02T03:59:00Z'), la)).toBe(true); // 20:59 PDT
    expect(isWithinWindow(new Date('2026-07-02T04:00:00Z'), la)).toBe(false); // 21:00 PDT
  });

  it('nothing known allows only the hours legal in every US zone, the territories included', () => {
    // Opens at 08:00 in Guam (22:00 UTC), closes at 21:00 in Puerto Rico (01:00 UTC): 17:00-20:00 EST.
    const at = new Date('2026-01-15T14:00:00Z');
    expect(nextAllowed(at, ALL_US_ZONES).toISOString()).toBe('2026-01-15T22:00:00.000Z');
    expect(isWithinWindow(new Date('2026-01-16T00:59:00Z'), ALL_US_ZONES)).toBe(true);
    expect(isWithinWindow(new Date('2026-01-16T01:00:00Z'), ALL_US_ZONES)).toBe(false);
  });

  it('follows daylight saving: 08:00 local is 12:00 UTC in summer and 13:00 UTC in winter in Detroit', () => {
    const detroit = ['America/Detroit'];
    expect(nextAllowed(new Date('2026-07-01T05:00:00Z'), detroit).toISOString()).toBe('2026-07-01T12:00:00.000Z');
    expect(nextAllowed(new Date('2026-12-01T05:00:00Z'), detroit).toISOString()).toBe('2026-12-01T13:00:00.000Z');
    // The spring-forward night (8 March 2026): 08:00 EDT is 12:00 UTC.
    expect(nextAllowed(new Date('2026-03-08T05:00:00Z'), detroit).toISOString()).toBe('2026-03-08T12:00:00.000Z');
  });
});

describe('quiet hours: the audit findings (issue 19)', () => {
  it('1: an Iron Mountain (Central) address is not narrowed to Eastern by its 906 number', async () => {
    // 08:30 EST is 07:30 CST in Iron Mountain: the old rule took the 906 area code's Eastern and sent.
    const r = { state: 'MI', zip: '49801', phone: '+19065550100' };
    expect(await sendAt(r, '2026-01-15T13:30:00Z', false)).toBe('2026-01-15T14:00:00.000Z'); // 08:00 CST
    // Pensacola's 850 number is "Eastern" too; the address is Central.
    expect(await sendAt({ state: 'FL', zip: '32501', phone: '+18505550100' }, '2026-01-15T13:30:00Z', false)).toBe(
      '2026-01-15T14:00:00.000Z',
    );
  });

  it('2: a Puerto Rico address keeps Atlantic time: 21:30 in San Juan waits for 08:00', async () => {
    const r = { state: 'PR', zip: '00901', phone: '+17875550100' };
    expect(await sendAt(r, '2026-01-16T01:30:00Z', false)).toBe('2026-01-16T12:00:00.000Z'); // 21:30 → 08:00 AST
    expect(await sendAt({ state: 'VI' }, '2026-01-16T01:30:00Z', false)).toBe('2026-01-16T12:00:00.000Z');
    expect(await sendAt({ state: 'GU' }, '2026-01-15T20:30:00Z', false)).toBe('2026-01-15T22:00:00.000Z'); // 06:30 → 08:00 ChST
    expect(await sendAt({ state: 'AS' }, '2026-01-15T18:30:00Z', false)).toBe('2026-01-15T19:00:00.000Z'); // 07:30 → 08:00 SST
  });

  it('3: a mobile number without an address is not placed by its area code (unless configured)', async () => {
    const r = { phone: '+13135550100' }; // a Detroit mobile, its owner anywhere
    const nineInDetroit = '2026-01-15T14:00:00Z';
    expect(await sendAt(r, nineInDetroit, false)).toBe('2026-01-15T22:00:00.000Z'); // 08:00 in Guam
    expect(await sendAt(r, nineInDetroit, false, policy('area_code'))).toBe(nineInDetroit.replace('Z', '.000Z'));
  });
});

describe('quiet hours: the state windows (marketing only)', () => {
  const houston = { state: 'TX', zip: '77002' };
  it('Texas: noon on Sundays, 09:00 on other days, for marketing; transactional keeps the federal window', async () => {
    const sunday10 = '2026-03-01T16:00:00Z'; // Sunday 10:00 CST
    expect(await sendAt(houston, sunday10)).toBe('2026-03-01T18:00:00.000Z'); // 12:00 CST
    expect(await sendAt(houston, sunday10, false)).toBe('2026-03-01T16:00:00.000Z');
    const monday0830 = '2026-03-02T14:30:00Z';
    expect(await sendAt(houston, monday0830)).toBe('2026-03-02T15:00:00.000Z'); // 09:00 CST
    expect(await sendAt(houston, monday0830, false)).toBe('2026-03-02T14:30:00.000Z');
    expect(await sendAt(houston, '2026-03-03T02:59:00Z')).toBe('2026-03-03T02:59:00.000Z'); // 20:59: still open
  });

  it('Florida, Oklahoma and Maryland close marketing at 20:00', async () => {
    for (const [r, at, next] of [
      [{ state: 'FL', zip: '32301' }, '2026-01-15T01:30:00Z', '2026-01-15T13:00:00.000Z'], // 20:30 EST → 08:00
      [{ state: 'MD', zip: '21201' }, '2026-07-15T00:15:00Z', '2026-07-15T12:00:00.000Z'], // 20:15 EDT → 08:00
      [{ state: 'OK', zip: '73102' }, '2026-01-15T02:00:00Z', '2026-01-15T14:00:00.000Z'], // 20:00 CST → 08:00
    ] as const) {
      expect(await sendAt(r, at), r.state).toBe(next);
      expect(await sendAt(r, at, false), r.state).toBe(at.replace('Z', '.000Z'));
    }
    // Michigan has no stricter window: 20:30 is fine for marketing.
    expect(await sendAt({ state: 'MI', zip: '48083' }, '2026-01-15T01:30:00Z')).toBe('2026-01-15T01:30:00.000Z');
  });

  it("a number's area code adds its state's window to the address's (Florida presumes its area codes are Floridians)", async () => {
    const michiganderWithFloridaCell = { state: 'MI', zip: '48083', phone: '+18505550100' };
    expect(await recipientZones(michiganderWithFloridaCell)).toMatchObject({
      zones: ['America/Detroit'],
      states: ['FL', 'MI'],
    });
    expect(await sendAt(michiganderWithFloridaCell, '2026-01-15T01:30:00Z')).toBe('2026-01-15T13:00:00.000Z'); // 20:30 EST
    expect(await sendAt(michiganderWithFloridaCell, '2026-01-15T01:30:00Z', false)).toBe('2026-01-15T01:30:00.000Z');
  });

  it('an unknown address keeps the strictest window of every state in the table', async () => {
    // Sunday 1 March 2026, nothing known: every zone, every state's window. Guam is into Monday, when
    // Texas opens at 09:00 (23:00 UTC); Puerto Rico reaches Florida's 20:00 at 00:00 UTC — one hour.
    expect(await sendAt({ state: 'ZZ' }, '2026-03-01T12:00:00Z')).toBe('2026-03-01T23:00:00.000Z');
    expect(await sendAt({}, '2026-03-01T23:59:00Z')).toBe('2026-03-01T23:59:00.000Z');
    expect(await sendAt({}, '2026-03-02T00:00:00Z')).toBe('2026-03-02T23:00:00.000Z');
    // Transactional: the federal window alone, 22:00 to 01:00 UTC.
    expect(await sendAt({}, '2026-03-01T12:00:00Z', false)).toBe('2026-03-01T22:00:00.000Z');
  });

  it('configuration replaces, removes and adds rows; unknown state codes fail at start', async () => {
    const configured = quietHoursPolicy({
      unknownAddress: 'all_zones',
      operatingStates: ['MI'],
      windowOverrides: {
        FL: null,
        WA: {
          name: 'a test row',
          citation: 'none',
          source: 'https://example.com/',
          daily: { start: '08:00', end: '20:00' },
          days: { sun: 'closed' },
        },
      },
    });
    expect(Object.keys(configured.windows).sort()).toEqual(['MD', 'OK', 'TX', 'WA']);
    const fl = { state: 'FL', zip: '32301' };
    expect(await sendAt(fl, '2026-01-15T01:30:00Z', true, configured)).toBe('2026-01-15T01:30:00.000Z');
    const seattle = { state: 'WA', zip: '98101' };
    expect(await sendAt(seattle, '2026-01-15T04:30:00Z', true, configured)).toBe('2026-01-15T16:00:00.000Z'); // 20:30 PST → 08:00
    expect(await sendAt(seattle, '2026-03-01T18:00:00Z', true, configured)).toBe('2026-03-02T16:00:00.000Z'); // Sunday → Monday
    expect(() => quietHoursPolicy({ unknownAddress: 'all_zones', operatingStates: ['ZZ'] })).toThrow(
      /QUIET_HOURS_OPERATING_STATES: not a US state or territory: ZZ/,
    );
    expect(() =>
      quietHoursPolicy({ unknownAddress: 'all_zones', operatingStates: ['MI'], windowOverrides: { XX: null } }),
    ).toThrow(/SENDING_WINDOWS: not a US state or territory: XX/);
  });
});

describe('quiet hours: configuration', () => {
  const row = { name: 'r', citation: 'c', source: 'https://example.com/', daily: { start: '08:00', end: '20:00' } };

  it('defaults to every zone for an unknown address and the table as written', () => {
    const config = loadConfig({});
    expect(quietHoursSettingsOf(config)).toEqual({
      unknownAddress: 'all_zones',
      operatingStates: ['MI'],
      windowOverrides: {},
    });
  });

  it('reads the policy, the operating states and window rows inline or from a file', () => {
    const inline = loadConfig({
      QUIET_HOURS_UNKNOWN_ADDRESS: 'operating_zones',
      QUIET_HOURS_OPERATING_STATES: 'mi, oh,MI',
      SENDING_WINDOWS: JSON.stringify({ WA: { ...row, days: { sun: 'closed' } }, FL: null }),
    });
    expect(quietHoursSettingsOf(inline)).toEqual({
      unknownAddress: 'operating_zones',
      operatingStates: ['MI', 'OH'],
      windowOverrides: { WA: { ...row, days: { sun: 'closed' } }, FL: null },
    });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'windows-')), 'windows.json');
    fs.writeFileSync(file, JSON.stringify({ TX: row }));
    expect(quietHoursSettingsOf(loadConfig({ SENDING_WINDOWS_FILE: file })).windowOverrides).toEqual({ TX: row });
  });

  it('names the variable of a bad value', () => {
    const bad: Record<string, string>[] = [
      { QUIET_HOURS_UNKNOWN_ADDRESS: 'phone' },
      { QUIET_HOURS_OPERATING_STATES: 'Michigan' },
      { SENDING_WINDOWS: '{not json' },
      { SENDING_WINDOWS: JSON.stringify({ TX: { ...row, daily: { start: '21:00', end: '09:00' } } }) },
      { SENDING_WINDOWS: JSON.stringify({ TX: { ...row, daily: { start: '8:00', end: '20:00' } } }) },
      { SENDING_WINDOWS: JSON.stringify({ TX: { ...row, days: { sunday: 'closed' } } }) },
      { SENDING_WINDOWS: JSON.stringify({ Texas: row }) },
      { SENDING_WINDOWS_FILE: '/nonexistent/windows.json' },
    ];
    for (const env of bad) expect(() => loadConfig(env), JSON.stringify(env)).toThrow(new RegExp(Object.keys(env)[0]!));
    expect(() => loadConfig({ SENDING_WINDOWS: '{}', SENDING_WINDOWS_FILE: '/tmp/x.json' })).toThrow(
      /not both|SENDING/,
    );
  });
});
