// VIP triggers of roadmap 4.4 C, each at its threshold.
import { describe, expect, it } from 'vitest';
import { assessVip } from '../../workflows/lead-intake/rules/vip';

describe('assessVip', () => {
  it('is not VIP without a trigger', () => {
    expect(assessVip({ city: 'Troy', source: 'website', propertyValue: 900_000 })).toEqual({
      isVip: false,
      triggers: [],
      actions: [],
      notifyManager: false,
      preferredRepId: undefined,
    });
  });

  it('ultra-premium: over $500K in Bloomfield Hills, Birmingham or Grosse Pointe only', () => {
    expect(assessVip({ city: 'bloomfield hills', source: 'website', propertyValue: 500_001 }).triggers).toEqual([
      { trigger: 'ultra_premium_property', detail: '$500,001 property in Bloomfield Hills' },
    ]);
    expect(assessVip({ city: 'Birmingham', source: 'website', propertyValue: 500_000 }).isVip).toBe(false);
  });

  it('partner referrals: insurance agent, realtor, property manager', () => {
    for (const source of ['insurance_agent', 'realtor', 'property_manager'] as const)
      expect(assessVip({ city: 'Troy', source }).isVip).toBe(true);
    expect(assessVip({ city: 'Troy', source: 'referral' }).isVip).toBe(false);
  });

  it('each trigger carries its own action (4.4 C): only a high-value claim alerts the manager at detection', () => {
    const claim = assessVip({ city: 'Troy', source: 'website', insuranceClaimValue: 45_000 });
    expect(claim).toMatchObject({ actions: ['notify_manager'], notifyManager: true });
    expect(assessVip({ city: 'Troy', source: 'realtor' })).toMatchObject({
      actions: ['skip_qualification_queue'],
      notifyManager: false,
    });
    expect(assessVip({ city: 'Birmingham', source: 'website', propertyValue: 900_000 })).toMatchObject({
      actions: ['assign_to_top_performer'],
      notifyManager: false,
    });
  });

  it('insurance claims over $40K', () => {
    expect(assessVip({ city: 'Troy', source: 'website', insuranceClaimValue: 40_001 }).triggers[0]!.trigger).toBe(
      'high_value_claim',
    );
    expect(assessVip({ city: 'Troy', source: 'website', insuranceClaimValue: 40_000 }).isVip).toBe(false);
  });

  it('returning customers over $30K go back to their original rep', () => {
    const vip = assessVip({
      city: 'Troy',
      source: 'previous_customer',
      previousCustomer: { ltv: 31_000, originalRepId: 'rep-jane-doe' },
    });
    expect(vip).toMatchObject({
      isVip: true,
      preferredRepId: 'rep-jane-doe',
      actions: ['assign_to_original_rep'],
      notifyManager: false, // copied at assignment, like every VIP: no alert of its own
    });
    expect(
      assessVip({
        city: 'Troy',
        source: 'previous_customer',
        previousCustomer: { ltv: 30_000, originalRepId: 'rep-jane-doe' },
      }).isVip,
    ).toBe(false);
  });
});
