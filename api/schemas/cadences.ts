// Request shapes of the cadence endpoints (validation and OpenAPI from one source).
import { ENGAGEMENT_KINDS } from '../../workflows/cadence/messages';
import { z } from '../openapi';

export const cadenceHoldSchema = z
  .strictObject({
    scope: z
      .enum(['lead', 'rep', 'definition'])
      .describe('one lead, every cadence of a rep, or every cadence of a definition'),
    target: z.string().trim().min(1).max(100).describe('the lead id, the rep id, or the definition name'),
    reason: z.string().trim().min(3).max(300),
  })
  .openapi('CadenceHold');

export const cadenceEngagementSchema = z.strictObject({ kind: z.enum(ENGAGEMENT_KINDS) }).openapi('CadenceEngagement');

/** A hold's id in a path (`/cadences/holds/:id`). */
export const holdIdSchema = z.uuid();
