// Request shapes of the customer timeline endpoints (validation and OpenAPI from one source).
import { z } from '../openapi';

/** A customer (a contact) id in a path (`/customers/:id`). */
export const customerIdSchema = z.uuid();

// A page cursor is the last item's time and id, base64url: opaque to clients, decoded here.
const cursorSchema = z.string().transform((raw, ctx) => {
  const [at, id] = Buffer.from(raw, 'base64url').toString('utf8').split('|');
  if (!at || !id || Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/.test(id)) {
    ctx.addIssue({ code: 'custom', message: 'not a cursor from a previous page' });
    return z.NEVER;
  }
  return { at: new Date(at), id };
});
/** The cursor of the page after `last` (what `cursorSchema` decodes). */
export const cursorOf = (last: { occurred_at: Date; id: string }) =>
  Buffer.from(`${last.occurred_at.toISOString()}|${last.id}`).toString('base64url');

export const timelineQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: cursorSchema.optional(),
});
/** The same query as OpenAPI shows it: the cursor is the string a previous page returned. */
export const timelineQueryDocSchema = z.object({
  limit: z.number().int().min(1).max(100).optional(),
  cursor: z.string().optional(),
});

export const newInteractionSchema = z
  .strictObject({
    channel: z.enum(['call', 'visit', 'meeting', 'note', 'sms', 'email']),
    direction: z.enum(['outbound', 'inbound', 'internal']),
    summary: z.string().trim().min(1).max(500),
    body: z.string().max(20_000).optional(),
    durationSeconds: z.number().int().min(0).max(86_400).optional(),
    outcome: z.string().trim().min(1).max(100).optional().describe('e.g. answered, voicemail, no_answer, booked'),
    sentiment: z.number().min(-1).max(1).optional(),
    repId: z.string().min(1).max(100).optional(),
    occurredAt: z.iso.datetime({ offset: true }).optional(),
    /** A client-side id: the same interaction sent twice is stored once. */
    clientKey: z.string().min(8).max(200).optional(),
  })
  .openapi('NewInteraction');
