// Request pieces every route shares.
import { z } from '../openapi';

/** The `Idempotency-Key` header: a client's key for "this request, once". */
export const idempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,200}$/, '1-200 visible ASCII characters')
  .optional();
