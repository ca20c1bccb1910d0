// What the fault tests do to the real system from outside, as the CRM and the providers would:
// leads and deal events through the API, signed Twilio and SendGrid webhooks, the journey's status
// through Temporal. And where to put the people so an SMS may go out now (quiet hours).
import { createSign } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DateTime } from 'luxon';
import twilio from 'twilio';
import { expect } from 'vitest';
import { messagingTaskQueue } from '../../temporal/task-queues';
import { journeyWorkflowId } from '../../temporal/workflow-ids';
import { journeyStatusQuery } from '../../workflows/journey/messages';
import type { JourneyStatus } from '../../workflows/journey/types';
import type { TestSystem } from './system';

/** A place with one time zone (the gateway settles it from the address alone) and its area code. */
export interface Place {
  state: string;
  city: string;
  zip: string;
  areaCode: string;
  zone: string;
}

export const PLACES: Place[] = [
  { state: 'MI', city: 'Troy', zip: '48083', areaCode: '248', zone: 'America/New_York' },
  { state: 'IL', city: 'Chicago', zip: '60601', areaCode: '312', zone: 'America/Chicago' },
  { state: 'CO', city: 'Denver', zip: '80202', areaCode: '303', zone: 'America/Denver' },
  { state: 'CA', city: 'Los Angeles', zip: '90012', areaCode: '213', zone: 'America/Los_Angeles' },
  { state: 'HI', city: 'Honolulu', zip: '96813', areaCode: '808', zone: 'Pacific/Honolulu' },
  // The territories stretch the US day: Guam is daytime while it is night in every state.
  { state: 'GU', city: 'Hagatna', zip: '96910', areaCode: '671', zone: 'Pacific/Guam' },
  { state: 'PR', city: 'San Juan', zip: '00901', areaCode: '787', zone: 'America/Puerto_Rico' },
];

/**
 * A US place where an SMS may go out now and for the next `marginMinutes` (08:00-21:00 local,
 * activities/messaging/quiet-hours.ts); undefined in the hours when it is night in every US zone
 * (with Guam and Puerto Rico, about 10:40-12:00 UTC): an SMS test cannot run then without faking the clock.
 */
export function daytimePlace(now = new Date(), marginMinutes = 20): Place | undefined {
  return PLACES.find((p) => {
    const local = DateTime.fromJSDate(now).setZone(p.zone);
    const later = local.plus({ minutes: marginMinutes });
    return local.hour >= 8 && later.hour < 21 && later.day === local.day;
  });
}

export interface Person {
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  address: { street: string; city: string; state: string; zip: string };
}

/** The i-th person of a test (`tag` keeps tests apart), living at `place`, with a phone and an email. */
export function personAt(place: Place, tag: string, i: number): Person {
  return {
    firstName: 'Fay',
    lastName: `${tag}${i}`,
    email: `${tag}-${i}@example.com`.toLowerCase(),
    phone: `+1${place.areaCode}230${String(1000 + i).slice(-4)}`,
    address: { street: `${i + 1} Fault Ave`, city: place.city, state: place.state, zip: place.zip },
  };
}

export function faultApi(sys: TestSystem, client: Client) {
  const call = async (path: string, body: unknown) => {
    const res = await fetch(`${sys.apiUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sys.crmKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  /** Where providers reach the API: what Twilio signs. */
  const publicBase = sys.config.PUBLIC_BASE_URL ?? sys.apiUrl;

  return {
    /** Posts the lead; answers its id and the contact's (whose journey sends the welcome email). */
    async postLead(p: Person): Promise<{ leadId: string; contactId: string }> {
      const created = await call('/api/v1/leads', { ...p, source: 'website' });
      expect(created.status).toBe(202);
      const leadId = created.body.leadId as string;
      const view = await fetch(`${sys.apiUrl}/api/v1/leads/${leadId}`, {
        headers: { authorization: `Bearer ${sys.crmKey}` },
      });
      const { contact } = (await view.json()) as { contact: { id: string } };
      return { leadId, contactId: contact.id };
    },

    /** The deal through to project_started: the journey's crew_arrived_sms is due at once. */
    async startProject(leadId: string): Promise<void> {
      const deal = await call('/api/v1/deals', { leadId });
      expect(deal.status).toBe(201);
      const id = deal.body.id as string;
      for (const event of [
        { event: 'quote_sent' },
        { event: 'contract_signed', value: 18_500 },
        { event: 'project_started' },
      ])
        expect((await call(`/api/v1/deals/${id}/events`, event)).status).toBe(201);
    },

    /** An inbound SMS as Twilio posts it: form-encoded, signed with the account's token over our URL. */
    async twilioInbound(from: string, body: string, messageSid: string): Promise<number> {
      const params = {
        MessageSid: messageSid,
        AccountSid: sys.config.TWILIO_ACCOUNT_SID ?? '',
        From: from,
        To: '+12485550100',
        Body: body,
      };
      const res = await fetch(`${sys.apiUrl}/webhooks/twilio/sms`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilio.getExpectedTwilioSignature(
            sys.secrets.webhooks.twilioAuthToken,
            `${publicBase}/webhooks/twilio/sms`,
            params,
          ),
        },
        body: new URLSearchParams(params).toString(),
      });
      await res.arrayBuffer();
      return res.status;
    },

    /** A batch of SendGrid events, signed with the Event Webhook key (the dev key pair in DATA_DIR). */
    async sendgridEvents(events: Record<string, unknown>[]): Promise<number> {
      const body = JSON.stringify(events);
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = createSign('sha256')
        .update(timestamp + body)
        .sign(sys.secrets.webhooks.sendgridPrivateKeyPem!)
        .toString('base64');
      const res = await fetch(`${sys.apiUrl}/webhooks/sendgrid/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-twilio-email-event-webhook-signature': signature,
          'x-twilio-email-event-webhook-timestamp': timestamp,
        },
        body,
      });
      await res.arrayBuffer();
      return res.status;
    },

    journey(contactId: string): Promise<JourneyStatus> {
      return client.workflow.getHandle(journeyWorkflowId(contactId)).query(journeyStatusQuery);
    },
  };
}

/** The journey's decision about a touchpoint: sent, or skipped with the reason (blocked: opted_out…). */
export function touchOf(status: JourneyStatus, name: string) {
  return status.touchpoints.find((t) => t.name === name);
}

/**
 * The sending queue held or released at the Temporal server, as ops would pause sending: a queue
 * rate limit of 0 (it overrides the workers' own) dispatches none of its tasks; sends decided
 * meanwhile wait there, scheduled. Released, the workers' own rate applies again.
 */
export function sendingQueue(sys: TestSystem, client: Client) {
  const queue = {
    namespace: sys.config.TEMPORAL_NAMESPACE,
    taskQueue: messagingTaskQueue(sys.config.TEMPORAL_TASK_QUEUE),
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  };
  return {
    hold: async () =>
      void (await client.workflowService.updateTaskQueueConfig({
        ...queue,
        identity: 'fault-test',
        updateQueueRateLimit: { rateLimit: { requestsPerSecond: 0 }, reason: 'fault test: sending held' },
      })),
    release: async () =>
      void (await client.workflowService.updateTaskQueueConfig({
        ...queue,
        identity: 'fault-test',
        updateQueueRateLimit: { reason: 'fault test: sending released' },
      })),
    /** Sends waiting in the queue (the server's approximate backlog). */
    backlog: async () => {
      const { stats } = await client.workflowService.describeTaskQueue({
        namespace: queue.namespace,
        taskQueue: { name: queue.taskQueue },
        taskQueueType: queue.taskQueueType,
        reportStats: true,
      });
      return Number(stats?.approximateBacklogCount ?? 0);
    },
  };
}

/**
 * Reps enough for `leads` leads in Troy (the demo team holds 53), on call around the clock, so every
 * lead of a fault test is assigned and waits on its SLA rather than for a free rep.
 */
export async function addRoomyTeam(sys: TestSystem, tag: string, leads: number): Promise<void> {
  const perRep = 50; // the most the reps API allows
  const allDay = Object.fromEntries(
    ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ['00:00', '24:00']]),
  );
  for (let i = 0; i < Math.ceil(leads / perRep) + 1; i++) {
    const res = await fetch(`${sys.apiUrl}/api/v1/reps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sys.opsKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: `fault-${tag}-${i}`,
        name: `Fault Rep ${i}`,
        email: `fault-${tag}-${i}@iswitchroofs.example`,
        territories: ['Troy'],
        skills: ['residential', 'insurance_claims', 'emergency_repair'],
        languages: ['English'],
        maxActiveLeads: perRep,
        managerId: 'mgr-pat-morgan',
        workingHours: allDay,
      }),
    });
    expect(res.status).toBe(201);
  }
}

/** A lead from Troy through the API, its Idempotency-Key made of the email (a retry finds it). */
export async function postLead(
  sys: TestSystem,
  email: string,
  i: number,
): Promise<{ status: number; retryAfter: string | null; contentType: string | null; body: Record<string, unknown> }> {
  const res = await fetch(`${sys.apiUrl}/api/v1/leads`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${sys.crmKey}`,
      'content-type': 'application/json',
      'idempotency-key': `fault-${email}`,
    },
    body: JSON.stringify({
      firstName: 'Ray',
      lastName: `Fault${i}`,
      email,
      address: { street: `${i + 1} Fault Ave`, city: 'Troy', state: 'MI', zip: '48083' },
      source: 'website',
    }),
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    contentType: res.headers.get('content-type'),
    body: (await res.json()) as Record<string, unknown>,
  };
}
