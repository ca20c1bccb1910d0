// Routing over the real system (dev server, Postgres, worker, API; the demo team is on call around
// the clock): a lead is assigned, only its rep can accept, contact is recorded, ops reassign (the
// lead shows its holder, earlier ones apart), time off moves a rep's waiting leads, a closed lead
// refuses everything, the team is managed through the API with clear 4xx for bad input, and a rep
// added wakes the leads nobody could take.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../../temporal/client';
import { routingTaskQueue } from '../../temporal/task-queues';
import { cadenceWorkflowId, leadWorkflowId } from '../../temporal/workflow-ids';
import { journeyStatusQuery } from '../../workflows/journey/messages';
import type { LeadFeatures } from '../../activities/ml/schemas';
import { NEXT_BEST_ACTION_COLUMNS, pythonReference } from '../helpers/ml-reference';
import { SLAS_THAT_DO_NOT_LAPSE, startTestSystem, type TestSystem } from '../helpers/system';

interface LeadView {
  stage: string;
  isVip: boolean;
  temperature: string | null;
  createdAt: string;
  assignment: {
    attempt: number;
    repId: string;
    slaDeadline: string;
    acceptedAt: string | null;
    contactedAt: string | null;
  } | null;
  assignmentHistory: { attempt: number; repId: string; endReason: string | null }[];
}
const TROY_REPS = ['rep-jane-doe', 'rep-sam-lee'];

describe('routing API', () => {
  let sys: TestSystem;
  const api = (path: string, init: RequestInit & { key?: string } = {}) => {
    const { key = sys.crmKey, headers, ...rest } = init;
    return fetch(`${sys.apiUrl}${path}`, {
      ...rest,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    });
  };
  const post = (path: string, body: unknown, key?: string) =>
    api(path, { method: 'POST', body: JSON.stringify(body), key });
  const view = async (id: string) => (await (await api(`/api/v1/leads/${id}`)).json()) as LeadView;
  let n = 0;
  async function assignedLead(over: Record<string, unknown> = {}): Promise<{ id: string; repId: string }> {
    n += 1;
    const res = await post('/api/v1/leads', {
      firstName: 'Rae',
      lastName: `Test${n}`,
      email: `rae${n}-${Date.now()}@example.com`,
      address: { street: `${n} Main St`, city: 'Troy', state: 'MI', zip: '48083' },
      source: 'website',
      signals: { intent: 'requested_appointment', websiteVisits48h: 4 },
      ...over,
    });
    expect(res.status).toBe(202);
    const { leadId } = (await res.json()) as { leadId: string };
    await expect.poll(async () => (await view(leadId)).stage, { timeout: 20_000 }).toBe('assigned');
    return { id: leadId, repId: (await view(leadId)).assignment!.repId };
  }

  beforeAll(async () => {
    // SLAs that cannot lapse here: a breach would move a lead to another rep mid-test (workloads,
    // attempts). A lead nobody can take looks again only after an hour, unless woken. The demo team
    // is seeded as usual.
    sys = await startTestSystem({ ...SLAS_THAT_DO_NOT_LAPSE, ROUTING_RETRY_SECONDS: '3600' });
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it('assigns a Troy lead to a Troy rep; only that rep may accept; contact is recorded; the workload shows it', async () => {
    const lead = await assignedLead();
    expect(TROY_REPS).toContain(lead.repId);
    const other = TROY_REPS.find((r) => r !== lead.repId)!;

    const wrong = await post(`/api/v1/leads/${lead.id}/accept`, { repId: other });
    expect(wrong.status).toBe(409);
    expect(wrong.headers.get('content-type')).toMatch(/problem\+json/);
    expect(((await wrong.json()) as { detail: string }).detail).toMatch(`assigned to ${lead.repId}, not ${other}`);
    expect((await post(`/api/v1/leads/${lead.id}/accept`, { repId: 'rep-nobody' })).status).toBe(404);
    expect((await post(`/api/v1/leads/${lead.id}/accept`, { rep: lead.repId })).status).toBe(422);
    expect((await view(lead.id)).assignment!.acceptedAt).toBeNull(); // nothing changed

    expect((await post(`/api/v1/leads/${lead.id}/accept`, { repId: lead.repId })).status).toBe(200);
    expect((await post(`/api/v1/leads/${lead.id}/contacted`, { repId: lead.repId })).status).toBe(200);
    await expect.poll(async () => (await view(lead.id)).stage, { timeout: 10_000 }).toBe('contacted');
    const after = await view(lead.id);
    expect(after.assignment!.acceptedAt).not.toBeNull();
    expect(after.assignment!.contactedAt).not.toBeNull();

    const tasks = (await (await api(`/api/v1/notifications?recipient=rep:${lead.repId}`)).json()) as {
      items: { kind: string; leadId: string }[];
    };
    expect(tasks.items.find((t) => t.leadId === lead.id)).toMatchObject({ kind: 'lead_assigned' });
    expect((await api('/api/v1/notifications?recipient=ops')).status).toBe(403);
    expect((await api('/api/v1/notifications?recipient=everyone')).status).toBe(422);
    const load = (await (await api(`/api/v1/reps/${lead.repId}/workload`)).json()) as {
      open: { leadId: string; contactedAt: string | null }[];
      activeLeads: number;
    };
    expect(load.open.find((o) => o.leadId === lead.id)!.contactedAt).not.toBeNull();
    expect(load.activeLeads).toBe(load.open.length);

    // The lead was routed on its own queue; the cadence it handed over to lives on the main one.
    const client = await connectClient({
      address: sys.temporalAddress,
      namespace: sys.config.TEMPORAL_NAMESPACE,
      payloadKeys: sys.secrets.payloadKeys,
    });
    const mainQueue = sys.config.TEMPORAL_TASK_QUEUE;
    expect((await client.workflow.getHandle(leadWorkflowId(lead.id)).describe()).taskQueue).toBe(
      routingTaskQueue(mainQueue),
    );
    await expect
      .poll(async () => (await client.workflow.getHandle(cadenceWorkflowId(lead.id)).describe()).taskQueue)
      .toBe(mainQueue);
    await client.connection.close();
  });

  it('scores a lead that brings every model feature as the Python reference does: a strong lead above a weak one', async () => {
    type View = {
      source: LeadFeatures['leadSource'];
      address: { zip: string };
      property: { previousInteraction?: boolean };
      createdAt: string;
      prediction: {
        conversionProbability: number;
        nextBestAction: { action: string; confidence: number; because: string[] };
        model: string;
      };
    };
    const strongIn = {
      source: 'website',
      property: { propertyValue: 420_000, roofAge: 24, damageSeverity: 'severe', insuranceClaim: true },
      signals: { responseTimeMinutes: 3, contactQuality: 8, intent: 'requested_appointment' },
    } as const;
    const weakIn = {
      source: 'direct_mail',
      property: { propertyValue: 150_000, roofAge: 3, damageSeverity: 'minor', insuranceClaim: false },
      signals: { responseTimeMinutes: 4320, contactQuality: 1 },
    } as const;
    const strong = (await (await api(`/api/v1/leads/${(await assignedLead(strongIn)).id}`)).json()) as View;
    const weak = (await (await api(`/api/v1/leads/${(await assignedLead(weakIn)).id}`)).json()) as View;

    // The record the models must have seen: what the lead brought, its ZIP, the season it came in.
    const month = new Date(strong.createdAt).getUTCMonth();
    const season = month === 11 || month <= 1 ? 'winter' : month <= 4 ? 'spring' : month <= 7 ? 'summer' : 'fall';
    const recordOf = (given: typeof strongIn | typeof weakIn, view: View): LeadFeatures => ({
      leadSource: given.source,
      ...given.property,
      contactQuality: given.signals.contactQuality,
      responseTimeMinutes: given.signals.responseTimeMinutes,
      zip: view.address.zip,
      season,
      previousInteraction: view.property.previousInteraction ?? false,
    });
    const ref = await pythonReference({ leads: [recordOf(strongIn, strong), recordOf(weakIn, weak)] });
    [strong, weak].forEach((view, i) => {
      const nba = ref.next_best_action![i]!;
      const best = nba.indexOf(Math.max(...nba));
      // The view rounds to 3 decimals.
      expect(view.prediction.conversionProbability).toBeCloseTo(ref.lead_conversion![i]![1]!, 3);
      expect(view.prediction.nextBestAction.action).toBe(NEXT_BEST_ACTION_COLUMNS[best]);
      expect(view.prediction.nextBestAction.confidence).toBeCloseTo(nba[best]!, 3);
      expect(view.prediction.nextBestAction.because).toHaveLength(3);
      expect(view.prediction.model).toMatch(/^lead_conversion \d+\.\d+\.\d+, next_best_action \d+\.\d+\.\d+$/);
    });
    expect(strong.prediction.conversionProbability).toBeGreaterThan(0.5);
    expect(weak.prediction.conversionProbability).toBeLessThan(0.1);
    expect(weak.prediction.nextBestAction.action).toBe('nurture');
  });

  it('ops reassign a lead to someone else; the crm role may not', async () => {
    const lead = await assignedLead();
    expect((await post(`/api/v1/leads/${lead.id}/reassign`, { reason: 'customer asked for another rep' })).status).toBe(
      403,
    );
    expect((await post(`/api/v1/leads/${lead.id}/reassign`, { reason: 'x' }, sys.opsKey)).status).toBe(422);
    const res = await post(
      `/api/v1/leads/${lead.id}/reassign`,
      { reason: 'customer asked for another rep' },
      sys.opsKey,
    );
    expect(res.status).toBe(200);
    const moved = (await res.json()) as { attempt: number; repId: string };
    expect(moved.attempt).toBe(2);
    expect(moved.repId).not.toBe(lead.repId);
    // The lead shows who holds it now; the rep it was moved from is history.
    const after = await view(lead.id);
    expect(after.assignment).toMatchObject({ attempt: 2, repId: moved.repId });
    expect(after.assignmentHistory).toEqual([
      expect.objectContaining({ attempt: 1, repId: lead.repId, endReason: 'reassigned' }),
    ]);
  });

  it('time off that has begun moves the rep’s uncontacted leads at once', async () => {
    const lead = await assignedLead();
    const now = Date.now();
    const bad = await post(
      `/api/v1/reps/${lead.repId}/time-off`,
      { startsAt: new Date(now).toISOString(), endsAt: new Date(now - 1000).toISOString() },
      sys.opsKey,
    );
    expect(bad.status).toBe(422);
    const res = await post(
      `/api/v1/reps/${lead.repId}/time-off`,
      {
        startsAt: new Date(now - 60_000).toISOString(),
        endsAt: new Date(now + 3_600_000).toISOString(),
        reason: 'sick',
      },
      sys.opsKey,
    );
    expect(res.status).toBe(201);
    expect(((await res.json()) as { leadsMoved: number }).leadsMoved).toBeGreaterThanOrEqual(1);
    await expect.poll(async () => (await view(lead.id)).assignment!.repId, { timeout: 20_000 }).not.toBe(lead.repId);
    // While away, new leads skip them.
    const next = await assignedLead();
    expect(next.repId).not.toBe(lead.repId);
  });

  it('a closed lead refuses acceptance and reassignment, and its rep’s capacity is freed', async () => {
    const lead = await assignedLead({ email: undefined, phone: `248555${String(Date.now()).slice(-4)}` });
    const before = ((await (await api(`/api/v1/reps/${lead.repId}/workload`)).json()) as { activeLeads: number })
      .activeLeads;
    expect((await post(`/api/v1/leads/${lead.id}/close`, { reason: 'lost', dealValue: 5 })).status).toBe(422);
    expect((await post(`/api/v1/leads/${lead.id}/close`, { reason: 'won', dealValue: 38_000 })).status).toBe(202);
    await expect.poll(async () => (await view(lead.id)).stage, { timeout: 10_000 }).toBe('won');
    const accept = await post(`/api/v1/leads/${lead.id}/accept`, { repId: lead.repId });
    expect(accept.status).toBe(409);
    expect(((await accept.json()) as { title: string }).title).toBe('Lead closed');
    expect((await post(`/api/v1/leads/${lead.id}/reassign`, { reason: 'too late now' }, sys.opsKey)).status).toBe(409);
    const after = ((await (await api(`/api/v1/reps/${lead.repId}/workload`)).json()) as { activeLeads: number })
      .activeLeads;
    expect(after).toBe(before - 1);
  });

  it('manages the team: validated create, duplicates refused, managers checked, deactivation', async () => {
    const rep = {
      id: 'rep-kim-park',
      name: 'Kim Park',
      email: 'kim@iswitchroofs.example',
      territories: ['Troy'],
      skills: ['residential'],
      languages: ['English', 'Korean'],
    };
    const bad = await post(
      '/api/v1/reps',
      { ...rep, timeZone: 'Mars/Olympus', workingHours: { mon: ['18:00', '09:00'] } },
      sys.opsKey,
    );
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { errors: { path: string }[] }).errors.map((e) => e.path).sort()).toEqual([
      'timeZone',
      'workingHours.mon',
    ]);
    expect((await post('/api/v1/reps', rep)).status).toBe(403);
    const created = await post('/api/v1/reps', { ...rep, managerId: 'mgr-pat-morgan' }, sys.opsKey);
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({
      id: 'rep-kim-park',
      role: 'rep',
      managerId: 'mgr-pat-morgan',
      maxActiveLeads: 15,
      timeZone: 'America/Detroit',
      activeLeads: 0,
    });
    expect((await post('/api/v1/reps', rep, sys.opsKey)).status).toBe(409);
    const notManager = await api('/api/v1/reps/rep-kim-park', {
      method: 'PATCH',
      key: sys.opsKey,
      body: JSON.stringify({ managerId: 'rep-jane-doe' }),
    });
    expect(notManager.status).toBe(422);
    const gone = await api('/api/v1/reps/rep-kim-park', { method: 'DELETE', key: sys.opsKey });
    expect(await gone.json()).toMatchObject({ active: false, leadsMoved: 0 });
    expect((await api('/api/v1/reps/rep-nobody', { key: sys.opsKey })).status).toBe(404);
  });

  it('records lifecycle events in order (409 out of order); a signed contract closes the lead as won', async () => {
    const lead = await assignedLead();
    const created = await post('/api/v1/deals', { leadId: lead.id });
    expect(created.status).toBe(201);
    const deal = (await created.json()) as { id: string; stage: string };
    expect(deal.stage).toBe('lead');
    expect(((await (await post('/api/v1/deals', { leadId: lead.id })).json()) as { id: string }).id).toBe(deal.id); // one per lead

    const early = await post(`/api/v1/deals/${deal.id}/events`, { event: 'project_completed' });
    expect(early.status).toBe(409);
    expect(((await early.json()) as { detail: string }).detail).toBe('project_completed needs project_started first');
    expect((await post(`/api/v1/deals/${deal.id}/events`, { event: 'roof_exploded' })).status).toBe(422);
    expect(
      (await post('/api/v1/deals/00000000-0000-4000-8000-000000000000/events', { event: 'quote_sent' })).status,
    ).toBe(404);

    const sent = await post(`/api/v1/deals/${deal.id}/events`, { event: 'quote_sent', clientKey: 'quote-email-1' });
    expect(await sent.json()).toEqual({ event: 'quote_sent', stage: 'prospect', duplicate: false });
    const again = await post(`/api/v1/deals/${deal.id}/events`, { event: 'quote_sent', clientKey: 'quote-email-1' });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { duplicate: boolean }).duplicate).toBe(true);

    const signed = await post(`/api/v1/deals/${deal.id}/events`, { event: 'contract_signed', value: 42_500 });
    expect(await signed.json()).toMatchObject({ stage: 'customer' });
    await expect.poll(async () => (await view(lead.id)).stage, { timeout: 10_000 }).toBe('won');
    const shown = (await (await api(`/api/v1/deals/${deal.id}`)).json()) as {
      stage: string;
      value: number;
      events: { event: string }[];
    };
    expect(shown).toMatchObject({ stage: 'customer', value: 42_500 });
    expect(shown.events.map((e) => e.event)).toEqual(['quote_sent', 'contract_signed']);

    // The customer's journey heard each event once (the repeated quote_sent carried the same id).
    const client = await connectClient({
      address: sys.temporalAddress,
      namespace: sys.config.TEMPORAL_NAMESPACE,
      payloadKeys: sys.secrets.payloadKeys,
    });
    const contactId = ((await (await api(`/api/v1/leads/${lead.id}`)).json()) as { contact: { id: string } }).contact
      .id;
    const journey = client.workflow.getHandle(`journey-${contactId}`);
    await expect
      .poll(async () => (await journey.query(journeyStatusQuery)).stage, { timeout: 10_000 })
      .toBe('customer');
    expect((await journey.query(journeyStatusQuery)).events.map((e) => e.event)).toEqual([
      'quote_sent',
      'contract_signed',
    ]);
  });

  it('reports temperature trends by day: each new HOT lead counts on the UTC day it arrived', async () => {
    const trends = async () => {
      const res = await api('/api/v1/analytics/temperature-trends?days=7');
      expect(res.status).toBe(200);
      return (await res.json()) as { days: number; items: { day: string; HOT: number }[] };
    };
    const hotByDay = (t: { items: { day: string; HOT: number }[] }) =>
      Object.fromEntries(t.items.map((i) => [i.day, i.HOT]));
    const before = hotByDay(await trends());
    // Leads of its own, each counted on the day the database gave it (UTC): whenever the test runs,
    // even across midnight, with whatever leads earlier tests left.
    const added: Record<string, number> = {};
    for (let i = 0; i < 3; i++) {
      const lead = await view((await assignedLead()).id);
      expect(lead.temperature).toBe('HOT');
      const day = new Date(lead.createdAt).toISOString().slice(0, 10);
      added[day] = (added[day] ?? 0) + 1;
    }
    const after = await trends();
    expect(after.days).toBe(7);
    const days = after.items.map((i) => i.day);
    expect(days).toEqual([...days].sort());
    expect(days.at(-1)).toBe(Object.keys(added).sort().at(-1)); // the newest leads are these
    for (const [day, n] of Object.entries(added)) expect(hotByDay(after)[day]! - (before[day] ?? 0), day).toBe(n);
    expect((await api('/api/v1/analytics/temperature-trends?days=0')).status).toBe(422);
  });

  it('a lead nobody can take waits, and is assigned as soon as ops add a rep (not at its next look)', async () => {
    const team = (
      (await (await api('/api/v1/reps', { key: sys.opsKey })).json()) as {
        items: { id: string; role: string; active: boolean }[];
      }
    ).items.filter((r) => r.role === 'rep' && r.active);
    // Nobody active at all (not merely off shift: a team that is only off shift or on time off is
    // after hours, and the lead goes to the first rep back, docs/routing.md).
    const paused: string[] = [];
    try {
      for (const r of team) {
        const res = await api(`/api/v1/reps/${r.id}`, {
          method: 'PATCH',
          key: sys.opsKey,
          body: JSON.stringify({ active: false }),
        });
        expect(res.status).toBe(200);
        paused.push(r.id);
      }
      const res = await post('/api/v1/leads', {
        firstName: 'Wes',
        lastName: 'Waiting',
        email: `wes-${Date.now()}@example.com`,
        address: { street: '9 Main St', city: 'Troy', state: 'MI', zip: '48083' },
        source: 'website',
        signals: { intent: 'requested_appointment', websiteVisits48h: 4 },
      });
      const { leadId } = (await res.json()) as { leadId: string };
      await expect.poll(async () => (await view(leadId)).stage, { timeout: 20_000 }).toBe('waiting_for_rep');
      expect((await view(leadId)).assignment).toBeNull();

      const added = await post(
        '/api/v1/reps',
        {
          id: 'rep-new-hire',
          name: 'New Hire',
          email: 'new.hire@iswitchroofs.example',
          territories: ['Troy'],
          skills: ['residential'],
          languages: ['English'],
          maxActiveLeads: 50, // room for the leads moved off the paused team too
          workingHours: Object.fromEntries(
            ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ['00:00', '24:00']]),
          ),
        },
        sys.opsKey,
      );
      expect(added.status).toBe(201);
      // Its next look is an hour away (ROUTING_RETRY_SECONDS): only the wake can assign it now.
      await expect.poll(async () => (await view(leadId)).stage, { timeout: 20_000 }).toBe('assigned');
      const assigned = await view(leadId);
      expect(assigned.assignment!.repId).toBe('rep-new-hire');
      expect(assigned.assignmentHistory).toEqual([]);
    } finally {
      for (const id of paused)
        await api(`/api/v1/reps/${id}`, { method: 'PATCH', key: sys.opsKey, body: JSON.stringify({ active: true }) });
      await api('/api/v1/reps/rep-new-hire', { method: 'DELETE', key: sys.opsKey });
    }
  });
});
