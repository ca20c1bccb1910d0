// The system the routing benchmarks measure, started fresh: a dev server (in memory or on a file),
// Postgres with a 40-rep team that never runs out of capacity, the real worker and the real API over
// HTTP, plus a no-op worker for the server's baseline. bench/lead-routing.ts and
// bench/lead-profile.ts share it, so both measure the same thing.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { sql } from 'kysely';
import { ModelStore } from '../activities/ml/model-store';
import { createApp } from '../api/app';
import { createLogger } from '../config/logger';
import { insertReps } from '../db/repositories/reps';
import type { NewRep } from '../db/schema';
import { temporalCliPath, venvBin } from '../temporal/binaries';
import { createDataConverter } from '../temporal/data-converter';
import { connectClient } from '../temporal/client';
import { startDevServer } from '../temporal/dev-server';
import { installTemporalLogging } from '../temporal/runtime-logging';
import { DEFAULT_POLICY } from '../workflows/lead-intake/rules/sla-policy';
import { createProcessWorker } from '../workers/worker';
import { freePort } from '../test/helpers/ports';
import { startTestPostgres, type TestPostgres } from '../test/helpers/postgres';

const KEY = 'bench-key-'.padEnd(32, 'x');
const TASK_QUEUE = 'bench-leads';
export const logger = createLogger('warn', 'bench');
installTemporalLogging(logger);

export const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const allWeek = JSON.stringify(
  Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ['00:00', '24:00']])),
);
// Enough reps that capacity never runs out: the benchmarks measure speed, not a full team.
const team: NewRep[] = Array.from({ length: 40 }, (_, i) => ({
  id: `bench-rep-${i}`,
  name: `Rep ${i}`,
  email: `rep${i}@bench.example`,
  territories: ['Troy'],
  skills: ['residential', 'insurance_claims'],
  languages: ['English'],
  performance_tier: ['top', 'standard', 'new_hire'][i % 3]!,
  max_active_leads: 50,
  working_hours: allWeek,
}));
let serial = 0;
const leadBody = () =>
  JSON.stringify({
    firstName: 'Bench',
    lastName: `Lead${++serial}`,
    email: `lead${serial}-${process.pid}@bench.example`,
    address: { street: `${serial} Main St`, city: 'Troy', state: 'MI', zip: '48083' },
    source: 'website',
    property: { propertyValue: 380_000, roofAge: 21, damageSeverity: 'moderate', insuranceClaim: true },
    signals: { responseTimeMinutes: 4, contactQuality: 7, intent: 'requested_quote' },
  });

export interface RoutingSystemOptions {
  /** Keep the server's state in a SQLite file (as `make start` does) instead of memory. */
  dbFile: boolean;
  pragmas: string[];
  leadBundle: { code: string };
  noopBundle?: { code: string };
  /** Client interceptors for the API's client (the profile times the API's own round trips). */
  clientInterceptors?: WorkflowClientInterceptor[];
  /**
   * The API's client on the worker's connection, as `make start` runs them in one process (lead
   * starts are eager: temporal/client.ts). False: its own connection, as a separate API process.
   */
  sharedConnection?: boolean;
}

export interface Posted {
  leadId: string;
  sentAt: number;
  answeredAt: number;
}

export interface RoutingSystem {
  pg: TestPostgres;
  /** A client of the same server (not the API's), for histories and the baseline. */
  client: Client;
  /** POSTs one lead through the API over HTTP. */
  post(): Promise<Posted>;
  /** Waits until every lead is assigned; returns each lead's first assigned_at (the commit's clock). */
  assignedAt(leadIds: string[]): Promise<Map<string, number>>;
  /** Runs `measure` with the workers polling, then stops everything. */
  run<T>(measure: () => Promise<T>): Promise<T>;
}

export async function startRoutingSystem(opts: RoutingSystemOptions): Promise<RoutingSystem> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-routing-'));
  const server = await startDevServer({
    cliPath: temporalCliPath(),
    port: await freePort(),
    dbFile: opts.dbFile ? path.join(dir, 'temporal.db') : undefined,
    pragmas: opts.pragmas,
    logger,
  });
  const pg = await startTestPostgres();
  await insertReps(pg.db, team);
  const payloadKeys = [{ id: 'bench', key: randomBytes(32) }];
  const dataConverter = createDataConverter(payloadKeys);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, dataConverter });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const modelStore = new ModelStore();
  const { worker, connection: workerConnection } = await createProcessWorker({
    address: server.address,
    namespace: 'default',
    taskQueue: TASK_QUEUE,
    payloadKeys,
    db: pg.db,
    modelStore,
    python: venvBin('python'),
    workflowBundle: opts.leadBundle,
  });
  const apiClient = await connectClient({
    address: server.address,
    namespace: 'default',
    payloadKeys,
    workerConnection: (opts.sharedConnection ?? true) ? workerConnection : undefined,
    workflowInterceptors: opts.clientInterceptors,
  });
  const noopWorker =
    opts.noopBundle &&
    (await Worker.create({
      connection: nativeConnection,
      taskQueue: 'bench-noop',
      workflowBundle: opts.noopBundle,
      activities: { noop: async () => undefined },
      dataConverter,
    }));
  const app = createApp({
    db: pg.db,
    client: apiClient,
    logger,
    apiKeys: [{ key: KEY, role: 'crm' }],
    taskQueue: TASK_QUEUE,
    dedupeWindowHours: 24,
    temporalTimeoutMs: 5000,
    modelStore,
    promotionMargin: 0.005,
    routingPolicy: DEFAULT_POLICY,
  });
  const http = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(http.address() as { port: number }).port}/api/v1/leads`;

  return {
    pg,
    client,
    async post() {
      const sentAt = Date.now();
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: leadBody(),
      });
      if (res.status !== 202) throw new Error(`POST ${res.status}: ${await res.text()}`);
      const { leadId } = (await res.json()) as { leadId: string };
      return { leadId, sentAt, answeredAt: Date.now() };
    },
    async assignedAt(leadIds) {
      for (;;) {
        const rows = await pg.db
          .selectFrom('lead_assignments')
          .select(['lead_id', sql<Date>`min(assigned_at)`.as('at')])
          .where('lead_id', 'in', leadIds)
          .groupBy('lead_id')
          .execute();
        if (rows.length === leadIds.length) return new Map(rows.map((r) => [r.lead_id, r.at.getTime()]));
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async run(measure) {
      const done = measure();
      const [result] = await Promise.all([worker.runUntil(done), noopWorker?.runUntil(done)]);
      http.close();
      if (apiClient.connection !== workerConnection) await apiClient.connection.close();
      await workerConnection.close();
      await nativeConnection.close();
      await connection.close();
      await pg.stop();
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
      return result;
    },
  };
}
