// What the CRM shows people (stored only: not yet sent to anyone's phone or inbox): a rep's tasks (new
// leads, VIP leads), a manager's escalations (SLA breaches, capacity alerts) and the ops queue.
import { Router } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Kysely } from 'kysely';
import { listNotifications } from '../../db/repositories/notifications';
import type { Database } from '../../db/schema';
import { requireRole } from '../auth';
import { problemResponses } from '../openapi';
import { ProblemError, validationProblem } from '../problem';
import { notificationListSchema, notificationQuerySchema } from '../schemas/notifications';

export function notificationRoutes({ db }: { db: Kysely<Database> }): Router {
  const router = Router();
  router.get('/notifications', requireRole('crm', 'ops'), async (req, res) => {
    const query = notificationQuerySchema.safeParse(req.query);
    if (!query.success) throw validationProblem(query.error, 'query');
    // The ops queue is for managers only.
    if (query.data.recipient === 'ops' && req.role !== 'ops')
      throw new ProblemError(403, 'Forbidden', 'the ops queue needs the ops role');
    const rows = await listNotifications(db, query.data.recipient, query.data.limit);
    res.json({
      items: rows.map((n) => ({
        key: n.key,
        kind: n.kind,
        leadId: n.lead_id,
        payload: n.payload,
        createdAt: n.created_at.toISOString(),
      })),
    });
  });
  return router;
}

export function registerNotificationPaths(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/api/v1/notifications',
    summary:
      'A rep’s tasks and escalations (`recipient=rep:<id>`) or the ops queue (`recipient=ops`, ops role), newest first',
    request: { query: notificationQuerySchema },
    responses: {
      200: {
        description: 'Notifications',
        content: { 'application/json': { schema: notificationListSchema } },
      },
      ...problemResponses(401, 403, 422, 503),
    },
  });
}
