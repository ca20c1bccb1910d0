// GET /api/v1/reps — the sales team routing will choose from (ops only; CRUD arrives with routing).
import { Router } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Kysely } from 'kysely';
import { listReps } from '../../db/repositories/reps';
import type { Database, Rep } from '../../db/schema';
import { requireRole } from '../auth';
import { problemResponses, z } from '../openapi';

export const repSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string(),
    territories: z.array(z.string()),
    skills: z.array(z.string()),
    languages: z.array(z.string()),
    maxActiveLeads: z.number().int(),
    performanceTier: z.string(),
    active: z.boolean(),
    role: z.enum(['rep', 'manager']).describe('managers receive escalations and are never routed to'),
    managerId: z.string().nullable(),
    timeZone: z.string(),
    workingHours: z.record(z.string(), z.tuple([z.string(), z.string()])).describe('day → [start, end) local HH:MM; a missing day is off'),
    closeRate: z.number(),
    activeLeads: z.number().int(),
    assignedTotal: z.number().int(),
  })
  .openapi('Rep');

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
});

export function repRoutes({ db }: { db: Kysely<Database> }): Router {
  const router = Router();
  router.get('/reps', requireRole('ops'), async (_req, res) => {
    const reps = await listReps(db);
    res.json({ items: reps.map(repView) });
  });
  return router;
}

export function registerRepPaths(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/api/v1/reps',
    summary: 'Sales reps with territories, skills, languages and capacity (ops role)',
    responses: {
      200: { description: 'All reps', content: { 'application/json': { schema: z.object({ items: z.array(repSchema) }) } } },
      ...problemResponses(401, 403, 503),
    },
  });
}
