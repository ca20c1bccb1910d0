// Champion or challenger: the primary metric decides, by the margin, model by model.
import { describe, expect, it } from 'vitest';
import { decide, type ModelEvaluation } from '../../workflows/model-retrain/rules/promotion';

const evaluation = (
  model: string,
  champion: Record<string, unknown> | null,
  challenger: Record<string, unknown>,
): ModelEvaluation => ({
  model,
  championVersion: champion ? '1.0.0' : null,
  challengerVersion: '1.1.0',
  champion,
  challenger,
});

describe('retrain decision', () => {
  it('promotes a challenger better by at least the margin, and only that one', () => {
    const [better, tooLittle, worse] = decide(
      [
        evaluation('lead_conversion', { rocAuc: 0.74 }, { rocAuc: 0.75 }),
        evaluation('churn_30d', { rocAuc: 0.9 }, { rocAuc: 0.904 }),
        evaluation('churn_60d', { rocAuc: 0.9 }, { rocAuc: 0.85 }),
      ],
      0.005,
    );
    expect(better).toMatchObject({ promote: true, metric: 'rocAuc', champion: 0.74, challenger: 0.75 });
    expect(tooLittle).toMatchObject({ promote: false });
    expect(tooLittle!.reason).toMatch(/below the margin 0.005/);
    expect(worse).toMatchObject({ promote: false });
  });

  it('judges each model by its own metric: macro-F1 for the action, 3-year R² for CLV', () => {
    const [nba, clv] = decide(
      [
        evaluation('next_best_action', { macroF1: 0.6, accuracy: 0.9 }, { macroF1: 0.62, accuracy: 0.5 }),
        evaluation(
          'clv',
          { clv3Year: { r2: 0.5 }, firstProjectValue: { r2: 0.9 } },
          { clv3Year: { r2: 0.49 }, firstProjectValue: { r2: 0.99 } },
        ),
      ],
      0.01,
    );
    expect(nba).toMatchObject({ promote: true, metric: 'macroF1' });
    expect(clv).toMatchObject({ promote: false, metric: 'clv3Year.r2', champion: 0.5, challenger: 0.49 });
  });

  it('an exactly equal challenger is not promoted with a positive margin, and is with margin 0', () => {
    const same = [evaluation('lead_conversion', { rocAuc: 0.8 }, { rocAuc: 0.8 })];
    expect(decide(same, 0.005)[0]!.promote).toBe(false);
    expect(decide(same, 0)[0]!.promote).toBe(true);
  });

  it('promotes when there is no champion, never when the challenger lacks its metric', () => {
    const [first, broken] = decide(
      [evaluation('churn_30d', null, { rocAuc: 0.6 }), evaluation('churn_60d', { rocAuc: 0.6 }, { accuracy: 0.9 })],
      0.005,
    );
    expect(first).toMatchObject({ promote: true, reason: 'no champion to compare with' });
    expect(broken).toMatchObject({ promote: false, reason: 'challenger has no rocAuc' });
  });

  it('refuses a model it has no metric for', () => {
    expect(() => decide([evaluation('mystery', null, {})], 0)).toThrow(/no primary metric/);
  });
});
