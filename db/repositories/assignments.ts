// Lead assignments: the one place that changes who has a lead and how loaded each rep is.
// A routing decision runs inside one transaction holding row locks on every routable rep (in id
// order, so two decisions cannot deadlock): concurrent leads are decided one after another on the
// loads the previous ones left, so no rep is ever pushed over capacity. The audit keeps a row per
// decision that differs from the lead's last one: a lead nobody can take looks again and again,
// and the same "nobody, for the same reasons" is written once, not every few minutes.
import { sql, type Kysely } from 'kysely';
import { inTransaction } from '../connection';
import { notify } from './notifications';
import { onCallAt } from './on-call';
import { chooseAfterHours } from '../../workflows/lead-intake/rules/after-hours';
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
  /**
   * Present (leads started since after-hours routing: the workflow's patch): when nobody is on shift,
   * the on-call rota, else the first rep on shift with the SLA from their shift start, this long.
   */
  afterHours?: { slaMinutes: number };
}

/** How an assignment made while nobody was on shift was made, and when its SLA clock starts. */
export interface AfterHoursMade {
  via: 'on_call' | 'next_shift';
  slaStartsAt: Date;
  /** The rep's time zone (to tell the customer when the shift starts). */
  timeZone: string;
  /** The customer to acknowledge. */
  contactId: string;
}

export interface AssignmentResult {
  outcome: 'assigned' | 'no_rep_available';
  repId: string | null;
  repName: string | null;
  managerId: string | null;
  decision: RoutingDecision;
  capacityAlert: boolean;
  /** The assignment's SLA deadline: the request's, or, after hours, from the shift start. */
  slaDeadline?: Date;
  afterHours?: AfterHoursMade;
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
      const rep = audited.chosen_rep_id
        ? await tx.selectFrom('reps').selectAll().where('id', '=', audited.chosen_rep_id).executeTakeFirst()
        : undefined;
      return {
        outcome: audited.outcome,
        repId: audited.chosen_rep_id,
        repName: rep?.name ?? null,
        managerId: rep?.manager_id ?? null,
        decision: audited.decision as unknown as RoutingDecision,
        capacityAlert: false,
        ...(rep && (await assignmentMade(tx, req.leadId, req.attempt, rep))),
      };
    }
    const timeOff = await tx
      .selectFrom('rep_time_off')
      .select(['rep_id', 'starts_at', 'ends_at'])
      .where('ends_at', '>', req.at)
      // After hours looks ahead to the next shift: time off still to come counts too.
      .$if(!req.afterHours, (q) => q.where('starts_at', '<=', req.at))
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
    let decision = choose(
      lead,
      reps.map((r) => toRoutingRep(r, timeOff)),
      req.at,
    );
    // Nobody on shift (not a full team): the on-call rota, else the first rep on shift.
    const afterHours =
      !decision.chosenRepId && req.afterHours
        ? await decideAfterHours(tx, req, lead, reps, timeOff, choose)
        : undefined;
    if (afterHours) {
      decision = afterHours.decision;
      byId.set(afterHours.person.id, afterHours.person);
    }
    const chosen = decision.chosenRepId ? byId.get(decision.chosenRepId)! : undefined;
    const slaDeadline =
      afterHours?.via === 'next_shift'
        ? new Date(afterHours.slaStartsAt.getTime() + req.afterHours!.slaMinutes * 60_000)
        : req.slaDeadline;
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
          decision: JSON.stringify({
            ...decision,
            at: req.at.toISOString(),
            lead,
            ...(afterHours && {
              afterHours: { via: afterHours.via, slaStartsAt: afterHours.slaStartsAt.toISOString() },
            }),
          }),
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
        sla_deadline: slaDeadline,
        temperature: quality.temperature ?? null,
        is_vip: lead.isVip,
        premium: lead.premium,
        value: quality.value ?? null,
        ...(afterHours && { after_hours: afterHours.via, sla_starts_at: afterHours.slaStartsAt }),
      })
      .execute();
    // The rotation's credits move with the assignment, under the same locks: one statement for the
    // whole band (a statement per rep held the team's lock for a round trip each: docs/benchmarks.md).
    const credits = decision.credits ?? [];
    if (credits.length > 0)
      await sql`
        update reps set rotation_credit = c.rotation, premium_credit = c.premium
        from unnest(${credits.map((c) => c.repId)}::text[], ${credits.map((c) => c.rotation)}::real[],
                    ${credits.map((c) => c.premium)}::real[]) as c(id, rotation, premium)
        where reps.id = c.id`.execute(tx);
    await tx
      .updateTable('reps')
      .set({ active_leads: sql<number>`active_leads + 1`, assigned_total: sql<number>`assigned_total + 1` })
      .where('id', '=', chosen.id)
      .execute();
    await tx
      .updateTable('leads')
      .set({
        assigned_rep_id: chosen.id,
        sla_deadline: slaDeadline,
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
      payload: {
        attempt: req.attempt,
        slaDeadline: slaDeadline.toISOString(),
        reason: decision.reason,
        ...(afterHours && { afterHours: afterHours.via, slaStartsAt: afterHours.slaStartsAt.toISOString() }),
      },
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
      slaDeadline,
      // After hours only: the customer to acknowledge (one more read, never on the usual path).
      ...(afterHours && (await assignmentMade(tx, req.leadId, req.attempt, chosen))),
    };
  });
}

/**
 * The after-hours choice (rules/after-hours.ts) inside the assignment's transaction: the rota's
 * windows covering the decision's instant, and whoever they name beyond the reps already locked
 * (managers) locked too — after the reps, so the lock order stays the same for every decision.
 */
async function decideAfterHours(
  tx: Kysely<Database>,
  req: AssignmentRequest,
  lead: RoutingLead,
  reps: Rep[],
  timeOff: { rep_id: string; starts_at: Date; ends_at: Date }[],
  choose: (lead: RoutingLead, reps: RoutingRep[], at: Date) => RoutingDecision,
): Promise<{ decision: RoutingDecision; person: Rep; via: 'on_call' | 'next_shift'; slaStartsAt: Date } | undefined> {
  const rota = await onCallAt(tx, req.at);
  const locked = new Set(reps.map((r) => r.id));
  const others = [...new Set(rota.map((s) => s.person_id))].filter((id) => !locked.has(id));
  const extra = others.length
    ? await tx.selectFrom('reps').selectAll().where('id', 'in', others).orderBy('id').forUpdate().execute()
    : [];
  const extraOff = others.length
    ? await tx
        .selectFrom('rep_time_off')
        .select(['rep_id', 'starts_at', 'ends_at'])
        .where('rep_id', 'in', others)
        .where('ends_at', '>', req.at)
        .execute()
    : [];
  const people = [...reps, ...extra];
  const choice = chooseAfterHours(
    lead,
    people.map((r) => toRoutingRep(r, [...timeOff, ...extraOff])),
    rota.map((s) => ({ personId: s.person_id, startsAt: s.starts_at, endsAt: s.ends_at })),
    req.at,
    choose,
  );
  if (!choice) return undefined;
  const nobody = choose(
    lead,
    reps.map((r) => toRoutingRep(r, timeOff)),
    req.at,
  );
  return {
    decision: { ...(choice.decision ?? nobody), chosenRepId: choice.chosenRepId, reason: choice.reason },
    person: people.find((p) => p.id === choice.chosenRepId)!,
    via: choice.via,
    slaStartsAt: choice.slaStartsAt,
  };
}

/** What the assignment row says of the deadline and of after hours (a retry answers from it too). */
async function assignmentMade(
  tx: Kysely<Database>,
  leadId: string,
  attempt: number,
  rep: Rep,
): Promise<Pick<AssignmentResult, 'slaDeadline' | 'afterHours'>> {
  const row = await tx
    .selectFrom('lead_assignments as a')
    .innerJoin('leads as l', 'l.id', 'a.lead_id')
    .select(['a.sla_deadline', 'a.after_hours', 'a.sla_starts_at', 'l.contact_id'])
    .where('a.lead_id', '=', leadId)
    .where('a.attempt', '=', attempt)
    .executeTakeFirst();
  if (!row) return {};
  return {
    slaDeadline: row.sla_deadline,
    ...(row.after_hours && {
      afterHours: {
        via: row.after_hours,
        slaStartsAt: row.sla_starts_at ?? row.sla_deadline,
        timeZone: rep.time_zone,
        contactId: row.contact_id,
      },
    }),
  };
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

/**
 * Brings the SLA deadline of the lead's assignment `attempt` forward to `deadline` (the lead turned
 * HOT): only while it is active and not contacted, and never later than it was — a retry, or a
 * deadline later than the stored one, changes nothing. The rep is told once per `key`. Answers the
 * rep whose deadline moved, or undefined.
 */
export async function tightenSlaDeadline(
  db: Kysely<Database>,
  req: { leadId: string; attempt: number; deadline: Date; key: string; temperature: string },
): Promise<string | undefined> {
  return inTransaction(db, async (tx) => {
    const moved = await tx
      .updateTable('lead_assignments')
      .set({ sla_deadline: sql<Date>`least(sla_deadline, ${req.deadline})` })
      .where('lead_id', '=', req.leadId)
      .where('attempt', '=', req.attempt)
      .where('status', '=', 'active')
      .where('contacted_at', 'is', null)
      .returning(['rep_id', 'sla_deadline'])
      .executeTakeFirst();
    if (!moved) return undefined;
    await tx
      .updateTable('leads')
      .set({ sla_deadline: sql<Date>`least(sla_deadline, ${req.deadline})`, updated_at: new Date() })
      .where('id', '=', req.leadId)
      .where('assigned_rep_id', '=', moved.rep_id)
      .execute();
    await notify(tx, {
      key: req.key,
      recipient: `rep:${moved.rep_id}`,
      kind: 'lead_sla_tightened',
      leadId: req.leadId,
      payload: { attempt: req.attempt, slaDeadline: moved.sla_deadline.toISOString(), temperature: req.temperature },
    });
    return moved.rep_id;
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
