// The offline default for every channel without a real provider: the message is delivered into
// Postgres. Like a real provider it keeps its own log of what it was given (`local_deliveries`, one
// row per call, no unique key), so a message handed over twice shows as two deliveries; and, like
// Twilio's lookup, it answers whether a message reached it by our message id, so a retry after a
// crash between its call and our record does not hand it over again. The gateway's `messages` row
// stays the outbox the dev page shows.
import type { Kysely } from 'kysely';
import { hasLocalDelivery, recordLocalDelivery } from '../../../db/repositories/local-deliveries';
import type { Database } from '../../../db/schema';
import type { Channel, MessageProvider, OutboundMessage } from '../contract';

export function localProvider(channel: Channel, db: Kysely<Database>): MessageProvider {
  const id = (m: OutboundMessage) => `local-${m.id}`;
  return {
    name: `local-${channel}`,
    async send(m, via) {
      await recordLocalDelivery(via?.db ?? db, { messageId: m.id, channel: m.channel, to: m.to });
      return { providerMessageId: id(m) };
    },
    async alreadySent(m, earlier) {
      return (await hasLocalDelivery(earlier.db ?? db, m.id)) ? id(m) : undefined;
    },
  };
}
