// LLM personalisation through the official openai SDK against a local OpenAI-compatible server:
// a good answer rewords the template; a slow, failing or fact-dropping one never holds the send —
// the template goes out as written.
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

describe('LLM personalisation', () => {
  let server: Server;
  let base: string;
  let mode: 'good' | 'slow' | 'error' | 'drops-facts' = 'good';
  const requests: { auth?: string; body: { model: string; messages: { role: string; content: string }[] } }[] = [];

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}/v1`;
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const body = JSON.parse(raw) as (typeof requests)[number]['body'];
        requests.push({ auth: req.headers.authorization, body });
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
        if (mode === 'good') reply(`${original}\n\nLooking forward to meeting you!`);
        else if (mode === 'drops-facts') reply(original.replace('(248) 555-0142', 'our office'));
        else if (mode === 'error')
          res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"down"}}');
        else setTimeout(() => reply(original), 2000);
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  });
  afterAll(() => {
    server?.close();
  });

  const personalise = () =>
    createPersonaliser({ apiKey: 'sk-test', baseURL: base, model: 'test-model', timeoutMs: 500 });
  const message = renderTemplate('storm-insurance-claim', vars);

  it('rewords the template with the configured model and key, keeping every fact', async () => {
    mode = 'good';
    const out = await personalise()(message, mustKeep);
    expect(out.personalised).toBe(true);
    expect(out.text).toContain('Looking forward to meeting you!');
    expect(out.html).toContain('<p>Looking forward to meeting you!</p>');
    expect(requests.at(-1)).toMatchObject({ auth: 'Bearer sk-test', body: { model: 'test-model' } });
  });

  it('falls back to the template when the model is slow, failing, or drops a fact', async () => {
    for (const m of ['slow', 'error', 'drops-facts'] as const) {
      mode = m;
      const started = Date.now();
      const out = await personalise()(message, mustKeep);
      expect(out, m).toMatchObject({ personalised: false, text: message.text, html: message.html });
      expect(Date.now() - started, m).toBeLessThan(1500); // never waits past its timeout (500 ms) for long
    }
  });
});
