// Model versions, champions and retrain runs: the only SQL about models lives here.
// The champion set carries a generation number; a promotion is a compare-and-set on it, so of two
// retrains evaluated against the same champions only the first to promote wins.
import { sql, type Kysely } from 'kysely';
import type { ModelDecision, PromotionOutcome, RetrainTrigger } from '../../workflows/model-retrain/types';
import type { Database } from '../schema';

export interface ModelArtefact {
  model: string;
  version: string;
  /** The registry entry (models/README.md). */
  entry: Record<string, unknown>;
  onnx: Buffer;
  sha256: string;
}

export interface Challenger extends ModelArtefact {
  holdoutCsv: string;
}

export type RetrainStatus = 'running' | PromotionOutcome['outcome'] | 'failed' | 'cancelled';

/**
 * Makes the bundled artefacts known. A bundled (model, version) not yet stored becomes the
 * champion (a new release's models win: they match its feature code); one already stored is left
 * alone, so a promoted retrain keeps serving across restarts.
 */
export async function registerBundledModels(db: Kysely<Database>, bundled: ModelArtefact[]): Promise<void> {
  await db.transaction().execute(async (tx) => {
    // Serialises every process starting at once on the one state row.
    await sql`select generation from ml_champion_state for update`.execute(tx);
    const known = await tx
      .selectFrom('ml_model_versions')
      .select(['model', 'version'])
      .where('origin', '=', 'bundled')
      .execute();
    const fresh = bundled.filter((b) => !known.some((k) => k.model === b.model && k.version === b.version));
    if (fresh.length === 0) return;
    for (const b of fresh) {
      await tx
        .insertInto('ml_model_versions')
        .values({
          model: b.model,
          version: b.version,
          entry: JSON.stringify(b.entry),
          onnx: b.onnx,
          sha256: b.sha256,
          origin: 'bundled',
          status: 'challenger',
        })
        .onConflict((oc) => oc.columns(['model', 'version']).doNothing())
        .execute();
    }
    await crown(
      tx,
      fresh.map((b) => ({ model: b.model, version: b.version, decision: { reason: 'bundled with this release' } })),
    );
  });
}

/** Makes each (model, version) the champion; the one it replaces is retired. Bumps the generation. */
async function crown(
  tx: Kysely<Database>,
  winners: { model: string; version: string; decision: Record<string, unknown> }[],
): Promise<number> {
  for (const w of winners) {
    const old = await tx.selectFrom('ml_champions').select('version').where('model', '=', w.model).executeTakeFirst();
    if (old && old.version !== w.version) {
      await tx
        .updateTable('ml_model_versions')
        .set({ status: 'retired' })
        .where('model', '=', w.model)
        .where('version', '=', old.version)
        .execute();
    }
    await tx
      .updateTable('ml_model_versions')
      .set({ status: 'champion', decision: JSON.stringify(w.decision), decided_at: sql<Date>`now()` })
      .where('model', '=', w.model)
      .where('version', '=', w.version)
      .execute();
    await tx
      .insertInto('ml_champions')
      .values({ model: w.model, version: w.version })
      .onConflict((oc) => oc.column('model').doUpdateSet({ version: w.version, promoted_at: sql<Date>`now()` }))
      .execute();
  }
  const row = await tx
    .updateTable('ml_champion_state')
    .set({ generation: sql<number>`generation + 1`, updated_at: sql<Date>`now()` })
    .returning('generation')
    .executeTakeFirstOrThrow();
  return row.generation;
}

export async function championGeneration(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('ml_champion_state').select('generation').executeTakeFirstOrThrow();
  return row.generation;
}

/** Every champion with its artefact, and the generation they form, read in one statement. */
export async function loadChampions(db: Kysely<Database>): Promise<{ generation: number; models: ModelArtefact[] }> {
  const rows = await db
    .selectFrom('ml_champions as c')
    .innerJoin('ml_model_versions as v', (j) => j.onRef('v.model', '=', 'c.model').onRef('v.version', '=', 'c.version'))
    .crossJoin('ml_champion_state as s')
    .select(['v.model', 'v.version', 'v.entry', 'v.onnx', 'v.sha256', 's.generation'])
    .execute();
  const generation = rows[0]?.generation ?? (await championGeneration(db));
  return { generation, models: rows.map(({ generation: _g, ...m }) => m) };
}

/** Starts a retrain once per workflow id; its models get version 1.<seq>.0 (bundled ones are 1.0.0). */
export async function beginRetrain(
  db: Kysely<Database>,
  id: string,
  trigger: RetrainTrigger,
): Promise<{ version: string; seq: number; status: RetrainStatus }> {
  await sql`
    insert into ml_retrains (id, seq, version, trigger)
    select ${id}, n, '1.' || n || '.0', ${trigger} from (select nextval('ml_retrains_seq_seq') as n) s
    on conflict (id) do nothing`.execute(db);
  const row = await db
    .selectFrom('ml_retrains')
    .select(['version', 'seq', 'status'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return { version: row.version, seq: Number(row.seq), status: row.status as RetrainStatus };
}

export async function getRetrain(db: Kysely<Database>, id: string) {
  return db.selectFrom('ml_retrains').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function saveExport(
  db: Kysely<Database>,
  id: string,
  csv: string | null,
  summary: Record<string, unknown>,
): Promise<void> {
  await db
    .updateTable('ml_retrains')
    .set({ export_csv: csv, data_summary: JSON.stringify(summary) })
    .where('id', '=', id)
    .execute();
}

/** Stores the trained challengers; a retried call stores nothing twice. */
export async function saveChallengers(
  db: Kysely<Database>,
  retrainId: string,
  challengers: Challenger[],
): Promise<void> {
  if (challengers.length === 0) return;
  await db
    .insertInto('ml_model_versions')
    .values(
      challengers.map((c) => ({
        model: c.model,
        version: c.version,
        entry: JSON.stringify(c.entry),
        onnx: c.onnx,
        sha256: c.sha256,
        holdout_csv: c.holdoutCsv,
        origin: 'retrain' as const,
        retrain_id: retrainId,
        status: 'challenger' as const,
      })),
    )
    .onConflict((oc) => oc.columns(['model', 'version']).doNothing())
    .execute();
}

export async function challengersOf(db: Kysely<Database>, retrainId: string): Promise<Challenger[]> {
  const rows = await db
    .selectFrom('ml_model_versions')
    .select(['model', 'version', 'entry', 'onnx', 'sha256', 'holdout_csv'])
    .where('retrain_id', '=', retrainId)
    .orderBy('model')
    .execute();
  return rows.map(({ holdout_csv, ...r }) => ({ ...r, holdoutCsv: holdout_csv ?? '' }));
}

export async function saveEvaluation(
  db: Kysely<Database>,
  id: string,
  generation: number,
  evaluation: unknown,
): Promise<void> {
  await db
    .updateTable('ml_retrains')
    .set({ champion_generation: generation, evaluation: JSON.stringify(evaluation) })
    .where('id', '=', id)
    .execute();
}

/**
 * Applies a retrain's decisions in one transaction. Promotes only if the champions are still the
 * generation the challengers were evaluated against; otherwise every challenger is 'superseded'.
 * Calling it again for a finished retrain returns the first outcome and changes nothing.
 */
export async function promote(
  db: Kysely<Database>,
  retrainId: string,
  evaluatedGeneration: number,
  decisions: ModelDecision[],
): Promise<PromotionOutcome> {
  return db.transaction().execute(async (tx) => {
    const state = await sql<{ generation: number }>`select generation from ml_champion_state for update`.execute(tx);
    const generation = state.rows[0]!.generation;
    const retrain = await tx
      .selectFrom('ml_retrains')
      .select(['status', 'version', 'evaluation'])
      .where('id', '=', retrainId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (retrain.status !== 'running') {
      const promoted = await tx
        .selectFrom('ml_model_versions')
        .select('model')
        .where('retrain_id', '=', retrainId)
        .where('status', 'in', ['champion', 'retired'])
        .execute();
      return {
        outcome: retrain.status as PromotionOutcome['outcome'],
        promoted: promoted.map((p) => p.model),
        generation,
      };
    }
    const winners = decisions.filter((d) => d.promote);
    let outcome: PromotionOutcome;
    if (winners.length > 0 && generation !== evaluatedGeneration) {
      await decide(
        tx,
        retrainId,
        decisions.map((d) => d.model),
        'superseded',
        (d) => ({
          ...decisions.find((x) => x.model === d),
          reason: `champions changed while this retrain ran (evaluated against generation ${evaluatedGeneration}, now ${generation}): not promoted`,
        }),
      );
      outcome = { outcome: 'superseded', promoted: [], generation };
    } else {
      const losers = decisions.filter((d) => !d.promote);
      await decide(
        tx,
        retrainId,
        losers.map((d) => d.model),
        'rejected',
        (m) => ({ ...losers.find((d) => d.model === m) }),
      );
      const next = winners.length
        ? await crown(
            tx,
            winners.map((w) => ({ model: w.model, version: retrain.version, decision: { ...w } })),
          )
        : generation;
      outcome = {
        outcome: winners.length ? 'promoted' : 'rejected',
        promoted: winners.map((w) => w.model),
        generation: next,
      };
    }
    await tx
      .updateTable('ml_retrains')
      .set({ status: outcome.outcome, finished_at: sql<Date>`now()` })
      .where('id', '=', retrainId)
      .execute();
    return outcome;
  });
}

async function decide(
  tx: Kysely<Database>,
  retrainId: string,
  models: string[],
  status: 'rejected' | 'superseded',
  decision: (model: string) => Record<string, unknown>,
): Promise<void> {
  for (const model of models) {
    await tx
      .updateTable('ml_model_versions')
      .set({ status, decision: JSON.stringify(decision(model)), decided_at: sql<Date>`now()` })
      .where('retrain_id', '=', retrainId)
      .where('model', '=', model)
      .where('status', '=', 'challenger')
      .execute();
  }
}

/** Ends a retrain that did not reach a decision (failed or cancelled); its challengers stay stored. */
export async function endRetrain(
  db: Kysely<Database>,
  id: string,
  status: 'failed' | 'cancelled',
  reason: string,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const ended = await tx
      .updateTable('ml_retrains')
      .set({
        status,
        finished_at: sql<Date>`now()`,
        evaluation: sql`coalesce(evaluation, '{}'::jsonb) || ${JSON.stringify({ endedBecause: reason })}::jsonb`,
      })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .executeTakeFirst();
    if (Number(ended.numUpdatedRows) === 0) return;
    await tx
      .updateTable('ml_model_versions')
      .set({
        status: 'rejected',
        decision: JSON.stringify({ reason: `retrain ${status}: ${reason}` }),
        decided_at: sql<Date>`now()`,
      })
      .where('retrain_id', '=', id)
      .where('status', '=', 'challenger')
      .execute();
  });
}

export async function listRetrains(db: Kysely<Database>, limit = 10) {
  return db
    .selectFrom('ml_retrains')
    .select([
      'id',
      'version',
      'trigger',
      'status',
      'data_summary',
      'champion_generation',
      'evaluation',
      'created_at',
      'finished_at',
    ])
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
}

/** Every stored version of the models, newest first, without the artefact bytes. */
export async function listModelVersions(db: Kysely<Database>, limit = 50) {
  return db
    .selectFrom('ml_model_versions')
    .select([
      'model',
      'version',
      'sha256',
      'origin',
      'retrain_id',
      'status',
      'decision',
      'created_at',
      'decided_at',
      sql<unknown>`entry->'metrics'`.as('metrics'),
    ])
    .orderBy('created_at', 'desc')
    .orderBy('model')
    .limit(limit)
    .execute();
}
