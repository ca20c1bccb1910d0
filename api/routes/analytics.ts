// Lead analytics for the CRM's dashboards (roadmap 4.1 D): how hot the incoming leads run.
import { Router } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Kysely } from 'kysely';
import { temperatureTrends } from '../../db/repositories/leads';
import type { Database } from '../../db/schema';
import { requireRole } from '../auth';
import { problemResponses, z } from '../openapi';
import { validationProblem } from '../problem';

const trendsQuery = z.strictObject({ days: z.coerce.number().int().min(1).max(365).default(14) });
const trendSchema = z
  .object({
    day: z.string(),
    HOT: z.number().int(),
    WARM: z.number().int(),
    COLD: z.number().int(),
    unscored: z.number().int(),
  })
  .openapi('TemperatureTrend');

export function analyticsRoutes({ db }: { db: Kysely<Database> }): Router {
  const router = Router();
  router.get('/analytics/temperature-trends', requireRole('crm', 'ops'), async (req, res) => {
    const query = trendsQuery.safeParse(req.query);
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
    request: { query: trendsQuery },
    responses: {
      200: {
        description: 'One row per day with leads',
        content: { 'application/json': { schema: z.object({ days: z.number().int(), items: z.array(trendSchema) }) } },
      },
      ...problemResponses(401, 403, 422, 503),
    },
  });
}
