// A schema module shared with the API (the models' records) loaded before anything of the API — as a
// worker or a benchmark does — still documents itself: `.openapi()` used to exist only on schemas
// created after api/openapi.ts had extended zod, so this order threw "zodSchema.openapi is not a function".
import { leadFeaturesSchema } from '../../activities/ml/schemas';
import { describe, expect, it } from 'vitest';

describe('OpenAPI document and import order', () => {
  it('registers the ML schemas when activities/ml/schemas loads before api/openapi', async () => {
    expect(leadFeaturesSchema).toBeDefined();
    const { createRegistry, buildOpenApiDocument } = await import('../../api/openapi');
    const { registerMlPaths } = await import('../../api/routes/ml');
    const registry = createRegistry();
    registerMlPaths(registry);
    const doc = buildOpenApiDocument(registry);
    expect(Object.keys(doc.components?.schemas ?? {})).toContain('LeadFeatures');
  });
});
