// Lead assignments: the one place that changes who has a lead and how loaded each rep is.
// A routing decision runs inside one transaction holding row locks on every routable rep (in id
// order, so two decisions cannot deadlock): concurrent leads are decided one after another on the
// loads the previous ones left, so no rep is ever pushed over capacity. The audit keeps a row per
// decision that differs from the lead's last one: a lead nobody can take looks again and again,
// and the same "nobody, for the same reasons" is written once, not every few minutes.
import { sql, type Kysely } from 'kysely';
import { inTransaction } from '../connection';
import { notify } from './notifications';
import { CLOSED_STAGES } from '../../workflows/lead-intake/rules/lead';
import type { Temperature } from '../../workflows/lead-intake/rules/lead';
import { isPremium, type LeadQuality } from '../../workflows/lead-intake/rules/premium';
import {
  CAPACITY_ALERT_SHARE,
  type RoutingDecision,
  type RoutingLead,
  type RoutingRep,
} from '../../workflows/lead-intake/rules/choose-rep';
import type { Database, Rep } from '../schema';

export interface AssignmentRequest {
  leadId: string;
  attempt: number;
  lead: RoutingLead;
  /** The workflow's clock: availability (hours, time off) is judged at this instant. */
  at: Date;
  slaDeadline: Date;
  /** Idempotency key prefix for the notifications (the workflow id). */
  notificationKey: string;
  isVip: boolean;
}

export interface AssignmentResult {
  outcome: 'assigned' | 'no_rep_available';
  repId: string | null;
  repName: string | null;
  managerId: string | null;
  decision: RoutingDecision;
  capacityAlert: boolean;
}

const toRoutingRep = (r: Rep, timeOff: { rep_id: string; starts_at: Date; ends_at: Date }[]): RoutingRep => ({
  id: r.id,
  role: r.role,
  active: r.active,
  territories: r.territories,
  skills: r.skills,
  languages: r.languages,
  performanceTier: r.performance_tier,
  closeRate: r.close_rate,
  activeLeads: r.active_leads,
  maxActiveLeads: r.max_active_leads,
  timeZone: r.time_zone,
  workingHours: r.working_hours,
  timeOff: timeOff.filter((t) => t.rep_id === r.id).map((t) => ({ startsAt: t.starts_at, endsAt: t.ends_at })),
  rotationCredit: r.rotation_credit,
  premiumCredit: r.premium_credit,
});

/**
 * The lead's quality as routing sees it now (4.4 B "Track lead quality distribution"): VIP and
 * temperature as assessed and re-scored, and the expected first project — the models' CLV when the
 * customer features are known, else the insurance claim.
 */
async function leadQuality(db: Kysely<Database>, leadId: string): Promise<LeadQuality> {
  const row = await db
    .selectFrom('leads')
    .select([
      'is_vip',
      'temperature',
      sql<
        number | null
      >`coalesce((prediction->'clv'->>'firstProjectValue')::numeric, (property->>'insuranceClaimValue')::numeric)`.as(
        'value',
      ),
    ])
    .where('id', '=', leadId)
    .executeTakeFirst();
  return {
    isVip: row?.is_vip ?? false,
    temperature: (row?.temperature as Temperature | null) ?? null,
    value: row?.value == null ? null : Math.round(Number(row.value)),
  };
}

/**
 * Decides and records attempt `attempt` of a lead's assignment, once: a retried call returns what
 * the first call decided. `choose` is the pure routing rule (workflows/lead-intake/rules/choose-rep.ts).
 */
export async function assignLead(
  db: Kysely<Database>,
  req: AssignmentRequest,
  choose: (lead: RoutingLead, reps: RoutingRep[], at: Date) => RoutingDecision,
): Promise<AssignmentResult> {
  return db.transaction().execute(async (tx) => {
    const reps = await tx.selectFrom('reps').selectAll().where('role', '=', 'rep').orderBy('id').forUpdate().execute();
    const byId = new Map(reps.map((r) => [r.id, r]));
    const audited = await tx
      .selectFrom('assignment_audit')
      .selectAll()
      .where('lead_id', '=', req.leadId)
      .where('attempt', '=', req.attempt)
      .executeTakeFirst();
    if (audited) {
      const rep = audited.chosen_rep_id ? byId.get(audited.chosen_rep_id) : undefined;
      return {
        outcome: audited.outcome,
        repId: audited.chosen_rep_id,
        repName: rep?.name ?? null,
        managerId: rep?.manager_id ?? null,
        decision: audited.decision as unknown as RoutingDecision,
        capacityAlert: false,
      };
    }
    const timeOff = await tx
      .selectFrom('rep_time_off')
      .select(['rep_id', 'starts_at', 'ends_at'])
      .where('ends_at', '>', req.at)
      .where('starts_at', '<=', req.at)
      .execute();
    const missed = await tx
      .selectFrom('lead_assignments')
      .select('rep_id')
      .where('lead_id', '=', req.leadId)
      .where('end_reason', '=', 'breached')
      .execute();
    const quality = await leadQuality(tx, req.leadId);
    const lead = {
      ...req.lead,
      excludeRepIds: [...new Set([...req.lead.excludeRepIds, ...missed.map((m) => m.rep_id)])],
      premium: isPremium({ ...quality, isVip: quality.isVip || req.isVip }),
    };
    const decision = choose(
      lead,
      reps.map((r) => toRoutingRep(r, timeOff)),
      req.at,
    );
    const chosen = decision.chosenRepId ? byId.get(decision.chosenRepId)! : undefined;
    const last = await tx
      .selectFrom('assignment_audit')
      .select(['outcome', 'decision'])
      .where('lead_id', '=', req.leadId)
      .orderBy('attempt', 'desc')
      .limit(1)
      .executeTakeFirst();
    // Not audited, a repeated "nobody" has no idempotency record: a retry decides again, which is
    // harmless, because deciding nobody changes nothing.
    if (chosen || !sameNobody(last, decision)) {
      await tx
        .insertInto('assignment_audit')
        .values({
          lead_id: req.leadId,
          attempt: req.attempt,
          chosen_rep_id: chosen?.id ?? null,
          outcome: chosen ? 'assigned' : 'no_rep_available',
          decision: JSON.stringify({ ...decision, at: req.at.toISOString(), lead }),
        })
        .execute();
    }
    if (!chosen)
      return {
        outcome: 'no_rep_available',
        repId: null,
        repName: null,
        managerId: null,
        decision,
        capacityAlert: false,
      };

    await tx
      .insertInto('lead_assignments')
      .values({
        lead_id: req.leadId,
        attempt: req.attempt,
        rep_id: chosen.id,
        sla_deadline: req.slaDeadline,
        temperature: quality.temperature ?? null,
        is_vip: lead.isVip,
        premium: lead.premium,
        value: quality.value ?? null,
      })
      .execute();
    // The rotation's credits move with the assignment, under the same locks.
    for (const c of decision.credits ?? [])
      await tx
        .updateTable('reps')
        .set({ rotation_credit: c.rotation, premium_credit: c.premium })
        .where('id', '=', c.repId)
        .execute();
    await tx
      .updateTable('reps')
      .set({ active_leads: sql<number>`active_leads + 1`, assigned_total: sql<number>`assigned_total + 1` })
      .where('id', '=', chosen.id)
      .execute();
    await tx
      .updateTable('leads')
      .set({
        assigned_rep_id: chosen.id,
        sla_deadline: req.slaDeadline,
        // A lead closed or contacted meanwhile keeps its stage.
        stage: sql<string>`case when stage in (${sql.join([...CLOSED_STAGES, 'contacted'])}) then stage else 'assigned' end`,
        updated_at: new Date(),
      })
      .where('id', '=', req.leadId)
      .execute();
    await notify(tx, {
      key: `${req.notificationKey}:assigned:${req.attempt}`,
      recipient: `rep:${chosen.id}`,
      kind: req.isVip ? 'vip_lead_assigned' : 'lead_assigned',
      leadId: req.leadId,
      payload: { attempt: req.attempt, slaDeadline: req.slaDeadline.toISOString(), reason: decision.reason },
    });
    if (decision.vipWidened) {
      await notify(tx, {
        key: `${req.notificationKey}:vip-widened:${req.attempt}`,
        recipient: chosen.manager_id ? `rep:${chosen.manager_id}` : 'ops',
        kind: 'vip_lead_widened',
        leadId: req.leadId,
        payload: { repId: chosen.id, attempt: req.attempt, reason: decision.reason },
      });
    }
    const threshold = Math.ceil(chosen.max_active_leads * CAPACITY_ALERT_SHARE);
    const capacityAlert = chosen.active_leads < threshold && chosen.active_leads + 1 >= threshold;
    if (capacityAlert) {
      await notify(tx, {
        key: `${req.notificationKey}:capacity:${req.attempt}`,
        recipient: chosen.manager_id ? `rep:${chosen.manager_id}` : 'ops',
        kind: 'rep_capacity_alert',
        leadId: req.leadId,
        payload: { repId: chosen.id, activeLeads: chosen.active_leads + 1, maxActiveLeads: chosen.max_active_leads },
      });
    }
    return {
      outcome: 'assigned',
      repId: chosen.id,
      repName: chosen.name,
      managerId: chosen.manager_id,
      decision,
      capacityAlert,
    };
  });
}

/** Whether `decision` is "nobody", for the same reasons per rep, as the lead's last audited one. */
function sameNobody(last: { outcome: string; decision: unknown } | undefined, decision: RoutingDecision): boolean {
  if (!last || last.outcome !== 'no_rep_available' || decision.chosenRepId !== null) return false;
  const reasons = (d: Pick<RoutingDecision, 'excluded'>) =>
    JSON.stringify([...d.excluded].sort((a, b) => a.repId.localeCompare(b.repId)));
  return reasons(last.decision as RoutingDecision) === reasons(decision);
}

/**
 * Ends the lead's active assignment (breach, reassignment, close) and frees the rep's capacity;
 * inside the caller's transaction when given one.
 */
export async function endAssignment(
  db: Kysely<Database>,
  leadId: string,
  attempt: number,
  reason: string,
): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    const ended = await tx
      .updateTable('lead_assignments')
      .set({ status: 'ended', end_reason: reason, ended_at: new Date() })
      .where('lead_id', '=', leadId)
      .where('attempt', '=', attempt)
      .where('status', '=', 'active')
      .returning('rep_id')
      .executeTakeFirst();
    if (!ended) return false;
    await tx
      .updateTable('reps')
      .set({ active_leads: sql<number>`active_leads - 1` })
      .where('id', '=', ended.rep_id)
      .execute();
    // The lead names who holds it now: nobody, until it is routed again (a closed lead keeps the
    // rep who had it, the rep a returning customer goes back to).
    if (reason !== 'closed') {
      await tx
        .updateTable('leads')
        .set({ assigned_rep_id: null, sla_deadline: null, updated_at: new Date() })
        .where('id', '=', leadId)
        .where('assigned_rep_id', '=', ended.rep_id)
        .execute();
    }
    return true;
  });
}

/** Acceptance or first contact by the assigned rep; a retry writes the first time again. */
export async function markAssignment(
  db: Kysely<Database>,
  leadId: string,
  attempt: number,
  what: 'accepted' | 'contacted',
  at: Date,
): Promise<boolean> {
  const column = what === 'accepted' ? 'accepted_at' : 'contacted_at';
  const result = await db
    .updateTable('lead_assignments')
    .set({ [column]: sql`coalesce(${sql.ref(column)}, ${at})` })
    .where('lead_id', '=', leadId)
    .where('attempt', '=', attempt)
    .executeTakeFirst();
  await db
    .updateTable('leads')
    .set({ [column]: sql`coalesce(${sql.ref(column)}, ${at})`, updated_at: new Date() })
    .where('id', '=', leadId)
    .execute();
  return Number(result.numUpdatedRows) > 0;
}

/** Every assignment the lead has had, first to last, with the rep's name. */
export async function assignmentsOfLead(db: Kysely<Database>, leadId: string) {
  return db
    .selectFrom('lead_assignments as a')
    .leftJoin('reps as r', 'r.id', 'a.rep_id')
    .select([
      'a.attempt',
      'a.rep_id',
      'r.name as rep_name',
      'a.status',
      'a.end_reason',
      'a.assigned_at',
      'a.sla_deadline',
      'a.accepted_at',
      'a.contacted_at',
      'a.ended_at',
    ])
    .where('a.lead_id', '=', leadId)
    .orderBy('a.attempt')
    .execute();
}

export async function repWorkload(db: Kysely<Database>, repId: string) {
  const rep = await db
    .selectFrom('reps')
    .select(['id', 'name', 'active_leads', 'max_active_leads', 'assigned_total', 'performance_tier'])
    .where('id', '=', repId)
    .executeTakeFirst();
  if (!rep) return undefined;
  const open = await db
    .selectFrom('lead_assignments')
    .select(['lead_id', 'attempt', 'assigned_at', 'sla_deadline', 'accepted_at', 'contacted_at'])
    .where('rep_id', '=', repId)
    .where('status', '=', 'active')
    .orderBy('assigned_at')
    .execute();
  return { rep, open };
}

/** Every active manager's id: who hears of a lead before any rep holds it (4.4 C notify_manager). */
export async function activeManagers(db: Kysely<Database>): Promise<string[]> {
  const rows = await db
    .selectFrom('reps')
    .select('id')
    .where('role', '=', 'manager')
    .where('active', '=', true)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

export async function managerOf(db: Kysely<Database>, repId: string): Promise<string | undefined> {
  const rep = await db.selectFrom('reps').select('manager_id').where('id', '=', repId).executeTakeFirst();
  return rep?.manager_id ?? undefined;
}
