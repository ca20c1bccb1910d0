// Deals and their lifecycle events: the only SQL about deals lives here. Recording an event locks
// the deal row, so two events arriving at once are validated one after the other.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { applyEvent, type LifecycleEvent } from '../../workflows/journey/rules/lifecycle';
import { inTransaction } from '../connection';
import type { Database } from '../schema';

/** The lead's deal, created on first use (one per lead). */
export async function dealForLead(db: Kysely<Database>, leadId: string) {
  const lead = await db.selectFrom('leads').select(['id', 'contact_id']).where('id', '=', leadId).executeTakeFirst();
  if (!lead) return undefined;
  await db
    .insertInto('deals')
    .values({ id: randomUUID(), lead_id: lead.id, contact_id: lead.contact_id })
    .onConflict((oc) => oc.column('lead_id').doNothing())
    .execute();
  return db.selectFrom('deals').selectAll().where('lead_id', '=', leadId).executeTakeFirstOrThrow();
}

export async function findDeal(db: Kysely<Database>, dealId: string) {
  const deal = await db.selectFrom('deals').selectAll().where('id', '=', dealId).executeTakeFirst();
  if (!deal) return undefined;
  const events = await db.selectFrom('deal_events').selectAll().where('deal_id', '=', dealId).orderBy('id').execute();
  return { deal, events };
}

export type RecordOutcome =
  | { kind: 'recorded' | 'duplicate'; stage: string; eventId: string; leadId: string; contactId: string }
  | { kind: 'refused'; reason: string };

/** Inside the caller's transaction when given one (what the event owes workflows is queued in it). */
export async function recordDealEvent(
  db: Kysely<Database>,
  e: {
    dealId: string;
    event: LifecycleEvent;
    occurredAt: Date;
    clientKey?: string;
    details?: Record<string, unknown>;
    value?: number;
  },
): Promise<RecordOutcome | undefined> {
  return inTransaction(db, async (tx) => {
    const deal = await tx.selectFrom('deals').selectAll().where('id', '=', e.dealId).forUpdate().executeTakeFirst();
    if (!deal) return undefined;
    if (e.clientKey) {
      const seen = await tx
        .selectFrom('deal_events')
        .select(['id', 'stage_after'])
        .where('deal_id', '=', e.dealId)
        .where('client_key', '=', e.clientKey)
        .executeTakeFirst();
      if (seen)
        return {
          kind: 'duplicate',
          stage: seen.stage_after,
          eventId: seen.id,
          leadId: deal.lead_id,
          contactId: deal.contact_id,
        };
    }
    const history = (
      await tx.selectFrom('deal_events').select('event').where('deal_id', '=', e.dealId).orderBy('id').execute()
    ).map((r) => r.event as LifecycleEvent);
    const verdict = applyEvent(history, e.event);
    if (!verdict.ok) return { kind: 'refused', reason: verdict.reason };
    const row = await tx
      .insertInto('deal_events')
      .values({
        deal_id: e.dealId,
        event: e.event,
        stage_after: verdict.stage,
        details: e.details ? JSON.stringify(e.details) : null,
        client_key: e.clientKey ?? null,
        occurred_at: e.occurredAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await tx
      .updateTable('deals')
      .set({ stage: verdict.stage, updated_at: sql<Date>`now()`, ...(e.value !== undefined && { value: e.value }) })
      .where('id', '=', e.dealId)
      .execute();
    return {
      kind: 'recorded',
      stage: verdict.stage,
      eventId: row.id,
      leadId: deal.lead_id,
      contactId: deal.contact_id,
    };
  });
}
