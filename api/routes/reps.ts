// The sales team (roadmap 4.4): reps and managers, their working hours and time off, and their
// load. Ops manage them; a rep who becomes unavailable (time off starting now, deactivation) has
// every lead they have not yet contacted moved at once through the lead's workflow, and a change
// that may free a rep (a rep added or changed, time off removed) wakes the leads waiting for one.
// Both are queued in the signal outbox and delivered after commit, so they are made even if
// Temporal is unreachable at that moment. Time off ending and working hours starting need no
// call: the waiting lead looks again then.
import { randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Kysely } from 'kysely';
import { queueWakeOfWaitingLeads } from '../../activities/lead-intake';
import { repWorkload } from '../../db/repositories/assignments';
import { repFairness } from '../../db/repositories/fairness';
import {
  addTimeOff,
  createRep,
  findRep,
  listReps,
  listTimeOff,
  removeTimeOff,
  uncontactedLeadsOf,
  updateRep,
} from '../../db/repositories/reps';
import { queueWorkflowSignals, signalTo } from '../../db/repositories/workflow-signals';
import type { Database, Rep } from '../../db/schema';
import { leadWorkflowId } from '../../temporal/workflow-ids';
import { repUnavailableSignal } from '../../workflows/lead-intake/messages';
import { CAPACITY_ALERT_SHARE, TIER_WEIGHTS } from '../../workflows/lead-intake/rules/choose-rep';
import { requireRole } from '../auth';
import { problemResponses, z } from '../openapi';
import { notFound, ProblemError, requireJson, validationProblem } from '../problem';
import {
  createRepSchema,
  fairnessQuerySchema,
  fairnessReportSchema,
  repIdSchema,
  repListSchema,
  repSchema,
  timeOffIdSchema,
  timeOffSchema,
  updateRepSchema,
  type RepChanges,
} from '../schemas/reps';
import { deliverNow, type SignallingRouteDeps } from '../workflow-signal-relay';

/** A rep row as the API shows it (the `Rep` schema). */
export const repView = (r: Rep) => ({
  id: r.id,
  name: r.name,
  email: r.email,
  territories: r.territories,
  skills: r.skills,
  languages: r.languages,
  maxActiveLeads: r.max_active_leads,
  performanceTier: r.performance_tier,
  active: r.active,
  role: r.role,
  managerId: r.manager_id,
  timeZone: r.time_zone,
  workingHours: r.working_hours,
  closeRate: r.close_rate,
  activeLeads: r.active_leads,
  assignedTotal: r.assigned_total,
  trainingEndsOn: r.training_ends_on,
});

/** The fields a request sets, as columns (an absent field is left as it is). */
const toColumns = (r: RepChanges) => ({
  ...(r.name !== undefined && { name: r.name }),
  ...(r.email !== undefined && { email: r.email.toLowerCase() }),
  ...(r.phone !== undefined && { phone: r.phone }),
  ...(r.territories && { territories: r.territories }),
  ...(r.skills && { skills: r.skills }),
  ...(r.languages && { languages: r.languages }),
  ...(r.maxActiveLeads !== undefined && { max_active_leads: r.maxActiveLeads }),
  ...(r.performanceTier && { performance_tier: r.performanceTier }),
  ...(r.role && { role: r.role }),
  ...(r.managerId !== undefined && { manager_id: r.managerId }),
  ...(r.timeZone && { time_zone: r.timeZone }),
  ...(r.workingHours && { working_hours: JSON.stringify(r.workingHours) }),
  ...(r.closeRate !== undefined && { close_rate: r.closeRate }),
  ...(r.avgDealSize !== undefined && { avg_deal_size: r.avgDealSize }),
  ...(r.active !== undefined && { active: r.active }),
  ...(r.trainingEndsOn !== undefined && { training_ends_on: r.trainingEndsOn }),
});

export function repRoutes({ db, client, logger, temporalTimeoutMs }: SignallingRouteDeps): Router {
  const router = Router();

  async function repOf(req: Request): Promise<Rep> {
    const rep = repIdSchema.safeParse(req.params.id).success ? await findRep(db, String(req.params.id)) : undefined;
    if (!rep) throw notFound(`Rep ${req.params.id}`);
    return rep;
  }

  async function checkManager(managerId: string | null | undefined, repId: string): Promise<void> {
    if (!managerId) return;
    const manager = await findRep(db, managerId);
    const error = !manager
      ? 'no such rep'
      : manager.role !== 'manager'
        ? 'is not a manager'
        : manager.id === repId
          ? 'a rep cannot manage themselves'
          : undefined;
    if (error)
      throw new ProblemError(422, 'Validation failed', '1 field(s) are invalid', {
        errors: [{ path: 'managerId', message: error }],
      });
  }

  /**
   * Inside the transaction that makes the rep unavailable: the move of every lead they hold without
   * contact yet, owed to each lead's workflow under `source`. Answers how many leads move.
   */
  async function queueMovesOf(tx: Kysely<Database>, repId: string, source: string): Promise<number> {
    const leadIds = await uncontactedLeadsOf(tx, repId);
    await queueWorkflowSignals(
      tx,
      source,
      leadIds.map((id) => signalTo(leadWorkflowId(id), repUnavailableSignal, { repId })),
    );
    return leadIds.length;
  }
  const deliverMoves = (source: string) => deliverNow({ db, client, logger, timeoutMs: temporalTimeoutMs }, source);

  /** A rep may be free now (added, time off removed): the leads waiting for one look again. */
  async function wakeWaitingLeads(why: string): Promise<void> {
    const source = `${why}:${randomUUID()}`;
    const woken = await db.transaction().execute((tx) => queueWakeOfWaitingLeads(tx, source));
    if (woken > 0) await deliverMoves(source);
  }

  router.get('/reps', requireRole('ops'), async (_req, res) => {
    res.json({ items: (await listReps(db)).map(repView) });
  });

  router.post('/reps', requireRole('ops'), async (req, res) => {
    requireJson(req);
    const body = createRepSchema.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    await checkManager(body.data.managerId, body.data.id);
    const { id, ...fields } = body.data;
    const created = await createRep(db, {
      id,
      ...toColumns(fields),
      name: fields.name,
      email: fields.email.toLowerCase(),
      territories: fields.territories,
      skills: fields.skills,
      languages: fields.languages,
      performance_tier: fields.performanceTier,
    });
    if (!created) throw new ProblemError(409, 'Rep exists', `a rep with id ${id} or email ${fields.email} exists`);
    await wakeWaitingLeads(`rep-added:${id}`);
    res
      .status(201)
      .location(`/api/v1/reps/${id}`)
      .json(repView((await findRep(db, id))!));
  });

  // Before /reps/:id, which would read `fairness` as a rep's id.
  router.get('/reps/fairness', requireRole('ops'), async (req, res) => {
    const query = fairnessQuerySchema.safeParse(req.query);
    if (!query.success) throw validationProblem(query.error);
    const now = new Date();
    const rows = await repFairness(db, query.data.days, now);
    const all = rows.reduce((sum, r) => sum + r.leads, 0);
    const premium = rows.reduce((sum, r) => sum + r.premium, 0);
    const ratio = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1e4) / 1e4 : 0);
    res.json({
      days: query.data.days,
      since: new Date(now.getTime() - query.data.days * 86_400_000).toISOString(),
      items: rows.map((r) => ({
        ...r,
        weight: TIER_WEIGHTS[r.performanceTier] ?? 1,
        share: ratio(r.leads, all),
        premiumShare: ratio(r.premium, premium),
      })),
    });
  });

  router.get('/reps/:id', requireRole('ops'), async (req, res) => {
    res.json(repView(await repOf(req)));
  });

  router.patch('/reps/:id', requireRole('ops'), async (req, res) => {
    requireJson(req);
    const rep = await repOf(req);
    const body = updateRepSchema.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    await checkManager(body.data.managerId, rep.id);
    if (body.data.maxActiveLeads !== undefined && body.data.maxActiveLeads < rep.active_leads) {
      throw new ProblemError(
        409,
        'Below current load',
        `${rep.id} holds ${rep.active_leads} leads: reassign some before lowering the maximum to ${body.data.maxActiveLeads}`,
      );
    }
    const source = `rep-changed:${rep.id}:${randomUUID()}`;
    const { updated, owed } = await db
      .transaction()
      .execute(async (tx) => {
        const updated = await updateRep(tx, rep.id, toColumns(body.data));
        const moved = rep.active && body.data.active === false ? await queueMovesOf(tx, rep.id, source) : 0;
        const woken = updated?.active ? await queueWakeOfWaitingLeads(tx, source) : 0;
        return { updated, owed: { moved, woken } };
      })
      .catch((err: { code?: string }) => {
        if (err.code === '23505') throw new ProblemError(409, 'Email taken', `another rep uses ${body.data.email}`);
        throw err;
      });
    const moved = owed.moved;
    if (owed.moved + owed.woken > 0) await deliverMoves(source);
    res.json({ ...repView(updated!), leadsMoved: moved });
  });

  // Deactivation, not deletion: assignments and the audit log keep referring to the rep.
  router.delete('/reps/:id', requireRole('ops'), async (req, res) => {
    const rep = await repOf(req);
    const source = `rep-unavailable:${rep.id}:${randomUUID()}`;
    const { updated, moved } = await db.transaction().execute(async (tx) => ({
      updated: await updateRep(tx, rep.id, { active: false }),
      moved: rep.active ? await queueMovesOf(tx, rep.id, source) : 0,
    }));
    if (moved > 0) await deliverMoves(source);
    res.json({ ...repView(updated!), leadsMoved: moved });
  });

  router.get('/reps/:id/workload', requireRole('crm', 'ops'), async (req, res) => {
    const load = repIdSchema.safeParse(req.params.id).success
      ? await repWorkload(db, String(req.params.id))
      : undefined;
    if (!load) throw notFound(`Rep ${req.params.id}`);
    const { rep, open } = load;
    res.json({
      repId: rep.id,
      name: rep.name,
      activeLeads: rep.active_leads,
      maxActiveLeads: rep.max_active_leads,
      utilisation: Math.round((rep.active_leads / rep.max_active_leads) * 100) / 100,
      atAlertThreshold: rep.active_leads >= Math.ceil(rep.max_active_leads * CAPACITY_ALERT_SHARE),
      assignedTotal: rep.assigned_total,
      open: open.map((o) => ({
        leadId: o.lead_id,
        attempt: o.attempt,
        assignedAt: o.assigned_at.toISOString(),
        slaDeadline: o.sla_deadline.toISOString(),
        acceptedAt: o.accepted_at?.toISOString() ?? null,
        contactedAt: o.contacted_at?.toISOString() ?? null,
      })),
    });
  });

  router.get('/reps/:id/time-off', requireRole('ops'), async (req, res) => {
    const rep = await repOf(req);
    res.json({
      items: (await listTimeOff(db, rep.id)).map((t) => ({
        id: t.id,
        startsAt: t.starts_at.toISOString(),
        endsAt: t.ends_at.toISOString(),
        reason: t.reason,
      })),
    });
  });

  router.post('/reps/:id/time-off', requireRole('ops'), async (req, res) => {
    requireJson(req);
    const rep = await repOf(req);
    const body = timeOffSchema.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    const startsAt = new Date(body.data.startsAt);
    const endsAt = new Date(body.data.endsAt);
    // Time off that has begun: their waiting leads go to someone who can answer them.
    const now = Date.now();
    const begun = startsAt.getTime() <= now && now < endsAt.getTime();
    const { row, moved } = await db.transaction().execute(async (tx) => {
      const row = await addTimeOff(tx, rep.id, startsAt, endsAt, body.data.reason);
      return { row, moved: begun ? await queueMovesOf(tx, rep.id, `rep-time-off:${row.id}`) : 0 };
    });
    if (moved > 0) await deliverMoves(`rep-time-off:${row.id}`);
    res.status(201).json({
      id: row.id,
      startsAt: row.starts_at.toISOString(),
      endsAt: row.ends_at.toISOString(),
      reason: row.reason,
      leadsMoved: moved,
    });
  });

  router.delete('/reps/:id/time-off/:timeOffId', requireRole('ops'), async (req, res) => {
    const rep = await repOf(req);
    const timeOffId = timeOffIdSchema.safeParse(req.params.timeOffId);
    if (!timeOffId.success || !(await removeTimeOff(db, rep.id, timeOffId.data)))
      throw notFound(`Time off ${req.params.timeOffId}`);
    await wakeWaitingLeads(`rep-time-off-removed:${rep.id}:${timeOffId.data}`);
    res.status(204).end();
  });

  return router;
}

export function registerRepPaths(registry: OpenAPIRegistry): void {
  const params = z.object({ id: z.string() });
  const json = (schema: z.ZodType, description = 'OK') => ({
    description,
    content: { 'application/json': { schema } },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/reps',
    summary: 'The team: reps and managers with territories, skills, languages, hours and load (ops)',
    responses: { 200: json(repListSchema), ...problemResponses(401, 403, 503) },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/reps',
    summary: 'Add a rep or manager (ops)',
    request: { body: { content: { 'application/json': { schema: createRepSchema } } } },
    responses: { 201: json(repSchema, 'Created'), ...problemResponses(401, 403, 409, 415, 422, 503) },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/reps/fairness',
    summary:
      'The quality of the leads each rep received in the last `days` days (default 30): temperature, VIP, premium, value (ops)',
    request: { query: fairnessQuerySchema },
    responses: { 200: json(fairnessReportSchema), ...problemResponses(401, 403, 422, 503) },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/reps/{id}',
    summary: 'One rep (ops)',
    request: { params },
    responses: { 200: json(repSchema), ...problemResponses(401, 403, 404, 503) },
  });
  registry.registerPath({
    method: 'patch',
    path: '/api/v1/reps/{id}',
    summary: 'Change a rep (ops); deactivating moves their uncontacted leads',
    request: { params, body: { content: { 'application/json': { schema: updateRepSchema } } } },
    responses: { 200: json(repSchema), ...problemResponses(401, 403, 404, 409, 415, 422, 503) },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/v1/reps/{id}',
    summary: 'Deactivate a rep (kept for the audit log); their uncontacted leads move now',
    request: { params },
    responses: { 200: json(repSchema), ...problemResponses(401, 403, 404, 503) },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/reps/{id}/workload',
    summary: 'Open leads, SLA deadlines and utilisation of one rep',
    request: { params },
    responses: { 200: { description: 'Workload' }, ...problemResponses(401, 403, 404, 503) },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/reps/{id}/time-off',
    summary: 'A rep’s time off (ops)',
    request: { params },
    responses: { 200: { description: 'Time off' }, ...problemResponses(401, 403, 404, 503) },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/reps/{id}/time-off',
    summary: 'Add time off (ops); if it has begun, the rep’s uncontacted leads move now',
    request: { params, body: { content: { 'application/json': { schema: timeOffSchema } } } },
    responses: { 201: { description: 'Added' }, ...problemResponses(401, 403, 404, 415, 422, 503) },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/v1/reps/{id}/time-off/{timeOffId}',
    summary: 'Remove time off (ops)',
    request: { params: z.object({ id: z.string(), timeOffId: z.string() }) },
    responses: { 204: { description: 'Removed' }, ...problemResponses(401, 403, 404, 503) },
  });
}
