import { describe, expect, it } from 'vitest';
import { validationProblem } from '../../api/problem';
import { createLeadSchema, normalisePhone, phoneLineType } from '../../api/schemas/leads';

const valid = {
  firstName: 'Ann',
  lastName: 'Lee',
  phone: '(248) 555-0101',
  address: { street: '1 Main St', city: 'Troy', state: 'mi', zip: '48083' },
  source: 'website',
};

describe('createLeadSchema', () => {
  it('normalises phone, email and state', () => {
    const parsed = createLeadSchema.parse({ ...valid, email: 'Ann@Example.COM' });
    expect(parsed.phone).toBe('+12485550101');
    expect(parsed.email).toBe('ann@example.com');
    expect(parsed.address.state).toBe('MI');
    expect(parsed.property).toEqual({});
  });

  it('needs a phone or an email', () => {
    const { phone: _phone, ...noContact } = valid;
    const result = createLeadSchema.safeParse(noContact);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ['phone'], message: 'phone or email is required' });
  });

  it('lists every bad field, including unknown ones, with its path', () => {
    const result = createLeadSchema.safeParse({
      ...valid,
      phone: '12',
      source: 'carrier_pigeon',
      address: { ...valid.address, zip: '4808' },
      property: { roofAge: 500, propertyValue: -1 },
      favouriteColour: 'blue',
    });
    expect(result.success).toBe(false);
    const paths = validationProblem(result.error!).extra.errors as { path: string }[];
    expect(paths.map((e) => e.path).sort()).toEqual(
      ['(body)', 'address.zip', 'phone', 'property.propertyValue', 'property.roofAge', 'source'].sort(),
    );
  });

  it('refuses numbers that cannot exist, naming the field, and normalises real ones to E.164', () => {
    for (const phone of ['+10000000000', '+15551234567', '(000) 555-0101', '+999123456789', '248555010']) {
      const result = createLeadSchema.safeParse({ ...valid, phone });
      expect(result.success, phone).toBe(false);
      expect(validationProblem(result.error!).extra.errors, phone).toEqual([
        { path: 'phone', message: expect.stringMatching(/not a valid phone number/) },
      ]);
    }
    expect(createLeadSchema.parse({ ...valid, phone: '248.555.0101' }).phone).toBe('+12485550101');
    expect(createLeadSchema.parse({ ...valid, phone: '+44 20 7183 8750' }).phone).toBe('+442071838750');
  });

  it('tells the line type where the numbering plan does', () => {
    expect(phoneLineType('+442071838750')).toBe('fixed_line'); // a London landline
    expect(phoneLineType('+447400123456')).toBe('mobile');
    expect(phoneLineType('+12485550101')).toBe('fixed_line_or_mobile'); // US plans do not separate them
    expect(phoneLineType('+18005550100')).toBe('toll_free');
    expect(phoneLineType('+445631231234')).toBe('voip');
    expect(phoneLineType('+10000000000')).toBe('unknown');
  });

  it('accepts E.164 and US formats only', () => {
    expect(normalisePhone('+442071838750')).toBe('+442071838750');
    expect(normalisePhone('1-248-555-0101')).toBe('+12485550101');
    expect(normalisePhone('555-0101')).toBeUndefined();
    expect(normalisePhone('+0123')).toBeUndefined();
  });
});
