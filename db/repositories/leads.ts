// Leads and their contacts: the only SQL about leads lives here.
import { randomUUID } from 'node:crypto';
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import { CLOSED_STAGES, type PhoneLineType } from '../../workflows/lead-intake/rules/lead';
import { QUEUE_SKIPPING_SOURCES } from '../../workflows/lead-intake/rules/vip';
import type { Contact, Database, Lead } from '../schema';

export interface NewLead {
  firstName: string;
  lastName: string;
  /** E.164. */
  phone?: string;
  /** Of `phone`, when the caller knows it (the API does, from the numbering plan). */
  phoneLineType?: PhoneLineType;
  email?: string;
  preferredLanguage?: string;
  source: string;
  address: { street: string; city: string; state: string; zip: string };
  property: Record<string, unknown>;
  signals: Record<string, unknown>;
  notes?: string;
}

export type CreateLeadOutcome =
  | { kind: 'created'; lead: Lead }
  | { kind: 'existing'; lead: Lead; matchedBy: 'idempotency-key' | 'contact' }
  | { kind: 'key-reused'; lead: Lead };

/**
 * Creates a lead and its contact once. The same Idempotency-Key, or the same phone/email with an
 * open lead (or any lead inside the dedupe window), returns the lead created before; a returning
 * person's new lead joins their existing contact. A transaction-scoped advisory lock on each
 * identity serialises concurrent duplicates, so two simultaneous requests still make one lead.
 */
export async function createLeadOnce(
  db: Kysely<Database>,
  input: NewLead,
  opts: {
    idempotencyKey?: string;
    requestHash: string;
    dedupeWindowHours: number;
    workflowIdFor: (id: string) => string;
  },
): Promise<CreateLeadOutcome> {
  return db.transaction().execute(async (tx) => {
    const identities = [
      opts.idempotencyKey && `key:${opts.idempotencyKey}`,
      input.phone && `phone:${input.phone}`,
      input.email && `email:${input.email}`,
    ]
      .filter((v): v is string => Boolean(v))
      .sort(); // a fixed order: two requests locking the same identities cannot deadlock
    for (const identity of identities) {
      await sql`select pg_advisory_xact_lock(hashtextextended(${identity}, 0))`.execute(tx);
    }

    if (opts.idempotencyKey) {
      const prior = await tx
        .selectFrom('leads')
        .selectAll()
        .where('idempotency_key', '=', opts.idempotencyKey)
        .executeTakeFirst();
      if (prior) {
        return prior.request_hash === opts.requestHash
          ? { kind: 'existing', lead: prior, matchedBy: 'idempotency-key' }
          : { kind: 'key-reused', lead: prior };
      }
    }

    // Same phone or email: one person. Their open lead (of any age), or any lead of theirs inside the
    // dedupe window, is the answer; otherwise the new lead joins their existing contact.
    const samePerson = (eb: ExpressionBuilder<Database, 'contacts'>) =>
      eb.or([
        ...(input.phone ? [eb('contacts.phone', '=', input.phone)] : []),
        ...(input.email ? [eb('contacts.email', '=', input.email)] : []),
      ]);
    const existing = await tx
      .selectFrom('leads')
      .innerJoin('contacts', 'contacts.id', 'leads.contact_id')
      .selectAll('leads')
      .where(samePerson)
      .where((eb) =>
        eb.or([
          // After a lead closes, a new enquiry from the same person is a new lead.
          eb('leads.stage', 'not in', CLOSED_STAGES),
          ...(opts.dedupeWindowHours > 0
            ? [sql<boolean>`leads.created_at > now() - make_interval(hours => ${opts.dedupeWindowHours})`]
            : []),
        ]),
      )
      .orderBy('leads.created_at', 'desc')
      .executeTakeFirst();
    if (existing) return { kind: 'existing', lead: existing, matchedBy: 'contact' };

    const known = await tx
      .selectFrom('contacts')
      .select(['id', 'phone', 'phone_line_type'])
      .where(samePerson)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    const contactId = known?.id ?? randomUUID();
    if (!known) {
      await tx
        .insertInto('contacts')
        .values({
          id: contactId,
          first_name: input.firstName,
          last_name: input.lastName,
          phone: input.phone ?? null,
          phone_line_type: (input.phone && input.phoneLineType) || null,
          email: input.email ?? null,
          preferred_language: input.preferredLanguage ?? null,
        })
        .execute();
    } else if (input.phoneLineType && known.phone === input.phone && known.phone_line_type === null) {
      // A contact stored before line types were recorded learns its line type from the new lead.
      await tx
        .updateTable('contacts')
        .set({ phone_line_type: input.phoneLineType })
        .where('id', '=', known.id)
        .execute();
    }
    const leadId = randomUUID();
    const lead = await tx
      .insertInto('leads')
      .values({
        id: leadId,
        contact_id: contactId,
        source: input.source,
        ...input.address,
        property: JSON.stringify(input.property),
        signals: JSON.stringify(input.signals),
        notes: input.notes ?? null,
        workflow_id: opts.workflowIdFor(leadId),
        idempotency_key: opts.idempotencyKey ?? null,
        request_hash: opts.requestHash,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { kind: 'created', lead };
  });
}

export async function findLeadWithContact(
  db: Kysely<Database>,
  leadId: string,
): Promise<{ lead: Lead; contact: Contact } | undefined> {
  const lead = await db.selectFrom('leads').selectAll().where('id', '=', leadId).executeTakeFirst();
  if (!lead) return undefined;
  const contact = await db
    .selectFrom('contacts')
    .selectAll()
    .where('id', '=', lead.contact_id)
    .executeTakeFirstOrThrow();
  return { lead, contact };
}

/** Writes a temperature unless a newer revision is already stored (a late retry is a no-op). */
export async function saveLeadTemperature(
  db: Kysely<Database>,
  t: { leadId: string; temperature: string; score: number; reasons: string[]; revision: number; stage: string },
): Promise<{ found: boolean; applied: boolean }> {
  const result = await db
    .updateTable('leads')
    .set({
      temperature: t.temperature,
      temperature_score: t.score,
      temperature_reasons: JSON.stringify(t.reasons),
      temperature_revision: t.revision,
      // A closed lead keeps its stage: a late temperature write never reopens it.
      stage: sql<string>`case when stage in (${sql.join(CLOSED_STAGES)}) then stage else ${t.stage} end`,
      updated_at: new Date(),
    })
    .where('id', '=', t.leadId)
    .where('temperature_revision', '<', t.revision)
    .executeTakeFirst();
  if (result.numUpdatedRows > 0n) return { found: true, applied: true };
  const exists = await db.selectFrom('leads').select('id').where('id', '=', t.leadId).executeTakeFirst();
  return { found: Boolean(exists), applied: false };
}

export async function saveLeadStage(
  db: Kysely<Database>,
  leadId: string,
  stage: string,
  dealValue?: number,
): Promise<boolean> {
  const result = await db
    .updateTable('leads')
    .set({ stage, updated_at: new Date(), ...(dealValue !== undefined && { deal_value: dealValue }) })
    .where('id', '=', leadId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function markWorkflowStarted(db: Kysely<Database>, leadId: string): Promise<void> {
  await db
    .updateTable('leads')
    .set({ workflow_started_at: new Date() })
    .where('id', '=', leadId)
    .where('workflow_started_at', 'is', null)
    .execute();
}

/** Whether the lead's workflow start was confirmed (false also for a lead that does not exist). */
export async function leadWorkflowStarted(db: Kysely<Database>, leadId: string): Promise<boolean> {
  const row = await db.selectFrom('leads').select('workflow_started_at').where('id', '=', leadId).executeTakeFirst();
  return Boolean(row?.workflow_started_at);
}

/** Leads stored more than `olderThanMs` ago whose workflow start was never confirmed. */
export async function leadsAwaitingWorkflow(db: Kysely<Database>, olderThanMs: number, limit = 100): Promise<Lead[]> {
  return db
    .selectFrom('leads')
    .selectAll()
    .where('workflow_started_at', 'is', null)
    .where('created_at', '<', new Date(Date.now() - olderThanMs))
    .orderBy('created_at')
    .limit(limit)
    .execute();
}

/** A returning customer: what their earlier won leads were worth, and who sold the latest. */
export async function previousCustomerOf(
  db: Kysely<Database>,
  contactId: string,
  exceptLeadId: string,
): Promise<{ ltv: number; originalRepId?: string } | undefined> {
  const won = await db
    .selectFrom('leads')
    .select(['deal_value', 'assigned_rep_id'])
    .where('contact_id', '=', contactId)
    .where('id', '!=', exceptLeadId)
    .where('stage', '=', 'won')
    .orderBy('updated_at', 'desc')
    .execute();
  if (won.length === 0) return undefined;
  return {
    ltv: won.reduce((sum, w) => sum + (w.deal_value ?? 0), 0),
    originalRepId: won.find((w) => w.assigned_rep_id)?.assigned_rep_id ?? undefined,
  };
}

export async function saveLeadIntelligence(
  db: Kysely<Database>,
  leadId: string,
  data: {
    enrichment?: Record<string, unknown>;
    prediction?: Record<string, unknown>;
    vip?: { isVip: boolean; reasons: string[] };
  },
): Promise<void> {
  await db
    .updateTable('leads')
    .set({
      ...(data.enrichment && { enrichment: JSON.stringify(data.enrichment) }),
      ...(data.prediction && { prediction: JSON.stringify(data.prediction) }),
      ...(data.vip && { is_vip: data.vip.isVip, vip_reasons: JSON.stringify(data.vip.reasons) }),
      updated_at: new Date(),
    })
    .where('id', '=', leadId)
    .execute();
}

/** Leads per day (UTC, by arrival) and current temperature, for the last `days` days. */
export async function temperatureTrends(db: Kysely<Database>, days: number) {
  const rows = await db
    .selectFrom('leads')
    .select([
      sql<string>`to_char(date_trunc('day', created_at at time zone 'UTC'), 'YYYY-MM-DD')`.as('day'),
      'temperature',
      (eb) => eb.fn.countAll<string>().as('n'),
    ])
    .where(
      sql<boolean>`created_at >= date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' - make_interval(days => ${days - 1})`,
    )
    .groupBy(['day', 'temperature'])
    .orderBy('day')
    .execute();
  const byDay = new Map<string, { day: string; HOT: number; WARM: number; COLD: number; unscored: number }>();
  for (const r of rows) {
    const entry = byDay.get(r.day) ?? { day: r.day, HOT: 0, WARM: 0, COLD: 0, unscored: 0 };
    const key =
      r.temperature === 'HOT' || r.temperature === 'WARM' || r.temperature === 'COLD' ? r.temperature : 'unscored';
    entry[key] += Number(r.n);
    byDay.set(r.day, entry);
  }
  return [...byDay.values()];
}

/** Leads nobody could take yet: partner referrals first, then longest waiting first. */
export async function leadsWaitingForRep(
  db: Kysely<Database>,
  limit: number,
): Promise<{ leadId: string; workflowId: string }[]> {
  // 4.4 C partner_referral → skip_qualification_queue: partner referrals are told first, then
  // everyone else by how long they have waited.
  const rows = await db
    .selectFrom('leads')
    .select(['id', 'workflow_id'])
    .where('stage', '=', 'waiting_for_rep')
    .orderBy(sql`source in (${sql.join([...QUEUE_SKIPPING_SOURCES])})`, 'desc')
    .orderBy('updated_at')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ leadId: r.id, workflowId: r.workflow_id }));
}

/** How many lead workflows wait on people: for a free rep, or in the ops queue after repeated SLA breaches. */
export async function countLeadsWaiting(db: Kysely<Database>): Promise<{ forRep: number; inOpsQueue: number }> {
  const rows = await db
    .selectFrom('leads')
    .select((eb) => ['stage', eb.fn.countAll<number>().as('n')])
    .where('stage', 'in', ['waiting_for_rep', 'escalated'])
    .groupBy('stage')
    .execute();
  const count = (stage: string) => Number(rows.find((r) => r.stage === stage)?.n ?? 0);
  return { forRep: count('waiting_for_rep'), inOpsQueue: count('escalated') };
}
