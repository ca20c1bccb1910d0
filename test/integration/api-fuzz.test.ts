// Bad input never breaks the API (issue 14, item 13): thousands of generated bad requests over every
// operation of the OpenAPI document — hostile path ids, junk queries and headers, bodies almost right,
// not JSON, too big or of another type — against the real app on a real Postgres and Temporal dev
// server (no worker: nothing runs what a request happens to start). Every answer is below 500, every
// error is problem+json, and no answer holds a stack trace or a source path.
// FUZZ_SEED=<n> explores other requests; a failure prints the seed and the smallest failing request.
import type { Server } from 'node:http';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelStore } from '../../activities/ml/model-store';
import { createApp } from '../../api/app';
import { problemOnClientError } from '../../api/problem';
import { createLeadOnce, markWorkflowStarted } from '../../db/repositories/leads';
import { addTimeOff } from '../../db/repositories/reps';
import { seedDemoData } from '../../db/seed';
import {
  badRequestsFor,
  describeRequest,
  operationsOf,
  type FuzzRequest,
  type OpenApiDocument,
  type Operation,
} from '../helpers/bad-requests';
import { testLogger } from '../helpers/logger';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';
import { createLocalEnv } from '../helpers/temporal';

const OPS_KEY = 'fuzz-ops-key-0123456789abcdef0123';
const CRM_KEY = 'fuzz-crm-key-0123456789abcdef0123';
const REQUESTS = 5_250;
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
/** Operations fuzzed at once. */
const LANES = 4;
/** What a stack trace or a source location looks like in a body. */
const STACK = /\n\s+at |\bat [\w.<>$]{1,100} \(|\.(?:ts|js|mjs|cjs):\d+:\d+|node_modules|node:internal/;

describe('API fuzz: generated bad requests over every OpenAPI operation', () => {
  let pg: TestPostgres;
  let temporal: TestWorkflowEnvironment;
  let server: Server;
  let base: string;
  let doc: OpenApiDocument;
  const known: Record<string, string[]> = {};

  beforeAll(async () => {
    [pg, temporal] = await Promise.all([startTestPostgres(), createLocalEnv()]);
    await seedDemoData(pg.db, testLogger);
    // Things that exist, so bad bodies reach the checks behind the lookup. The lead is marked started
    // (a lead whose workflow has not started yet answers 503 by design: Temporal was unreachable),
    // but no workflow runs: a signal owed to it is dropped as "ended", without waiting.
    const { lead } = await createLeadOnce(
      pg.db,
      {
        firstName: 'Fuzz',
        lastName: 'Target',
        email: 'fuzz-target@example.com',
        source: 'website',
        address: { street: '1 Main St', city: 'Troy', state: 'MI', zip: '48083' },
        property: {},
        signals: {},
      },
      { requestHash: 'fuzz', dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
    );
    await markWorkflowStarted(pg.db, lead.id);
    const rep = (await pg.db.selectFrom('reps').select('id').where('role', '=', 'rep').executeTakeFirstOrThrow()).id;
    const timeOff = await addTimeOff(
      pg.db,
      rep,
      new Date(Date.now() + 86_400_000),
      new Date(Date.now() + 2 * 86_400_000),
      'pto',
    );
    Object.assign(known, {
      leads: [lead.id],
      customers: [lead.contact_id],
      reps: [rep],
      timeOffId: [String(timeOff.id)],
    });

    const app = createApp({
      db: pg.db,
      client: temporal.client,
      logger: testLogger,
      apiKeys: [
        { key: OPS_KEY, role: 'ops' },
        { key: CRM_KEY, role: 'crm' },
      ],
      taskQueue: 'fuzz-no-worker',
      dedupeWindowHours: 24,
      temporalTimeoutMs: 2000,
      modelStore: new ModelStore(),
      promotionMargin: 0.005,
      // Limits on, counted in Postgres, set high: the counters see every request, none is refused.
      rateLimits: {
        store: 'postgres',
        perKeyPerMinute: 1_000_000,
        perIpPerMinute: 1_000_000,
        webhooksPerMinute: 1_000_000,
      },
    });
    await new Promise<void>((resolve) => {
      server = app.listen(0, '127.0.0.1', () => resolve());
    });
    server.on('clientError', problemOnClientError); // as api/server.ts does
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    doc = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as OpenApiDocument;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await temporal?.teardown();
    await pg?.stop();
  });

  /** Sends one request and lists what is wrong with the answer (nothing: it is fine). */
  async function problemsWith(r: FuzzRequest): Promise<string[]> {
    let res: Response;
    try {
      res = await fetch(`${base}${r.url}`, { method: r.method, headers: r.headers, body: r.body });
    } catch (err) {
      return [`no answer: ${(err as Error).message} (${String((err as { cause?: unknown }).cause)})`];
    }
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    const found: string[] = [];
    if (res.status >= 500) found.push(`answered ${res.status}: ${text.slice(0, 300)}`);
    if (res.status >= 400 && r.method !== 'HEAD') {
      if (!type.startsWith('application/problem+json')) found.push(`a ${res.status} as ${type || 'no content type'}`);
      else {
        const problem = JSON.parse(text) as { status?: unknown; title?: unknown };
        if (problem.status !== res.status || typeof problem.title !== 'string')
          found.push(`a ${res.status} whose problem says ${text.slice(0, 200)}`);
      }
    }
    if (STACK.test(text) || text.includes(process.cwd()))
      found.push(`a stack trace or source path in the body: ${text.slice(0, 300)}`);
    return found;
  }

  it('answers the bad input the issue names, and what the fuzz found before, with a 4xx problem', async () => {
    const cases: [string, string, RequestInit['body'], Record<string, string>, number][] = [
      ['GET', '/api/v1/reps/%00', undefined, {}, 404],
      ['GET', '/api/v1/reps/%00/workload', undefined, {}, 404],
      ['DELETE', `/api/v1/reps/${known.reps![0]}/time-off/99999999999999999999`, undefined, {}, 404],
      ['GET', '/api/v1/leads/%ZZ', undefined, {}, 400],
      ['POST', '/api/v1/leads', 'null', { 'content-encoding': 'gzip' }, 400],
      [
        'POST',
        '/api/v1/cadences/holds',
        JSON.stringify({ scope: 'rep', target: 'a\u0000b', reason: 'storm' }),
        {},
        422,
      ],
      ['GET', `/api/v1/reps/${'x'.repeat(17_000)}`, undefined, {}, 431],
    ];
    for (const [method, path, body, headers, status] of cases) {
      const res = await fetch(`${base}${path}`, {
        method,
        body,
        headers: { authorization: `Bearer ${OPS_KEY}`, 'content-type': 'application/json', ...headers },
      });
      expect([method, path.slice(0, 80), res.status, res.headers.get('content-type')]).toEqual([
        method,
        path.slice(0, 80),
        status,
        expect.stringMatching(/^application\/problem\+json/),
      ]);
    }
    // A PATCH that changes nothing is the rep as it is, not an UPDATE with nothing to SET.
    const unchanged = await fetch(`${base}/api/v1/reps/${known.reps![0]}`, {
      method: 'PATCH',
      body: '{}',
      headers: { authorization: `Bearer ${OPS_KEY}`, 'content-type': 'application/json' },
    });
    expect(unchanged.status).toBe(200);
    expect(await unchanged.json()).toMatchObject({ id: known.reps![0], leadsMoved: 0 });
  });

  it(`answers ${REQUESTS.toLocaleString('en-US')} generated bad requests below 500, as problem+json, without a stack`, async () => {
    const operations = operationsOf(doc);
    expect(operations.length).toBeGreaterThan(30);
    const context = {
      keys: [OPS_KEY, OPS_KEY, CRM_KEY],
      knownIds: (path: string, param: string) =>
        param === 'timeOffId' ? known.timeOffId! : (known[path.split('/')[3]!] ?? []),
    };
    const runsEach = Math.ceil(REQUESTS / operations.length);
    let sent = 0;
    const failures: string[] = [];
    /** Each operation on its own property: one failing operation does not hide another's failures. */
    const fuzz = async (op: Operation) => {
      const outcome = await fc.check(
        fc.asyncProperty(badRequestsFor(op, doc, context), async (r) => {
          sent += 1;
          const found = await problemsWith(r);
          if (found.length) throw new Error(`${found.join('; ')}\n  request: ${describeRequest(r)}`);
        }),
        { numRuns: runsEach, seed: SEED },
      );
      if (outcome.failed)
        failures.push(
          `${op.method} ${op.path} (seed ${outcome.seed}, path ${outcome.counterexamplePath}): ${String((outcome.errorInstance as Error)?.message ?? outcome.errorInstance)}`,
        );
    };
    // A few operations at a time: the app waits on Postgres most of the time, and the requests of
    // different operations meeting each other is what concurrent clients do too.
    const queue = [...operations];
    await Promise.all(
      Array.from({ length: LANES }, async () => {
        for (let op = queue.shift(); op; op = queue.shift()) await fuzz(op);
      }),
    );
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(REQUESTS);
    // About 3 ms of CPU a request, client and app together: some 20 s alone on two cores; a budget
    // for a machine busy with other suites.
  }, 300_000);
});
