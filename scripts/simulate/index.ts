// `npm run simulate -- --leads 1000 --days 90 [--scenario storm] [--seed 7] [--max-touches 20]
// [--min-gap-hours 12] [--definition standard] [--json]`
// Runs the real followUpCadence and customerJourney workflows on the time-skipping test server, with
// the real cadence and sending activities on a throwaway embedded Postgres, against synthetic leads
// whose behaviour is drawn from the scenario's stated probabilities (scenarios.ts) — and prints
// touches per lead, channel mix, conversions, opt-outs and messages deferred by quiet hours, and the
// touches to outcome next to the roadmap's fixed 16-touch sequence (report.ts), so ops can try a
// cadence change before shipping it.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { createSendingActivities } from '../../activities';
import { createCadenceActivities } from '../../activities/cadence';
import { createLogger } from '../../config/logger';
import { createDb } from '../../db/connection';
import { startEmbeddedPostgres } from '../../db/embedded-postgres';
import { migrateToLatest } from '../../db/migrate';
import { createLeadOnce } from '../../db/repositories/leads';
import { temporalTestServerPath } from '../../temporal/binaries';
import { registerSearchAttributes } from '../../temporal/register-search-attributes';
import { installTemporalLogging } from '../../temporal/runtime-logging';
import { messagingTaskQueue } from '../../temporal/task-queues';
import { journeyWorkflowId } from '../../temporal/workflow-ids';
import { CADENCE_DEFINITIONS } from '../../workflows/cadence/rules/definitions';
import { DEFAULT_CADENCE_SETTINGS } from '../../workflows/cadence/types';
import { journeyStatusQuery } from '../../workflows/journey/messages';
import type { SimulatedCustomerResult, simulatedCustomer } from './customer';
import { draw } from './random';
import { newTally, simulatedRecipients } from './recipients';
import { report, type Outcome } from './report';
import { SCENARIOS } from './scenarios';

const DAY = 86_400_000;
const STALL_MS = 180_000;
/** Where synthetic people live (mostly the company's Michigan area; a few elsewhere for time zones). */
const PLACES = [
  { share: 0.4, city: 'Troy', state: 'MI', zip: '48083', area: '248' },
  { share: 0.2, city: 'Detroit', state: 'MI', zip: '48201', area: '313' },
  { share: 0.1, city: 'Ann Arbor', state: 'MI', zip: '48104', area: '734' },
  { share: 0.1, city: 'Toledo', state: 'OH', zip: '43604', area: '419' },
  { share: 0.08, city: 'Houston', state: 'TX', zip: '77002', area: '713' },
  { share: 0.07, city: 'Phoenix', state: 'AZ', zip: '85004', area: '602' },
  { share: 0.05, city: 'Los Angeles', state: 'CA', zip: '90012', area: '213' },
];

function options() {
  const { values } = parseArgs({
    options: {
      leads: { type: 'string', default: '1000' },
      days: { type: 'string', default: '90' },
      scenario: { type: 'string', default: 'baseline' },
      seed: { type: 'string', default: '1' },
      definition: { type: 'string' },
      'max-touches': { type: 'string' },
      'min-gap-hours': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const int = (name: string, v: string | undefined, min: number, max: number): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max)
      throw new Error(`--${name} must be a number from ${min} to ${max} (got ${v})`);
    return n;
  };
  const scenario = SCENARIOS[values.scenario];
  if (!scenario) throw new Error(`--scenario must be one of ${Object.keys(SCENARIOS).join(', ')}`);
  const definition = values.definition ?? scenario.definition;
  if (!CADENCE_DEFINITIONS[definition])
    throw new Error(`--definition must be one of ${Object.keys(CADENCE_DEFINITIONS).join(', ')}`);
  const maxTouches = int('max-touches', values['max-touches'], 1, 100);
  const minGapHours = int('min-gap-hours', values['min-gap-hours'], 1, 24 * 14);
  return {
    leads: int('leads', values.leads, 1, 100_000)!,
    days: int('days', values.days, 1, 3650)!,
    seed: int('seed', values.seed, 0, 2 ** 31)!,
    scenario,
    definition,
    policy: {
      ...DEFAULT_CADENCE_SETTINGS.policy,
      ...(maxTouches !== undefined && { maxTouches }),
      ...(minGapHours !== undefined && { minGapDays: minGapHours / 24 }),
    },
    json: values.json!,
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export type SimulationOptions = ReturnType<typeof options>;

export async function simulate(o: SimulationOptions): Promise<Outcome> {
  const logger = createLogger(process.env.LOG_LEVEL ?? 'error', 'simulate');
  installTemporalLogging(logger);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-simulate-'));
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort(), logger });
  const db = createDb(pg.url, 10);
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalTestServerPath() } },
  });
  try {
    await migrateToLatest(db, logger);
    await registerSearchAttributes(env.connection, env.namespace ?? 'default');
    const started = Date.now();
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: path.resolve(__dirname, 'workflows.ts'),
      logger: {
        log: () => undefined,
        trace: () => undefined,
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: (m) => logger.error(m),
      },
    });

    // Synthetic people and their leads, in Postgres (the gateway reads addresses from there).
    const people: { leadId: string; contactId: string; arrivesOnDay: number; index: number }[] = [];
    for (let i = 0; i < o.leads; i++) {
      const u = draw(o.seed, 'place', i);
      let acc = 0;
      const place = PLACES.find((p) => (acc += p.share) >= u) ?? PLACES[0]!;
      const { lead } = await createLeadOnce(
        db,
        {
          firstName: 'Sim',
          lastName: `Lead${i}`,
          phone: `+1${place.area}555${String(i % 10_000).padStart(4, '0')}`,
          email: `sim${i}@example.com`,
          source: 'website',
          address: { street: `${i + 1} Simulation Ave`, city: place.city, state: place.state, zip: place.zip },
          property: {},
          signals: {},
        },
        { requestHash: `sim-${i}`, dedupeWindowHours: 0, workflowIdFor: (id) => `sim-${id}` },
      );
      const front = draw(o.seed, 'front', i) < o.scenario.arrivals.frontLoadedShare;
      const window = front ? o.scenario.arrivals.frontLoadedDays : Math.max(1, o.days / 3);
      people.push({
        leadId: lead.id,
        contactId: lead.contact_id,
        arrivesOnDay: draw(o.seed, 'arrival', i) * window,
        index: i,
      });
    }

    const taskQueue = 'simulation';
    const tally = newTally();
    const settings = { ...DEFAULT_CADENCE_SETTINGS, policy: o.policy };
    const main = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle,
      activities: createCadenceActivities({ db, settings }),
      maxCachedWorkflows: 2000,
    });
    const sending = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: messagingTaskQueue(taskQueue),
      activities: simulatedRecipients({
        sending: createSendingActivities({ db }),
        db,
        client: env.client,
        scenario: o.scenario,
        seed: o.seed,
        tally,
      }),
    });
    const simStart = await env.currentTimeMs();
    const horizon = simStart + o.days * DAY;
    const results: SimulatedCustomerResult[] = [];
    const stuck: string[] = [];
    /**
     * A customer's result; undefined when it is still open a simulated day past the horizon (the
     * test server has refused a workflow task of one of its workflows): it is terminated and
     * reported instead of hanging the run.
     */
    // Progress = messages handled or customers finished; none for STALL_MS of real time means the
    // test server stopped advancing (it can refuse a workflow task): fail loudly instead of hanging.
    const progress = (): number =>
      results.length +
      Object.values(tally.sent).reduce((a, by) => a + Object.values(by).reduce((x, y) => x + y, 0), 0) +
      Object.values(tally.deferrals).reduce((a, b) => a + b, 0);
    let last = { value: -1, at: Date.now() };
    const stalled = (): boolean => {
      const value = progress();
      if (value !== last.value) last = { value, at: Date.now() };
      return Date.now() - last.at > STALL_MS;
    };
    const settle = async (h: {
      workflowId: string;
      result(): Promise<SimulatedCustomerResult>;
    }): Promise<SimulatedCustomerResult | undefined> => {
      const result = h.result();
      for (;;) {
        const done = await Promise.race([
          result,
          new Promise<undefined>((r) => setTimeout(() => r(undefined), 20_000)),
        ]);
        if (done) return done;
        if (stalled())
          throw new Error(
            `the time-skipping server stopped advancing (no progress for ${STALL_MS / 1000} s at ${results.length} of ${people.length} customers); try fewer leads`,
          );
        if ((await env.currentTimeMs()) > horizon + DAY) {
          result.catch(() => undefined);
          await env.client.workflow
            .getHandle(h.workflowId)
            .terminate('stuck past the horizon')
            .catch(() => undefined);
          return undefined;
        }
      }
    };
    const run = (async () => {
      const handles = await Promise.all(
        people.map((p) => {
          const a = o.scenario.afterReply;
          const fate = (what: keyof typeof a) => draw(o.seed, 'fate', what, p.index) < a[what];
          return env.client.workflow.start<typeof simulatedCustomer>('simulatedCustomer', {
            workflowId: `sim-${p.leadId}`,
            workflowTaskTimeout: '2 minutes',
            taskQueue,
            args: [
              {
                leadId: p.leadId,
                contactId: p.contactId,
                definition: o.definition,
                settings: { policy: o.policy },
                arrivesOnDay: p.arrivesOnDay,
                horizon,
                fate: {
                  inspection: fate('inspection'),
                  quoteOpened: fate('quoteOpened'),
                  competitor: fate('competitor'),
                  win: fate('win'),
                  review: fate('review'),
                  referral: fate('referral'),
                },
              },
            ],
          });
        }),
      );
      for (const h of handles) {
        const result = await settle(h);
        if (result) results.push(result);
        else stuck.push(h.workflowId);
      }
      // Journeys after the horizon (time stands still while nobody awaits a result).
      const stages: Record<string, number> = {};
      for (const p of people) {
        const s = await env.client
          .withDeadline(Date.now() + 5000, () =>
            env.client.workflow.getHandle(journeyWorkflowId(p.contactId)).query(journeyStatusQuery),
          )
          .catch(() => undefined);
        const stage = s?.stage ?? 'unanswered';
        stages[stage] = (stages[stage] ?? 0) + 1;
      }
      return stages;
    })();
    const [stages] = await Promise.all([main.runUntil(run), sending.runUntil(run)]);
    const wallSeconds = (Date.now() - started) / 1000;
    const ends = await db.selectFrom('cadences').select(['end_reason']).execute();
    return {
      options: {
        leads: o.leads,
        days: o.days,
        scenario: o.scenario.name,
        definition: o.definition,
        seed: o.seed,
        policy: o.policy,
      },
      scenario: o.scenario,
      tally,
      results,
      stuck,
      stages,
      cadenceEnds: ends.map((e) => e.end_reason),
      wallSeconds,
    };
  } finally {
    await env.teardown();
    await db.destroy();
    await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  let o: ReturnType<typeof options>;
  try {
    o = options();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  simulate(o)
    .then((outcome) => {
      console.log(o.json ? JSON.stringify(report(outcome).json, null, 2) : report(outcome).text);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
