// Bad requests for every operation of the OpenAPI document, as fast-check arbitraries: hostile path
// ids (NUL, huge numbers, malformed escapes, unicode, very long), junk queries and headers, and
// bodies that are almost right (one field wrong, missing or extra), random JSON, not JSON, too big
// or sent as another content type. Used by test/integration/api-fuzz.test.ts.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';

type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  format?: string;
  pattern?: string;
  minLength?: number;
  minimum?: number;
  example?: unknown;
  default?: unknown;
};
type Parameter = { name: string; in: 'path' | 'query' | 'header'; schema?: JsonSchema };
export type OpenApiDocument = {
  paths: Record<
    string,
    Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: JsonSchema }> } }>
  >;
  components?: { schemas?: Record<string, JsonSchema> };
};

export interface Operation {
  method: string;
  /** The OpenAPI path, `/api/v1/reps/{id}`. */
  path: string;
  params: Parameter[];
  body?: JsonSchema;
}

export interface FuzzRequest {
  method: string;
  /** Path and query as sent (already percent-encoded, sometimes deliberately wrongly). */
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** What a request may use to get past the first check: API keys and ids that exist, per path parameter. */
export interface FuzzContext {
  keys: string[];
  /** `'/api/v1/reps/{id}'` → `{ id: ['fuzz-rep'] }`: ids that exist, so bodies reach deeper checks. */
  knownIds: (path: string, param: string) => string[];
}

export function operationsOf(doc: OpenApiDocument): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      params: op.parameters ?? [],
      body: op.requestBody?.content['application/json']?.schema,
    })),
  );
}

/** Strings that have broken parsers, drivers and databases somewhere. */
const HOSTILE_TEXT = [
  '\u0000',
  'a\u0000b',
  '00000000-0000-0000-0000-00000000000\u0000',
  '',
  ' ',
  '\t\n',
  '-1',
  '0',
  '1.5',
  '1e308',
  '-1e308',
  '9223372036854775807',
  '9223372036854775808',
  '-9223372036854775809',
  '99999999999999999999999999999999',
  'NaN',
  'Infinity',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  "' or 1=1 --",
  '"; drop table reps; --',
  '\\',
  '<script>alert(1)</script>',
  '${7*7}',
  '\u202eevil',
  '\ufeffbom',
  '\ud83d\ude42',
  '\ud835\udd4f',
  'ｆｕｌｌ',
  'e\u0301\u0301\u0301',
  'rep:\u0000',
  'ops\u0000',
  '00000000-0000-0000-0000-000000000000',
  'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
  '2026-13-45T25:61:61Z',
  '+275760-09-13T00:00:00.000Z',
  '-271821-04-20T00:00:00.000Z',
  ...['+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00.000Z', '0000-01-01T00:00:00Z', 'x'].map((at) =>
    Buffer.from(`${at}|${randomUUID()}`).toString('base64url'),
  ),
];
/** Path segments sent as they are: malformed or surprising percent-escapes. */
const RAW_SEGMENTS = [
  '%00',
  'a%00',
  '%',
  '%ZZ',
  '%E0%A4%A',
  '%C0%AF',
  '%FF',
  '%2e%2e',
  '..',
  '.',
  '%2F',
  'a%2Fb',
  '%25',
];

const hostileText = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...HOSTILE_TEXT) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String) },
  { weight: 1, arbitrary: fc.integer({ min: 300, max: 6000 }).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 50, max: 800 }).map((n) => '\u00e9\ud83d\ude42'.repeat(n)) },
);

/** encodeURIComponent, except for lone surrogates (which it refuses): those go as a replacement character. */
const encode = (s: string): string => encodeURIComponent(s.replace(/\p{Cs}/gu, '\ufffd'));

const pathSegment = (good: string[]): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 5, arbitrary: hostileText.map(encode) },
    { weight: 2, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
    { weight: 2, arbitrary: fc.uuid().map((u) => (u.length % 2 ? u : u.toUpperCase())) },
    { weight: 3, arbitrary: good.length ? fc.constantFrom(...good) : fc.uuid() },
  );

/** Header values a client can send (visible Latin-1: fetch refuses the rest before it leaves). */
const headerText = fc.oneof(
  fc.constantFrom('', ' ', 'a b', 'é', '\u00ff', '"quoted"', '../../etc/passwd', 'x'.repeat(201), 'x'.repeat(5000)),
  fc.string({
    // DEL (0x7f) is the one character of this range fetch refuses to send.
    unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c === 0x7f ? 0x20 : c)),
    maxLength: 300,
  }),
);

/** JSON values to put where a field's proper value goes. */
const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileText },
  {
    weight: 3,
    arbitrary: fc.constantFrom<unknown>(
      null,
      true,
      false,
      0,
      -1,
      1.5,
      -0.0001,
      2 ** 53 + 2,
      -(2 ** 53) - 2,
      1e308,
      -1e308,
      [],
      {},
      [null],
      { $gt: '' },
      { __proto__: { polluted: true } },
      ['\u0000'],
    ),
  },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.double() },
);

const deref = (schema: JsonSchema, doc: OpenApiDocument): JsonSchema =>
  schema.$ref ? deref(doc.components!.schemas![schema.$ref.split('/').pop()!]!, doc) : schema;

/** Strings that satisfy the patterns the schemas use, tried in order. */
const PATTERN_SAMPLES = ['48083', 'MI', 'fuzz-rep', 'ops', 'abc'];
const FORMAT_SAMPLES: Record<string, () => string> = {
  email: () => 'fuzz@example.com',
  'date-time': () => new Date().toISOString(),
  uuid: () => randomUUID(),
};

/** A value the schema accepts, or close to it: the starting point that one mutation makes bad. */
export function sampleOf(raw: JsonSchema, doc: OpenApiDocument): unknown {
  const schema = deref(raw, doc);
  if (schema.example !== undefined) return schema.example;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  const union = schema.anyOf ?? schema.oneOf ?? schema.allOf;
  if (union) return sampleOf(union.find((s) => deref(s, doc).type !== 'null') ?? union[0]!, doc);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, s]) => [k, sampleOf(s, doc)]));
    case 'array':
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => sampleOf(schema.items ?? {}, doc));
    case 'string':
      if (schema.format && FORMAT_SAMPLES[schema.format]) return FORMAT_SAMPLES[schema.format]!();
      if (schema.pattern) return PATTERN_SAMPLES.find((s) => new RegExp(schema.pattern!).test(s)) ?? 'abc';
      return 'x'.repeat(Math.max(3, schema.minLength ?? 0));
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    default:
      return 'x';
  }
}

type Mutation = { kind: 'set'; value: unknown } | { kind: 'delete' } | { kind: 'extra'; key: string; value: unknown };

/** Every place in a JSON value where a mutation can land: the root and each nested field or item. */
function placesIn(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  const here = [at];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => placesIn(v, [...at, i]))];
  if (value && typeof value === 'object')
    return [...here, ...Object.entries(value).flatMap(([k, v]) => placesIn(v, [...at, k]))];
  return here;
}

function mutate(base: unknown, place: (string | number)[], m: Mutation): unknown {
  const copy = structuredClone(base);
  if (place.length === 0) return m.kind === 'set' ? m.value : copy;
  const parent = place.slice(0, -1).reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], copy) as
    Record<string | number, unknown> | unknown[];
  const last = place.at(-1)!;
  if (m.kind === 'set') (parent as Record<string | number, unknown>)[last] = m.value;
  else if (m.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete (parent as Record<string, unknown>)[last];
  } else if (!Array.isArray(parent)) (parent as Record<string, unknown>)[m.key] = m.value;
  return copy;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: hostileJson.map((value) => ({ kind: 'set' as const, value })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'delete' as const }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('extra', '__proto__', 'constructor', 'id', '\u0000'), hostileJson)
      .map(([key, value]) => ({ kind: 'extra' as const, key, value })),
  },
);

/** Bodies that are not JSON at all, or JSON that breaks parsers. */
const RAW_BODIES = [
  '',
  '{',
  '{"a":',
  '}',
  'null',
  '[]',
  '"text"',
  '1',
  'true',
  '\u0000',
  '{"a":"\\u0000"}',
  '{"a":1,"a":2}',
  '{"__proto__":{"polluted":true}}',
  "{'single':'quotes'}",
  '\ufeff{}',
  '['.repeat(20_000) + ']'.repeat(20_000),
  '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000),
  'leads=1&a[b]=c',
];

const CONTENT_TYPES = [
  'application/json',
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/json; charset=koi8-r',
  'application/merge-patch+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  '',
];

function bodyOf(
  op: Operation,
  doc: OpenApiDocument,
): fc.Arbitrary<{ body?: string; contentType: string; encoding?: string }> {
  const base = op.body ? sampleOf(op.body, doc) : {};
  const places = placesIn(base);
  const json = fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .tuple(fc.nat(places.length - 1), mutation)
        .map(([i, m]) => JSON.stringify(mutate(base, places[i]!, m)) ?? 'null'),
    },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: fc.constantFrom(...RAW_BODIES) },
    // Past the route's limit: a string field 200 kB long (9 MB for the batch route, whose limit is 8 MB).
    {
      weight: 1,
      arbitrary: fc
        .constant(op.path.endsWith('/batch') ? 9_000_000 : 200_000)
        .map((n) => JSON.stringify(mutate(base, places[places.length - 1]!, { kind: 'set', value: 'x'.repeat(n) }))),
    },
  );
  return fc.record({
    body: op.body || op.method !== 'GET' ? fc.option(json, { freq: 8, nil: undefined }) : fc.constant(undefined),
    contentType: fc.constantFrom(...CONTENT_TYPES),
    encoding: fc.option(fc.constantFrom('gzip', 'deflate', 'br', 'x-unknown', 'identity'), {
      freq: 10,
      nil: undefined,
    }),
  });
}

function queryOf(op: Operation): fc.Arbitrary<string> {
  const declared = op.params.filter((p) => p.in === 'query').map((p) => p.name);
  const names = fc.constantFrom(...declared, 'unknown', 'limit', '__proto__', 'a[b]', '\u0000');
  const pair = fc.tuple(names, hostileText).map(([k, v]) => `${encode(k)}=${encode(v)}`);
  return fc.oneof(
    { weight: 3, arbitrary: fc.array(pair, { maxLength: 4 }).map((ps) => (ps.length ? `?${ps.join('&')}` : '')) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('?%ZZ=1', '?limit=%00', '?=&&=', '?limit=1&limit=2', '?' + 'a=1&'.repeat(2000)),
    },
    { weight: 1, arbitrary: fc.constant('') },
  );
}

/** Bad requests for one operation, mostly with a valid key so they get past authentication. */
export function badRequestsFor(op: Operation, doc: OpenApiDocument, ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const pathParams = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const headerParams = op.params.filter((p) => p.in === 'header').map((p) => p.name);
  return fc
    .record({
      segments: fc.tuple(...pathParams.map((p) => pathSegment(ctx.knownIds(op.path, p)))),
      query: queryOf(op),
      headers: fc.array(fc.tuple(fc.constantFrom(...headerParams, 'Idempotency-Key', 'X-Request-Id'), headerText), {
        maxLength: 2,
      }),
      body: bodyOf(op, doc),
      auth: fc.oneof(
        { weight: 12, arbitrary: fc.constantFrom(...ctx.keys).map((k) => `Bearer ${k}`) },
        { weight: 1, arbitrary: fc.constantFrom('', 'Bearer', 'Bearer x', 'Basic YTpi', `Bearer ${'k'.repeat(5000)}`) },
      ),
      method: fc.oneof({ weight: 15, arbitrary: fc.constant(op.method) }, fc.constantFrom('PUT', 'PATCH', 'OPTIONS')),
    })
    .map(({ segments, query, headers, body, auth, method }) => {
      let i = 0;
      const path = op.path.replace(/\{\w+\}/g, () => segments[i++]!);
      const sent: Record<string, string> = Object.fromEntries(headers);
      if (auth) sent.authorization = auth;
      if (body.contentType) sent['content-type'] = body.contentType;
      if (body.encoding && body.body !== undefined) sent['content-encoding'] = body.encoding;
      return { method, url: `${path}${query}`, headers: sent, body: method === 'GET' ? undefined : body.body };
    });
}

/** A request as one line, for a failure message (long parts cut). */
export function describeRequest(r: FuzzRequest): string {
  const cut = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}… (${s.length} chars)` : s);
  return `${r.method} ${cut(r.url)} ${JSON.stringify(r.headers, (_k, v: unknown) => (typeof v === 'string' ? cut(v) : v))} ${r.body === undefined ? '(no body)' : cut(JSON.stringify(r.body))}`;
}
