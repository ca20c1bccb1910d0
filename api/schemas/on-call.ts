// Request and response shapes of the on-call rota and the after-hours backlog (issue 22 item 5).
import { z } from '../openapi';
import { repIdSchema } from './reps';

/** An on-call window id in a path: a positive bigint. */
export const onCallIdSchema = z.string().regex(/^[1-9]\d{0,17}$/, 'an on-call id');

const DAY = 86_400_000;
/** The longest window one entry may cover: a rota is a list of shifts, not a standing arrangement. */
export const MAX_ON_CALL_DAYS = 14;
const withinRange = (t: { startsAt?: string; endsAt?: string }) =>
  t.startsAt === undefined || t.endsAt === undefined || Date.parse(t.endsAt) > Date.parse(t.startsAt);
const notTooLong = (t: { startsAt?: string; endsAt?: string }) =>
  t.startsAt === undefined ||
  t.endsAt === undefined ||
  Date.parse(t.endsAt) - Date.parse(t.startsAt) <= MAX_ON_CALL_DAYS * DAY;

const fields = {
  personId: repIdSchema.describe('a rep or a manager'),
  startsAt: z.iso.datetime({ offset: true }),
  endsAt: z.iso.datetime({ offset: true }),
  note: z.string().trim().max(200),
};
export const newOnCallSchema = z
  .strictObject({ ...fields, note: fields.note.default('') })
  .refine(withinRange, { path: ['endsAt'], message: 'must be after startsAt' })
  .refine(notTooLong, { path: ['endsAt'], message: `at most ${MAX_ON_CALL_DAYS} days after startsAt` })
  .openapi('NewOnCall');
export const onCallChangesSchema = z
  .strictObject(fields)
  .partial()
  .refine((c) => Object.keys(c).length > 0, 'nothing to change')
  .openapi('OnCallChanges');

export const onCallQuerySchema = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional().describe('default: now'),
  to: z.iso.datetime({ offset: true }).optional().describe(`default: ${MAX_ON_CALL_DAYS} days after from`),
});

export const onCallSchema = z
  .object({
    id: z.string(),
    personId: z.string(),
    personName: z.string().optional(),
    role: z.enum(['rep', 'manager']).optional(),
    startsAt: z.string(),
    endsAt: z.string(),
    note: z.string(),
  })
  .openapi('OnCall');
export const onCallListSchema = z.object({ items: z.array(onCallSchema) });

export const afterHoursBacklogSchema = z
  .object({
    items: z.array(
      z.object({
        leadId: z.string(),
        attempt: z.number().int(),
        repId: z.string(),
        repName: z.string().nullable(),
        via: z.enum(['on_call', 'next_shift']).describe('on call, or the first rep on shift'),
        assignedAt: z.string(),
        slaStartsAt: z.string().nullable().describe('when the SLA clock starts: the rep’s shift start'),
        slaDeadline: z.string(),
        acceptedAt: z.string().nullable(),
        isVip: z.boolean(),
        temperature: z.string().nullable(),
        acknowledgement: z.string().nullable().describe('the customer’s acknowledgement message: its status, or null'),
      }),
    ),
    waitingForShift: z.number().int().describe('assigned to the next shift whose SLA has not started'),
    waitingForRep: z.number().int().describe('leads nobody could take (a full team, or before after-hours routing)'),
  })
  .openapi('AfterHoursBacklog');
