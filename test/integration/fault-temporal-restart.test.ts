// Fault test 5 (issue 14, docs/reliability.md): the Temporal dev server — file-backed, as `make
// start` runs it — stopped and started again with 300 lead workflows in flight. Every lead has a
// rep and a one-minute SLA, breached again and again (each breach routes it to the next rep with a
// new SLA), so at any moment each workflow waits on an SLA timer or is between two steps. The real
// system (API, worker, Postgres) runs on through the outage; leads posted meanwhile are stored and
// answered 503, and the lead reconciler starts their workflows once Temporal is back. Afterwards
// every workflow took the step it was waiting for (the timer fired: the assignment ended as
// breached; between two steps: the next assignment), every stored lead has its workflow and every
// contact its journey. The recovery time runs from the restart until the last timer that came due
// while Temporal was down has fired.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/connection';
import type { Database } from '../../db/schema';
import { connectClient } from '../../temporal/client';
import { journeyWorkflowId, leadWorkflowId } from '../../temporal/workflow-ids';
import { reportFigures } from '../helpers/fault-figures';
import { addRoomyTeam, postLead } from '../helpers/fault-system';
import { restartableDevServer, type Restartable } from '../helpers/restartable';
import { startTestSystem, type TestSystem } from '../helpers/system';

/** Lead workflows in flight at the stop (FAULT_TEMPORAL_LEADS scales it; at least 300 for the figure). */
const LEADS = Number(process.env.FAULT_TEMPORAL_LEADS ?? 300);
/** Leads posted while Temporal is down. */
const DURING = 10;
/** How long Temporal stays down. */
const DOWN_MS = 20_000;
/** Every lead's first-contact SLA (all temperatures): each timer pending at the stop is due within a minute. */
const SLA_MINUTES = 1;

describe(`fault: the Temporal dev server stopped and restarted with ${LEADS} workflows in flight`, () => {
  let dir: string;
  let temporal: Restartable & { address: string };
  let sys: TestSystem;
  let client: Client;
  let db: Kysely<Database>;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-fault-temporal-'));
    temporal = await restartableDevServer(dir);
    const sla = String(SLA_MINUTES);
    sys = await startTestSystem({
      TEMPORAL_ADDRESS: temporal.address,
      SLA_STANDARD_MINUTES: sla,
      SLA_HOT_MINUTES: sla,
      SLA_VIP_MINUTES: sla,
      SLA_WARM_MINUTES: sla,
      SLA_COLD_MINUTES: sla,
      // Breached again and again, never escalated to the ops queue within the test.
      SLA_MAX_BREACHES: '20',
      // The journeys' welcome emails go at once and stay out of the way (no holiday hold, no gap).
      MESSAGE_HOLIDAYS_OBSERVED: 'off',
      MESSAGE_MIN_GAP_MINUTES: '0',
      MESSAGES_PER_SECOND: '1000',
    });
    client = await connectClient({
      address: sys.temporalAddress,
      namespace: sys.config.TEMPORAL_NAMESPACE,
      payloadKeys: sys.secrets.payloadKeys,
    });
    db = createDb(sys.databaseUrl, 2);
  }, 240_000);
  afterAll(async () => {
    await db?.destroy();
    await client?.connection.close();
    await sys?.stop();
    await temporal?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`each of ${LEADS} lead workflows takes its next step after the restart (its SLA timer fires), none lost`, async () => {
    const run = Date.now().toString(36);
    await addRoomyTeam(sys, `t${run}`, LEADS);

    // 1. The leads, through the API; each workflow assesses its lead, assigns a rep and waits on
    // the SLA, breaches it a minute later and goes to the next rep.
    const emails = Array.from({ length: LEADS }, (_, i) => `restart-${run}-${i}@example.com`);
    const inFlight = new Set<string>();
    for (let i = 0; i < LEADS; i += 8)
      await Promise.all(
        emails.slice(i, i + 8).map(async (email, j) => {
          const created = await postLead(sys, email, i + j);
          expect(created.status).toBe(202);
          inFlight.add(created.body.leadId as string);
        }),
      );
    const everAssigned = async () =>
      Number(
        (
          await db
            .selectFrom('lead_assignments')
            .select((eb) => eb.fn.count('lead_id').distinct().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    await expect.poll(everAssigned, { timeout: 240_000, interval: 1000 }).toBe(LEADS);

    // 2. Temporal stopped (SIGTERM, SIGKILL after 10 s), as ops would stop the server.
    const stoppedAt = Date.now();
    await temporal.stop();
    const ready = await fetch(`${sys.apiUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: { temporal: string } }).checks.temporal).toMatch(/^unreachable/);

    // Leads keep coming: stored, answered 503 with Retry-After (the CRM retries; nothing is lost).
    const during = Array.from({ length: DURING }, (_, i) => `restart-${run}-during-${i}@example.com`);
    const answers = await Promise.all(during.map((email, i) => postLead(sys, email, LEADS + i)));
    for (const a of answers) {
      expect(a.status).toBe(503);
      expect(a.retryAfter).toBeTruthy();
      expect(a.contentType).toMatch(/problem\+json/);
    }
    await new Promise((r) => setTimeout(r, Math.max(0, stoppedAt + DOWN_MS - Date.now())));

    // What each workflow waits for, read at the end of the outage (when whatever the worker had
    // in hand at the stop has written what it could): an active assignment is an SLA timer; a lead
    // without one is between a breach and its next assignment.
    const timers = await db
      .selectFrom('lead_assignments')
      .select(['lead_id', 'attempt', 'sla_deadline'])
      .where('status', '=', 'active')
      .execute();
    const betweenSteps = LEADS - timers.length;

    // 3. Started again on the same database file and port. Times count from the moment it is
    // launched: overdue timers fire as soon as it runs, before its frontend answers our health check.
    const restartedAt = Date.now();
    await temporal.start();
    const frontendUpSeconds = (Date.now() - restartedAt) / 1000;
    const downSeconds = (restartedAt - stoppedAt) / 1000;

    // 4. Every workflow takes its step: each timer fires (the assignment ends as breached), each
    // lead between two steps gets its next assignment.
    const steppedAt = new Map<string, number>();
    const stepped = async () => {
      const rows = await db
        .selectFrom('lead_assignments')
        .select(['lead_id', 'attempt', 'end_reason', 'ended_at', 'assigned_at'])
        .where((eb) =>
          eb.or([eb('ended_at', '>=', new Date(restartedAt)), eb('assigned_at', '>=', new Date(restartedAt))]),
        )
        .execute();
      const timerOf = new Map(timers.map((t) => [t.lead_id, t.attempt]));
      for (const r of rows) {
        // Only the workflows in flight at the stop (not those the reconciler starts afterwards).
        if (steppedAt.has(r.lead_id) || !inFlight.has(r.lead_id)) continue;
        const attempt = timerOf.get(r.lead_id);
        if (attempt === undefined) steppedAt.set(r.lead_id, r.assigned_at.getTime());
        else if (r.attempt === attempt && r.end_reason === 'breached') steppedAt.set(r.lead_id, r.ended_at!.getTime());
      }
      return steppedAt.size;
    };
    // 5. Meanwhile, the leads posted while it was down: the reconciler starts their workflows.
    const startedLater = async () =>
      db
        .selectFrom('leads')
        .innerJoin('contacts', 'contacts.id', 'leads.contact_id')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('contacts.email', 'in', during)
        .where('leads.workflow_started_at', 'is not', null)
        .executeTakeFirstOrThrow()
        .then((r) => Number(r.n));
    let reconciledSeconds: number | undefined;
    await Promise.all([
      // Waited for with a budget; what has not stepped by then is reported as stuck (and fails below).
      expect
        .poll(stepped, { timeout: 240_000, interval: 1000 })
        .toBe(LEADS)
        .catch(() => undefined),
      // The reconciler's round is once a minute: within about a minute of the restart.
      expect
        .poll(startedLater, { timeout: 180_000, interval: 1000 })
        .toBe(DURING)
        .then(
          () => (reconciledSeconds = (Date.now() - restartedAt) / 1000),
          () => undefined,
        ),
    ]);
    const postedWhileDownStarted = await startedLater();

    const dueWhileDown = timers.filter((t) => t.sla_deadline.getTime() < restartedAt);
    const recoverySeconds = dueWhileDown.length
      ? (Math.max(...dueWhileDown.map((t) => steppedAt.get(t.lead_id)!)) - restartedAt) / 1000
      : 0;
    // A timer due after the restart fires on time (lateness: fired − due).
    const lateness = timers
      .filter((t) => t.sla_deadline.getTime() >= restartedAt)
      .map((t) => (steppedAt.get(t.lead_id)! - t.sla_deadline.getTime()) / 1000);
    const allSteppedSeconds = (Math.max(...steppedAt.values()) - restartedAt) / 1000;

    // The manager is told of each of those breaches (the notification's key names the assignment).
    const breachKeys = new Set(timers.map((t) => `${leadWorkflowId(t.lead_id)}:breach:${t.attempt}`));
    const breachNotices = async () =>
      (await db.selectFrom('notifications').select('key').where('kind', '=', 'sla_breach').execute()).filter((n) =>
        breachKeys.has(n.key),
      ).length;
    await expect
      .poll(breachNotices, { timeout: 60_000, interval: 1000 })
      .toBe(timers.length)
      .catch(() => undefined);
    const managersTold = await breachNotices();

    // 6. Nothing lost: every stored lead has its workflow, every contact its journey.
    const leads = await db.selectFrom('leads').select(['id', 'workflow_id', 'contact_id']).execute();
    expect(leads).toHaveLength(LEADS + DURING);
    const ids = leads.flatMap((l) => [l.workflow_id, journeyWorkflowId(l.contact_id)]);
    const lost: string[] = [];
    for (let i = 0; i < ids.length; i += 10)
      await Promise.all(
        ids.slice(i, i + 10).map(async (id) => {
          const found = await client.workflow
            .getHandle(id)
            .describe()
            .then(
              (d) => d.status.name,
              () => 'NOT_FOUND',
            );
          if (found !== 'RUNNING') lost.push(`${id}: ${found}`);
        }),
      );

    const figures = {
      scenario: 'Temporal dev server stopped and restarted',
      inFlight: LEADS,
      lost: lost.length,
      stuck: LEADS - steppedAt.size,
      downSeconds,
      frontendUpSeconds,
      recoverySeconds,
      allSteppedSeconds,
      timersPending: timers.length,
      betweenSteps,
      timersDueWhileDown: dueWhileDown.length,
      timersDueAfterRestart: lateness.length,
      maxLatenessSeconds: lateness.length ? Math.max(...lateness) : 0,
      journeysChecked: new Set(leads.map((l) => l.contact_id)).size,
      postedWhileDown: DURING,
      postedWhileDownStarted,
      postedWhileDownStartedWithinSeconds: reconciledSeconds,
      breachesToldToManagers: managersTold,
    };
    reportFigures(figures);
    expect(lost).toEqual([]);
    expect(figures.stuck).toBe(0);
    expect(managersTold).toBe(timers.length);
    expect(postedWhileDownStarted).toBe(DURING);
  }, 900_000);
});
