// The unified customer timeline (roadmap 7.1 A): every interaction, newest first, in pages; reps
// log the calls and visits the system cannot see. A customer is a contact.
import { Router } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Kysely } from 'kysely';
import { contactExists, recordInteraction, timelinePage } from '../../db/repositories/interactions';
import { findRep } from '../../db/repositories/reps';
import type { Selectable } from 'kysely';
import type { Database, InteractionsTable } from '../../db/schema';
import { requireRole } from '../auth';
import { problemResponses, z } from '../openapi';
import { notFound, requireJson, validationProblem } from '../problem';

const customerId = z.uuid();
const cursorSchema = z.string().transform((raw, ctx) => {
  const [at, id] = Buffer.from(raw, 'base64url').toString('utf8').split('|');
  if (!at || !id || Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/.test(id)) {
    ctx.addIssue({ code: 'custom', message: 'not a cursor from a previous page' });
    return z.NEVER;
  }
  return { at: new Date(at), id };
});
const timelineQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: cursorSchema.optional(),
});
const cursorOf = (i: { occurred_at: Date; id: string }) =>
  Buffer.from(`${i.occurred_at.toISOString()}|${i.id}`).toString('base64url');

export const newInteractionSchema = z
  .strictObject({
    channel: z.enum(['call', 'visit', 'meeting', 'note', 'sms', 'email']),
    direction: z.enum(['outbound', 'inbound', 'internal']),
    summary: z.string().trim().min(1).max(500),
    body: z.string().max(20_000).optional(),
    durationSeconds: z.number().int().min(0).max(86_400).optional(),
    outcome: z.string().trim().min(1).max(100).optional().describe('e.g. answered, voicemail, no_answer, booked'),
    sentiment: z.number().min(-1).max(1).optional(),
    repId: z.string().min(1).max(100).optional(),
    occurredAt: z.iso.datetime({ offset: true }).optional(),
    /** A client-side id: the same interaction sent twice is stored once. */
    clientKey: z.string().min(8).max(200).optional(),
  })
  .openapi('NewInteraction');

const view = (i: Selectable<InteractionsTable>) => ({
  id: i.id,
  channel: i.channel,
  direction: i.direction,
  summary: i.summary,
  body: i.body,
  sentiment: i.sentiment,
  durationSeconds: i.duration_seconds,
  outcome: i.outcome,
  repId: i.rep_id,
  leadId: i.lead_id,
  occurredAt: i.occurred_at.toISOString(),
});

export function customerRoutes({ db }: { db: Kysely<Database> }): Router {
  const router = Router();

  router.get('/customers/:id/timeline', requireRole('crm', 'ops'), async (req, res) => {
    const id = customerId.safeParse(req.params.id);
    if (!id.success || !(await contactExists(db, id.data))) throw notFound(`Customer ${req.params.id}`);
    const query = timelineQuery.safeParse(req.query);
    if (!query.success) throw validationProblem(query.error, 'query');
    const page = await timelinePage(db, id.data, query.data.limit, query.data.cursor);
    res.json({ items: page.items.map(view), nextCursor: page.hasMore ? cursorOf(page.items.at(-1)!) : null });
  });

  router.post('/customers/:id/interactions', requireRole('crm', 'ops'), async (req, res) => {
    requireJson(req);
    const id = customerId.safeParse(req.params.id);
    if (!id.success || !(await contactExists(db, id.data))) throw notFound(`Customer ${req.params.id}`);
    const body = newInteractionSchema.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    const b = body.data;
    if (b.repId && !(await findRep(db, b.repId))) throw notFound(`Rep ${b.repId}`);
    const saved = await recordInteraction(db, {
      contact_id: id.data,
      channel: b.channel,
      direction: b.direction,
      summary: b.summary,
      body: b.body ?? null,
      duration_seconds: b.durationSeconds ?? null,
      outcome: b.outcome ?? null,
      sentiment: b.sentiment ?? null,
      rep_id: b.repId ?? null,
      source_key: b.clientKey ? `client:${id.data}:${b.clientKey}` : null,
      occurred_at: b.occurredAt ? new Date(b.occurredAt) : new Date(),
    });
    res.status(201).json(view(saved));
  });

  return router;
}

export function registerCustomerPaths(registry: OpenAPIRegistry): void {
  const params = z.object({ id: z.uuid() });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/customers/{id}/timeline',
    summary: 'Every interaction with the customer, newest first; pass `nextCursor` as `cursor` for the next page',
    request: {
      params,
      query: z.object({ limit: z.number().int().min(1).max(100).optional(), cursor: z.string().optional() }),
    },
    responses: { 200: { description: 'A page of the timeline' }, ...problemResponses(401, 403, 404, 422, 503) },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/customers/{id}/interactions',
    summary: 'Log an interaction the system cannot see (a call, a visit, a meeting, a note)',
    request: { params, body: { content: { 'application/json': { schema: newInteractionSchema } } } },
    responses: {
      201: { description: 'Stored (or, with the same clientKey, the one stored before)' },
      ...problemResponses(401, 403, 404, 415, 422, 503),
    },
  });
}
