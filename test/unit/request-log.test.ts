// No log line holds a key (issue 14, item 4): requests carrying the ops key in a header, a cookie
// and the query string, and the dev outbox's sign-in, its session cookie and its redirects, all
// logged by the real app's pino-http at info level — and none of the lines contains a secret.
import { generateKeyPairSync } from 'node:crypto';
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelStore } from '../../activities/ml/model-store';
import { createApp } from '../../api/app';
import { redactUrl } from '../../api/request-log';
import { createLogger } from '../../config/logger';
import type { Database } from '../../db/schema';

const OPS = 'ops-key-that-must-never-be-logged-0001';
const CRM = 'crm-key-that-must-never-be-logged-0002';
const lines: string[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const app = createApp({
    // Nothing here reaches the database or Temporal: every request ends at authentication or a 404.
    db: {} as Kysely<Database>,
    client: {} as Client,
    logger: createLogger('info', 'api', { write: (line: string) => lines.push(line) }),
    apiKeys: [
      { key: OPS, role: 'ops' },
      { key: CRM, role: 'crm' },
    ],
    taskQueue: 'q',
    dedupeWindowHours: 24,
    temporalTimeoutMs: 1000,
    modelStore: new ModelStore(),
    promotionMargin: 0.005,
    webhooks: {
      secrets: {
        twilioAuthToken: 'twilio-token-0123456789',
        sendgridPublicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        sendgridPrivateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      },
      publicBaseUrl: 'http://127.0.0.1:1',
      devOutbox: true,
    },
  });
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => server?.close());

describe('request logs', () => {
  it('hold no key from a header, a cookie, the query string, a sign-in or a session', async () => {
    const get = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${base}${path}`, { headers, redirect: 'manual' });
    // The API's own header, a key pasted into the query string (an old bookmark), other places keys go.
    expect((await get(`/api/v1/no-such-route?key=${OPS}&days=14`, { authorization: `Bearer ${OPS}` })).status).toBe(
      404,
    );
    expect((await get(`/api/v1/leads?api_key=${CRM}&token=${OPS}`)).status).toBe(401);
    expect((await get('/api/v1/leads', { 'x-api-key': OPS, cookie: `key=${OPS}; theme=dark` })).status).toBe(401);
    expect((await get(`/dev/outbox?key=${OPS}`)).status).toBe(401); // the sign-in page: ?key= no longer signs in
    expect((await get('/dev/outbox', { authorization: `Bearer ${CRM}` })).status).toBe(403);

    // The browser's way in: the key in a POST body, a session cookie back, redirects without a key.
    const signIn = await fetch(`${base}/dev/outbox/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ key: OPS }).toString(),
      redirect: 'manual',
    });
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get('location')).toBe('/dev/outbox');
    const cookie = signIn.headers.get('set-cookie')!;
    const session = /dev_outbox_session=([^;]+)/.exec(cookie)![1]!;
    expect(cookie).not.toContain(OPS);
    // Past authentication with the session (no such page: a 404 that still logs the request's cookie).
    expect((await get('/dev/outbox/no/such/page', { cookie: `dev_outbox_session=${session}` })).status).toBe(404);

    await expect.poll(() => lines.filter((l) => l.includes('request completed')).length).toBeGreaterThanOrEqual(7);
    const logged = lines.join('\n');
    for (const secret of [OPS, CRM, session]) expect(logged).not.toContain(secret);
    // What was redacted is still visible as such, and the rest of the request is kept.
    const urls = lines.map((l) => (JSON.parse(l) as { req?: { url?: string } }).req?.url).filter(Boolean);
    expect(urls).toContain('/api/v1/no-such-route?key=[redacted]&days=14');
    expect(urls).toContain('/dev/outbox?key=[redacted]');
    expect(logged).toContain('"x-api-key":"[redacted]"');
    expect(logged).toContain('"cookie":"[redacted]"');
    expect(logged).toContain('"set-cookie":"[redacted]"');
  });

  it('redacts only the query parameters that look like credentials', () => {
    expect(redactUrl('/a?days=14&recipient=rep%3A1')).toBe('/a?days=14&recipient=rep%3A1');
    expect(redactUrl('/a?access_token=x&Key=y&limit=5&sig')).toBe(
      '/a?access_token=[redacted]&Key=[redacted]&limit=5&sig=[redacted]',
    );
    expect(redactUrl('/a?api%5Fkey=x')).toBe('/a?api%5Fkey=[redacted]');
    expect(redactUrl('/plain')).toBe('/plain');
  });
});
