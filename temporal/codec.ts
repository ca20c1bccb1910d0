// Payload codec: AES-256-GCM over each whole serialized payload, key id in the metadata so keys rotate
// (new payloads use the first key; old ones decrypt with whichever key they name).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { ValueError } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { PayloadKey } from '../config/dev-secrets';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface CodecOptions {
  /**
   * Pass payloads that are not encrypted through as they are (ALLOW_UNENCRYPTED_PAYLOADS: development).
   * Otherwise decoding one fails: anyone who can reach the Temporal frontend could otherwise hand a
   * workflow input, a signal or a result that no holder of the keys wrote (integrity, not only secrecy).
   */
  allowUnencrypted?: boolean;
}

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly keys: Map<string, Buffer>;
  private readonly active: PayloadKey;
  private readonly allowUnencrypted: boolean;

  constructor(keys: PayloadKey[], { allowUnencrypted = false }: CodecOptions = {}) {
    if (keys.length === 0) throw new Error('AesGcmPayloadCodec needs at least one key');
    this.active = keys[0]!;
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
    this.allowUnencrypted = allowUnencrypted;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.active.key, iv);
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          encoding: encoder.encode(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: encoder.encode(this.active.id),
        },
        data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding;
      if (!encoding || decoder.decode(encoding) !== ENCRYPTED_ENCODING) {
        if (this.allowUnencrypted) return payload;
        // Its encoding only: the payload's content may be personal data.
        throw new ValueError(
          `Refusing a payload that is not encrypted (encoding ${encoding ? JSON.stringify(decoder.decode(encoding)) : 'none'}): ` +
            'only payloads encrypted with PAYLOAD_KEYS are accepted (ALLOW_UNENCRYPTED_PAYLOADS)',
        );
      }
      const keyIdBytes = payload.metadata?.[KEY_ID_METADATA];
      const keyId = keyIdBytes ? decoder.decode(keyIdBytes) : '';
      const key = this.keys.get(keyId);
      if (!key) throw new ValueError(`No payload key with id "${keyId}" is configured (PAYLOAD_KEYS)`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      const iv = data.subarray(0, IV_BYTES);
      const tag = data.subarray(data.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAuthTag(tag);
      const plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}
