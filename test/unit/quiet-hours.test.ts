// Quiet hours (08:00-21:00 recipient time), failing closed when the zone is not certain.
import { describe, expect, it } from 'vitest';
import {
  ALL_US_ZONES,
  isWithinWindow,
  nextAllowed,
  recipientZones,
  zonesFor,
} from '../../activities/messaging/quiet-hours';

describe('quiet hours', () => {
  it('knows the zone from the address, settling Michigan by ZIP, and fails closed otherwise', () => {
    expect(zonesFor({ state: 'MI', zip: '48083' })).toEqual({ zones: ['America/New_York'], known: true });
    expect(zonesFor({ state: 'MI', zip: '49938' }).known).toBe(false); // Gogebic County: Central time
    expect(zonesFor({ state: 'CA', zip: '90210' })).toEqual({ zones: ['America/Los_Angeles'], known: true });
    expect(zonesFor({ state: 'TX' }).zones).toEqual(['America/Chicago', 'America/Denver']);
    expect(zonesFor(undefined)).toEqual({ zones: ALL_US_ZONES, known: false });
    expect(zonesFor({ state: 'ZZ' }).zones).toBe(ALL_US_ZONES);
  });

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

  it('an unknown zone allows only the hours legal in every US zone', () => {
    // 09:00 EST is too early for Hawaii (04:00 HST); the common window opens at 08:00 HST = 13:00 EST.
    const at = new Date('2026-01-15T14:00:00Z');
    expect(isWithinWindow(at, ALL_US_ZONES)).toBe(false);
    expect(nextAllowed(at, ALL_US_ZONES).toISOString()).toBe('2026-01-15T18:00:00.000Z');
    // ... and closes at 21:00 EST (02:00 UTC).
    expect(isWithinWindow(new Date('2026-01-16T01:59:00Z'), ALL_US_ZONES)).toBe(true);
    expect(isWithinWindow(new Date('2026-01-16T02:00:00Z'), ALL_US_ZONES)).toBe(false);
  });

  it('follows daylight saving: 08:00 local is 12:00 UTC in summer and 13:00 UTC in winter in Detroit', () => {
    const detroit = ['America/New_York'];
    expect(nextAllowed(new Date('2026-07-01T05:00:00Z'), detroit).toISOString()).toBe('2026-07-01T12:00:00.000Z');
    expect(nextAllowed(new Date('2026-12-01T05:00:00Z'), detroit).toISOString()).toBe('2026-12-01T13:00:00.000Z');
  });

  it('without an address the phone number settles the zone; toll-free settles nothing', async () => {
    expect(await recipientZones({ phone: '+13105550100' })).toEqual({
      zones: ['America/Los_Angeles'],
      known: true,
      from: 'phone',
    });
    expect(await recipientZones({ state: 'MI', zip: '48083', phone: '+13105550100' })).toMatchObject({
      zones: ['America/New_York'],
      from: 'address',
    });
    expect(await recipientZones({ phone: '+18005550100' })).toEqual({
      zones: ALL_US_ZONES,
      known: false,
      from: 'none',
    });
    expect(await recipientZones({})).toMatchObject({ zones: ALL_US_ZONES, from: 'none' });
    // 19:30 in Los Angeles is 22:30 in Detroit: a Californian number may still be texted.
    const at = new Date('2026-11-26T03:30:00Z');
    expect(isWithinWindow(at, (await recipientZones({ phone: '+13105550100' })).zones)).toBe(true);
    expect(isWithinWindow(at, (await recipientZones({ phone: '+12485550100' })).zones)).toBe(false);
  });
});
