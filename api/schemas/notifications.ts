// Request and response shapes of the notification endpoint (validation and OpenAPI from one source).
import { z } from '../openapi';

export const notificationQuerySchema = z.strictObject({
  recipient: z.string().regex(/^(ops|rep:[a-z0-9][a-z0-9-]{2,59})$/, '`ops` or `rep:<repId>`'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const notificationSchema = z
  .object({
    key: z.string(),
    kind: z.string(),
    leadId: z.string().nullable(),
    payload: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
  })
  .openapi('Notification');
export const notificationListSchema = z.object({ items: z.array(notificationSchema) });
