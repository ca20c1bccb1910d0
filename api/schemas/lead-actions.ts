// Request shapes of what reps and ops do to a routed lead (validation and OpenAPI from one source).
import { CLOSED_STAGES } from '../../workflows/lead-intake/rules/lead';
import { z } from '../openapi';

/** Accept or contacted: the rep who does it (the workflow checks they hold the lead). */
export const repActionSchema = z.strictObject({ repId: z.string().min(1).max(100) }).openapi('RepAction');

export const reassignSchema = z
  .strictObject({
    repId: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe('move to this rep when available; omitted: the best available rep'),
    reason: z.string().trim().min(3).max(500),
  })
  .openapi('Reassign');

export const closeLeadSchema = z
  .strictObject({
    reason: z.enum(CLOSED_STAGES),
    dealValue: z
      .number()
      .int()
      .min(0)
      .max(100_000_000)
      .optional()
      .describe('the signed amount, when won: a returning customer’s lifetime value'),
  })
  .refine((c) => c.dealValue === undefined || c.reason === 'won', {
    path: ['dealValue'],
    message: 'only a won lead has a deal value',
  })
  .openapi('CloseLead');

// What the lead's workflow answers to each Update.
export const acceptedSchema = z.object({ attempt: z.number().int(), acceptedAt: z.string() });
export const contactedSchema = z.object({ attempt: z.number().int(), contactedAt: z.string() });
export const reassignedSchema = z.object({ attempt: z.number().int(), repId: z.string().nullable() });
