// Lead analytics for the CRM's dashboards (roadmap 4.1 D): how hot the incoming leads run.
import { Router } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Kysely } from 'kysely';
import { temperatureTrends } from '../../db/repositories/leads';
import type { Database } from '../../db/schema';
import { requireRole } from '../auth';
import { problemResponses } from '../openapi';
import { validationProblem } from '../problem';
import { temperatureTrendsQuerySchema, temperatureTrendsSchema } from '../schemas/analytics';

export function analyticsRoutes({ db }: { db: Kysely<Database> }): Router {
  const router = Router();
  router.get('/analytics/temperature-trends', requireRole('crm', 'ops'), async (req, res) => {
    const query = temperatureTrendsQuerySchema.safeParse(req.query);
    if (!query.success) throw validationProblem(query.error, 'query');
    res.json({ days: query.data.days, items: await temperatureTrends(db, query.data.days) });
  });
  return router;
}

export function registerAnalyticsPaths(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/api/v1/analytics/temperature-trends',
    summary: 'Leads per day (UTC, by arrival) and current temperature, for the last `days` days (default 14)',
    request: { query: temperatureTrendsQuerySchema },
    responses: {
      200: {
        description: 'One row per day with leads',
        content: { 'application/json': { schema: temperatureTrendsSchema } },
      },
      ...problemResponses(401, 403, 422, 503),
    },
  });
}
