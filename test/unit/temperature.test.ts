import { describe, expect, it } from 'vitest';
import { classifyTemperature, NO_SIGNAL_SCORE } from '../../workflows/lead-intake/rules/temperature';

describe('classifyTemperature (roadmap 4.1 D)', () => {
  it('is HOT when every known signal is in the HOT column', () => {
    const r = classifyTemperature({
      responseTimeMinutes: 2,
      emailOpenRate: 0.9,
      websiteVisits48h: 4,
      budget: 'confirmed',
      intent: 'requested_appointment',
    });
    expect(r).toMatchObject({ temperature: 'HOT', score: 100 });
    expect(r.reasons).toHaveLength(5);
  });

  it('is WARM when every signal is in the WARM column', () => {
    const r = classifyTemperature({
      responseTimeMinutes: 30,
      emailOpenRate: 0.5,
      websiteVisits48h: 2,
      budget: 'discussed',
      intent: 'engaged',
    });
    expect(r).toMatchObject({ temperature: 'WARM', score: 70 });
  });

  it('is COLD when every signal is in the COLD column', () => {
    const r = classifyTemperature({
      responseTimeMinutes: 3000,
      emailOpenRate: 0.1,
      websiteVisits48h: 0,
      budget: 'unclear',
      intent: 'limited',
    });
    expect(r).toMatchObject({ temperature: 'COLD', score: 30 });
  });

  it('puts the band edges where the roadmap does: 80 is HOT, 79 WARM, 60 WARM, 59 COLD', () => {
    // (100 + 70 + 70) / 3 = 80
    expect(classifyTemperature({ intent: 'requested_quote', budget: 'discussed', emailOpenRate: 0.5 })).toMatchObject({
      score: 80,
      temperature: 'HOT',
    });
    // (100 + 70 + 70 + 70 + 50) / 5 = 72 → WARM
    expect(
      classifyTemperature({
        intent: 'engaged',
        budget: 'confirmed',
        emailOpenRate: 0.5,
        responseTimeMinutes: 30,
        websiteVisits48h: 1,
      }).temperature,
    ).toBe('WARM');
    // (70 + 50) / 2 = 60
    expect(classifyTemperature({ budget: 'discussed', websiteVisits48h: 1 })).toMatchObject({
      score: 60,
      temperature: 'WARM',
    });
    // (70 + 30 + 70 + 70 + 50) / 5 = 58 → COLD
    expect(
      classifyTemperature({
        budget: 'discussed',
        emailOpenRate: 0.2,
        responseTimeMinutes: 10,
        intent: 'engaged',
        websiteVisits48h: 1,
      }),
    ).toMatchObject({ score: 58, temperature: 'COLD' });
  });

  it('uses the threshold values the roadmap names (5 min, 60 min, 75 %, 40 %, 3 visits)', () => {
    expect(classifyTemperature({ responseTimeMinutes: 4.9 }).score).toBe(100);
    expect(classifyTemperature({ responseTimeMinutes: 5 }).score).toBe(70);
    expect(classifyTemperature({ responseTimeMinutes: 60 }).score).toBe(70);
    expect(classifyTemperature({ emailOpenRate: 0.75 }).score).toBe(70);
    expect(classifyTemperature({ emailOpenRate: 0.76 }).score).toBe(100);
    expect(classifyTemperature({ emailOpenRate: 0.39 }).score).toBe(30);
    expect(classifyTemperature({ websiteVisits48h: 3 }).score).toBe(100);
  });

  it('a requested appointment or quote is HOT on its own, whatever the other signals average (issue 22 item 9)', () => {
    // (100 + 30) / 2 = 65 by the mean: raised to the HOT floor.
    expect(classifyTemperature({ intent: 'requested_appointment', budget: 'unclear' })).toMatchObject({
      temperature: 'HOT',
      score: 80,
    });
    expect(
      classifyTemperature({
        intent: 'requested_quote',
        budget: 'unclear',
        emailOpenRate: 0.1,
        responseTimeMinutes: 3000,
        websiteVisits48h: 0,
      }),
    ).toMatchObject({ temperature: 'HOT', score: 80 });
    expect(classifyTemperature({ intent: 'requested_quote', budget: 'unclear' }).reasons).toContain(
      'a request is a buying signal on its own: HOT (mean 65)',
    );
    // Above the floor the mean stands: (100 + 100) / 2.
    expect(classifyTemperature({ intent: 'requested_quote', budget: 'confirmed' }).score).toBe(100);
    // No other signal is HOT on its own: a confirmed budget with an unclear rest averages down.
    expect(classifyTemperature({ budget: 'confirmed', emailOpenRate: 0.1 })).toMatchObject({
      temperature: 'WARM',
      score: 65,
    });
  });

  it('treats a lead with no signals as COLD, saying why', () => {
    expect(classifyTemperature({})).toEqual({
      temperature: 'COLD',
      score: NO_SIGNAL_SCORE,
      reasons: ['no engagement signals yet'],
    });
  });
});
