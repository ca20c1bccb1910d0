import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterEach, describe, expect, it } from 'vitest';
import { AesGcmPayloadCodec } from '../../temporal/codec';
import { createCodecServer, toJson } from '../../temporal/codec-server';
import { testLogger } from '../helpers/logger';

const keys = [{ id: 'k1', key: randomBytes(32) }];
const codec = new AesGcmPayloadCodec(keys);
const ui = 'http://localhost:8233';
let server: Server | undefined;

async function start(accessTokens: string[], serving: AesGcmPayloadCodec = codec): Promise<string> {
  const app = createCodecServer({ codec: serving, corsOrigins: [ui], accessTokens, logger: testLogger });
  return new Promise((resolve) => {
    server = app.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server!.address() as { port: number }).port}`),
    );
  });
}
afterEach(() => server?.close());

async function encryptedJson() {
  const [p] = await codec.encode([defaultPayloadConverter.toPayload({ name: 'Ann' })]);
  return { payloads: [toJson(p!)] };
}

describe('codec endpoint', () => {
  it('requires a configured bearer token, and decodes with it', async () => {
    const url = await start(['s3cret-token']);
    const body = JSON.stringify(await encryptedJson());
    const headers = { origin: ui, 'content-type': 'application/json' };
    expect((await fetch(`${url}/decode`, { method: 'POST', headers, body })).status).toBe(401);
    expect(
      (await fetch(`${url}/decode`, { method: 'POST', headers: { ...headers, authorization: 'Bearer wrong' }, body }))
        .status,
    ).toBe(401);
    const ok = await fetch(`${url}/decode`, {
      method: 'POST',
      headers: { ...headers, authorization: 'Bearer s3cret-token' },
      body,
    });
    expect(ok.status).toBe(200);
    const [payload] = ((await ok.json()) as { payloads: { data: string }[] }).payloads;
    expect(JSON.parse(Buffer.from(payload!.data, 'base64').toString())).toEqual({ name: 'Ann' });
  });

  it('answers bad bodies and undecryptable payloads with a 4xx, never a stack', async () => {
    const url = await start([]);
    const headers = { origin: ui, 'content-type': 'application/json' };
    const malformed = await fetch(`${url}/decode`, { method: 'POST', headers, body: '{"payloads": [' });
    expect(malformed.status).toBe(400);
    const wrongShape = await fetch(`${url}/decode`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ payloads: 'x' }),
    });
    expect(wrongShape.status).toBe(422);
    const other = new AesGcmPayloadCodec([{ id: 'k1', key: randomBytes(32) }]);
    const [foreign] = await other.encode([defaultPayloadConverter.toPayload('x')]);
    const undecryptable = await fetch(`${url}/decode`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ payloads: [toJson(foreign!)] }),
    });
    expect(undecryptable.status).toBe(422);
    expect(await undecryptable.text()).not.toMatch(/at .*\.ts:\d+|decipher/i);
  });

  it('refuses to decode a payload that is not encrypted (production), passes it through in development', async () => {
    const plain = { payloads: [toJson(defaultPayloadConverter.toPayload({ reason: 'won' }))] };
    const headers = { origin: ui, 'content-type': 'application/json' };
    const decode = (url: string) => fetch(`${url}/decode`, { method: 'POST', headers, body: JSON.stringify(plain) });
    const refused = await decode(await start([]));
    expect(refused.status).toBe(422);
    expect(refused.headers.get('content-type')).toMatch(/problem\+json/);
    server?.close();
    const passed = await decode(await start([], new AesGcmPayloadCodec(keys, { allowUnencrypted: true })));
    expect(passed.status).toBe(200);
    expect(await passed.json()).toEqual(plain);
  });
});
