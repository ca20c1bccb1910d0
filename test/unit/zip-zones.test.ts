// The generated ZIP → zone table (scripts/generate-zip-zones.ts), checked against places whose
// clocks are known: border ZIPs of the split states, the territories, and every state's zones.
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { ALL_ZONES, STATE_CODES, allZips, stateZones, zipPlace } from '../../activities/messaging/zip-zones';

/** A zone's clock: its UTC offsets in January and July 2026, named. */
const CLOCKS: Record<string, string> = {
  '-240/-240': 'Atlantic',
  '-300/-240': 'Eastern',
  '-360/-300': 'Central',
  '-420/-360': 'Mountain',
  '-420/-420': 'Arizona',
  '-480/-420': 'Pacific',
  '-540/-480': 'Alaska',
  '-600/-540': 'Aleutian',
  '-600/-600': 'Hawaii',
  '-660/-660': 'Samoa',
  '600/600': 'Chamorro',
};
const clockOf = (zone: string) => {
  const at = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' }).setZone(zone).offset;
  const key = `${at('2026-01-15T12:00')}/${at('2026-07-15T12:00')}`;
  return CLOCKS[key] ?? key;
};
const clocks = (zones: readonly string[] | undefined) => [...new Set((zones ?? []).map(clockOf))].sort();

describe('the ZIP zone table', () => {
  it.each([
    ['49801', 'Iron Mountain MI (Dickinson County)', ['Central']],
    ['49938', 'Ironwood MI (Gogebic County)', ['Central']],
    ['49855', 'Marquette MI', ['Eastern']],
    ['48083', 'Troy MI', ['Eastern']],
    ['32501', 'Pensacola FL', ['Central']],
    ['32301', 'Tallahassee FL', ['Eastern']],
    ['79901', 'El Paso TX', ['Mountain']],
    ['77002', 'Houston TX', ['Central']],
    ['83702', 'Boise ID', ['Mountain']],
    ['83843', 'Moscow ID', ['Pacific']],
    ['97914', 'Ontario OR (Malheur County)', ['Mountain']],
    ['47586', 'Tell City IN', ['Central']],
    ['46204', 'Indianapolis IN', ['Eastern']],
    ['85004', 'Phoenix AZ', ['Arizona']],
    ['86515', 'Window Rock AZ (Navajo Nation)', ['Mountain']],
    ['99501', 'Anchorage AK', ['Alaska']],
    ['99546', 'Adak AK', ['Aleutian']],
    ['96813', 'Honolulu HI', ['Hawaii']],
    ['00901', 'San Juan PR', ['Atlantic']],
    ['00802', 'St. Thomas VI', ['Atlantic']],
    ['96910', 'Hagåtña GU', ['Chamorro']],
    ['96950', 'Saipan MP', ['Chamorro']],
    ['96799', 'Pago Pago AS', ['Samoa']],
    // ZIPs whose area reaches over a zone line keep both.
    ['83549', 'Riggins ID (on the Salmon River)', ['Mountain', 'Pacific']],
    ['79855', 'Van Horn TX (next to Hudspeth County)', ['Central', 'Mountain']],
    ['32465', 'Wewahitchka FL (Gulf County)', ['Central', 'Eastern']],
  ])('%s %s: %j', (zip, _place, expected) => {
    expect(clocks(zipPlace(zip)?.zones)).toEqual(expected);
  });

  it('names the zones of the territories and of the Upper Peninsula themselves', () => {
    expect(zipPlace('00901')).toEqual({ states: ['PR'], zones: ['America/Puerto_Rico'] });
    expect(zipPlace('00802')).toEqual({ states: ['VI'], zones: ['America/St_Thomas'] });
    expect(zipPlace('96910')).toEqual({ states: ['GU'], zones: ['Pacific/Guam'] });
    expect(zipPlace('96950')).toEqual({ states: ['MP'], zones: ['Pacific/Saipan'] });
    expect(zipPlace('96799')).toEqual({ states: ['AS'], zones: ['Pacific/Pago_Pago'] });
    expect(zipPlace('49801')?.zones).toContain('America/Menominee');
  });

  it('reads ZIP+4 and spaces; an unknown or malformed ZIP is not in it', () => {
    expect(zipPlace(' 48083-1234 ')).toEqual(zipPlace('48083'));
    for (const zip of ['00000', '99999', '4808', '480831', 'abcde', '', null, undefined])
      expect(zipPlace(zip)).toBeUndefined();
  });

  it("gives every state and territory its zones: a split state's ZIPs reach every zone it spans", () => {
    const expected: Record<string, string[]> = {
      ...Object.fromEntries(['MI', 'FL', 'IN', 'KY', 'TN'].map((s) => [s, ['Central', 'Eastern']])),
      ...Object.fromEntries(['KS', 'NE', 'ND', 'SD', 'TX'].map((s) => [s, ['Central', 'Mountain']])),
      ...Object.fromEntries(['ID', 'OR', 'NV'].map((s) => [s, ['Mountain', 'Pacific']])),
      AZ: ['Arizona', 'Mountain'],
      AK: ['Alaska', 'Aleutian'],
      NY: ['Eastern'],
      IL: ['Central'],
      CO: ['Mountain'],
      CA: ['Pacific'],
      HI: ['Hawaii'],
      PR: ['Atlantic'],
      VI: ['Atlantic'],
      GU: ['Chamorro'],
      MP: ['Chamorro'],
      AS: ['Samoa'],
    };
    expect(STATE_CODES).toHaveLength(56); // 50 states, DC, 5 territories
    for (const [state, want] of Object.entries(expected))
      expect(clocks(stateZones(state)), state).toEqual(expect.arrayContaining(want));
    expect(stateZones('pr')).toEqual(stateZones('PR'));
    expect(stateZones('AE')).toBeUndefined(); // military mail: no zone
  });

  it('holds every ZIP once, in zones Node knows, and nothing outside the US zones', () => {
    const zips = [...allZips()];
    expect(zips.every(([zip], i) => i === 0 || zip > zips[i - 1]![0])).toBe(true);
    expect(zips.filter(([, place]) => place.zones.length === 0)).toEqual([]);
    const count = zips.length;
    expect(count).toBeGreaterThan(40_000);
    for (const zone of ALL_ZONES) expect(DateTime.now().setZone(zone).isValid, zone).toBe(true);
    expect(new Set(ALL_ZONES.map(clockOf))).toEqual(new Set(Object.values(CLOCKS)));
  });
});
