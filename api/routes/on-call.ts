// The on-call rota and the after-hours backlog (issue 22 item 5; roadmap 4.4 B "100% lead assignment
// within 2 minutes"). Ops keep the rota — who (a rep or a manager) takes leads in which window while
// nobody is on shift — and watch the backlog: leads assigned at night to the first rep on shift,
// waiting for that shift (and their customers' acknowledgements), and leads nobody could take. A
// window covering now wakes the leads waiting for a rep (routing reads the rota: docs/routing.md).
import { randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { queueWakeOfWaitingLeads } from '../../activities/lead-intake';
import { countLeadsWaiting } from '../../db/repositories/leads';
import {
  addOnCall,
  afterHoursBacklog,
  findOnCall,
  listOnCall,
  removeOnCall,
  updateOnCall,
} from '../../db/repositories/on-call';
import { findRep } from '../../db/repositories/reps';
import { requireRole } from '../auth';
import { problemResponses, z } from '../openapi';
import { notFound, ProblemError, requireJson, validationProblem } from '../problem';
import {
  afterHoursBacklogSchema,
  MAX_ON_CALL_DAYS,
  newOnCallSchema,
  onCallChangesSchema,
  onCallIdSchema,
  onCallListSchema,
  onCallQuerySchema,
  onCallSchema,
} from '../schemas/on-call';
import { deliverNow, type SignallingRouteDeps } from '../workflow-signal-relay';

const DAY = 86_400_000;
const iso = (d: Date | null) => d?.toISOString() ?? null;
const view = (o: { id: string; person_id: string; starts_at: Date; ends_at: Date; note: string }) => ({
  id: o.id,
  personId: o.person_id,
  startsAt: o.starts_at.toISOString(),
  endsAt: o.ends_at.toISOString(),
  note: o.note,
});
const fieldProblem = (path: string, message: string) =>
  new ProblemError(422, 'Validation failed', '1 field(s) are invalid', { errors: [{ path, message }] });

export function onCallRoutes({ db, client, logger, temporalTimeoutMs }: SignallingRouteDeps): Router {
  const router = Router();

  async function shiftOf(req: Request) {
    const id = onCallIdSchema.safeParse(req.params.id);
    const found = id.success ? await findOnCall(db, id.data) : undefined;
    if (!found) throw notFound(`On-call window ${req.params.id}`);
    return found;
  }
  async function checkPerson(personId: string): Promise<void> {
    const person = await findRep(db, personId);
    if (!person) throw fieldProblem('personId', 'no such rep or manager');
    if (!person.active) throw fieldProblem('personId', 'is not active');
  }
  /** Someone on call now may take the leads nobody could: they look again. */
  async function wakeIfNow(startsAt: Date, endsAt: Date, why: string): Promise<void> {
    const now = Date.now();
    if (!(startsAt.getTime() <= now && now < endsAt.getTime())) return;
    const source = `${why}:${randomUUID()}`;
    const woken = await db.transaction().execute((tx) => queueWakeOfWaitingLeads(tx, source));
    if (woken > 0) await deliverNow({ db, client, logger, timeoutMs: temporalTimeoutMs }, source);
  }

  router.get('/on-call', requireRole('ops'), async (req, res) => {
    const q = onCallQuerySchema.safeParse(req.query);
    if (!q.success) throw validationProblem(q.error);
    const from = q.data.from ? new Date(q.data.from) : new Date();
    const to = q.data.to ? new Date(q.data.to) : new Date(from.getTime() + MAX_ON_CALL_DAYS * DAY);
    if (to <= from) throw fieldProblem('to', 'must be after from');
    const rows = await listOnCall(db, from, to);
    res.json({ items: rows.map((r) => ({ ...view(r), personName: r.person_name, role: r.role })) });
  });

  router.post('/on-call', requireRole('ops'), async (req, res) => {
    requireJson(req);
    const body = newOnCallSchema.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    await checkPerson(body.data.personId);
    const row = await addOnCall(db, {
      personId: body.data.personId,
      startsAt: new Date(body.data.startsAt),
      endsAt: new Date(body.data.endsAt),
      note: body.data.note,
    });
    await wakeIfNow(row.starts_at, row.ends_at, `on-call-added:${row.id}`);
    res.status(201).location(`/api/v1/on-call/${row.id}`).json(view(row));
  });

  router.get('/on-call/:id', requireRole('ops'), async (req, res) => {
    res.json(view(await shiftOf(req)));
  });

  router.patch('/on-call/:id', requireRole('ops'), async (req, res) => {
    requireJson(req);
    const shift = await shiftOf(req);
    const body = onCallChangesSchema.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    if (body.data.personId) await checkPerson(body.data.personId);
    const startsAt = body.data.startsAt ? new Date(body.data.startsAt) : shift.starts_at;
    const endsAt = body.data.endsAt ? new Date(body.data.endsAt) : shift.ends_at;
    if (endsAt <= startsAt) throw fieldProblem('endsAt', 'must be after startsAt');
    if (endsAt.getTime() - startsAt.getTime() > MAX_ON_CALL_DAYS * DAY)
      throw fieldProblem('endsAt', `at most ${MAX_ON_CALL_DAYS} days after startsAt`);
    const updated = await updateOnCall(db, shift.id, {
      ...(body.data.personId && { person_id: body.data.personId }),
      starts_at: startsAt,
      ends_at: endsAt,
      ...(body.data.note !== undefined && { note: body.data.note }),
    });
    if (!updated) throw notFound(`On-call window ${shift.id}`);
    await wakeIfNow(updated.starts_at, updated.ends_at, `on-call-changed:${updated.id}`);
    res.json(view(updated));
  });

  router.delete('/on-call/:id', requireRole('ops'), async (req, res) => {
    const shift = await shiftOf(req);
    if (!(await removeOnCall(db, shift.id))) throw notFound(`On-call window ${shift.id}`);
    res.status(204).end();
  });

  router.get('/routing/after-hours', requireRole('ops'), async (_req, res) => {
    const [rows, waiting] = await Promise.all([afterHoursBacklog(db), countLeadsWaiting(db)]);
    const now = Date.now();
    res.json({
      items: rows.map((r) => ({
        leadId: r.lead_id,
        attempt: r.attempt,
        repId: r.rep_id,
        repName: r.rep_name,
        via: r.after_hours!,
        assignedAt: r.assigned_at.toISOString(),
        slaStartsAt: iso(r.sla_starts_at),
        slaDeadline: r.sla_deadline.toISOString(),
        acceptedAt: iso(r.accepted_at),
        isVip: r.is_vip,
        temperature: r.temperature,
        acknowledgement: r.acknowledgement,
      })),
      waitingForShift: rows.filter((r) => r.after_hours === 'next_shift' && (r.sla_starts_at?.getTime() ?? 0) > now)
        .length,
      waitingForRep: waiting.forRep,
    });
  });

  return router;
}

export function registerOnCallPaths(registry: OpenAPIRegistry): void {
  const params = z.object({ id: z.string() });
  const json = (schema: z.ZodType, description = 'OK') => ({
    description,
    content: { 'application/json': { schema } },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/on-call',
    summary: 'The on-call rota: who takes leads while nobody is on shift, per window (ops)',
    request: { query: onCallQuerySchema },
    responses: { 200: json(onCallListSchema), ...problemResponses(401, 403, 422, 503) },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/on-call',
    summary: 'Put a rep or manager on call for a window (ops); a window covering now wakes waiting leads',
    request: { body: { content: { 'application/json': { schema: newOnCallSchema } } } },
    responses: { 201: json(onCallSchema, 'Created'), ...problemResponses(401, 403, 415, 422, 503) },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/on-call/{id}',
    summary: 'One on-call window (ops)',
    request: { params },
    responses: { 200: json(onCallSchema), ...problemResponses(401, 403, 404, 503) },
  });
  registry.registerPath({
    method: 'patch',
    path: '/api/v1/on-call/{id}',
    summary: 'Change an on-call window (ops)',
    request: { params, body: { content: { 'application/json': { schema: onCallChangesSchema } } } },
    responses: { 200: json(onCallSchema), ...problemResponses(401, 403, 404, 415, 422, 503) },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/v1/on-call/{id}',
    summary: 'Remove an on-call window (ops)',
    request: { params },
    responses: { 204: { description: 'Removed' }, ...problemResponses(401, 403, 404, 503) },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/routing/after-hours',
    summary: 'The after-hours backlog: leads assigned while nobody was on shift, not yet contacted (ops)',
    responses: { 200: json(afterHoursBacklogSchema), ...problemResponses(401, 403, 503) },
  });
}
