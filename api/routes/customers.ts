// The unified customer timeline (roadmap 7.1 A): every interaction, newest first, in pages; reps
// log the calls and visits the system cannot see. A customer is a contact.
import { Router } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { contactExists, recordInteraction, timelinePage } from '../../db/repositories/interactions';
import { queueWorkflowSignals, signalTo } from '../../db/repositories/workflow-signals';
import { journeyWorkflowId } from '../../temporal/workflow-ids';
import { customerRespondedSignal } from '../../workflows/journey/messages';
import { responseOfInteraction } from '../../workflows/journey/rules/responses';
import { findRep } from '../../db/repositories/reps';
import type { Selectable } from 'kysely';
import type { InteractionsTable } from '../../db/schema';
import { requireRole } from '../auth';
import { problemResponses, z } from '../openapi';
import { notFound, requireJson, validationProblem } from '../problem';
import { deliverNow, type SignallingRouteDeps } from '../workflow-signal-relay';
import {
  cursorOf,
  customerIdSchema,
  newInteractionSchema,
  timelineQueryDocSchema,
  timelineQuerySchema,
} from '../schemas/customers';

/** An interaction row as the timeline shows it. */
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

export function customerRoutes({ db, client, logger, temporalTimeoutMs }: SignallingRouteDeps): Router {
  const router = Router();

  router.get('/customers/:id/timeline', requireRole('crm', 'ops'), async (req, res) => {
    const id = customerIdSchema.safeParse(req.params.id);
    if (!id.success || !(await contactExists(db, id.data))) throw notFound(`Customer ${req.params.id}`);
    const query = timelineQuerySchema.safeParse(req.query);
    if (!query.success) throw validationProblem(query.error, 'query');
    const page = await timelinePage(db, id.data, query.data.limit, query.data.cursor);
    res.json({ items: page.items.map(view), nextCursor: page.hasMore ? cursorOf(page.items.at(-1)!) : null });
  });

  router.post('/customers/:id/interactions', requireRole('crm', 'ops'), async (req, res) => {
    requireJson(req);
    const id = customerIdSchema.safeParse(req.params.id);
    if (!id.success || !(await contactExists(db, id.data))) throw notFound(`Customer ${req.params.id}`);
    const body = newInteractionSchema.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    const b = body.data;
    if (b.repId && !(await findRep(db, b.repId))) throw notFound(`Rep ${b.repId}`);
    // A call answered, a visit, a booking…: the customer's journey hears of it (it calls off the
    // prospect's "no response in 7 days" call), owed with the interaction in one transaction.
    const response = responseOfInteraction(b);
    const source = (interactionId: string) => `interaction:${interactionId}`;
    const saved = await db.transaction().execute(async (tx) => {
      const row = await recordInteraction(tx, {
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
      if (response)
        await queueWorkflowSignals(tx, source(row.id), [
          signalTo(journeyWorkflowId(id.data), customerRespondedSignal, {
            kind: response,
            ref: `interaction-${row.id}`,
          }),
        ]);
      return row;
    });
    res.status(201).json(view(saved));
    if (response)
      void deliverNow({ db, client, logger: req.log, timeoutMs: temporalTimeoutMs }, source(saved.id)).catch(
        (err: unknown) => logger.warn({ err: (err as Error).message }, 'customer response left to the relay'),
      );
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
      query: timelineQueryDocSchema,
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
