// A channel with no provider in production whose local stand-in is not allowed
// (MESSAGING_LOCAL_CHANNELS, config/env.ts): every send on it is refused for good, so the message
// ends `failed` (reason `no_provider`) and the caller picks another channel — instead of it being
// marked `sent` while it only reached Postgres.
import type { Channel, MessageProvider } from '../contract';
import { ProviderError } from './errors';

export function unconfiguredProvider(channel: Channel): MessageProvider {
  const name = `none-${channel}`;
  return {
    name,
    async send() {
      throw new ProviderError(name, 'permanent', 'no_provider', `no provider is configured for ${channel}`);
    },
  };
}
