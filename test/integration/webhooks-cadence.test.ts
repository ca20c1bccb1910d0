// A provider webhook reaching a running cadence, with real parts only: the real API app (signature
// check, consent, the signal), the worker's real activities (cadence store, the gateway with the
// local providers) on a real Postgres, and followUpCadence on the time-skipping server (the dev
// server cannot skip the days between touches). A signed Twilio STOP opts the number out in
// channel_consents, so the cadence's next SMS is blocked by the gateway and email goes instead; a
// STOP answering the cadence's own SMS is also told to the cadence, which closes SMS at once.
import type { Server } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The API first: its zod schemas must be extended for OpenAPI before the ML schemas are built.
import { createApp } from '../../api/app';
import { createActivities, createSendingActivities } from '../../activities';
import { ModelStore } from '../../activities/ml/model-store';
import { createLeadOnce } from '../../db/repositories/leads';
import { consentOf } from '../../db/repositories/messages';
import { messagingTaskQueue } from '../../temporal/task-queues';
import { bundleWorkflows } from '../../workers/worker';
import { followUpCadence } from '../../workflows';
import { cadenceStatusQuery, stopCadenceSignal } from '../../workflows/cadence/messages';
import { testLogger } from '../helpers/logger';
import { freePort } from '../helpers/ports';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';
import { createTimeSkippingEnv, taskQueueFor } from '../helpers/temporal';

const AUTH_TOKEN = 'test-twilio-auth-token-e2e-0123456789';
const DAY = 86_400_000;

describe('a Twilio STOP reaching a running cadence', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: { code: string };
  let pg: TestPostgres;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    [env, workflowBundle, pg] = await Promise.all([
      createTimeSkippingEnv(),
      bundleWorkflows(testLogger),
      startTestPostgres(),
    ]);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const sendgrid = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const app = createApp({
      db: pg.db,
      client: env.client,
      logger: testLogger,
      apiKeys: [],
      taskQueue: 'unused',
      dedupeWindowHours: 24,
      temporalTimeoutMs: 5000,
      modelStore: new ModelStore(),
      promotionMargin: 0.005,
      webhooks: {
        secrets: {
          twilioAuthToken: AUTH_TOKEN,
          sendgridPublicKeyPem: sendgrid.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        },
        publicBaseUrl: base,
      },
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(port, '127.0.0.1', () => resolve(s));
    });
  });
  afterAll(async () => {
    server?.close();
    await env?.teardown();
    await pg?.stop();
  });

  /** An inbound SMS as Twilio posts it: form-encoded, signed over our URL and the parameters. */
  const twilioSms = (from: string, body: string) => {
    const params = {
      MessageSid: `SM${Date.now()}${Math.random().toString(16).slice(2, 10)}`,
      From: from,
      To: '+12485550100',
      Body: body,
    };
    const url = `${base}/webhooks/twilio/sms`;
    return fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params),
      },
      body: new URLSearchParams(params).toString(),
    });
  };

  async function newLead(phone: string) {
    const { lead } = await createLeadOnce(
      pg.db,
      {
        firstName: 'Stop',
        lastName: phone.slice(-4),
        phone,
        email: `stop-${phone.slice(-4)}@example.com`,
        source: 'website',
        address: { street: `${phone.slice(-4)} Main St`, city: 'Troy', state: 'MI', zip: '48083' },
        property: {},
        signals: {},
      },
      { requestHash: `stop-${phone}`, dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
    );
    return lead;
  }
  const messagesTo = (contactId: string) =>
    pg.db
      .selectFrom('messages')
      .select(['channel', 'status', 'workflow_id'])
      .where('contact_id', '=', contactId)
      .orderBy('created_at')
      .execute();

  /** The worker's real activities: the cadence store on its queue, the gateway on the sending queue. */
  async function withWorkers<T>(title: string, body: (taskQueue: string) => Promise<T>): Promise<T> {
    const taskQueue = taskQueueFor(title);
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle,
      activities: createActivities({ db: pg.db, modelStore: new ModelStore(), python: 'unused' }),
    });
    const sending = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: messagingTaskQueue(taskQueue),
      // Holidays off: which touches go out must not depend on the day the test runs.
      activities: createSendingActivities({ db: pg.db, holidays: { observed: false, extra: [] } }),
    });
    const done = body(taskQueue);
    const [result] = await Promise.all([worker.runUntil(done), sending.runUntil(done)]);
    return result;
  }
  const startCadence = (taskQueue: string, leadId: string, maxTouches: number) =>
    env.client.workflow.start(followUpCadence, {
      workflowId: `cadence-${leadId}`,
      taskQueue,
      args: [{ leadId, definition: 'plain', settings: { policy: { maxTouches, minGapDays: 0.5 } } }],
    });

  it('after the day-1 email, STOP by SMS: the consent row says opted out, and the day-2 SMS is blocked — email goes instead', async () => {
    const phone = '+12485550132';
    const lead = await newLead(phone);
    const result = await withWorkers('stop then email', async (taskQueue) => {
      const h = await startCadence(taskQueue, lead.id, 2);
      await env.sleep(1.2 * DAY); // past the day-1 email (email has no quiet hours)
      await expect
        .poll(() => messagesTo(lead.contact_id))
        .toEqual([{ channel: 'email', status: 'sent', workflow_id: `cadence-${lead.id}` }]);

      const stop = await twilioSms(phone, 'STOP');
      expect(stop.status).toBe(200);
      expect(await stop.text()).toMatch(/<Message>iSwitch Roofs: you will receive no more texts/);
      expect(
        await pg.db
          .selectFrom('channel_consents')
          .select(['status', 'source'])
          .where('channel', '=', 'sms')
          .where('address', '=', phone)
          .executeTakeFirstOrThrow(),
      ).toEqual({ status: 'opted_out', source: 'sms_keyword' });
      return h.result();
    });
    // The gateway refused the day-2 SMS on the consent row; the plan fell back to email that day.
    expect(result.blocked).toEqual(['sms']);
    expect(result.touches.map((t) => [t.step, t.channel])).toEqual([
      ['day-1', 'email'],
      ['day-2', 'email'],
    ]);
    expect(result.ended).toBe('touch cap of 2 reached');
    expect((await messagesTo(lead.contact_id)).map((m) => [m.channel, m.status])).toEqual([
      ['email', 'sent'],
      ['email', 'sent'],
    ]);
    expect(await consentOf(pg.db, 'email', `stop-${phone.slice(-4)}@example.com`)).toBe('subscribed');
  });

  it('STOP in answer to the cadence’s own SMS is told to the cadence: SMS is closed in its plan at once', async () => {
    const phone = '+12485550131';
    const lead = await newLead(phone);
    await withWorkers('stop answers the sms', async (taskQueue) => {
      const h = await startCadence(taskQueue, lead.id, 3);
      // Past the day-2 SMS, even if quiet hours held it until 08:00 (the next touch is on day 5).
      await env.sleep(2.7 * DAY);
      await expect
        .poll(async () => (await messagesTo(lead.contact_id)).map((m) => [m.channel, m.status]))
        .toEqual([
          ['email', 'sent'],
          ['sms', 'sent'],
        ]);
      expect((await h.query(cadenceStatusQuery)).blocked).toEqual([]);

      expect((await twilioSms(phone, 'stop')).status).toBe(200);
      expect(await consentOf(pg.db, 'sms', phone)).toBe('opted_out');
      await expect.poll(async () => (await h.query(cadenceStatusQuery)).blocked).toEqual(['sms']);
      expect((await h.query(cadenceStatusQuery)).events).toContainEqual(
        expect.objectContaining({ kind: 'unsubscribed', channel: 'sms' }),
      );
      await h.signal(stopCadenceSignal, { reason: 'lead lost' });
      expect((await h.result()).ended).toBe('lead lost');
    });
  });
});
