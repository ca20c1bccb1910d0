// Model versions in Postgres: bundled models become champions once; a promotion is a
// compare-and-set on the champions' generation (two at once: one wins); every process's store
// picks up a promotion without a restart; the export takes only complete closed leads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseSource, ModelStore } from '../../activities/ml/model-store';
import { MODEL_NAMES } from '../../activities/ml/registry';
import { seasonOf } from '../../activities/ml/lead-prediction';
import { exportClosedLeads } from '../../activities/ml/training-export';
import {
  beginRetrain,
  championGeneration,
  loadChampions,
  promote,
  saveChallengers,
} from '../../db/repositories/ml-models';
import { bundledChallengers, decisionsPromoting } from '../helpers/challengers';
import { insertClosedLeads } from '../helpers/closed-leads';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';

async function retrainWithChallengers(pg: TestPostgres, id: string): Promise<string> {
  const { version } = await beginRetrain(pg.db, id, 'test');
  await saveChallengers(pg.db, id, bundledChallengers(version));
  return version;
}

describe('model versions', () => {
  let pg: TestPostgres;
  beforeAll(async () => {
    pg = await startTestPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('a fresh database serves the bundled models, registered once however many processes start', async () => {
    const stores = [new ModelStore(databaseSource(pg.db)), new ModelStore(databaseSource(pg.db))];
    const loaded = await Promise.all(stores.map((s) => s.models()));
    expect([...loaded[0]!.values()].map((m) => m.entry.version)).toEqual(MODEL_NAMES.map(() => '1.0.0'));
    expect(await championGeneration(pg.db)).toBe(1);
    await new ModelStore(databaseSource(pg.db)).models(); // a restart
    expect(await championGeneration(pg.db)).toBe(1);
  });

  it('retrain versions are 1.<n>.0, and beginning the same retrain twice is one retrain', async () => {
    const a = await beginRetrain(pg.db, 'ml-retrain-seq-a', 'test');
    const again = await beginRetrain(pg.db, 'ml-retrain-seq-a', 'test');
    const b = await beginRetrain(pg.db, 'ml-retrain-seq-b', 'test');
    expect(a.version).toMatch(/^1\.\d+\.0$/);
    expect(again.version).toBe(a.version);
    expect(b.seq).toBeGreaterThan(a.seq);
  });

  it('of two retrains evaluated against the same champions, the first promotes and the second is superseded', async () => {
    const generation = await championGeneration(pg.db);
    const first = await retrainWithChallengers(pg, 'ml-retrain-first');
    await retrainWithChallengers(pg, 'ml-retrain-second');
    const won = await promote(
      pg.db,
      'ml-retrain-first',
      generation,
      decisionsPromoting(['lead_conversion', 'churn_30d']),
    );
    expect(won).toEqual({
      outcome: 'promoted',
      promoted: ['lead_conversion', 'churn_30d'],
      generation: generation + 1,
    });
    const lost = await promote(pg.db, 'ml-retrain-second', generation, decisionsPromoting(['lead_conversion']));
    expect(lost.outcome).toBe('superseded');

    const champions = await loadChampions(pg.db);
    const versionOf = (m: string) => champions.models.find((c) => c.model === m)!.version;
    expect(versionOf('lead_conversion')).toBe(first);
    expect(versionOf('churn_30d')).toBe(first);
    expect(versionOf('clv')).toBe('1.0.0');
    const statuses = await pg.db
      .selectFrom('ml_model_versions')
      .select(['model', 'version', 'status', 'origin'])
      .execute();
    const status = (model: string, origin: string, version?: string) =>
      statuses.find((s) => s.model === model && s.origin === origin && (!version || s.version === version))!.status;
    expect(status('lead_conversion', 'bundled')).toBe('retired');
    expect(status('clv', 'retrain', first)).toBe('rejected'); // kept, with its decision
    expect(statuses.filter((s) => s.status === 'superseded')).toHaveLength(MODEL_NAMES.length);

    // Promoting again (a retried activity) changes nothing and answers the same.
    expect(
      await promote(pg.db, 'ml-retrain-first', generation, decisionsPromoting(['lead_conversion', 'churn_30d'])),
    ).toMatchObject({ outcome: 'promoted', generation: generation + 1 });
    expect(await championGeneration(pg.db)).toBe(generation + 1);
  });

  it('two promotions at the same instant: exactly one wins', async () => {
    const generation = await championGeneration(pg.db);
    await Promise.all([
      retrainWithChallengers(pg, 'ml-retrain-race-a'),
      retrainWithChallengers(pg, 'ml-retrain-race-b'),
    ]);
    const outcomes = await Promise.all(
      ['ml-retrain-race-a', 'ml-retrain-race-b'].map((id) =>
        promote(pg.db, id, generation, decisionsPromoting([...MODEL_NAMES])),
      ),
    );
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['promoted', 'superseded']);
    expect(await championGeneration(pg.db)).toBe(generation + 1);
  });

  it('a retrain whose challengers are all worse is rejected and changes no champion', async () => {
    const generation = await championGeneration(pg.db);
    await retrainWithChallengers(pg, 'ml-retrain-worse');
    expect(await promote(pg.db, 'ml-retrain-worse', generation, decisionsPromoting([]))).toEqual({
      outcome: 'rejected',
      promoted: [],
      generation,
    });
    expect(await championGeneration(pg.db)).toBe(generation);
  });

  it('a running store serves a promotion without a restart', async () => {
    const store = new ModelStore(databaseSource(pg.db));
    const before = (await store.model('clv')).entry.version;
    const version = await retrainWithChallengers(pg, 'ml-retrain-live');
    await promote(pg.db, 'ml-retrain-live', await championGeneration(pg.db), decisionsPromoting(['clv']));
    expect((await store.model('clv')).entry.version).toBe(before); // not yet looked
    await store.refresh();
    expect((await store.model('clv')).entry.version).toBe(version);
    expect(await store.servingGeneration()).toBe(String(await championGeneration(pg.db)));
  });

  it('the export takes closed leads with every feature known, and says why it left the others out', async () => {
    await insertClosedLeads(pg.db, 30, { incomplete: 5 });
    const { csv, summary } = await exportClosedLeads(pg.db);
    expect(summary).toMatchObject({
      closedLeads: 35,
      usableLeadRows: 30,
      skipped: { contactQuality: 5 },
      customerRows: 0,
    });
    const [header, ...rows] = csv!.trim().split('\n');
    expect(header).toBe(
      'dataset,leadSource,propertyValue,roofAge,damageSeverity,insuranceClaim,contactQuality,responseTimeMinutes,zip,season,previousInteraction,converted,nextBestAction',
    );
    expect(rows).toHaveLength(30);
    expect(rows.every((r) => /^lead,.*,(true|false),$/.test(r))).toBe(true);
    expect(seasonOf(new Date('2026-01-15'))).toBe('winter');
    expect(seasonOf(new Date('2026-07-01'))).toBe('summer');
  });
});
