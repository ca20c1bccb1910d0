// Secrets that have safe development defaults: generated once into DATA_DIR and reused, so that
// `make start` works with no set-up and a restart can still decrypt yesterday's payloads.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ApiRole, Config } from './env';

export interface ApiKey {
  key: string;
  role: ApiRole;
}
export interface PayloadKey {
  id: string;
  key: Buffer;
}
export interface Secrets {
  apiKeys: ApiKey[];
  /** First key encrypts; all keys decrypt. */
  payloadKeys: PayloadKey[];
  /** True when the API keys were generated here (so `make start` prints them). */
  generatedApiKeys: boolean;
}

/** Reads `file`, or atomically creates it with `make()` when missing (safe across processes). */
function readOrCreate(file: string, make: () => string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    fs.writeFileSync(file, make(), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return fs.readFileSync(file, 'utf8').trim();
}

export function resolveSecrets(config: Config): Secrets {
  let apiKeys = config.CRM_API_KEYS;
  const generatedApiKeys = !apiKeys;
  if (!apiKeys) {
    const raw = readOrCreate(
      path.join(config.DATA_DIR, 'dev-api-keys'),
      () => `dev-crm-${randomBytes(16).toString('hex')}:crm,dev-ops-${randomBytes(16).toString('hex')}:ops\n`,
    );
    apiKeys = raw.split(',').map((pair) => {
      const [key, role] = pair.split(':') as [string, ApiRole];
      return { key, role };
    });
  }

  let payloadKeys = config.PAYLOAD_KEYS;
  if (!payloadKeys) {
    const raw = readOrCreate(
      path.join(config.DATA_DIR, 'dev-payload-key'),
      () => `dev-1:${randomBytes(32).toString('base64')}\n`,
    );
    const [id, b64] = raw.split(':') as [string, string];
    payloadKeys = [{ id, key: Buffer.from(b64, 'base64') }];
  }
  return { apiKeys, payloadKeys, generatedApiKeys };
}
