// What reps and ops do to a routed lead (roadmap 4.4): accept it, record first contact, move it,
// or have its temperature recalculated. Each goes to the lead's workflow as an Update (answered
// with the outcome) or a signal; the workflow's validators decide, so a refused request changes
// nothing: someone else's lead, a lead nobody holds, or a closed lead is a 409 naming why. The
// signals (close, recalculate) go through the signal outbox: accepted (202) even while Temporal is
// unreachable, and delivered once it is back.
import { randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import type { Kysely } from 'kysely';
import { findLeadWithContact } from '../../db/repositories/leads';
import { queueWorkflowSignals, signalTo, type OwedSignal } from '../../db/repositories/workflow-signals';
import { isClosedStage } from '../../workflows/lead-intake/rules/lead';
import { repNameOf } from '../../db/repositories/reps';
import type { Database, Lead } from '../../db/schema';
import type { leadIntake } from '../../workflows';
import {
  acceptLeadUpdate,
  closeLeadSignal,
  contactedUpdate,
  engagementSignal,
  reassignUpdate,
} from '../../workflows/lead-intake/messages';
import { requireRole } from '../auth';
import { problemResponses, z } from '../openapi';
import { deadlineFor } from '../temporal-deadline';
import { deliverNow } from '../workflow-signal-relay';
import { leadNotStarted, notFound, ProblemError, requireJson, validationProblem } from '../problem';
import {
  acceptedSchema,
  closeLeadSchema,
  contactedSchema,
  reassignedSchema,
  reassignSchema,
  repActionSchema,
} from '../schemas/lead-actions';
import { engagementSignalsSchema, leadIdSchema } from '../schemas/leads';

/** Workflow refusals (validator failure types) → HTTP. */
const REFUSALS: Record<string, [number, string]> = {
  NotAssignedRep: [409, 'Not this rep’s lead'],
  NotAssigned: [409, 'Lead not assigned'],
  LeadClosed: [409, 'Lead closed'],
  AlreadyContacted: [409, 'Already contacted'],
};

export function leadActionRoutes({
  db,
  client,
  temporalTimeoutMs,
}: {
  db: Kysely<Database>;
  client: Client;
  temporalTimeoutMs: number;
}): Router {
  const router = Router();
  const withinDeadline = deadlineFor(client, temporalTimeoutMs);

  async function openLead(req: Request): Promise<{ lead: Lead; handle: WorkflowHandle<typeof leadIntake> }> {
    const id = leadIdSchema.safeParse(req.params.id);
    if (!id.success) throw notFound(`Lead ${req.params.id}`);
    const found = await findLeadWithContact(db, id.data);
    if (!found) throw notFound(`Lead ${id.data}`);
    if (isClosedStage(found.lead.stage))
      throw new ProblemError(409, 'Lead closed', `lead ${id.data} is ${found.lead.stage}: nothing can change it`);
    return { lead: found.lead, handle: client.workflow.getHandle<typeof leadIntake>(found.lead.workflow_id) };
  }

  /** Queues the signal and delivers it now if Temporal takes it (else the relay does, later). */
  async function tell(req: Request, lead: Lead, what: string, owed: OwedSignal): Promise<void> {
    if (!lead.workflow_started_at) throw leadNotStarted(lead.id);
    const source = `lead-${what}:${lead.id}:${randomUUID()}`;
    await queueWorkflowSignals(db, source, [owed]);
    await deliverNow({ db, client, logger: req.log, timeoutMs: temporalTimeoutMs }, source);
  }

  async function knownRep(repId: string): Promise<void> {
    if (!(await repNameOf(db, repId))) throw notFound(`Rep ${repId}`);
  }

  /** Runs an Update; the workflow's refusal becomes a 409 and nothing changes. */
  async function update<R>(lead: Lead, run: () => Promise<R>): Promise<R> {
    try {
      return await withinDeadline(run);
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        const [status, title] = REFUSALS[err.cause.type ?? ''] ?? [409, 'Refused'];
        throw new ProblemError(status, title, err.cause.message);
      }
      if (err instanceof WorkflowNotFoundError)
        throw new ProblemError(409, 'Lead closed', `lead ${lead.id} has no running workflow`);
      throw err;
    }
  }

  const repActions: [string, UpdateDefinition<unknown, [{ repId: string }]>, string][] = [
    ['accept', acceptLeadUpdate, 'accepted'],
    ['contacted', contactedUpdate, 'contacted'],
  ];
  for (const [path, def, verb] of repActions) {
    router.post(`/leads/:id/${path}`, requireRole('crm', 'ops'), async (req, res) => {
      requireJson(req);
      const body = repActionSchema.safeParse(req.body);
      if (!body.success) throw validationProblem(body.error);
      const { lead, handle } = await openLead(req);
      await knownRep(body.data.repId);
      const result = await update(lead, () => handle.executeUpdate(def, { args: [body.data] }));
      req.log.info({ leadId: lead.id, repId: body.data.repId, workflowId: lead.workflow_id }, `lead ${verb}`);
      res.json(result);
    });
  }

  router.post('/leads/:id/reassign', requireRole('ops'), async (req, res) => {
    requireJson(req);
    const body = reassignSchema.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    const { lead, handle } = await openLead(req);
    if (body.data.repId) await knownRep(body.data.repId);
    const result = await update(lead, () => handle.executeUpdate(reassignUpdate, { args: [body.data] }));
    req.log.info({ leadId: lead.id, workflowId: lead.workflow_id, ...result }, 'lead reassigned');
    res.json(result);
  });

  // Closing frees the rep's capacity; the workflow records the stage (and the deal value) and ends.
  router.post('/leads/:id/close', requireRole('crm', 'ops'), async (req, res) => {
    requireJson(req);
    const body = closeLeadSchema.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    const { lead } = await openLead(req);
    await tell(req, lead, 'close', signalTo(lead.workflow_id, closeLeadSignal, body.data));
    req.log.info({ leadId: lead.id, workflowId: lead.workflow_id, reason: body.data.reason }, 'lead closed');
    res.status(202).json({ leadId: lead.id, workflowId: lead.workflow_id });
  });

  router.post('/leads/:id/recalculate-temperature', requireRole('crm', 'ops'), async (req, res) => {
    const body = engagementSignalsSchema.safeParse(req.body ?? {});
    if (!body.success) throw validationProblem(body.error);
    const { lead } = await openLead(req);
    await tell(req, lead, 'engagement', signalTo(lead.workflow_id, engagementSignal, body.data));
    res.status(202).json({ leadId: lead.id, workflowId: lead.workflow_id });
  });

  return router;
}

export function registerLeadActionPaths(registry: OpenAPIRegistry): void {
  const params = z.object({ id: z.uuid() });
  const outcome = (schema: z.ZodType) => ({ description: 'Done', content: { 'application/json': { schema } } });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/leads/{id}/accept',
    summary: 'The assigned rep accepts the lead (409 for anyone else, a lead nobody holds, or a closed lead)',
    request: { params, body: { content: { 'application/json': { schema: repActionSchema } } } },
    responses: {
      200: outcome(acceptedSchema),
      ...problemResponses(401, 403, 404, 409, 415, 422, 503),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/leads/{id}/contacted',
    summary: 'The assigned rep made first contact: the SLA is met and the lead goes on to follow-up',
    request: { params, body: { content: { 'application/json': { schema: repActionSchema } } } },
    responses: {
      200: outcome(contactedSchema),
      ...problemResponses(401, 403, 404, 409, 415, 422, 503),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/leads/{id}/reassign',
    summary: 'Ops move a lead to a named rep (when available) or to the best available rep; answers the new assignment',
    request: { params, body: { content: { 'application/json': { schema: reassignSchema } } } },
    responses: {
      200: outcome(reassignedSchema),
      ...problemResponses(401, 403, 404, 409, 415, 422, 503),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/leads/{id}/close',
    summary: 'Close a lead as won (with its deal value), lost or duplicate; frees the rep’s capacity',
    request: { params, body: { content: { 'application/json': { schema: closeLeadSchema } } } },
    responses: {
      202: { description: 'Accepted: told to the workflow now, or once Temporal is reachable' },
      ...problemResponses(401, 403, 404, 409, 415, 422, 503),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/leads/{id}/recalculate-temperature',
    summary: 'Recalculate the temperature now, optionally with new engagement signals',
    request: {
      params,
      body: { required: false, content: { 'application/json': { schema: engagementSignalsSchema } } },
    },
    responses: {
      202: { description: 'Accepted: told to the workflow now, or once Temporal is reachable' },
      ...problemResponses(401, 403, 404, 409, 422, 503),
    },
  });
}
