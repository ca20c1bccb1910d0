// Fault test 6 (issue 14, docs/reliability.md): the CRM's Postgres stopped for 30 s under the real
// system (API, worker, dev server). Lead workflows are in flight mid-assignment (their routing
// transactions wait on the team's row locks, held by the test until Postgres stops: every one runs
// into the outage). Leads keep arriving throughout, the first ones while Postgres shuts down. During the
// outage the API answers 503 problem+json with Retry-After, never a 500, and /readyz says not ready;
// afterwards no lead is half-stored (a lead without its contact, a contact without a lead), every
// lead the API acknowledged is stored, and every workflow resumes: its activities retried, its
// lead assigned. The recovery time runs from the restart until the last lead is assigned.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createDb } from '../../db/connection';
import { connectClient } from '../../temporal/client';
import { journeyWorkflowId } from '../../temporal/workflow-ids';
import { reportFigures } from '../helpers/fault-figures';
import { addRoomyTeam, postLead } from '../helpers/fault-system';
import { restartablePostgres, type Restartable } from '../helpers/restartable';
import { SLAS_THAT_DO_NOT_LAPSE, startTestSystem, type TestSystem } from '../helpers/system';

/** Lead workflows with their first activity due when Postgres stops. */
const LEADS = Number(process.env.FAULT_PG_LEADS ?? 60);
/** How long Postgres stays down. */
const DOWN_MS = 30_000;

describe('fault: Postgres stopped for 30 s', () => {
  let dir: string;
  let pg: Restartable & { url: string };
  let sys: TestSystem;
  let client: Client;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-fault-pg-'));
    pg = await restartablePostgres(dir);
    sys = await startTestSystem({
      DATABASE_URL: pg.url,
      ...SLAS_THAT_DO_NOT_LAPSE,
      MESSAGE_HOLIDAYS_OBSERVED: 'off',
      MESSAGE_MIN_GAP_MINUTES: '0',
      // Every held assignment keeps a pool connection while it waits on the team's locks: room for
      // all of them and the API beside (the default 10 would leave the API none, and it would answer 503).
      DB_POOL_SIZE: String(LEADS + 20),
    });
    client = await connectClient({
      address: sys.temporalAddress,
      namespace: sys.config.TEMPORAL_NAMESPACE,
      payloadKeys: sys.secrets.payloadKeys,
    });
  }, 240_000);
  afterAll(async () => {
    await client?.connection.close();
    await sys?.stop();
    await pg?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`${LEADS} lead workflows resume after the outage; the API answers 503 with Retry-After meanwhile, and no lead is half-stored`, async () => {
    const run = Date.now().toString(36);
    await addRoomyTeam(sys, `p${run}`, LEADS * 2);

    // 1. The leads, through the API; their assignments (a local activity in each workflow's first
    // task) wait on the team's row locks, held here on a connection of the test's own until Postgres
    // stops and cuts it.
    const holder = createDb(pg.url, 1);
    onTestFinished(() => holder.destroy().catch(() => undefined));
    let teamLocked!: () => void;
    const locked = new Promise<void>((resolve) => (teamLocked = resolve));
    const holding = holder
      .transaction()
      .execute(async (tx) => {
        await tx.selectFrom('reps').select('id').forUpdate().execute();
        teamLocked();
        await sql`select pg_sleep(3600)`.execute(tx); // until Postgres goes and cuts this connection
      })
      .catch(() => undefined);
    await locked;
    const emails = Array.from({ length: LEADS }, (_, i) => `pg-${run}-${i}@example.com`);
    const workflowIds: string[] = [];
    for (let i = 0; i < LEADS; i += 8)
      await Promise.all(
        emails.slice(i, i + 8).map(async (email, j) => {
          const created = await postLead(sys, email, i + j);
          expect(created.status).toBe(202);
          workflowIds.push(created.body.workflowId as string);
        }),
      );

    // 2. Leads keep coming, one after another, from before the stop until after the restart: the
    // first ones meet Postgres shutting down mid-request.
    const answers: { email: string; status: number; retryAfter: string | null; contentType: string | null }[] = [];
    let posting = true;
    const stream = (async () => {
      for (let i = 0; posting; i++) {
        const email = `pg-${run}-stream-${i}@example.com`;
        const a = await postLead(sys, email, LEADS + i);
        answers.push({ email, ...a });
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    await new Promise((r) => setTimeout(r, 1000));

    // 3. Postgres stopped (pg_ctl stop -m fast: connections cut, in-flight transactions rolled back).
    const stoppedAt = Date.now();
    await pg.stop();
    const readyDuring = await fetch(`${sys.apiUrl}/readyz`);
    const checks = ((await readyDuring.json()) as { checks: { postgres: string } }).checks;
    // The held assignments fail with their connections and are retried (the workflow code does nothing).
    await holding;
    const readLead = await fetch(`${sys.apiUrl}/api/v1/leads/00000000-0000-4000-8000-000000000000`, {
      headers: { authorization: `Bearer ${sys.crmKey}` },
    });
    await new Promise((r) => setTimeout(r, Math.max(0, stoppedAt + DOWN_MS - Date.now())));

    // 4. Started again on the same data and port.
    await pg.start();
    const restartedAt = Date.now();
    const downSeconds = (restartedAt - stoppedAt) / 1000;
    await new Promise((r) => setTimeout(r, 2000));
    posting = false;
    await stream;

    const db = createDb(sys.databaseUrl, 2);
    onTestFinished(() => db.destroy());

    // 5. Every workflow resumes: each lead posted before the stop gets its rep.
    const assignedAt = new Map<string, number>();
    const assigned = async () => {
      const rows = await db
        .selectFrom('leads')
        .innerJoin('contacts', 'contacts.id', 'leads.contact_id')
        .innerJoin('lead_assignments', 'lead_assignments.lead_id', 'leads.id')
        .select(['contacts.email', 'lead_assignments.assigned_at'])
        .where('contacts.email', 'in', emails)
        .execute();
      for (const r of rows) if (!assignedAt.has(r.email!)) assignedAt.set(r.email!, r.assigned_at.getTime());
      return assignedAt.size;
    };
    await expect
      .poll(assigned, { timeout: 240_000, interval: 1000 })
      .toBe(LEADS)
      .catch(() => undefined);
    const recoverySeconds = (Math.max(...assignedAt.values()) - restartedAt) / 1000;

    // 6. No lead half-stored, none acknowledged and lost; every stored lead's workflow started
    // (the reconciler starts those whose POST failed after storing them).
    const orphans = await sql<{ n: number }>`
      select (select count(*) from contacts c where not exists (select 1 from leads l where l.contact_id = c.id))
           + (select count(*) from leads l where not exists (select 1 from contacts c where c.id = l.contact_id)) as n`
      .execute(db)
      .then((r) => Number(r.rows[0]!.n));
    const stored = await db
      .selectFrom('leads')
      .innerJoin('contacts', 'contacts.id', 'leads.contact_id')
      .select(['contacts.email', 'leads.workflow_id', 'leads.contact_id', 'leads.workflow_started_at'])
      .execute();
    const storedEmails = new Set(stored.map((s) => s.email));
    const acknowledged = answers.filter((a) => a.status === 202);
    const acknowledgedLost = acknowledged.filter((a) => !storedEmails.has(a.email)).length;
    await expect
      .poll(
        async () =>
          (await db.selectFrom('leads').select('id').where('workflow_started_at', 'is', null).execute()).length,
        { timeout: 180_000, interval: 1000 },
      )
      .toBe(0);
    const lost: string[] = [];
    for (const s of stored)
      for (const id of [s.workflow_id, journeyWorkflowId(s.contact_id)]) {
        const status = await client.workflow
          .getHandle(id)
          .describe()
          .then(
            (d) => d.status.name,
            () => 'NOT_FOUND',
          );
        if (status !== 'RUNNING') lost.push(`${id}: ${status}`);
      }

    // The leads whose assignment ran into the outage: its local activity's marker records attempt 2+.
    const retrying = (
      await Promise.all(
        workflowIds.map(async (id) => {
          const { events } = await client.workflow.getHandle(id).fetchHistory();
          return (events ?? []).some((e) => {
            const m = e.markerRecordedEventAttributes;
            const data = m?.markerName === 'core_local_activity' ? m.details?.data?.payloads?.[0]?.data : undefined;
            if (!data) return false;
            const la = JSON.parse(Buffer.from(data).toString()) as { activity_type?: string; attempt?: number };
            return la.activity_type === 'assignLeadToRep' && (la.attempt ?? 1) >= 2;
          });
        }),
      )
    ).filter(Boolean).length;
    const during = answers.filter((a) => a.status !== 202);
    const figures = {
      scenario: 'Postgres stopped for 30 s',
      inFlight: LEADS,
      lost: lost.length + acknowledgedLost,
      stuck: LEADS - assignedAt.size,
      downSeconds,
      recoverySeconds,
      retried: retrying,
      halfStored: orphans,
      postedAcrossTheOutage: answers.length,
      answered: Object.fromEntries(
        [...new Set(answers.map((a) => a.status))].map((s) => [s, answers.filter((a) => a.status === s).length]),
      ),
      answered503WithoutRetryAfter: during.filter((a) => a.status === 503 && !a.retryAfter).length,
    };
    reportFigures(figures);

    expect(checks.postgres).toMatch(/^unreachable/);
    expect(readyDuring.status).toBe(503);
    expect(readLead.status).toBe(503);
    expect(readLead.headers.get('retry-after')).toBeTruthy();
    // Every answer while Postgres was away: 503 problem+json with Retry-After, never a 500.
    for (const a of during) {
      expect(a, JSON.stringify(a)).toMatchObject({ status: 503 });
      expect(a.retryAfter).toBeTruthy();
      expect(a.contentType).toMatch(/problem\+json/);
    }
    expect(during.length).toBeGreaterThan(0);
    // The workflows met the outage: their activities failed and were retried.
    expect(retrying).toBeGreaterThan(0);
    expect(figures.halfStored).toBe(0);
    expect(lost).toEqual([]);
    expect(acknowledgedLost).toBe(0);
    expect(figures.stuck).toBe(0);
  }, 900_000);
});
