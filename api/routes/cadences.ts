// Follow-up cadences over HTTP (roadmap 4.3 B-C): a lead's cadence and its plan ("next touch: SMS,
// Tue 10:00, because: opened but no click"), engagement the webhooks do not see (website visits,
// answered calls, booking requests, overwhelm), ops holds — one lead, every cadence of a rep
// (vacation), or a whole definition (a holiday, a storm) — and the A/B report per variant.
// A hold lives in Postgres (cadences that start or resume during it see it) and is signalled to the
// running cadences it covers through the signal outbox (queued with the hold, delivered at once or
// as soon as Temporal takes it); releasing it resumes them without a burst.
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import type { Kysely } from 'kysely';
import {
  contactOfLead,
  createHold,
  findCadence,
  listHolds,
  releaseHold,
  runningCadencesIn,
  variantReport,
  type HoldScope,
} from '../../db/repositories/cadences';
import { repNameOf } from '../../db/repositories/reps';
import { queueWorkflowSignals, signalTo } from '../../db/repositories/workflow-signals';
import type { Database } from '../../db/schema';
import { cadenceWorkflowId } from '../../temporal/workflow-ids';
import { CADENCE_DEFINITIONS } from '../../workflows/cadence/rules/definitions';
import {
  cadenceEngagementSignal,
  cadenceStatusQuery,
  pauseCadenceSignal,
  resumeCadenceSignal,
} from '../../workflows/cadence/messages';
import { requireRole } from '../auth';
import { problemResponses, z } from '../openapi';
import { deadlineFor } from '../temporal-deadline';
import { notFound, ProblemError, requireJson, validationProblem } from '../problem';
import { cadenceEngagementSchema, cadenceHoldSchema, holdIdSchema } from '../schemas/cadences';
import { leadIdSchema } from '../schemas/leads';
import { deliverNow, type SignallingRouteDeps } from '../workflow-signal-relay';

export function cadenceRoutes({ db, client, logger, temporalTimeoutMs }: SignallingRouteDeps): Router {
  const router = Router();
  const withinDeadline = deadlineFor(client, temporalTimeoutMs);

  async function leadCadence(raw: string) {
    const id = raw.toLowerCase();
    if (!leadIdSchema.safeParse(id).success) throw notFound(`Lead ${raw}`);
    const row = await findCadence(db, cadenceWorkflowId(id));
    if (!row) throw notFound(`Cadence of lead ${id}`);
    return row;
  }

  /**
   * Inside the hold's transaction: `signal` owed to every running cadence the hold covers (one
   * that ends meanwhile drops it). Answers how many.
   */
  async function queueForCadencesIn<Args extends unknown[]>(
    tx: Kysely<Database>,
    source: string,
    scope: HoldScope,
    target: string,
    signal: SignalDefinition<Args>,
    ...args: Args
  ): Promise<number> {
    const ids = await runningCadencesIn(tx, scope, target);
    await queueWorkflowSignals(
      tx,
      source,
      ids.map((id) => signalTo(id, signal, ...args)),
    );
    return ids.length;
  }
  const deliver = (source: string) => deliverNow({ db, client, logger, timeoutMs: temporalTimeoutMs }, source);

  async function checkTarget(scope: HoldScope, target: string): Promise<void> {
    if (scope === 'definition' && !CADENCE_DEFINITIONS[target])
      throw new ProblemError(
        422,
        'Unknown cadence definition',
        `known definitions: ${Object.keys(CADENCE_DEFINITIONS).join(', ')}`,
      );
    if (scope === 'rep' && !(await repNameOf(db, target))) throw notFound(`Rep ${target}`);
    if (scope === 'lead' && !(leadIdSchema.safeParse(target).success && (await contactOfLead(db, target))))
      throw notFound(`Lead ${target}`);
  }

  router.get('/leads/:id/cadence', requireRole('crm', 'ops'), async (req, res) => {
    const row = await leadCadence(String(req.params.id));
    const live = row.ended_at
      ? undefined
      : await withinDeadline(() => client.workflow.getHandle(row.workflow_id).query(cadenceStatusQuery)).catch(
          (err: unknown) => {
            if (err instanceof WorkflowNotFoundError) return undefined;
            throw err;
          },
        );
    res.json({
      workflowId: row.workflow_id,
      definition: row.definition,
      repId: row.rep_id,
      startedAt: row.started_at.toISOString(),
      endedAt: row.ended_at?.toISOString() ?? null,
      endReason: row.end_reason,
      touches: live?.touches.length ?? row.touches,
      paused: live?.paused ?? false,
      pausedBecause: live?.pausedBecause ?? null,
      next: live?.next
        ? {
            channel: live.next.channel,
            at: live.next.at,
            mode: live.next.mode,
            step: live.next.step,
            variant: live.next.variant,
            because: live.next.reason,
          }
        : null,
      blockedChannels: live?.blocked ?? [],
    });
  });

  router.post('/leads/:id/cadence/engagement', requireRole('crm', 'ops'), async (req, res) => {
    requireJson(req);
    const body = cadenceEngagementSchema.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    const row = await leadCadence(String(req.params.id));
    if (row.ended_at) throw new ProblemError(409, 'Cadence ended', `the cadence ended: ${row.end_reason}`);
    // A ref of its own: a redelivered signal is recognised by the cadence and counted once.
    const ref = randomUUID();
    const source = `cadence-engagement:${ref}`;
    await queueWorkflowSignals(db, source, [signalTo(row.workflow_id, cadenceEngagementSignal, { ...body.data, ref })]);
    await deliver(source);
    res.status(202).json({ accepted: true, kind: body.data.kind });
  });

  router.get('/cadences/holds', requireRole('ops'), async (_req, res) => {
    res.json({
      holds: (await listHolds(db)).map((h) => ({
        id: h.id,
        scope: h.scope,
        target: h.target,
        reason: h.reason,
        createdBy: h.created_by,
        createdAt: h.created_at.toISOString(),
      })),
    });
  });

  router.post('/cadences/holds', requireRole('ops'), async (req, res) => {
    requireJson(req);
    const body = cadenceHoldSchema.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    const { scope, reason } = body.data;
    // Lead ids are compared as text in holds: one spelling (Postgres prints uuids in lower case).
    const target = scope === 'lead' ? body.data.target.toLowerCase() : body.data.target;
    await checkTarget(scope, target);
    const source = `cadence-hold:${randomUUID()}`;
    const { hold, created, paused } = await db.transaction().execute(async (tx) => {
      const { hold, created } = await createHold(tx, { scope, target, reason, createdBy: req.role });
      const why = `held (${scope}): ${hold.reason}`;
      // Holding again what is held tells the cadences again (one may have missed it).
      const paused = await queueForCadencesIn(tx, source, scope, target, pauseCadenceSignal, {
        reason: why,
        hold: scope,
      });
      return { hold, created, paused };
    });
    await deliver(source);
    res
      .status(created ? 201 : 200)
      .location(`/api/v1/cadences/holds/${hold.id}`)
      .json({ id: hold.id, scope, target, reason: hold.reason, created, paused });
  });

  router.delete('/cadences/holds/:id', requireRole('ops'), async (req, res) => {
    if (!holdIdSchema.safeParse(req.params.id).success) throw notFound(`Active hold ${req.params.id}`);
    const source = `cadence-hold-released:${String(req.params.id)}`;
    const outcome = await db.transaction().execute(async (tx) => {
      const released = await releaseHold(tx, String(req.params.id));
      if (!released) return undefined;
      // Each cadence checks for another hold before its next touch: a rep hold outlasts a lead hold.
      return {
        released,
        resumed: await queueForCadencesIn(tx, source, released.scope, released.target, resumeCadenceSignal),
      };
    });
    if (!outcome) throw notFound(`Active hold ${req.params.id}`);
    const { released, resumed } = outcome;
    await deliver(source);
    res.json({ id: released.id, released: true, resumed });
  });

  router.get('/cadences/variants', requireRole('crm', 'ops'), async (req, res) => {
    const definition = typeof req.query.definition === 'string' ? req.query.definition : undefined;
    if (definition !== undefined && !CADENCE_DEFINITIONS[definition])
      throw new ProblemError(
        422,
        'Unknown cadence definition',
        `known definitions: ${Object.keys(CADENCE_DEFINITIONS).join(', ')}`,
      );
    const rows = await variantReport(db, definition);
    res.json({
      variants: rows.map((r) => ({
        ...r,
        openRate: r.touches ? r.opened / r.touches : 0,
        clickRate: r.touches ? r.clicked / r.touches : 0,
        replyRate: r.touches ? r.replied / r.touches : 0,
        winRate: r.leads ? r.won / r.leads : 0,
      })),
    });
  });

  return router;
}

export function registerCadencePaths(registry: OpenAPIRegistry): void {
  const lead = z.object({ id: z.uuid() });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/leads/{id}/cadence',
    summary: "A lead's follow-up cadence: touches, pause, the next touch and why",
    request: { params: lead },
    responses: { 200: { description: 'The cadence' }, ...problemResponses(401, 403, 404, 503) },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/leads/{id}/cadence/engagement',
    summary: 'Engagement the webhooks do not see (website visit, answered call, booking request, overwhelm)',
    request: { params: lead, body: { content: { 'application/json': { schema: cadenceEngagementSchema } } } },
    responses: { 202: { description: 'Told to the cadence' }, ...problemResponses(401, 403, 404, 409, 415, 422, 503) },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/cadences/holds',
    summary: 'Active ops holds',
    responses: { 200: { description: 'The holds' }, ...problemResponses(401, 403, 503) },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/cadences/holds',
    summary:
      'Pause one lead, every cadence of a rep, or a whole definition (ops); holding the same target again returns the active hold',
    request: { body: { content: { 'application/json': { schema: cadenceHoldSchema } } } },
    responses: {
      201: { description: 'Held; running cadences paused' },
      200: { description: 'Already held' },
      ...problemResponses(401, 403, 404, 415, 422, 503),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/v1/cadences/holds/{id}',
    summary: 'Release a hold: its cadences resume, missed steps shifted forward',
    request: { params: z.object({ id: z.uuid() }) },
    responses: { 200: { description: 'Released' }, ...problemResponses(401, 403, 404, 503) },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/cadences/variants',
    summary: 'A/B results per definition, step and variant: touches, opens, clicks, replies, won leads',
    request: { query: z.object({ definition: z.string().optional() }) },
    responses: { 200: { description: 'The report' }, ...problemResponses(401, 403, 422, 503) },
  });
}
