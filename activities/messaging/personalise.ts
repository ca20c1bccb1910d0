// Optional LLM personalisation (roadmap 4.3 A) through any OpenAI-compatible API. Off by default;
// when on, it may rewrite a templated message's wording, never its facts, and it never holds a send
// up: a slow, failing or implausible answer falls back to the template as rendered.
import Handlebars from 'handlebars';
import OpenAI from 'openai';
import type { RenderedMessage } from './contract';

export interface PersonaliserOptions {
  apiKey: string;
  baseURL?: string;
  model: string;
  /** The longest a send waits for the model before going out as the template wrote it. */
  timeoutMs: number;
}

export type Personaliser = (
  message: RenderedMessage,
  mustKeep: string[],
) => Promise<RenderedMessage & { personalised: boolean }>;

const INSTRUCTIONS =
  'You rewrite a roofing company’s customer email so it reads warmly and personally. Keep every fact, name, date, address, price and phone number exactly as given; add no new facts, offers or promises. Answer with the email body only, as plain text.';

export function createPersonaliser(opts: PersonaliserOptions): Personaliser {
  const client = new OpenAI({ apiKey: opts.apiKey, baseURL: opts.baseURL, timeout: opts.timeoutMs, maxRetries: 0 });
  return async (message, mustKeep) => {
    try {
      const completion = await client.chat.completions.create(
        {
          model: opts.model,
          temperature: 0.4,
          messages: [
            { role: 'system', content: INSTRUCTIONS },
            { role: 'user', content: message.text },
          ],
        },
        { signal: AbortSignal.timeout(opts.timeoutMs) },
      );
      const text = completion.choices[0]?.message?.content?.trim();
      // An answer that lost a fact it had to keep, or ran away in length, is not sent.
      const plausible =
        text &&
        text.length >= message.text.length * 0.5 &&
        text.length <= message.text.length * 2 &&
        mustKeep.every((k) => text.includes(k));
      if (!plausible) return { ...message, personalised: false };
      const html = text
        .split(/\n{2,}/)
        .map((p) => `<p>${Handlebars.Utils.escapeExpression(p).replace(/\n/g, '<br>')}</p>`)
        .join('\n');
      return { ...message, text, html, personalised: true };
    } catch {
      return { ...message, personalised: false };
    }
  };
}
