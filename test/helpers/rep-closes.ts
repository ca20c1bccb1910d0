// A sales team with a record: reps, and leads each of them closed (won or lost) at a given time,
// as the monthly re-tiering reads them (the assignment that held the lead at the close).
import type { Kysely } from 'kysely';
import { createLeadOnce } from '../../db/repositories/leads';
import { insertReps } from '../../db/repositories/reps';
import type { Database } from '../../db/schema';

export interface TeamRep {
  id: string;
  tier: string;
  closeRate?: number;
  trainingEndsOn?: string;
}

export async function insertTeam(db: Kysely<Database>, team: TeamRep[]): Promise<void> {
  await insertReps(
    db,
    team.map((r) => ({
      id: r.id,
      name: r.id,
      email: `${r.id}@x.example`,
      territories: ['Troy'],
      skills: ['residential'],
      languages: ['English'],
      performance_tier: r.tier,
      close_rate: r.closeRate ?? 0.35,
      training_ends_on: r.trainingEndsOn ?? null,
    })),
  );
}

let n = 0;
/** `won` + `lost` leads closed by `repId` at `at`. */
export async function closeLeads(
  db: Kysely<Database>,
  repId: string,
  { won, lost, at }: { won: number; lost: number; at: Date },
): Promise<void> {
  for (let i = 0; i < won + lost; i++) {
    n += 1;
    const { lead } = await createLeadOnce(
      db,
      {
        firstName: 'C',
        lastName: `${repId}${n}`,
        email: `c-${repId}-${n}-${Math.random().toString(36).slice(2)}@example.com`,
        source: 'website',
        address: { street: `${n} Close St`, city: 'Troy', state: 'MI', zip: '48083' },
        property: {},
        signals: {},
      },
      { requestHash: `c${n}-${Math.random()}`, dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
    );
    await db
      .insertInto('lead_assignments')
      .values({
        lead_id: lead.id,
        attempt: 1,
        rep_id: repId,
        status: 'ended',
        end_reason: 'closed',
        assigned_at: new Date(at.getTime() - 7 * 86_400_000),
        sla_deadline: at,
        ended_at: at,
      })
      .execute();
    await db
      .updateTable('leads')
      .set({ stage: i < won ? 'won' : 'lost', assigned_rep_id: repId })
      .where('id', '=', lead.id)
      .execute();
  }
}
