import { describe, expect, it } from 'vitest';
import { isOutOfOffice, outOfOffice } from '../../api/inbound/out-of-office';

// Friday 2026-11-20, 10:00 in Detroit.
const friday = new Date('2026-11-20T15:00:00Z');
// Tuesday 2026-11-24, 10:00 in Detroit.
const tuesday = new Date('2026-11-24T15:00:00Z');

describe('outOfOffice: the return date, 08:00 local', () => {
  it.each([
    ['I am out of the office until December 3', '2026-12-03T13:00:00.000Z'],
    ["I'm away until 12/03", '2026-12-03T13:00:00.000Z'],
    ['Out of office: back on Monday 7th Dec', '2026-12-07T13:00:00.000Z'],
    ['On vacation, returning 2026-12-03', '2026-12-03T13:00:00.000Z'],
    ['Automatic reply: Thank you for your message. I will be back on Tuesday.', '2026-11-24T13:00:00.000Z'],
    ['I have limited access to email until Monday, November 30.', '2026-11-30T13:00:00.000Z'],
    ['I am on PTO until the 3rd and will reply when I return.', '2026-12-03T13:00:00.000Z'],
    // Through / a range / a bare date: the last day away, back the day after.
    ['I am out of the office through Friday, December 4.', '2026-12-05T13:00:00.000Z'],
    ['Out of office from Nov 30 to Dec 2.', '2026-12-03T13:00:00.000Z'],
    ['Out of office December 1-3', '2026-12-04T13:00:00.000Z'],
    // A start date is passed over for the return.
    ['I will be out of the office starting 11/23 and returning 11/30.', '2026-11-30T13:00:00.000Z'],
    // A date without a year already past: next year (and in daylight time then: 12:00 UTC).
    ['I am out of the office until January 4', '2027-01-04T13:00:00.000Z'],
    ["I'm away until 11/03", '2027-11-03T12:00:00.000Z'],
  ])('%s → %s', (text, until) => {
    expect(outOfOffice(text, friday)).toEqual({ until });
  });

  it('a weekday named on that weekday is next week’s', () => {
    expect(outOfOffice('I will be back on Tuesday', tuesday)).toEqual({ until: '2026-12-01T13:00:00.000Z' });
    expect(outOfOffice('I will be back on Thursday', tuesday)).toEqual({ until: '2026-11-26T13:00:00.000Z' });
  });

  it('reads dates in the sender’s zone', () => {
    expect(outOfOffice("I'm away until 12/03", friday, 'America/Los_Angeles')).toEqual({
      until: '2026-12-03T16:00:00.000Z',
    });
    // 22:00 on Friday in Detroit is already Saturday in UTC: "tomorrow" is Saturday.
    expect(outOfOffice('Out of office, back tomorrow', new Date('2026-11-21T03:00:00Z'))).toEqual({
      until: '2026-11-21T13:00:00.000Z',
    });
  });

  it('ignores the quoted message below the reply', () => {
    const reply =
      'Automatic reply: I am out of the office until Dec 3.\n\nOn Thu, Nov 19, 2026 at 9:00 AM iSwitch Roofs wrote:\n> Book your inspection by December 15';
    expect(outOfOffice(reply, friday)).toEqual({ until: '2026-12-03T13:00:00.000Z' });
    expect(
      outOfOffice('Sounds good, Friday works.\n\n> I am out of the office until December 3', friday),
    ).toBeUndefined();
  });
});

describe('outOfOffice: an auto-reply without a readable return date', () => {
  it.each([
    'Automatic reply: Thank you for your email.',
    'I am out of the office until further notice.',
    'Out of office. I will reply within 24 hours.',
    'OOO until 3pm',
    'I am away from my desk and will respond upon my return.',
    // A return date already past.
    'I am out of the office until November 19, 2026',
  ])('%s → {}', (text) => {
    expect(outOfOffice(text, friday)).toEqual({});
  });
});

describe('outOfOffice: ordinary replies', () => {
  it.each([
    'Yes please call me tomorrow',
    'How much for a new roof?',
    'STOP',
    'Call me back on Monday please',
    "I'm back in town, call me Tuesday",
    "I'm off to work, call me back later",
    'Please return my call on Friday',
    "I'll be home Monday after 5, come by then",
    'Out of curiosity, do you do gutters?',
    'We have no email, text this number',
  ])('%s → undefined', (text) => {
    expect(outOfOffice(text, friday)).toBeUndefined();
    expect(isOutOfOffice(text)).toBe(false);
  });
});
