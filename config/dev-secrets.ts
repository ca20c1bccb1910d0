// Secrets that have safe development defaults: generated once into DATA_DIR and reused, so that
// `make start` works with no set-up and a restart can still decrypt yesterday's payloads.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
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
  /** What provider webhooks are signed with: never unsigned, a dev secret when no provider is set. */
  webhooks: WebhookSecrets;
}

export interface WebhookSecrets {
  twilioAuthToken: string;
  sendgridPublicKeyPem: string;
  /** Only for the dev key pair: the dev outbox signs recipient actions with it. */
  sendgridPrivateKeyPem?: string;
}

/** SendGrid's dashboard shows the key's base64 body; accept that or a whole PEM. */
const asPem = (key: string): string =>
  key.includes('BEGIN') ? key : `-----BEGIN PUBLIC KEY-----\n${key.trim()}\n-----END PUBLIC KEY-----\n`;

function webhookSecrets(config: Config): WebhookSecrets {
  const twilioAuthToken =
    config.TWILIO_AUTH_TOKEN ??
    readOrCreate(path.join(config.DATA_DIR, 'dev-twilio-auth-token'), () => `${randomBytes(16).toString('hex')}\n`);
  if (config.SENDGRID_WEBHOOK_PUBLIC_KEY)
    return { twilioAuthToken, sendgridPublicKeyPem: asPem(config.SENDGRID_WEBHOOK_PUBLIC_KEY) };
  // The same curve and hash as SendGrid's Event Webhook (ECDSA P-256, SHA-256).
  const pair = readOrCreate(path.join(config.DATA_DIR, 'dev-sendgrid-webhook-key.json'), () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    return JSON.stringify({
      publicKey: publicKey.export({ type: 'spki', format: 'pem' }),
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    });
  });
  const { publicKey, privateKey } = JSON.parse(pair) as { publicKey: string; privateKey: string };
  return { twilioAuthToken, sendgridPublicKeyPem: publicKey, sendgridPrivateKeyPem: privateKey };
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
  return { apiKeys, payloadKeys, generatedApiKeys, webhooks: webhookSecrets(config) };
}
