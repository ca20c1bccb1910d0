// Which logged interactions count as the customer responding (issue 22 item 15): they call off the
// prospect's "no response in 7 days" call; an unanswered call, a voicemail or a note does not.
import { describe, expect, it } from 'vitest';
import { responseOfInteraction } from '../../workflows/journey/rules/responses';

describe('responses from logged interactions', () => {
  it.each([
    [{ channel: 'call', direction: 'outbound', outcome: 'answered' }, 'call'],
    [{ channel: 'call', direction: 'inbound' }, 'call'],
    [{ channel: 'call', direction: 'outbound', outcome: 'voicemail' }, undefined],
    [{ channel: 'call', direction: 'outbound', outcome: 'no_answer' }, undefined],
    [{ channel: 'call', direction: 'outbound' }, undefined],
    [{ channel: 'visit', direction: 'outbound', outcome: 'booked' }, 'booking'],
    [{ channel: 'call', direction: 'outbound', outcome: 'booked' }, 'booking'],
    [{ channel: 'meeting', direction: 'outbound' }, 'call'],
    [{ channel: 'note', direction: 'internal', outcome: 'booked' }, undefined],
    [{ channel: 'sms', direction: 'inbound' }, 'reply'],
    [{ channel: 'email', direction: 'outbound' }, undefined],
  ])('%o → %s', (interaction, kind) => {
    expect(responseOfInteraction(interaction)).toBe(kind);
  });
});
