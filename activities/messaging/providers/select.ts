// Which provider delivers each channel: the real one when its env keys are set, else the local
// outbox in Postgres, so the whole system runs offline — in production only for the channels
// MESSAGING_LOCAL_CHANNELS names (config/env.ts); the others refuse their sends.
import { LOCAL_STAND_IN_CHANNELS, urlHost, type Config, type LocalStandInChannel } from '../../../config/env';
import type { Channel, MessageProvider } from '../contract';
import { sendgridProvider } from './sendgrid';
import { twilioCallProvider, twilioSmsProvider } from './twilio';
import { unconfiguredProvider } from './unconfigured';
import { createPersonaliser, type Personaliser } from '../personalise';

// The config's list is every channel but `call` (whose default, a task for a rep, is no stand-in):
// a channel added to one list and not the other fails the typecheck here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const channelListsMatch: Same<Exclude<Channel, 'call'>, LocalStandInChannel> = true;
void channelListsMatch;

/**
 * The real providers whose keys are set, and a refusing one for each stand-in channel the config
 * does not allow locally; every other channel keeps its local default.
 */
export function selectProviders(config: Config, publicBaseUrl: string): Partial<Record<Channel, MessageProvider>> {
  const providers: Partial<Record<Channel, MessageProvider>> = {};
  if (config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN && config.TWILIO_FROM_NUMBER) {
    const twilioOptions = {
      accountSid: config.TWILIO_ACCOUNT_SID,
      authToken: config.TWILIO_AUTH_TOKEN,
      from: config.TWILIO_FROM_NUMBER,
      statusCallback: `${publicBaseUrl}/webhooks/twilio/status`,
      baseUrl: config.TWILIO_API_BASE_URL,
    };
    providers.sms = twilioSmsProvider(twilioOptions);
    // With TWILIO_CALLS=true calls are placed by Twilio; otherwise they stay tasks for the reps.
    if (config.TWILIO_CALLS) providers.call = twilioCallProvider(twilioOptions);
  }
  if (config.SENDGRID_API_KEY && config.SENDGRID_FROM_EMAIL) {
    providers.email = sendgridProvider({
      apiKey: config.SENDGRID_API_KEY,
      from: config.SENDGRID_FROM_EMAIL,
      unsubscribeUrl: (id) => `${publicBaseUrl}/unsubscribe/${id}`,
      baseUrl: config.SENDGRID_API_BASE_URL,
    });
  }
  for (const channel of LOCAL_STAND_IN_CHANNELS)
    if (!providers[channel] && !config.MESSAGING_LOCAL_CHANNELS.includes(channel))
      providers[channel] = unconfiguredProvider(channel);
  return providers;
}

/** The URL providers reach us at (Twilio signs it): PUBLIC_BASE_URL, else the API's own. */
export function publicBaseUrlOf(config: Config): string {
  return config.PUBLIC_BASE_URL ?? `http://${urlHost(config.API_HOST)}:${config.API_PORT}`;
}

/** The LLM personaliser when it is switched on (LLM_PERSONALISE) and keyed. */
export function selectPersonaliser(config: Config): Personaliser | undefined {
  if (!config.LLM_PERSONALISE || !config.OPENAI_API_KEY) return undefined;
  return createPersonaliser({
    apiKey: config.OPENAI_API_KEY,
    baseURL: config.OPENAI_BASE_URL,
    model: config.OPENAI_MODEL,
    timeoutMs: config.LLM_TIMEOUT_MS,
  });
}
