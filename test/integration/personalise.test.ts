// LLM personalisation through the official openai SDK against a local OpenAI-compatible server:
// a good answer rewords the template; a slow (past the configured timeout), failing or fact-dropping
// one never holds the send — the template goes out as written.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPersonaliser } from '../../activities/messaging/personalise';
import { renderTemplate } from '../../activities/messaging/templates';
import { freePort } from '../helpers/ports';

const vars = {
  first_name: 'Dana',
  address: '12 Lone Pine Rd',
  city: 'Bloomfield Hills',
  year_built: 1985,
  storm_date: 'November 18',
  nearby_address: '18 Lone Pine Rd',
  property_value: '720,000',
  available_dates: 'Tuesday',
  sales_rep_name: 'John Smith',
  sales_rep_phone: '(248) 555-0142',
};
const mustKeep = Object.values(vars).map(String);

/** How long the 'slow' model takes to answer, with a good answer. */
const SLOW_MS = 1000;

describe('LLM personalisation', () => {
  let server: Server;
  let base: string;
  let mode: 'good' | 'slow' | 'error' | 'drops-facts' = 'good';
  const requests: {
    auth?: string;
    body: { model: string; messages: { role: string; content: string }[] };
    /** The client hung up before the answer was written. */
    aborted: boolean;
  }[] = [];

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}/v1`;
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const body = JSON.parse(raw) as (typeof requests)[number]['body'];
        const seen = { auth: req.headers.authorization, body, aborted: false };
        requests.push(seen);
        res.on('close', () => (seen.aborted = !res.writableEnded));
        const reply = (content: string) =>
          res.writeHead(200, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              id: 'c1',
              object: 'chat.completion',
              created: 0,
              model: body.model,
              choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }],
            }),
          );
        const original = body.messages[1]!.content;
        const good = `${original}\n\nLooking forward to meeting you!`;
        if (mode === 'good') reply(good);
        else if (mode === 'drops-facts') reply(original.replace('(248) 555-0142', 'our office'));
        else if (mode === 'error')
          res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"down"}}');
        else {
          // A good answer, late: a client that waits for it sends it personalised.
          const late = setTimeout(() => reply(good), SLOW_MS);
          res.on('close', () => clearTimeout(late));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  });
  afterAll(() => {
    server?.close();
  });

  const personalise = (timeoutMs = 500) =>
    createPersonaliser({ apiKey: 'sk-test', baseURL: base, model: 'test-model', timeoutMs });
  const message = renderTemplate('storm-insurance-claim', vars);

  it('rewords the template with the configured model and key, keeping every fact', async () => {
    mode = 'good';
    const out = await personalise()(message, mustKeep);
    expect(out.personalised).toBe(true);
    expect(out.text).toContain('Looking forward to meeting you!');
    expect(out.html).toContain('<p>Looking forward to meeting you!</p>');
    expect(requests.at(-1)).toMatchObject({ auth: 'Bearer sk-test', body: { model: 'test-model' } });
  });

  // No wall clock is read: the model's answer (good, after SLOW_MS) and the personaliser's timeout
  // are timers of this one process, so the shorter always fires first, however busy the machine.
  it('abandons a model slower than the timeout: the request is aborted and the template goes out', async () => {
    mode = 'slow';
    const out = await personalise(SLOW_MS / 2)(message, mustKeep);
    expect(out).toMatchObject({ personalised: false, text: message.text, html: message.html });
    await expect.poll(() => requests.at(-1)!.aborted).toBe(true);
  });

  it('waits for a slow model that answers within the timeout', async () => {
    mode = 'slow';
    const out = await personalise(SLOW_MS * 20)(message, mustKeep);
    expect(out.personalised).toBe(true);
    expect(out.text).toContain('Looking forward to meeting you!');
    expect(requests.at(-1)!.aborted).toBe(false);
  });

  it('falls back to the template when the model fails or drops a fact', async () => {
    for (const m of ['error', 'drops-facts'] as const) {
      mode = m;
      const out = await personalise()(message, mustKeep);
      expect(out, m).toMatchObject({ personalised: false, text: message.text, html: message.html });
    }
  });
});
