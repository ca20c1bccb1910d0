// The customer lifecycle rules: events in a valid order move the stage forward; out-of-order or
// repeated ones are refused with the reason.
import { describe, expect, it } from 'vitest';
import { applyEvent, stageOf } from '../../workflows/journey/rules/lifecycle';

describe('lifecycle', () => {
  it('walks lead → prospect → customer → post-project → advocate', () => {
    expect(stageOf([])).toBe('lead');
    expect(stageOf(['quote_sent'])).toBe('prospect');
    expect(stageOf(['quote_sent', 'contract_signed'])).toBe('customer');
    expect(stageOf(['quote_sent', 'contract_signed', 'project_started', 'project_completed'])).toBe('post_project');
    expect(stageOf(['quote_sent', 'contract_signed', 'project_started', 'project_completed', 'review_posted'])).toBe(
      'advocate',
    );
  });

  it('refuses events out of order, naming what is missing', () => {
    expect(applyEvent([], 'project_completed')).toEqual({
      ok: false,
      reason: 'project_completed needs project_started first',
    });
    expect(applyEvent(['quote_sent'], 'project_started')).toEqual({
      ok: false,
      reason: 'project_started needs contract_signed first',
    });
    expect(applyEvent([], 'quote_opened')).toEqual({ ok: false, reason: 'quote_opened needs quote_sent first' });
    expect(applyEvent(['quote_sent'], 'referral_made')).toMatchObject({ ok: false });
  });

  it('refuses a second contract or completion, and never moves a stage backwards', () => {
    const done = ['quote_sent', 'contract_signed', 'project_started', 'project_completed'] as const;
    expect(applyEvent([...done], 'contract_signed')).toEqual({
      ok: false,
      reason: 'contract_signed was already recorded',
    });
    expect(applyEvent([...done], 'competitor_mentioned')).toEqual({ ok: true, stage: 'post_project' });
  });
});
