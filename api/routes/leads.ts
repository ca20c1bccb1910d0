// POST /api/v1/leads — store a lead once and start its `lead-<id>` workflow (and tell, or start, the
// customer's journey through the signal outbox).
// GET  /api/v1/leads/:id — the stored lead plus its workflow's live status.
import { createHash } from 'node:crypto';
import { Router, type Request } from 'express';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Kysely } from 'kysely';
import { assignmentsOfLead } from '../../db/repositories/assignments';
import { createLeadOnce, findLeadWithContact, markWorkflowStarted } from '../../db/repositories/leads';
import type { Database } from '../../db/schema';
import { journeySourceOf, queueJourneyOf, startLeadIntake } from '../start-workflows';
import { deliverNow } from '../workflow-signal-relay';
import type { RoutingPolicy } from '../../workflows/lead-intake/rules/sla-policy';
import { leadWorkflowId } from '../../temporal/workflow-ids';
import { statusQuery } from '../../workflows/lead-intake/messages';
import { isClosedStage, type LeadStage } from '../../workflows/lead-intake/rules/lead';
import { requireRole } from '../auth';
import { problemResponses, z } from '../openapi';
import { idempotencyKeySchema } from '../schemas/common';
import { deadlineFor } from '../temporal-deadline';
import { notFound, ProblemError, requireJson, validationProblem } from '../problem';
import { createLeadSchema, leadAcceptedSchema, leadIdSchema, leadViewSchema, phoneLineType } from '../schemas/leads';

export interface LeadRouteDeps {
  db: Kysely<Database>;
  client: Client;
  taskQueue: string;
  dedupeWindowHours: number;
  /** An unreachable Temporal must become a 503, not a request that hangs. */
  temporalTimeoutMs: number;
  /** SLA settings new lead workflows start with (absent: the workflow's defaults). */
  routingPolicy?: RoutingPolicy;
}

export function leadRoutes({
  db,
  client,
  taskQueue,
  dedupeWindowHours,
  temporalTimeoutMs,
  routingPolicy,
}: LeadRouteDeps): Router {
  const router = Router();
  const withinDeadline = deadlineFor(client, temporalTimeoutMs);

  router.post('/leads', requireRole('crm', 'ops'), async (req, res) => {
    requireJson(req);
    const key = idempotencyKeySchema.safeParse(req.header('Idempotency-Key'));
    if (!key.success) throw validationProblem(key.error, 'header.Idempotency-Key');
    const body = createLeadSchema.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);

    const requestHash = createHash('sha256').update(JSON.stringify(body.data)).digest('hex');
    const lead = { ...body.data, phoneLineType: body.data.phone ? phoneLineType(body.data.phone) : undefined };
    const outcome = await createLeadOnce(db, lead, {
      idempotencyKey: key.data,
      requestHash,
      dedupeWindowHours,
      workflowIdFor: leadWorkflowId,
    });
    if (outcome.kind === 'key-reused') {
      throw new ProblemError(
        409,
        'Idempotency-Key reused',
        'This Idempotency-Key was used with a different request body',
        {
          leadId: outcome.lead.id,
        },
      );
    }
    // Owed before the start: a lead whose workflow started always has its journey owed.
    await queueJourneyOf(db, taskQueue, outcome.lead);
    const workflowId = await withinDeadline(() => startLeadIntake(client, taskQueue, outcome.lead, routingPolicy));
    await markWorkflowStarted(db, outcome.lead.id);
    req.log.info({ leadId: outcome.lead.id, workflowId, outcome: outcome.kind }, 'lead accepted');
    res
      .status(202)
      .location(`/api/v1/leads/${outcome.lead.id}`)
      .json({ leadId: outcome.lead.id, workflowId, deduplicated: outcome.kind === 'existing' });
    // Speed to lead (roadmap 4.4 C): the answer and the routing do not wait for the journey. Its
    // signal is owed in the outbox already; delivered now, or by the relay if this attempt fails.
    void deliverNow(
      { db, client, logger: req.log, timeoutMs: temporalTimeoutMs },
      journeySourceOf(outcome.lead.id),
    ).catch((err: unknown) =>
      req.log.warn({ leadId: outcome.lead.id, err: (err as Error).message }, 'journey left to the relay'),
    );
  });

  /** The workflow's execution status and its `status` query; a silent worker does not hide the lead. */
  async function workflowView(workflowId: string, req: Request): Promise<{ status: string; live: unknown }> {
    const handle = client.workflow.getHandle(workflowId);
    let status: string;
    try {
      status = (await withinDeadline(() => handle.describe())).status.name;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return { status: 'NOT_FOUND', live: null };
      throw err;
    }
    try {
      return { status, live: await withinDeadline(() => handle.query(statusQuery)) };
    } catch (err) {
      req.log.warn({ workflowId, err: (err as Error).message }, 'status query unanswered');
      return { status, live: null };
    }
  }

  router.get('/leads/:id', requireRole('crm', 'ops'), async (req, res) => {
    const id = leadIdSchema.safeParse(req.params.id);
    if (!id.success) throw notFound(`Lead ${req.params.id}`);
    const found = await findLeadWithContact(db, id.data);
    if (!found) throw notFound(`Lead ${id.data}`);
    const { lead, contact } = found;

    const [workflow, assignments] = await Promise.all([
      workflowView(lead.workflow_id, req),
      assignmentsOfLead(db, lead.id).then((rows) => splitAssignments(rows, lead.stage as LeadStage)),
    ]);
    res.json({
      id: lead.id,
      source: lead.source,
      stage: lead.stage,
      temperature: lead.temperature,
      temperatureScore: lead.temperature_score,
      temperatureReasons: lead.temperature_reasons ?? [],
      contact: {
        id: contact.id,
        firstName: contact.first_name,
        lastName: contact.last_name,
        phone: contact.phone,
        phoneLineType: contact.phone_line_type,
        email: contact.email,
        preferredLanguage: contact.preferred_language,
      },
      address: { street: lead.street, city: lead.city, state: lead.state, zip: lead.zip },
      property: lead.property,
      signals: lead.signals,
      isVip: lead.is_vip,
      vipReasons: lead.vip_reasons ?? [],
      prediction: lead.prediction,
      enrichment: lead.enrichment,
      ...assignments,
      createdAt: lead.created_at.toISOString(),
      updatedAt: lead.updated_at.toISOString(),
      workflow: { workflowId: lead.workflow_id, ...workflow },
    });
  });

  return router;
}

type AssignmentRow = Awaited<ReturnType<typeof assignmentsOfLead>>[number];

const assignmentView = (a: AssignmentRow) => ({
  attempt: a.attempt,
  repId: a.rep_id,
  repName: a.rep_name,
  assignedAt: a.assigned_at.toISOString(),
  slaDeadline: a.sla_deadline.toISOString(),
  acceptedAt: a.accepted_at?.toISOString() ?? null,
  contactedAt: a.contacted_at?.toISOString() ?? null,
});

/**
 * The assignment that holds the lead now — the active one, or for a closed lead the one the close
 * ended — and the earlier ones apart: a rep who missed the SLA is history, not the assignment.
 */
function splitAssignments(rows: AssignmentRow[], stage: LeadStage) {
  const current = rows.find(
    (a) => a.status === 'active' || (isClosedStage(stage) && a.end_reason === 'closed' && a === rows.at(-1)),
  );
  return {
    assignment: current ? assignmentView(current) : null,
    assignmentHistory: rows
      .filter((a) => a !== current)
      .map((a) => ({ ...assignmentView(a), endedAt: a.ended_at?.toISOString() ?? null, endReason: a.end_reason })),
  };
}

export function registerLeadPaths(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/api/v1/leads',
    summary: 'Create a lead and start its intake workflow',
    description:
      'Stores the lead and its contact, then starts `lead-<leadId>`. The same request twice (same Idempotency-Key, ' +
      'or the same phone/email within the dedupe window) returns the first lead and starts nothing new.',
    request: {
      headers: z.object({ 'Idempotency-Key': idempotencyKeySchema }),
      body: { content: { 'application/json': { schema: createLeadSchema } } },
    },
    responses: {
      202: {
        description: 'Accepted: the intake workflow runs',
        content: { 'application/json': { schema: leadAcceptedSchema } },
      },
      ...problemResponses(400, 401, 403, 409, 415, 422, 503),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/leads/{id}',
    summary: "A lead with its temperature, stage and its workflow's live status",
    request: { params: z.object({ id: z.uuid() }) },
    responses: {
      200: { description: 'The lead', content: { 'application/json': { schema: leadViewSchema } } },
      ...problemResponses(401, 403, 404, 503),
    },
  });
}
