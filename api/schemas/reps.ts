// Request and response shapes of the rep endpoints (validation and OpenAPI from one source).
import { z } from '../openapi';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const hhmm = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'HH:MM, 00:00 to 24:00');
const workingHoursSchema = z.partialRecord(
  z.enum(DAYS),
  z.tuple([hhmm, hhmm]).refine(([start, end]) => start < end, 'the start must be before the end'),
);
const timeZoneSchema = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'not an IANA time zone (e.g. America/Detroit)');

/** A rep's id, in a body or a path (`/reps/:id`): anything else is a rep that cannot exist. */
export const repIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{2,59}$/, 'lowercase letters, digits and dashes, 3-60 characters');
/** A time-off id in a path: a positive bigint (below 2^63, so Postgres never sees it out of range). */
export const timeOffIdSchema = z.string().regex(/^[1-9]\d{0,17}$/, 'a time-off id');

const repFields = {
  name: z.string().trim().min(1).max(100),
  email: z.email().max(254),
  phone: z.string().trim().max(32).nullable().optional(),
  territories: z.array(z.string().trim().min(1).max(100)).max(30),
  skills: z.array(z.string().trim().min(1).max(60)).max(30),
  languages: z.array(z.string().trim().min(1).max(40)).min(1).max(10),
  maxActiveLeads: z.number().int().min(1).max(50),
  performanceTier: z.enum(['top', 'standard', 'new_hire']),
  role: z.enum(['rep', 'manager']),
  managerId: repIdSchema.nullable(),
  timeZone: timeZoneSchema,
  workingHours: workingHoursSchema,
  closeRate: z.number().min(0).max(1),
  avgDealSize: z.number().int().min(0).max(10_000_000),
  active: z.boolean(),
  /** A new hire's training period ends this day: the monthly re-tiering makes them standard (4.4 B). */
  trainingEndsOn: z.iso.date().nullable(),
};
export const createRepSchema = z
  .strictObject({
    id: repIdSchema,
    ...repFields,
    maxActiveLeads: repFields.maxActiveLeads.default(15),
    performanceTier: repFields.performanceTier.default('standard'),
    role: repFields.role.default('rep'),
    managerId: repFields.managerId.optional(),
    timeZone: repFields.timeZone.default('America/Detroit'),
    workingHours: repFields.workingHours.optional(),
    closeRate: repFields.closeRate.default(0.35),
    avgDealSize: repFields.avgDealSize.default(25_000),
    active: repFields.active.default(true),
    trainingEndsOn: repFields.trainingEndsOn.optional(),
  })
  .openapi('NewRep');
export const updateRepSchema = z.strictObject(repFields).partial().openapi('RepChanges');
export type RepChanges = z.infer<typeof updateRepSchema>;

export const timeOffSchema = z
  .strictObject({
    startsAt: z.iso.datetime({ offset: true }),
    endsAt: z.iso.datetime({ offset: true }),
    reason: z.string().trim().min(1).max(200).default('pto'),
  })
  .refine((t) => Date.parse(t.endsAt) > Date.parse(t.startsAt), { path: ['endsAt'], message: 'must be after startsAt' })
  .openapi('TimeOff');

export const repSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string(),
    territories: z.array(z.string()),
    skills: z.array(z.string()),
    languages: z.array(z.string()),
    maxActiveLeads: z.number().int(),
    performanceTier: z.string(),
    active: z.boolean(),
    role: z.enum(['rep', 'manager']).describe('managers receive escalations and are never routed to'),
    managerId: z.string().nullable(),
    timeZone: z.string(),
    workingHours: z
      .record(z.string(), z.tuple([z.string(), z.string()]))
      .describe('day → [start, end) local HH:MM; a missing day is off'),
    closeRate: z.number(),
    activeLeads: z.number().int(),
    assignedTotal: z.number().int(),
    trainingEndsOn: z.string().nullable().describe('a new hire is standard from this day (YYYY-MM-DD)'),
  })
  .openapi('Rep');
export const repListSchema = z.object({ items: z.array(repSchema) });

/** `GET /reps/fairness?days=30`: the window, 1 to 365 days. */
export const fairnessQuerySchema = z.strictObject({
  days: z.coerce.number().int().min(1).max(365).default(30),
});
const repFairnessSchema = z
  .object({
    repId: z.string(),
    name: z.string(),
    performanceTier: z.string(),
    active: z.boolean(),
    weight: z.number().describe('the round-robin weight of the tier: top 1.3, standard 1.0, new hire 0.5'),
    leads: z.number().int().describe('assignments received in the window (a lead reassigned counts for each rep)'),
    share: z.number().describe('of all leads assigned in the window'),
    temperature: z
      .object({ HOT: z.number().int(), WARM: z.number().int(), COLD: z.number().int(), unscored: z.number().int() })
      .describe('as the lead was when the rep received it'),
    vip: z.number().int(),
    premium: z.number().int().describe('VIP, HOT or an expected project of $40,000 or more'),
    premiumShare: z.number().describe('of all premium leads assigned in the window'),
    value: z.object({
      known: z.number().int().describe('leads with an expected project value'),
      total: z.number().int(),
      average: z.number().int().nullable(),
    }),
  })
  .openapi('RepFairness');
export const fairnessReportSchema = z
  .object({ days: z.number().int(), since: z.string(), items: z.array(repFairnessSchema) })
  .openapi('FairnessReport');
