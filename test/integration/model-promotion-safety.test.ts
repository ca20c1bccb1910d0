// A challenger is promoted only if every process can serve it (roadmap 4.1: retrained models go live
// without a restart). Its bytes changed since training, or a file onnxruntime-node refuses: the
// promote activity fails the retrain before anything changes, and the champions keep serving.
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseSource, ModelStore } from '../../activities/ml/model-store';
import { sha256 } from '../../activities/ml/registry';
import { createLeadIntakeActivities } from '../../activities/lead-intake';
import { createRetrainActivities } from '../../activities/model-retrain';
import { samplePropertyData } from '../../activities/property-data/provider';
import {
  beginRetrain,
  championGeneration,
  loadChampions,
  saveChallengers,
  type Challenger,
} from '../../db/repositories/ml-models';
import { createLeadOnce } from '../../db/repositories/leads';
import { bundledChallengers, decisionsPromoting } from '../helpers/challengers';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';

describe('promotion safety', () => {
  let pg: TestPostgres;
  let store: ModelStore;
  let activities: ReturnType<typeof createRetrainActivities>;
  const env = new MockActivityEnvironment();

  beforeAll(async () => {
    pg = await startTestPostgres();
    store = new ModelStore(databaseSource(pg.db));
    await store.models();
    activities = createRetrainActivities({ db: pg.db, modelStore: store, python: 'unused: no training here' });
  });
  afterAll(async () => {
    await pg?.stop();
  });

  async function tryPromote(id: string, spoil?: (c: Challenger) => Challenger, models: readonly string[] = ['clv']) {
    const { version } = await beginRetrain(pg.db, id, 'test');
    await saveChallengers(pg.db, id, bundledChallengers(version, spoil));
    const generation = await championGeneration(pg.db);
    const outcome = await env
      .run(activities.promoteChallengers, { retrainId: id, generation, decisions: decisionsPromoting(models) })
      .then(
        (o) => ({ promoted: o }),
        (err: unknown) => ({ failed: err }),
      );
    return { version, generation, outcome };
  }

  async function servedClvVersion(): Promise<string> {
    await store.refresh();
    return (await store.model('clv')).entry.version;
  }

  it('a challenger whose bytes changed since training is not promoted; the champion keeps serving', async () => {
    const before = await servedClvVersion();
    const { generation, outcome } = await tryPromote('ml-retrain-changed-bytes', (c) =>
      c.model === 'clv' ? { ...c, onnx: Buffer.concat([c.onnx, Buffer.from([0])]) } : c,
    );
    expect(outcome).toHaveProperty('failed');
    const err = (outcome as { failed: unknown }).failed;
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'ChallengerNotServable', nonRetryable: true });
    expect((err as Error).message).toMatch(/^clv .*sha256 .* does not match/);
    expect(await championGeneration(pg.db)).toBe(generation);
    expect((await loadChampions(pg.db)).models.find((m) => m.model === 'clv')!.version).toBe(before);
    expect(await servedClvVersion()).toBe(before);
  });

  it('a challenger onnxruntime-node cannot load is not promoted, even with a matching hash', async () => {
    const before = await servedClvVersion();
    const garbage = Buffer.from('not an ONNX model');
    const { generation, outcome } = await tryPromote('ml-retrain-unloadable', (c) =>
      c.model === 'clv'
        ? { ...c, onnx: garbage, sha256: sha256(garbage), entry: { ...c.entry, sha256: sha256(garbage) } }
        : c,
    );
    expect((outcome as { failed?: unknown }).failed).toMatchObject({ type: 'ChallengerNotServable' });
    expect(await championGeneration(pg.db)).toBe(generation);
    expect(await servedClvVersion()).toBe(before);
  });

  it('a servable challenger is promoted and served (the check lets good models through)', async () => {
    const { version, generation, outcome } = await tryPromote('ml-retrain-good');
    expect(outcome).toEqual({ promoted: { outcome: 'promoted', promoted: ['clv'], generation: generation + 1 } });
    expect(await servedClvVersion()).toBe(version);
  });

  it('intake scores the next lead with the promoted models and records their version on the lead', async () => {
    const lead = { propertyValue: 540_000, roofAge: 24, damageSeverity: 'severe', insuranceClaim: true } as const;
    const intake = createLeadIntakeActivities({ db: pg.db, modelStore: store, propertyData: samplePropertyData([]) });
    const scoreNewLead = async (n: number) => {
      const { lead: created } = await createLeadOnce(
        pg.db,
        {
          firstName: 'Scored',
          lastName: `Lead${n}`,
          email: `scored-${n}@example.com`,
          source: 'insurance_agent',
          address: { street: `${n} Elm St`, city: 'Troy', state: 'MI', zip: '48083' },
          property: lead,
          signals: { responseTimeMinutes: 2, contactQuality: 8 },
        },
        { requestHash: `scored-${n}`, dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
      );
      const at = new Date().toISOString();
      const assessment = (await env.run(intake.assessLead, { leadId: created.id, at, signals: {} })) as Awaited<
        ReturnType<typeof intake.assessLead>
      >;
      const row = await pg.db
        .selectFrom('leads')
        .select('prediction')
        .where('id', '=', created.id)
        .executeTakeFirstOrThrow();
      return { said: assessment.prediction.model, stored: (row.prediction as { model?: string }).model };
    };

    const before = await scoreNewLead(1);
    const { version, outcome } = await tryPromote('ml-retrain-lead-models', undefined, [
      'lead_conversion',
      'next_best_action',
    ]);
    expect(outcome).toHaveProperty('promoted');
    const after = await scoreNewLead(2);
    const recorded = `lead_conversion ${version}, next_best_action ${version}`;
    expect(before.stored).not.toBe(recorded);
    expect(after).toEqual({ said: recorded, stored: recorded });
  });
});
