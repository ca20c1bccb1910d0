// Message templates: rendered with every variable, HTML-escaped in the HTML part, and loud about a
// missing or wrong variable instead of sending "Hi {first_name}".
import { describe, expect, it } from 'vitest';
import { findTemplate, renderTemplate, TemplateError } from '../../activities/messaging/templates';

const vars = {
  first_name: 'Dana',
  address: '12 Lone Pine Rd',
  city: 'Bloomfield Hills',
  year_built: 1985,
  storm_date: 'November 18',
  nearby_address: '18 Lone Pine Rd',
  property_value: '720,000',
  available_dates: 'Tuesday or Thursday afternoon',
  sales_rep_name: 'John Smith',
  sales_rep_phone: '(248) 555-0142',
};

describe('message templates', () => {
  it('renders the roadmap’s personalised email, subject, text and HTML', () => {
    const m = renderTemplate('storm-insurance-claim', vars);
    expect(m.template).toBe('storm-insurance-claim@1');
    expect(m.subject).toBe('Your 1985 Bloomfield Hills roof may qualify for an insurance claim');
    expect(m.text).toMatch(
      /^Hi Dana,\n\nI noticed your property at 12 Lone Pine Rd in Bloomfield Hills was built in 1985/,
    );
    expect(m.text).toContain("Given your home's value ($720,000)");
    expect(m.html).toContain('<p>Hi Dana,</p>');
    expect(m.text).not.toMatch(/\{\{|\}\}/);
  });

  it('escapes HTML in the HTML part, not in the plain text', () => {
    const m = renderTemplate('storm-insurance-claim', { ...vars, first_name: '<script>alert(1)</script> & Co' });
    expect(m.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
    expect(m.html).not.toContain('<script>');
    expect(m.text).toContain('Hi <script>alert(1)</script> & Co,');
  });

  it('fails loudly, naming each missing or wrong variable', () => {
    const { first_name: _f, ...missing } = vars;
    expect(() => renderTemplate('storm-insurance-claim', missing)).toThrow(TemplateError);
    expect(() => renderTemplate('storm-insurance-claim', missing)).toThrow(/first_name/);
    expect(() => renderTemplate('storm-insurance-claim', { ...vars, year_built: 'old' })).toThrow(/year_built/);
    expect(() => renderTemplate('storm-insurance-claim', { ...vars, surprise: 1 })).toThrow(/surprise/);
  });

  it('knows its versions and refuses unknown templates', () => {
    expect(findTemplate('storm-insurance-claim').version).toBe(1);
    expect(() => findTemplate('storm-insurance-claim', 7)).toThrow(/version 7/);
    expect(() => renderTemplate('no-such-template', {})).toThrow(/no template no-such-template/);
  });
});
