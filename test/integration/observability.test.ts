// Tracing and business metrics on the real system (dev server, Postgres, the worker and the API in
// this process, tracing installed as an entrypoint installs it, into memory instead of OTLP): a lead's
// POST is one trace down to its workflow's activities and its journey's first message, and GET
// /metrics counts the lead by temperature and the welcome email its opt-out blocked.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Worker } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/connection';
import { setConsent } from '../../db/repositories/messages';
import type { Database } from '../../db/schema';
import { connectClient } from '../../temporal/client';
import { createDataConverter } from '../../temporal/data-converter';
import { installTracing } from '../../temporal/tracing';
import { SLAS_THAT_DO_NOT_LAPSE, startTestSystem, type TestSystem } from '../helpers/system';
import { bundleFixture } from '../helpers/temporal';

// Before the system bundles its workflows and connects its client, as the entrypoints do.
const exporter = new InMemorySpanExporter();
installTracing({ serviceName: 'crm-test', spanProcessor: new SimpleSpanProcessor(exporter) });

/** A sample's value in Prometheus' text format: the series whose labels include `labels` (0 if absent). */
function sample(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const found = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(m[3]);
  }
  return 0;
}

describe('observability on the real system', () => {
  let sys: TestSystem;
  let db: Kysely<Database>;
  /** The lead run the first test traced from its start to its end. */
  let tracedRun: string | undefined;

  const api = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${sys.apiUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${sys.crmKey}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const metrics = async () => (await fetch(`${sys.apiUrl}/metrics`)).text();
  const postLead = async (email: string, headers: Record<string, string> = {}) => {
    const res = await api(
      '/api/v1/leads',
      {
        firstName: 'Otto',
        lastName: 'Trace',
        phone: `248555${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`,
        email,
        address: { street: '9 Elm St', city: 'Troy', state: 'MI', zip: '48083' },
        source: 'website',
        signals: { intent: 'requested_appointment', websiteVisits48h: 5 },
      },
      headers,
    );
    expect(res.status).toBe(202);
    return (await res.json()) as { leadId: string; workflowId: string };
  };
  const spans = () => exporter.getFinishedSpans();
  const named = (name: string, traceId: string) =>
    spans().find((s) => s.name === name && s.spanContext().traceId === traceId);

  beforeAll(async () => {
    sys = await startTestSystem(SLAS_THAT_DO_NOT_LAPSE);
    db = createDb(sys.databaseUrl, 2);
  });
  afterAll(async () => {
    await db?.destroy();
    await sys?.stop();
  });

  it('one trace: the caller → POST /api/v1/leads → workflow start → workflow run → its activities', async () => {
    // The caller's own trace (W3C traceparent): the API request becomes part of it.
    const callerTraceId = randomUUID().replaceAll('-', '');
    const callerSpanId = '00f067aa0ba902b7';
    const { leadId, workflowId } = await postLead(`otto.${randomUUID().slice(0, 8)}@example.com`, {
      traceparent: `00-${callerTraceId}-${callerSpanId}-01`,
    });
    tracedRun = workflowId;
    await expect.poll(() => named('RunActivity:assessLead', callerTraceId)).toBeDefined();
    // The workflow's own span is exported when its run ends: close the lead.
    expect((await api(`/api/v1/leads/${leadId}/close`, { reason: 'lost' })).status).toBe(202);
    await expect.poll(() => named('RunWorkflow:leadIntake', callerTraceId), { timeout: 30_000 }).toBeDefined();

    const http = named('POST /api/v1/leads', callerTraceId)!;
    const start = named('StartWorkflow:leadIntake', callerTraceId)!;
    const run = named('RunWorkflow:leadIntake', callerTraceId)!;
    const schedule = named('StartActivity:assessLead', callerTraceId)!;
    const execute = named('RunActivity:assessLead', callerTraceId)!;
    const parentOf = (s: ReadableSpan) => s.parentSpanId;
    expect(parentOf(http)).toBe(callerSpanId);
    expect(http.attributes['http.response.status_code']).toBe(202);
    expect(parentOf(start)).toBe(http.spanContext().spanId);
    expect(start.attributes.temporalWorkflowId).toBe(workflowId);
    expect(parentOf(run)).toBe(start.spanContext().spanId);
    expect(parentOf(schedule)).toBe(run.spanContext().spanId);
    expect(parentOf(execute)).toBe(schedule.spanContext().spanId);
    expect(execute.attributes.temporalWorkflowId).toBe(workflowId);
    // Every later step of the run too, in the same trace: routing, and the close's own writes.
    for (const activity of ['assignLeadToRep', 'recordLeadStage'])
      expect(parentOf(named(`StartActivity:${activity}`, callerTraceId)!)).toBe(run.spanContext().spanId);
    // The same request's journey start, and the journey's first message on the sending worker.
    const journeyStart = named('SignalWithStartWorkflow:customerJourney', callerTraceId)!;
    expect(parentOf(journeyStart)).toBe(http.spanContext().spanId);
    await expect.poll(() => named('RunActivity:sendMessage', callerTraceId)).toBeDefined();
    // Workflow spans carry the service that ran them.
    expect(execute.resource.attributes['service.name']).toBe('crm-test');
  });

  it('a run traced from start to end replays without tracing: switching it off spares running workflows', async () => {
    const client = await connectClient({
      address: sys.temporalAddress,
      namespace: sys.config.TEMPORAL_NAMESPACE,
      payloadKeys: sys.secrets.payloadKeys,
    });
    const history = await client.workflow.getHandle(tracedRun!).fetchHistory();
    await client.connection.close();
    // Traced: the start carried the trace context in its headers.
    const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
    expect(Object.keys(started.header?.fields ?? {})).toContain('_tracer-data');
    // The workflows bundled as a worker without tracing bundles them (no interceptor modules).
    const untraced = await bundleFixture(path.resolve(__dirname, '..', '..', 'workflows'));
    expect(untraced.code).not.toContain('@temporalio/interceptor-workflow');
    await Worker.runReplayHistory(
      { workflowBundle: untraced, dataConverter: createDataConverter(sys.secrets.payloadKeys) },
      history,
    );
  });

  it('GET /metrics: the lead by its temperature, and its welcome email blocked by the opt-out', async () => {
    const email = `opted.${randomUUID().slice(0, 8)}@example.com`;
    await setConsent(db, { channel: 'email', address: email, status: 'opted_out', source: 'test' });
    const blocked = { channel: 'email', outcome: 'blocked', reason: 'opted_out' };
    const before = await metrics();

    const { leadId } = await postLead(email);
    const temperatureOf = async () =>
      ((await (await api(`/api/v1/leads/${leadId}`)).json()) as { temperature: string | null }).temperature;
    await expect.poll(temperatureOf).not.toBeNull();
    const created = { temperature: (await temperatureOf())! };
    await expect
      .poll(async () => sample(await metrics(), 'leads_created_total', created))
      .toBe(sample(before, 'leads_created_total', created) + 1);
    // The journey's welcome email, the gateway's answer: blocked by the opt-out.
    await expect
      .poll(async () => sample(await metrics(), 'messages_total', blocked))
      .toBe(sample(before, 'messages_total', blocked) + 1);

    // Every known series is there from the start, at 0 until it happens.
    const after = await metrics();
    for (const temperature of ['HOT', 'WARM', 'COLD'])
      expect(after).toMatch(new RegExp(`^leads_created_total\\{temperature="${temperature}"\\} \\d+$`, 'm'));
    for (const tier of ['VIP', 'HOT', 'WARM', 'COLD'])
      expect(after).toMatch(new RegExp(`^sla_breaches_total\\{tier="${tier}"\\} \\d+$`, 'm'));
  });

  it('GET /metrics: workflows_waiting counts, on each scrape, the leads nobody can take', async () => {
    expect(sample(await metrics(), 'workflows_waiting', { reason: 'rep' })).toBe(0);
    expect(await metrics()).toMatch(/^workflows_waiting\{reason="ops_queue"\} 0$/m);
    // The whole team deactivated: the next lead waits for a rep.
    const ops = { authorization: `Bearer ${sys.opsKey}` };
    const reps = (await (await fetch(`${sys.apiUrl}/api/v1/reps`, { headers: ops })).json()) as {
      items: { id: string }[];
    };
    for (const rep of reps.items)
      expect((await fetch(`${sys.apiUrl}/api/v1/reps/${rep.id}`, { method: 'DELETE', headers: ops })).status).toBe(200);
    // The earlier tests' leads their reps still held move off them and wait too: counted once they have.
    const held = async () =>
      (await db.selectFrom('leads').select('id').where('stage', '=', 'assigned').execute()).length;
    await expect.poll(held, { timeout: 30_000 }).toBe(0);
    const before = sample(await metrics(), 'workflows_waiting', { reason: 'rep' });
    await postLead(`wait.${randomUUID().slice(0, 8)}@example.com`);
    await expect.poll(async () => sample(await metrics(), 'workflows_waiting', { reason: 'rep' })).toBe(before + 1);
  });
});
