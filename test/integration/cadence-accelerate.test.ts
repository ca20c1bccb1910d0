// ACCELERATE on the real store (issue 22 item 13): when buying signals appear and the lead's rep is
// not a top performer, the top performer covering the lead's city is looped in and the rep is asked
// for the proposal within 24 hours — once, however often the activity is retried; a top-tier rep is
// asked for the proposal only; with no top performer at all, ops hear of it.
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCadenceActivities } from '../../activities/cadence';
import { createLeadOnce } from '../../db/repositories/leads';
import { insertReps } from '../../db/repositories/reps';
import type { NewRep } from '../../db/schema';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';

const rep = (id: string, tier: string, territories: string[], closeRate: number): NewRep => ({
  id,
  name: id,
  email: `${id}@example.com`,
  territories,
  skills: ['residential'],
  languages: ['English'],
  performance_tier: tier,
  close_rate: closeRate,
});

describe('accelerateLead on Postgres', () => {
  let pg: TestPostgres;
  let n = 0;
  beforeAll(async () => {
    pg = await startTestPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  async function leadOf(repId: string, city = 'Troy'): Promise<string> {
    n += 1;
    const { lead } = await createLeadOnce(
      pg.db,
      {
        firstName: 'Ace',
        lastName: `Lerate${n}`,
        email: `ace${n}@example.com`,
        source: 'website',
        address: { street: `${n} Main St`, city, state: 'MI', zip: '48083' },
        property: {},
        signals: {},
      },
      { requestHash: `acc-${n}`, dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
    );
    await pg.db.updateTable('leads').set({ assigned_rep_id: repId }).where('id', '=', lead.id).execute();
    return lead.id;
  }
  const accelerate = (key: string, leadId: string) =>
    new MockActivityEnvironment().run(createCadenceActivities({ db: pg.db }).accelerateLead, {
      key,
      leadId,
      why: 'buying signals',
      proposalDueBy: '2026-12-02T10:00:00.000Z',
    });
  const notes = (key: string) =>
    pg.db
      .selectFrom('notifications')
      .select(['key', 'recipient', 'kind'])
      .where('key', 'like', `${key}:%`)
      .orderBy('key')
      .execute();

  it('loops in the top performer covering the city, asks the rep for the proposal, once however often retried', async () => {
    await insertReps(pg.db, [
      rep('acc-standard', 'standard', ['Troy'], 0.2),
      rep('acc-top-far', 'top', ['Detroit'], 0.6),
      rep('acc-top-troy', 'top', ['Troy'], 0.4),
    ]);
    const leadId = await leadOf('acc-standard');
    const first = await accelerate('cadence-a', leadId);
    expect(first).toMatchObject({ repId: 'acc-standard', repTier: 'standard', loopedIn: 'acc-top-troy' });
    await accelerate('cadence-a', leadId); // a retry
    expect(await notes('cadence-a')).toEqual([
      { key: 'cadence-a:loop-in', recipient: 'rep:acc-top-troy', kind: 'cadence_top_performer_loop_in' },
      { key: 'cadence-a:proposal', recipient: 'rep:acc-standard', kind: 'proposal_requested' },
    ]);
  });

  it('a top performer’s own lead: only the proposal is asked for', async () => {
    const leadId = await leadOf('acc-top-troy');
    expect(await accelerate('cadence-b', leadId)).toMatchObject({ repTier: 'top', loopedIn: null });
    expect(await notes('cadence-b')).toEqual([
      { key: 'cadence-b:proposal', recipient: 'rep:acc-top-troy', kind: 'proposal_requested' },
    ]);
  });

  it('nobody top-tier active: ops are told', async () => {
    await pg.db.updateTable('reps').set({ active: false }).where('performance_tier', '=', 'top').execute();
    const leadId = await leadOf('acc-standard');
    expect(await accelerate('cadence-c', leadId)).toMatchObject({ loopedIn: null });
    expect(await notes('cadence-c')).toEqual([
      { key: 'cadence-c:loop-in', recipient: 'ops', kind: 'cadence_top_performer_unavailable' },
      { key: 'cadence-c:proposal', recipient: 'rep:acc-standard', kind: 'proposal_requested' },
    ]);
  });
});
