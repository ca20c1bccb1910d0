// Deals and lifecycle events (roadmap 7.1 C): the CRM records each event once, validated against
// what happened before (no project_completed before project_started: 409 with the reason). A signed
// contract closes the lead's intake as won, with the deal's value. What an event owes the journey
// and the lead's workflow is queued in the event's transaction (the signal outbox) and delivered
// after commit: with Temporal unreachable the event is recorded and the signals wait for it.
import { Router } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { dealForLead, findDeal, recordDealEvent } from '../../db/repositories/deals';
import { leadWorkflowStarted } from '../../db/repositories/leads';
import { queueWorkflowSignals, signalTo } from '../../db/repositories/workflow-signals';
import { journeyWorkflowId, leadWorkflowId } from '../../temporal/workflow-ids';
import { lifecycleEventSignal } from '../../workflows/journey/messages';
import { closeLeadSignal } from '../../workflows/lead-intake/messages';
import { requireRole } from '../auth';
import { problemResponses, z } from '../openapi';
import { leadNotStarted, notFound, ProblemError, requireJson, validationProblem } from '../problem';
import { createDealSchema, dealIdSchema, lifecycleEventSchema } from '../schemas/deals';
import { deliverNow, type SignallingRouteDeps } from '../workflow-signal-relay';

export function dealRoutes({ db, client, logger, temporalTimeoutMs }: SignallingRouteDeps): Router {
  const router = Router();

  router.post('/deals', requireRole('crm', 'ops'), async (req, res) => {
    requireJson(req);
    const body = createDealSchema.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    const deal = await dealForLead(db, body.data.leadId);
    if (!deal) throw notFound(`Lead ${body.data.leadId}`);
    res.status(201).location(`/api/v1/deals/${deal.id}`).json({ id: deal.id, leadId: deal.lead_id, stage: deal.stage });
  });

  router.get('/deals/:id', requireRole('crm', 'ops'), async (req, res) => {
    const found = dealIdSchema.safeParse(req.params.id).success ? await findDeal(db, String(req.params.id)) : undefined;
    if (!found) throw notFound(`Deal ${req.params.id}`);
    res.json({
      id: found.deal.id,
      leadId: found.deal.lead_id,
      stage: found.deal.stage,
      value: found.deal.value,
      events: found.events.map((e) => ({
        event: e.event,
        stageAfter: e.stage_after,
        occurredAt: e.occurred_at.toISOString(),
        details: e.details,
      })),
    });
  });

  router.post('/deals/:id/events', requireRole('crm', 'ops'), async (req, res) => {
    requireJson(req);
    const body = lifecycleEventSchema.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    if (!dealIdSchema.safeParse(req.params.id).success) throw notFound(`Deal ${req.params.id}`);
    const e = body.data;
    const occurredAt = e.occurredAt ? new Date(e.occurredAt) : new Date();
    const outcome = await db.transaction().execute(async (tx) => {
      const recorded = await recordDealEvent(tx, {
        dealId: String(req.params.id),
        event: e.event,
        occurredAt,
        clientKey: e.clientKey,
        details: e.details,
        value: e.value,
      });
      if (recorded?.kind !== 'recorded') return recorded;
      // The close would find no workflow and be dropped: nothing is recorded, the CRM retries.
      if (e.event === 'contract_signed' && !(await leadWorkflowStarted(tx, recorded.leadId)))
        throw leadNotStarted(recorded.leadId);
      await queueWorkflowSignals(tx, `deal-event:${recorded.eventId}`, [
        signalTo(journeyWorkflowId(recorded.contactId), lifecycleEventSignal, {
          eventId: `deal-event-${recorded.eventId}`,
          event: e.event,
          occurredAt: occurredAt.toISOString(),
          dealId: String(req.params.id),
          details: e.details,
        }),
        // The lead's intake ends as won (and stops its follow-up cadence); the journey carries on.
        ...(e.event === 'contract_signed'
          ? [signalTo(leadWorkflowId(recorded.leadId), closeLeadSignal, { reason: 'won' as const, dealValue: e.value })]
          : []),
      ]);
      return recorded;
    });
    if (!outcome) throw notFound(`Deal ${req.params.id}`);
    if (outcome.kind === 'refused') throw new ProblemError(409, 'Event out of order', outcome.reason);
    // A redelivered event (same clientKey) delivers what its first delivery left owed.
    await deliverNow({ db, client, logger, timeoutMs: temporalTimeoutMs }, `deal-event:${outcome.eventId}`);
    res
      .status(outcome.kind === 'recorded' ? 201 : 200)
      .json({ event: e.event, stage: outcome.stage, duplicate: outcome.kind === 'duplicate' });
  });

  return router;
}

export function registerDealPaths(registry: OpenAPIRegistry): void {
  const params = z.object({ id: z.uuid() });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/deals',
    summary: 'The deal of a lead (created on first use, one per lead)',
    request: { body: { content: { 'application/json': { schema: createDealSchema } } } },
    responses: { 201: { description: 'The deal' }, ...problemResponses(401, 403, 404, 415, 422, 503) },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/deals/{id}',
    summary: 'A deal with its stage and lifecycle events',
    request: { params },
    responses: { 200: { description: 'The deal' }, ...problemResponses(401, 403, 404, 503) },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/deals/{id}/events',
    summary:
      'Record a lifecycle event (quote_sent, quote_opened, competitor_mentioned, contract_signed, project_started, project_completed…); out of order: 409',
    request: { params, body: { content: { 'application/json': { schema: lifecycleEventSchema } } } },
    responses: {
      201: { description: 'Recorded; the stage after it' },
      200: { description: 'Already recorded (same clientKey)' },
      ...problemResponses(401, 403, 404, 409, 415, 422, 503),
    },
  });
}
