// Signals from the API are durable (issue 14, items 10-11), on the real system (dev server,
// Postgres, worker, API with its relay). A second API on the same database has a Temporal client
// pointed at a closed port: what it is asked to do while Temporal is "down" is stored with what it
// owes the workflows, the owed signals wait, and once the relay can reach Temporal each workflow gets
// its signal once — a signed contract closes the lead as won, a rep's time off moves their lead, an
// SMS reply hands the cadence over. While a test holds the relay's advisory lock, the system's relay
// skips its rounds: the signals wait for Temporal as they would during an outage.
// And a customer's journey ended by ops is not started again by their next lead.
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import type { Kysely } from 'kysely';
import pg from 'pg';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelStore } from '../../activities/ml/model-store';
import { createApp } from '../../api/app';
import { reconcileLeadWorkflows } from '../../api/lead-reconciler';
import { createDb } from '../../db/connection';
import type { Database } from '../../db/schema';
import { withSessionLock } from '../../db/session-lock';
import { connectClient } from '../../temporal/client';
import { CustomerId } from '../../temporal/search-attributes';
import { endJourneySignal } from '../../workflows/journey/messages';
import { testLogger } from '../helpers/logger';
import { freePort } from '../helpers/ports';
import { SLAS_THAT_DO_NOT_LAPSE, startTestSystem, type TestSystem } from '../helpers/system';

interface LeadView {
  stage: string;
  contact: { id: string };
  assignment: { repId: string } | null;
}

describe('durable signals', () => {
  let sys: TestSystem;
  let client: Client;
  let db: Kysely<Database>;
  let dark: { url: string; server: Server; client: Client };
  /** Holds the relay's lock while a test simulates the outage (the system's relay skips its rounds). */
  let lock: pg.Client;

  const call = (base: string, path: string, init: RequestInit & { key?: string } = {}) => {
    const { key = sys.crmKey, headers, ...rest } = init;
    return fetch(`${base}${path}`, {
      ...rest,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    });
  };
  const api = (path: string, init?: RequestInit & { key?: string }) => call(sys.apiUrl, path, init);
  const darkApi = (path: string, init?: RequestInit & { key?: string }) => call(dark.url, path, init);
  const post = (path: string, body: unknown, key?: string) =>
    api(path, { method: 'POST', body: JSON.stringify(body), key });
  const view = async (id: string) => (await (await api(`/api/v1/leads/${id}`)).json()) as LeadView;
  let n = 0;
  const person = (over: Record<string, unknown> = {}) => {
    n += 1;
    return {
      firstName: 'Dura',
      lastName: `Ble${n}`,
      email: `durable${n}-${Date.now()}@example.com`,
      address: { street: `${n} Outage Ave`, city: 'Troy', state: 'MI', zip: '48083' },
      source: 'website',
      signals: { intent: 'requested_appointment', websiteVisits48h: 4 },
      ...over,
    };
  };
  async function assignedLead(over: Record<string, unknown> = {}) {
    const res = await post('/api/v1/leads', person(over));
    expect(res.status).toBe(202);
    const { leadId } = (await res.json()) as { leadId: string };
    await expect.poll(async () => (await view(leadId)).stage, { timeout: 30_000 }).toBe('assigned');
    const lead = await view(leadId);
    return { id: leadId, repId: lead.assignment!.repId, contactId: lead.contact.id };
  }
  const owed = (source: string) =>
    db.selectFrom('workflow_signals').selectAll().where('source', '=', source).orderBy('id').execute();
  const owedLike = (pattern: string) =>
    db.selectFrom('workflow_signals').selectAll().where('source', 'like', pattern).orderBy('id').execute();
  /** How many times the workflow was sent `signal` (its history, every run). */
  async function signalsIn(workflowId: string, signal: string): Promise<number> {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === signal)
      .length;
  }
  async function outage<T>(during: () => Promise<T>): Promise<T> {
    await lock.query(`select pg_advisory_lock(hashtext('workflow-signal-relay'))`);
    try {
      return await during();
    } finally {
      await lock.query(`select pg_advisory_unlock(hashtext('workflow-signal-relay'))`);
    }
  }

  beforeAll(async () => {
    // SLAs that cannot lapse (a lead stays its rep's); no dedupe window, so a customer's next lead
    // right after the first is a lead of its own.
    sys = await startTestSystem({ ...SLAS_THAT_DO_NOT_LAPSE, LEAD_DEDUPE_WINDOW_HOURS: '0' });
    client = await connectClient({
      address: sys.temporalAddress,
      namespace: sys.config.TEMPORAL_NAMESPACE,
      payloadKeys: sys.secrets.payloadKeys,
    });
    db = createDb(sys.databaseUrl, 3);
    lock = new pg.Client({ connectionString: sys.databaseUrl });
    await lock.connect();

    const port = await freePort();
    const darkClient = new Client({
      connection: Connection.lazy({ address: `127.0.0.1:${await freePort()}`, connectTimeout: 500 }),
    });
    const app = createApp({
      db,
      client: darkClient,
      logger: testLogger,
      apiKeys: sys.secrets.apiKeys,
      taskQueue: sys.config.TEMPORAL_TASK_QUEUE,
      dedupeWindowHours: 0,
      temporalTimeoutMs: 1000,
      modelStore: new ModelStore(),
      promotionMargin: 0.005,
      webhooks: { secrets: sys.secrets.webhooks, publicBaseUrl: `http://127.0.0.1:${port}` },
    });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(port, '127.0.0.1', () => resolve(s));
    });
    dark = { url: `http://127.0.0.1:${port}`, server, client: darkClient };
  }, 120_000);
  afterAll(async () => {
    dark?.server.close();
    await dark?.client.connection.close().catch(() => undefined);
    await lock?.end();
    await db?.destroy();
    await client?.connection.close();
    await sys?.stop();
  });

  it('a contract signed while Temporal is unreachable: stored, its signals wait, then the lead closes as won once', async () => {
    const lead = await assignedLead();
    const deal = (await (await post('/api/v1/deals', { leadId: lead.id })).json()) as { id: string };
    expect((await post(`/api/v1/deals/${deal.id}/events`, { event: 'quote_sent' })).status).toBe(201);
    const eventId = await outage(async () => {
      const signed = await darkApi(`/api/v1/deals/${deal.id}/events`, {
        method: 'POST',
        body: JSON.stringify({ event: 'contract_signed', value: 24_000 }),
      });
      expect(signed.status).toBe(201); // the CRM's event is stored whatever Temporal does
      const event = await db
        .selectFrom('deal_events')
        .select('id')
        .where('deal_id', '=', deal.id)
        .where('event', '=', 'contract_signed')
        .executeTakeFirst();
      const rows = await owed(`deal-event:${event!.id}`);
      expect(rows.map((r) => [r.workflow_id, r.signal])).toEqual([
        [`journey-${lead.contactId}`, 'lifecycleEvent'],
        [`lead-${lead.id}`, 'closeLead'],
      ]);
      // Tried at once (Temporal unreachable), then waiting for the relay.
      for (const r of rows)
        expect(r).toMatchObject({ done_at: null, attempts: 1, last_error: expect.stringMatching(/./) });
      expect((await view(lead.id)).stage).toBe('assigned');
      return event!.id;
    });

    // Temporal reachable again: the API's relay delivers them.
    await expect.poll(async () => (await view(lead.id)).stage, { timeout: 60_000, interval: 500 }).toBe('won');
    await expect
      .poll(async () => (await owed(`deal-event:${eventId}`)).map((r) => r.outcome), { timeout: 30_000 })
      .toEqual(['delivered', 'delivered']);
    expect(await signalsIn(`lead-${lead.id}`, 'closeLead')).toBe(1);
    expect(await signalsIn(`journey-${lead.contactId}`, 'lifecycleEvent')).toBe(2); // quote_sent, contract_signed
  }, 180_000);

  it("a rep's time off while Temporal is unreachable: their lead moves once Temporal is back", async () => {
    const lead = await assignedLead();
    const timeOff = await outage(async () => {
      const res = await darkApi(`/api/v1/reps/${lead.repId}/time-off`, {
        method: 'POST',
        key: sys.opsKey,
        body: JSON.stringify({
          startsAt: new Date(Date.now() - 60_000).toISOString(),
          endsAt: new Date(Date.now() + 3_600_000).toISOString(),
          reason: 'sick',
        }),
      });
      expect(res.status).toBe(201);
      const body = (await res.json()) as { id: string; leadsMoved: number };
      expect(body.leadsMoved).toBeGreaterThanOrEqual(1);
      const rows = await owed(`rep-time-off:${body.id}`);
      expect(rows.find((r) => r.workflow_id === `lead-${lead.id}`)).toMatchObject({
        signal: 'repUnavailable',
        done_at: null,
      });
      expect((await view(lead.id)).assignment!.repId).toBe(lead.repId);
      return body.id;
    });
    try {
      await expect
        .poll(async () => (await view(lead.id)).assignment?.repId, { timeout: 60_000, interval: 500 })
        .not.toBe(lead.repId);
      expect(await signalsIn(`lead-${lead.id}`, 'repUnavailable')).toBe(1);
    } finally {
      await api(`/api/v1/reps/${lead.repId}/time-off/${timeOff}`, { method: 'DELETE', key: sys.opsKey });
    }
  }, 180_000);

  it('an SMS reply while Temporal is unreachable: stored, and the cadence is handed over once Temporal is back', async () => {
    const phone = `+1248555${String(1000 + Math.floor(Math.random() * 9000))}`;
    const lead = await assignedLead({ phone });
    expect((await post(`/api/v1/leads/${lead.id}/accept`, { repId: lead.repId })).status).toBe(200);
    expect((await post(`/api/v1/leads/${lead.id}/contacted`, { repId: lead.repId })).status).toBe(200);
    const cadenceId = `cadence-${lead.id}`;
    const cadenceRow = () =>
      db
        .selectFrom('cadences')
        .select(['ended_at', 'end_reason'])
        .where('workflow_id', '=', cadenceId)
        .executeTakeFirst();
    await expect.poll(cadenceRow, { timeout: 30_000 }).toMatchObject({ ended_at: null });

    const sid = `SM${Date.now()}durable`;
    await outage(async () => {
      const params = { MessageSid: sid, From: phone, To: '+12485550100', Body: 'Yes, please call me tomorrow' };
      const res = await fetch(`${dark.url}/webhooks/twilio/sms`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilio.getExpectedTwilioSignature(
            sys.secrets.webhooks.twilioAuthToken,
            `${dark.url}/webhooks/twilio/sms`,
            params,
          ),
        },
        body: new URLSearchParams(params).toString(),
      });
      expect(res.status).toBe(200); // Twilio's part: stored and answered
      expect((await owed(`webhook:twilio:sms:${sid}`)).find((r) => r.workflow_id === cadenceId)).toMatchObject({
        signal: 'messageEvent',
        done_at: null,
      });
      expect(await cadenceRow()).toMatchObject({ ended_at: null });
    });

    await expect
      .poll(async () => (await cadenceRow())?.end_reason, { timeout: 60_000, interval: 500 })
      .toBe('the lead replied: handed to the rep');
    expect(await signalsIn(cadenceId, 'messageEvent')).toBe(1);
  }, 180_000);

  it('a lead stored while Temporal is unreachable: a close waits for its workflow (503); its journey is started later, once, by the relay', async () => {
    const body = person();
    const { leadId, contactId } = await outage(async () => {
      const res = await darkApi('/api/v1/leads', { method: 'POST', body: JSON.stringify(body) });
      expect(res.status).toBe(503);
      const stored = await db
        .selectFrom('leads')
        .innerJoin('contacts', 'contacts.id', 'leads.contact_id')
        .select(['leads.id', 'leads.contact_id'])
        .where('contacts.email', '=', body.email)
        .executeTakeFirstOrThrow();
      expect(await owed(`lead:${stored.id}`)).toMatchObject([
        { workflow_id: `journey-${stored.contact_id}`, signal: 'newLead', start: { workflowType: 'customerJourney' } },
      ]);
      return { leadId: stored.id, contactId: stored.contact_id };
    });
    // Until its workflow starts, a close would be dropped (no workflow to tell): 503, nothing queued.
    const early = await post(`/api/v1/leads/${leadId}/close`, { reason: 'lost' });
    expect([early.status, early.headers.get('retry-after')]).toEqual([503, '30']);
    expect(await owedLike(`lead-close:${leadId}:%`)).toEqual([]);
    // So would a signed contract's close; a quote for the journey is recorded and waits behind its start.
    const deal = (await (await post('/api/v1/deals', { leadId })).json()) as { id: string };
    expect((await post(`/api/v1/deals/${deal.id}/events`, { event: 'quote_sent' })).status).toBe(201);
    const signed = await post(`/api/v1/deals/${deal.id}/events`, { event: 'contract_signed', value: 9_000 });
    expect(signed.status).toBe(503);
    expect((await (await api(`/api/v1/deals/${deal.id}`)).json()) as { stage: string }).toMatchObject({
      stage: 'prospect',
    });
    // The lead reconciler starts the lead (a round as the API runs it, under its lock, without
    // waiting for its grace period), the relay the journey.
    const round = await withSessionLock(db, 'lead-reconciler', (conn) =>
      reconcileLeadWorkflows({ db: conn, client, taskQueue: sys.config.TEMPORAL_TASK_QUEUE, logger: testLogger }, 0),
    );
    expect(round).toEqual({ held: true, value: 1 });
    await expect.poll(async () => (await view(leadId)).stage, { timeout: 30_000 }).toBe('assigned');
    await expect.poll(async () => (await owed(`lead:${leadId}`))[0]?.outcome, { timeout: 30_000 }).toBe('delivered');
    const journey = await client.workflow.getHandle(`journey-${contactId}`).describe();
    expect(journey.status.name).toBe('RUNNING');
    expect(journey.type).toBe('customerJourney');
    expect(journey.typedSearchAttributes.get(CustomerId)).toBe(contactId);
    // The quote went after the start (a workflow's signals in order), once.
    await expect.poll(() => signalsIn(`journey-${contactId}`, 'lifecycleEvent'), { timeout: 30_000 }).toBe(1);
  }, 180_000);

  it('a journey ended by ops (signal or terminate) is not started again by the next lead: no second welcome', async () => {
    for (const end of ['endJourney signal', 'terminate'] as const) {
      const email = `ended-${end.replace(/\W/g, '')}-${Date.now()}@example.com`;
      const first = await assignedLead({ email });
      const journey = client.workflow.getHandle(`journey-${first.contactId}`);
      await expect.poll(async () => (await journey.describe()).status.name, { timeout: 30_000 }).toBe('RUNNING');
      const { runId } = await journey.describe();
      if (end === 'terminate') await journey.terminate('ended by ops');
      else await journey.signal(endJourneySignal, { reason: 'ended by ops' });
      await expect.poll(async () => (await journey.describe()).status.name, { timeout: 30_000 }).not.toBe('RUNNING');
      const welcomes = () =>
        db
          .selectFrom('messages')
          .select('id')
          .where('workflow_id', '=', `journey-${first.contactId}`)
          .where('idempotency_key', 'like', '%welcome_email%')
          .execute();
      const welcomesBefore = (await welcomes()).length;
      expect((await post(`/api/v1/leads/${first.id}/close`, { reason: 'lost' })).status).toBe(202);
      await expect.poll(async () => (await view(first.id)).stage, { timeout: 30_000 }).toBe('lost');

      // The same person enquires again: a new lead of the same customer.
      const second = await assignedLead({ email });
      expect(second.id).not.toBe(first.id);
      expect(second.contactId).toBe(first.contactId);
      await expect.poll(async () => (await owed(`lead:${second.id}`))[0]?.outcome, { timeout: 30_000 }).toBe('dropped');
      expect((await owed(`lead:${second.id}`))[0]).toMatchObject({
        start: null,
        last_error: expect.stringMatching(/ended/),
      });
      const after = await journey.describe();
      expect([end, after.runId, after.status.name]).toEqual([
        end,
        runId,
        end === 'terminate' ? 'TERMINATED' : 'COMPLETED',
      ]);
      expect((await welcomes()).length).toBe(welcomesBefore);
    }
    expect(await owedLike('lead:%')).not.toContainEqual(expect.objectContaining({ outcome: 'dead' }));
  }, 240_000);
});
