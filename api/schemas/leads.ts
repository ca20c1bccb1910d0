// Request and response shapes of the lead endpoints (validation and OpenAPI from one source).
import { parsePhoneNumberFromString, type NumberType } from 'libphonenumber-js/max';
import {
  LEAD_SOURCES,
  LEAD_STAGES,
  PHONE_LINE_TYPES,
  TEMPERATURES,
  type PhoneLineType,
} from '../../workflows/lead-intake/rules/lead';
import { z } from '../openapi';

/**
 * A number that can exist, in E.164: US numbers may be written without +1, others must carry
 * their country code. Checked against Google's libphonenumber metadata (the full "max" set, so
 * area codes and exchanges that are not assigned — +1 000…, +1 555… — are refused).
 */
export function normalisePhone(raw: string): string | undefined {
  const parsed = parsePhoneNumberFromString(raw, 'US');
  return parsed?.isValid() ? parsed.number : undefined;
}

const LINE_TYPE: Partial<Record<NumberType & string, PhoneLineType>> = {
  MOBILE: 'mobile',
  FIXED_LINE: 'fixed_line',
  FIXED_LINE_OR_MOBILE: 'fixed_line_or_mobile',
  VOIP: 'voip',
  TOLL_FREE: 'toll_free',
};

/** What kind of line an E.164 number is, where its numbering plan says (see PHONE_LINE_TYPES). */
export function phoneLineType(e164: string): PhoneLineType {
  const type = parsePhoneNumberFromString(e164)?.getType();
  return (type && LINE_TYPE[type]) ?? 'unknown';
}

/** A lead's id in a path (`/leads/:id`): anything else is a lead that does not exist. */
export const leadIdSchema = z.uuid();

const phone = z
  .string()
  .trim()
  .max(32)
  .openapi({
    description:
      'E.164, or 10 US digits in any common format; it must be a number that can exist (unassigned area codes such as 000 or 555 are refused, 422). Stored in E.164 with its line type.',
    example: '(248) 555-0101',
  })
  .transform((v, ctx) => {
    const normalised = normalisePhone(v);
    if (!normalised) {
      ctx.addIssue({
        code: 'custom',
        message: 'not a valid phone number: use E.164 (+12485550123) or 10 US digits of a number that can exist',
      });
      return z.NEVER;
    }
    return normalised;
  });

export const addressSchema = z.strictObject({
  street: z.string().trim().min(1).max(200),
  city: z.string().trim().min(1).max(100),
  state: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{2}$/, 'two-letter state code')
    .transform((s) => s.toUpperCase()),
  zip: z
    .string()
    .trim()
    .regex(/^\d{5}(-\d{4})?$/, 'ZIP code: 12345 or 12345-6789'),
});

/** Property facts from the roadmap's NBA feature list (4.1 A). */
export const propertyFactsSchema = z.strictObject({
  propertyValue: z.number().min(0).max(100_000_000).optional(),
  roofAge: z.number().int().min(0).max(150).optional(),
  damageSeverity: z.enum(['minor', 'moderate', 'severe']).optional(),
  insuranceClaim: z.boolean().optional(),
  insuranceClaimValue: z.number().min(0).max(10_000_000).optional(),
  previousInteraction: z.boolean().optional(),
});

/** Engagement signals of roadmap 4.1 D known at intake. */
export const engagementSignalsSchema = z.strictObject({
  responseTimeMinutes: z
    .number()
    .min(0)
    .max(60 * 24 * 365)
    .optional(),
  /** 0-10: how reachable and genuine the contact is, as rated at intake (an NBA feature, 4.1 A). */
  contactQuality: z.number().min(0).max(10).optional(),
  emailOpenRate: z.number().min(0).max(1).optional(),
  websiteVisits48h: z.number().int().min(0).max(10_000).optional(),
  budget: z.enum(['confirmed', 'discussed', 'unclear']).optional(),
  intent: z.enum(['requested_appointment', 'requested_quote', 'engaged', 'limited']).optional(),
});

export const createLeadSchema = z
  .strictObject({
    firstName: z.string().trim().min(1).max(100),
    lastName: z.string().trim().min(1).max(100),
    phone: phone.optional(),
    email: z
      .email()
      .max(254)
      .transform((e) => e.toLowerCase())
      .optional(),
    preferredLanguage: z.string().trim().min(2).max(40).optional(),
    address: addressSchema,
    source: z.enum(LEAD_SOURCES),
    property: propertyFactsSchema.default({}),
    signals: engagementSignalsSchema.default({}),
    notes: z.string().max(2000).optional(),
  })
  .refine((b) => b.phone !== undefined || b.email !== undefined, {
    path: ['phone'],
    message: 'phone or email is required',
  })
  .openapi('CreateLead');
export type CreateLeadBody = z.infer<typeof createLeadSchema>;

export const leadAcceptedSchema = z
  .object({
    leadId: z.uuid(),
    workflowId: z.string(),
    deduplicated: z.boolean().describe('true when this request matched a lead created before'),
  })
  .openapi('LeadAccepted');

/** One assignment of a lead to a rep (a routing decision that found someone). */
const assignmentSchema = z.object({
  attempt: z.number().int().describe('the routing decision it came from'),
  repId: z.string(),
  repName: z.string().nullable(),
  assignedAt: z.string(),
  slaDeadline: z.string().nullable(),
  acceptedAt: z.string().nullable(),
  contactedAt: z.string().nullable(),
});

export const leadViewSchema = z
  .object({
    id: z.uuid(),
    source: z.enum(LEAD_SOURCES),
    stage: z.enum(LEAD_STAGES),
    temperature: z.enum(TEMPERATURES).nullable(),
    temperatureScore: z.number().int().nullable(),
    temperatureReasons: z.array(z.string()),
    contact: z.object({
      id: z.uuid(),
      firstName: z.string(),
      lastName: z.string(),
      phone: z.string().nullable().describe('E.164'),
      phoneLineType: z
        .enum(PHONE_LINE_TYPES)
        .nullable()
        .describe(
          "the number's line type where its numbering plan tells (US numbers: fixed_line_or_mobile; toll-free…); null without a number or for contacts stored before it was recorded",
        ),
      email: z.string().nullable(),
      preferredLanguage: z.string().nullable(),
    }),
    address: addressSchema,
    property: propertyFactsSchema,
    signals: engagementSignalsSchema,
    isVip: z.boolean(),
    vipReasons: z.array(z.string()),
    prediction: z
      .object({
        conversionProbability: z.number().optional(),
        nextBestAction: z
          .object({ action: z.string(), confidence: z.number(), because: z.array(z.string()) })
          .optional(),
        model: z.string().optional(),
        missing: z
          .array(z.string())
          .optional()
          .describe('features the lead lacks, so the models could not score it yet'),
        clv: z
          .unknown()
          .optional()
          .describe('3-year customer value and the ultra-premium flag, or the customer features still missing'),
      })
      .nullable()
      .describe('conversion probability and next best action with the features behind it (4.1 A)'),
    enrichment: z
      .record(z.string(), z.unknown())
      .nullable()
      .describe('property data found for the address, or why none was'),
    assignment: assignmentSchema
      .nullable()
      .describe(
        'who holds the lead now (for a closed lead: who held it at the close); null while nobody does ' +
          '(waiting for a rep, in the ops queue, between an ended assignment and the next)',
      ),
    assignmentHistory: z
      .array(
        assignmentSchema.extend({
          endedAt: z.string().nullable(),
          endReason: z.string().nullable().describe('breached, reassigned, unavailable, cancelled…'),
        }),
      )
      .describe('earlier assignments, first to last'),
    createdAt: z.string(),
    updatedAt: z.string(),
    workflow: z.object({
      workflowId: z.string(),
      status: z.string().describe('RUNNING, COMPLETED, … or NOT_FOUND'),
      live: z.unknown().nullable().describe("the workflow's `status` query, null when no worker answered"),
    }),
  })
  .openapi('Lead');
