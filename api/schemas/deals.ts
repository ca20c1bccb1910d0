// Request shapes of the deal endpoints (validation and OpenAPI from one source).
import { LIFECYCLE_EVENTS } from '../../workflows/journey/rules/lifecycle';
import { z } from '../openapi';

/** A deal's id in a path (`/deals/:id`): anything else is a deal that does not exist. */
export const dealIdSchema = z.uuid();

export const createDealSchema = z.strictObject({ leadId: z.uuid() }).openapi('NewDeal');

export const lifecycleEventSchema = z
  .strictObject({
    event: z.enum(LIFECYCLE_EVENTS),
    occurredAt: z.iso.datetime({ offset: true }).optional(),
    value: z.number().int().min(0).max(100_000_000).optional().describe('the contract value, with contract_signed'),
    details: z.record(z.string(), z.unknown()).optional(),
    clientKey: z.string().min(8).max(200).optional().describe('the same key sent twice records the event once'),
  })
  .refine((e) => e.value === undefined || e.event === 'contract_signed', {
    path: ['value'],
    message: 'only contract_signed carries a value',
  })
  .openapi('LifecycleEvent');
