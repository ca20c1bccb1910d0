// A retrain's challengers and decisions without training: the bundled artefacts relabelled as the
// retrain's version (the same bytes, so they load), for the promotion tests.
import { MODEL_NAMES, readArtefacts } from '../../activities/ml/registry';
import type { Challenger } from '../../db/repositories/ml-models';
import type { ModelDecision } from '../../workflows/model-retrain/types';

/** Every model as a challenger of `version`; `spoil` may change one's bytes or entry. */
export function bundledChallengers(version: string, spoil: (c: Challenger) => Challenger = (c) => c): Challenger[] {
  return readArtefacts().artefacts.map(({ entry, onnx }) =>
    spoil({
      model: entry.name,
      version,
      entry: { ...entry, version },
      onnx,
      sha256: entry.sha256,
      holdoutCsv: 'dataset\n',
    }),
  );
}

/** A decision per model: the ones named are promoted. */
export const decisionsPromoting = (models: readonly string[]): ModelDecision[] =>
  MODEL_NAMES.map((model) => ({
    model,
    promote: models.includes(model),
    reason: 'test',
    metric: 'rocAuc',
    champion: 0.7,
    challenger: 0.8,
    margin: 0.005,
  }));
