// Request and response shapes of the analytics endpoints (validation and OpenAPI from one source).
import { z } from '../openapi';

export const temperatureTrendsQuerySchema = z.strictObject({
  days: z.coerce.number().int().min(1).max(365).default(14),
});

export const temperatureTrendSchema = z
  .object({
    day: z.string(),
    HOT: z.number().int(),
    WARM: z.number().int(),
    COLD: z.number().int(),
    unscored: z.number().int(),
  })
  .openapi('TemperatureTrend');
export const temperatureTrendsSchema = z.object({ days: z.number().int(), items: z.array(temperatureTrendSchema) });
