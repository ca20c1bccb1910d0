// Which interactions a rep logs (POST /api/v1/customers/:id/interactions) show the customer answered
// us (roadmap 7.1 C; issue 22 item 15): each calls off the prospect's "no response in 7 days → phone
// call". A table, read top to bottom, the first match wins; anything else (an unanswered call, a
// voicemail, an internal note, a message we sent) is not a response.
import type { ResponseKind } from '../types';

export interface LoggedInteraction {
  channel: string;
  direction: string;
  outcome?: string;
}

export const INTERACTION_RESPONSES: readonly {
  why: string;
  matches: (i: LoggedInteraction) => boolean;
  /** null: not a response. */
  kind: ResponseKind | null;
}[] = [
  { why: 'an internal note is not the customer', matches: (i) => i.direction === 'internal', kind: null },
  { why: 'anything that ended in a booking', matches: (i) => i.outcome === 'booked', kind: 'booking' },
  { why: 'the customer called us', matches: (i) => i.channel === 'call' && i.direction === 'inbound', kind: 'call' },
  {
    why: 'we called and they answered',
    matches: (i) => i.channel === 'call' && ['answered', 'connected'].includes(i.outcome ?? ''),
    kind: 'call',
  },
  { why: 'a visit or meeting held with them', matches: (i) => ['visit', 'meeting'].includes(i.channel), kind: 'call' },
  {
    why: 'a message from them logged by hand',
    matches: (i) => ['sms', 'email'].includes(i.channel) && i.direction === 'inbound',
    kind: 'reply',
  },
];

/** The response an interaction shows, if it shows one. */
export function responseOfInteraction(i: LoggedInteraction): ResponseKind | undefined {
  return INTERACTION_RESPONSES.find((r) => r.matches(i))?.kind ?? undefined;
}
