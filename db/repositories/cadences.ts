// Follow-up cadences: the only SQL about cadence runs, ops holds and touches lives here.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema';

export type HoldScope = 'lead' | 'rep' | 'definition';

export type ClaimOutcome =
  | { kind: 'claimed' }
  | { kind: 'busy'; workflowId: string }
  | { kind: 'cooling_down'; until: Date }
  /** This run already ended (a retried claim after the end): nothing to do. */
  | { kind: 'ended' };

/**
 * A contact's cadence begins only if none is running for them and the last one ended more than
 * `cooldownDays` ago. The contact's advisory lock makes two claims at once take turns. Claiming
 * the same run again is a repeat, not a conflict: the activity may be retried.
 */
export async function claimCadence(
  db: Kysely<Database>,
  c: {
    id: string;
    workflowId: string;
    contactId: string;
    leadId: string;
    repId?: string;
    definition: string;
    cooldownDays: number;
    now: Date;
  },
): Promise<ClaimOutcome> {
  return db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`cadence:${c.contactId}`}))`.execute(tx);
    const running = await tx
      .selectFrom('cadences')
      .select(['id', 'workflow_id'])
      .where('contact_id', '=', c.contactId)
      .where('ended_at', 'is', null)
      .executeTakeFirst();
    if (running) return running.id === c.id ? { kind: 'claimed' } : { kind: 'busy', workflowId: running.workflow_id };
    if (await tx.selectFrom('cadences').select('id').where('id', '=', c.id).executeTakeFirst())
      return { kind: 'ended' };
    const last = await tx
      .selectFrom('cadences')
      .select(sql<Date | null>`max(ended_at)`.as('ended'))
      .where('contact_id', '=', c.contactId)
      .executeTakeFirst();
    if (last?.ended) {
      const until = new Date(last.ended.getTime() + c.cooldownDays * 86_400_000);
      if (until > c.now) return { kind: 'cooling_down', until };
    }
    await tx
      .insertInto('cadences')
      .values({
        id: c.id,
        workflow_id: c.workflowId,
        contact_id: c.contactId,
        lead_id: c.leadId,
        rep_id: c.repId ?? null,
        definition: c.definition,
        started_at: c.now,
        ended_at: null,
        end_reason: null,
      })
      .execute();
    return { kind: 'claimed' };
  });
}

export async function contactOfLead(db: Kysely<Database>, leadId: string): Promise<string | undefined> {
  return (await db.selectFrom('leads').select('contact_id').where('id', '=', leadId).executeTakeFirst())?.contact_id;
}

/** Ends the run once; later calls (retries) change nothing. */
export async function endCadence(
  db: Kysely<Database>,
  e: { id: string; reason: string; touches: number; at: Date },
): Promise<void> {
  await db
    .updateTable('cadences')
    .set({ ended_at: e.at, end_reason: e.reason, touches: e.touches })
    .where('id', '=', e.id)
    .where('ended_at', 'is', null)
    .execute();
}

/**
 * Claims (running cadence rows) the claim reconciler should look at: older than `graceMinutes` (a
 * run that has just claimed is surely running) and not found running in the last `recheckMinutes`.
 */
export async function claimsToCheck(
  db: Kysely<Database>,
  opts: { limit: number; graceMinutes: number; recheckMinutes: number },
) {
  return db
    .selectFrom('cadences')
    .select(['id', 'workflow_id', 'touches'])
    .where('ended_at', 'is', null)
    .where('started_at', '<', sql<Date>`now() - make_interval(mins => ${opts.graceMinutes})`)
    .where((eb) =>
      eb.or([
        eb('workflow_checked_at', 'is', null),
        eb('workflow_checked_at', '<', sql<Date>`now() - make_interval(mins => ${opts.recheckMinutes})`),
      ]),
    )
    .orderBy(sql`workflow_checked_at nulls first`)
    .orderBy('started_at')
    .limit(opts.limit)
    .execute();
}

/** The claim's workflow was found running now. */
export async function markClaimChecked(db: Kysely<Database>, id: string): Promise<void> {
  await db
    .updateTable('cadences')
    .set({ workflow_checked_at: sql<Date>`now()` })
    .where('id', '=', id)
    .execute();
}

/** The latest run of a workflow id. */
export async function findCadence(db: Kysely<Database>, workflowId: string) {
  return db
    .selectFrom('cadences')
    .selectAll()
    .where('workflow_id', '=', workflowId)
    .orderBy('started_at', 'desc')
    .executeTakeFirst();
}

/** The hold that applies to a cadence, if any (lead first, then rep, then definition). */
export async function activeHold(db: Kysely<Database>, c: { leadId: string; repId?: string; definition: string }) {
  const rows = await db
    .selectFrom('cadence_holds')
    .select(['id', 'scope', 'target', 'reason'])
    .where('released_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb.and([eb('scope', '=', 'lead'), eb('target', '=', c.leadId)]),
        ...(c.repId ? [eb.and([eb('scope', '=', 'rep'), eb('target', '=', c.repId)])] : []),
        eb.and([eb('scope', '=', 'definition'), eb('target', '=', c.definition)]),
      ]),
    )
    .execute();
  const order: HoldScope[] = ['lead', 'rep', 'definition'];
  return rows.sort((a, b) => order.indexOf(a.scope) - order.indexOf(b.scope))[0];
}

/** One active hold per scope and target: holding again returns the existing one. */
export async function createHold(
  db: Kysely<Database>,
  h: { scope: HoldScope; target: string; reason: string; createdBy?: string },
) {
  const id = randomUUID();
  await db
    .insertInto('cadence_holds')
    .values({
      id,
      scope: h.scope,
      target: h.target,
      reason: h.reason,
      created_by: h.createdBy ?? null,
      released_at: null,
    })
    .onConflict((oc) => oc.columns(['scope', 'target']).where('released_at', 'is', null).doNothing())
    .execute();
  const hold = await db
    .selectFrom('cadence_holds')
    .selectAll()
    .where('scope', '=', h.scope)
    .where('target', '=', h.target)
    .where('released_at', 'is', null)
    .executeTakeFirstOrThrow();
  return { hold, created: hold.id === id };
}

/** Releases a hold; undefined when there is no such active hold. */
export async function releaseHold(db: Kysely<Database>, id: string) {
  return db
    .updateTable('cadence_holds')
    .set({ released_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('released_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

export async function listHolds(db: Kysely<Database>) {
  return db.selectFrom('cadence_holds').selectAll().where('released_at', 'is', null).orderBy('created_at').execute();
}

/** Running cadences a hold covers: the workflows to tell at once. */
export async function runningCadencesIn(db: Kysely<Database>, scope: HoldScope, target: string): Promise<string[]> {
  const column = scope === 'lead' ? 'lead_id' : scope === 'rep' ? 'rep_id' : 'definition';
  const rows = await db
    .selectFrom('cadences')
    .select('workflow_id')
    .where('ended_at', 'is', null)
    .where(column, '=', target)
    .execute();
  return rows.map((r) => r.workflow_id);
}

/** The contact's running cadence, if any. */
export async function runningCadenceOf(db: Kysely<Database>, contactId: string): Promise<string | undefined> {
  return (
    await db
      .selectFrom('cadences')
      .select('workflow_id')
      .where('contact_id', '=', contactId)
      .where('ended_at', 'is', null)
      .executeTakeFirst()
  )?.workflow_id;
}

/** Running cadences of other people at the same household (same street and ZIP as the contact's leads; case and spacing aside). */
export async function householdCadences(db: Kysely<Database>, contactId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('cadences as c')
    .innerJoin('leads as other', 'other.id', 'c.lead_id')
    .innerJoin('leads as mine', (j) =>
      j
        .on(
          sql`regexp_replace(lower(trim(mine.street)), '[[:space:]]+', ' ', 'g')`,
          '=',
          sql`regexp_replace(lower(trim(other.street)), '[[:space:]]+', ' ', 'g')`,
        )
        .on(sql`trim(mine.zip)`, '=', sql`trim(other.zip)`),
    )
    .select('c.workflow_id')
    .distinct()
    .where('mine.contact_id', '=', contactId)
    .where('c.contact_id', '!=', contactId)
    .where('c.ended_at', 'is', null)
    .execute();
  return rows.map((r) => r.workflow_id);
}

export async function recordTouch(
  db: Kysely<Database>,
  t: {
    cadenceId: string;
    touchNo: number;
    step: string;
    variant: string;
    channel: string;
    messageId?: string;
    sentAt: Date;
  },
): Promise<void> {
  await db
    .insertInto('cadence_touches')
    .values({
      cadence_id: t.cadenceId,
      touch_no: t.touchNo,
      step: t.step,
      variant: t.variant,
      channel: t.channel,
      message_id: t.messageId ?? null,
      sent_at: t.sentAt,
    })
    .onConflict((oc) => oc.columns(['cadence_id', 'touch_no']).doNothing())
    .execute();
  await db
    .updateTable('cadences')
    .set({ touches: sql<number>`greatest(touches, ${t.touchNo})` })
    .where('id', '=', t.cadenceId)
    .execute();
}

/** What a touch earned (from the message's webhook events), for the A/B report. */
export async function markTouchEngagement(
  db: Kysely<Database>,
  messageId: string,
  kind: 'opened' | 'clicked' | 'replied',
): Promise<void> {
  await db
    .updateTable('cadence_touches')
    .set({ [kind]: true })
    .where('message_id', '=', messageId)
    .execute();
}

/** Per step and variant: touches, what they earned, and how many of those leads were won. */
export async function variantReport(db: Kysely<Database>, definition?: string) {
  let q = db
    .selectFrom('cadence_touches as t')
    .innerJoin('cadences as c', 'c.id', 't.cadence_id')
    .innerJoin('leads as l', 'l.id', 'c.lead_id')
    .select([
      'c.definition',
      't.step',
      't.variant',
      sql<string>`count(*)`.as('touches'),
      sql<string>`count(distinct c.lead_id)`.as('leads'),
      sql<string>`count(*) filter (where t.opened)`.as('opened'),
      sql<string>`count(*) filter (where t.clicked)`.as('clicked'),
      sql<string>`count(*) filter (where t.replied)`.as('replied'),
      sql<string>`count(distinct c.lead_id) filter (where l.stage = 'won')`.as('won'),
    ])
    .groupBy(['c.definition', 't.step', 't.variant'])
    .orderBy('c.definition')
    .orderBy('t.step')
    .orderBy('t.variant');
  if (definition) q = q.where('c.definition', '=', definition);
  const rows = await q.execute();
  return rows.map((r) => ({
    definition: r.definition,
    step: r.step,
    variant: r.variant,
    touches: Number(r.touches),
    leads: Number(r.leads),
    opened: Number(r.opened),
    clicked: Number(r.clicked),
    replied: Number(r.replied),
    won: Number(r.won),
  }));
}
