// Property facts for a lead's address (roadmap 4.1 A features; 4.4 C ultra-premium). A provider
// interface, so a real assessor/MLS data source can replace the local default without touching
// the workflow. The default answers from a bundled sample and says "unknown" when it has nothing.
import sample from './assessor-sample.json';

export interface PropertyRecord {
  propertyValue: number;
  squareFeet: number;
  yearBuilt: number;
  roofAge: number;
  propertyType: 'single_family' | 'townhouse' | 'multi_family' | 'commercial';
}

export type PropertyLookup =
  { found: true; source: string; record: PropertyRecord } | { found: false; source: string; reason: string };

export interface PropertyDataProvider {
  readonly name: string;
  lookup(address: { street: string; city: string; state: string; zip: string }, asOf: Date): Promise<PropertyLookup>;
}

const SUFFIXES: Record<string, string> = {
  street: 'st',
  avenue: 'ave',
  road: 'rd',
  drive: 'dr',
  lane: 'ln',
  court: 'ct',
  boulevard: 'blvd',
  place: 'pl',
};

/** "615 Crooks Road." and "615  crooks rd" are the same address. */
export function addressKey(street: string, zip: string): string {
  const words = street
    .toLowerCase()
    .replace(/[.,#]/g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => SUFFIXES[w] ?? w);
  return `${words.join(' ')}|${zip.slice(0, 5)}`;
}

interface SampleRecord {
  street: string;
  zip: string;
  propertyValue: number;
  squareFeet: number;
  yearBuilt: number;
  roofInstalledYear: number;
  propertyType: PropertyRecord['propertyType'];
}

/** The local default: the bundled assessor-style sample (synthetic, see its description). */
export function samplePropertyData(
  records: SampleRecord[] = (sample as { records: SampleRecord[] }).records,
): PropertyDataProvider {
  const byKey = new Map(records.map((r) => [addressKey(r.street, r.zip), r]));
  return {
    name: 'bundled-sample',
    lookup: (address, asOf) => {
      const r = byKey.get(addressKey(address.street, address.zip));
      if (!r) return Promise.resolve({ found: false, source: 'bundled-sample', reason: 'no record for this address' });
      const { propertyValue, squareFeet, yearBuilt, propertyType } = r;
      const roofAge = Math.max(0, asOf.getUTCFullYear() - r.roofInstalledYear);
      return Promise.resolve({
        found: true,
        source: 'bundled-sample',
        record: { propertyValue, squareFeet, yearBuilt, roofAge, propertyType },
      });
    },
  };
}
