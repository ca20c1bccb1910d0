import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../temporal/codec';

const key = (id: string) => ({ id, key: randomBytes(32) });
const text = (b?: Uint8Array | null) => Buffer.from(b ?? new Uint8Array()).toString();

describe('AesGcmPayloadCodec', () => {
  const secret = { name: 'Ann Lee', phone: '+12485550101' };

  it('encrypts: the stored bytes hold neither the plaintext nor its encoding, and carry the key id', async () => {
    const codec = new AesGcmPayloadCodec([key('k1')]);
    const [encoded] = await codec.encode([defaultPayloadConverter.toPayload(secret)]);
    expect(text(encoded!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encoded!.metadata![KEY_ID_METADATA])).toBe('k1');
    expect(text(encoded!.data)).not.toContain('Ann Lee');
    expect(text(encoded!.data)).not.toContain('json/plain');
    const [decoded] = await codec.decode([encoded!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(secret);
  });

  it('uses a fresh IV each time', async () => {
    const codec = new AesGcmPayloadCodec([key('k1')]);
    const payload = defaultPayloadConverter.toPayload(secret);
    const [a, b] = await codec.encode([payload, payload]);
    expect(Buffer.compare(Buffer.from(a!.data!), Buffer.from(b!.data!))).not.toBe(0);
  });

  it('rotates: new payloads use the first key, old payloads still decrypt with the old key', async () => {
    const k1 = key('k1');
    const k2 = key('k2');
    const [old] = await new AesGcmPayloadCodec([k1]).encode([defaultPayloadConverter.toPayload(secret)]);
    const rotated = new AesGcmPayloadCodec([k2, k1]);
    const [fresh] = await rotated.encode([defaultPayloadConverter.toPayload(secret)]);
    expect(text(fresh!.metadata![KEY_ID_METADATA])).toBe('k2');
    const decoded = await rotated.decode([old!, fresh!]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([secret, secret]);
  });

  it('fails loudly on an unknown key id or tampered ciphertext', async () => {
    const [encoded] = await new AesGcmPayloadCodec([key('k1')]).encode([defaultPayloadConverter.toPayload(secret)]);
    await expect(new AesGcmPayloadCodec([key('other')]).decode([encoded!])).rejects.toThrow(
      /No payload key with id "k1"/,
    );
    const codec = new AesGcmPayloadCodec([key('k1')]);
    // Flip one bit of a ciphertext byte (after the 12-byte IV, before the 16-byte tag): always a
    // change, whatever the byte was. GCM's tag check must refuse it.
    const data = Buffer.from(encoded!.data!);
    expect(data.length).toBeGreaterThan(20 + 16);
    data[20]! ^= 0x01;
    await expect(codec.decode([{ ...encoded!, data }])).rejects.toThrow(
      new Error('Unsupported state or unable to authenticate data'),
    );
  });

  it('refuses a payload that is not encrypted unless told to pass it through (development)', async () => {
    // What a client without our codec sends (`temporal workflow signal --input …`): no key wrote it.
    const plain = defaultPayloadConverter.toPayload({ reason: 'won' });
    const strict = new AesGcmPayloadCodec([key('k1')]);
    await expect(strict.decode([plain])).rejects.toThrow(/not encrypted \(encoding "json\/plain"\)/);
    await expect(strict.decode([{ data: plain.data }])).rejects.toThrow(/not encrypted \(encoding none\)/);
    // The refusal names the encoding, never the content.
    await expect(strict.decode([plain])).rejects.not.toThrow(/won/);
    expect(await new AesGcmPayloadCodec([key('k1')], { allowUnencrypted: true }).decode([plain])).toEqual([plain]);
    // Encrypted payloads decode either way.
    const [encoded] = await strict.encode([plain]);
    const [decoded] = await strict.decode([encoded!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({ reason: 'won' });
  });
});
