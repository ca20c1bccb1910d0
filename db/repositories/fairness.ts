// The quality of the leads each rep received (roadmap 4.4 B FAIRNESS ENFORCEMENT: "Track lead
// quality distribution", "Ensure equal premium lead access"): per rep, over the last days, how many
// leads, of which temperature, how many VIPs and premium leads, and their expected value. Read
// from the assignments, with the quality each lead had when the rep got it (0018); assignments
// made before that fall back to the lead as it is now.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema';

export interface RepFairnessRow {
  repId: string;
  name: string;
  performanceTier: string;
  active: boolean;
  leads: number;
  temperature: { HOT: number; WARM: number; COLD: number; unscored: number };
  vip: number;
  premium: number;
  /** Leads with an expected project value, their total and average (null when none). */
  value: { known: number; total: number; average: number | null };
}

/** Every rep who is active or received a lead in the last `days` days, by name. */
export async function repFairness(db: Kysely<Database>, days: number, now = new Date()): Promise<RepFairnessRow[]> {
  const since = new Date(now.getTime() - days * 86_400_000);
  const temperature = sql<string | null>`coalesce(a.temperature, l.temperature)`;
  const rows = await db
    .selectFrom('reps as r')
    .leftJoin('lead_assignments as a', (j) =>
      j.onRef('a.rep_id', '=', 'r.id').on('a.assigned_at', '>=', since).on('a.assigned_at', '<=', now),
    )
    .leftJoin('leads as l', 'l.id', 'a.lead_id')
    .select([
      'r.id',
      'r.name',
      'r.performance_tier',
      'r.active',
      sql<number>`count(a.lead_id)`.as('leads'),
      sql<number>`count(a.lead_id) filter (where ${temperature} = 'HOT')`.as('hot'),
      sql<number>`count(a.lead_id) filter (where ${temperature} = 'WARM')`.as('warm'),
      sql<number>`count(a.lead_id) filter (where ${temperature} = 'COLD')`.as('cold'),
      sql<number>`count(a.lead_id) filter (where coalesce(a.is_vip, l.is_vip))`.as('vip'),
      sql<number>`count(a.lead_id) filter (where coalesce(a.premium, l.is_vip or l.temperature = 'HOT'))`.as('premium'),
      sql<number>`count(a.value)`.as('value_known'),
      sql<number>`coalesce(sum(a.value), 0)`.as('value_total'),
    ])
    .where('r.role', '=', 'rep')
    .groupBy('r.id')
    .having((eb) => eb.or([eb('r.active', '=', true), eb(sql`count(a.lead_id)`, '>', 0)]))
    .orderBy('r.name')
    .orderBy('r.id')
    .execute();
  return rows.map((r) => {
    const n = (v: unknown) => Number(v ?? 0);
    const leads = n(r.leads);
    const known = n(r.value_known);
    const total = n(r.value_total);
    return {
      repId: r.id,
      name: r.name,
      performanceTier: r.performance_tier,
      active: r.active,
      leads,
      temperature: {
        HOT: n(r.hot),
        WARM: n(r.warm),
        COLD: n(r.cold),
        unscored: leads - n(r.hot) - n(r.warm) - n(r.cold),
      },
      vip: n(r.vip),
      premium: n(r.premium),
      value: { known, total, average: known > 0 ? Math.round(total / known) : null },
    };
  });
}
