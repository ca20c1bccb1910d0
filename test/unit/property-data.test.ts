// The local property-data provider: finds bundled records however the address is written, and
// says "unknown" honestly.
import { describe, expect, it } from 'vitest';
import { addressKey, samplePropertyData } from '../../activities/property-data/provider';
import sample from '../../activities/property-data/assessor-sample.json';

const provider = samplePropertyData();
const first = sample.records[0]!;
const asOf = new Date('2026-11-25T12:00:00Z');

describe('bundled property data', () => {
  it('finds a record by street and ZIP, written differently, with the roof age as of the lookup', async () => {
    const street = first.street.toUpperCase().replace(/ Rd$/i, ' Road.').replace(/ St$/i, ' Street');
    const found = await provider.lookup(
      { street: `  ${street} `, city: first.city, state: 'MI', zip: `${first.zip}-1234` },
      asOf,
    );
    expect(found).toEqual({
      found: true,
      source: 'bundled-sample',
      record: {
        propertyValue: first.propertyValue,
        squareFeet: first.squareFeet,
        yearBuilt: first.yearBuilt,
        roofAge: 2026 - first.roofInstalledYear,
        propertyType: first.propertyType,
      },
    });
  });

  it('says unknown for an address it does not hold', async () => {
    expect(await provider.lookup({ street: '1 Nowhere Ln', city: 'Troy', state: 'MI', zip: '48083' }, asOf)).toEqual({
      found: false,
      source: 'bundled-sample',
      reason: 'no record for this address',
    });
  });

  it('normalises addresses', () => {
    expect(addressKey('12 Big Beaver Road', '48083')).toBe(addressKey('12 big  beaver rd.', '48083-0001'));
    expect(addressKey('12 Big Beaver Rd', '48083')).not.toBe(addressKey('12 Big Beaver Rd', '48084'));
  });
});
