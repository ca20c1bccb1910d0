// The OpenAPI 3.1 document is generated from the same zod schemas that validate requests.
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from '../config/zod';

export { z };

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

export function createRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  registry.register('Problem', problemSchema);
  return registry;
}

/** Standard problem responses, so every path documents its 4xx/5xx the same way. */
export function problemResponses(...statuses: number[]) {
  const titles: Record<number, string> = {
    400: 'Malformed JSON',
    401: 'Missing or unknown API key',
    403: 'Role not allowed',
    404: 'Not found',
    409: 'Conflict',
    413: 'Body over the route’s limit',
    415: 'Unsupported media type',
    422: 'Validation failed (every bad field listed)',
    429: 'Too many requests for this API key (Retry-After)',
    503: 'Postgres or Temporal unreachable (Retry-After)',
  };
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      { description: titles[s] ?? 'Error', content: { 'application/problem+json': { schema: problemSchema } } },
    ]),
  );
}

export function buildOpenApiDocument(registry: OpenAPIRegistry) {
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'iSwitch Roofs CRM — process automation API',
      version: '1.0.0',
      description: 'Starts, signals and queries the durable Temporal workflows behind every CRM process.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
  });
  // What every operation may answer whatever its route: the rate limit, and the body limit where there is a body.
  type Operation = { responses?: Record<string, unknown>; requestBody?: unknown };
  for (const operations of Object.values(document.paths ?? {}) as Record<string, Operation>[])
    for (const [method, op] of Object.entries(operations))
      if (['get', 'post', 'put', 'patch', 'delete'].includes(method))
        op.responses = { ...problemResponses(429), ...(op.requestBody ? problemResponses(413) : {}), ...op.responses };
  return document;
}
