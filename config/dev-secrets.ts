// Secrets that have safe development defaults: generated once into DATA_DIR and reused, so that
// `make start` works with no set-up and a restart can still decrypt yesterday's payloads.
// In production (APP_ENV=production) nothing is generated and nothing is written: a required secret
// that is missing stops the start naming its variable, and the image needs no writable folder.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, type ApiRole, type Config } from './env';

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
  // In production an unset webhook secret means that provider is not in use (the loader requires its
  // secrets with it): a random one that lives in this process only keeps its webhook closed to
  // everyone else (the dev outbox, if DEV_OUTBOX=on, signs with it from this same process).
  const keep = (file: string, make: () => string): string =>
    config.APP_ENV === 'production' ? make().trim() : readOrCreate(path.join(config.DATA_DIR, file), make);
  const twilioAuthToken =
    config.TWILIO_AUTH_TOKEN ?? keep('dev-twilio-auth-token', () => `${randomBytes(16).toString('hex')}\n`);
  if (config.SENDGRID_WEBHOOK_PUBLIC_KEY)
    return { twilioAuthToken, sendgridPublicKeyPem: asPem(config.SENDGRID_WEBHOOK_PUBLIC_KEY) };
  // The same curve and hash as SendGrid's Event Webhook (ECDSA P-256, SHA-256).
  const pair = keep('dev-sendgrid-webhook-key.json', () => {
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

/** A development secret kept in DATA_DIR; in production, a ConfigError naming the variable to set instead. */
function devSecret(config: Config, variable: string, file: string, make: () => string): string {
  if (config.APP_ENV === 'production')
    throw new ConfigError(
      `Invalid configuration:\n  ${variable}: required in production (APP_ENV=production); secrets are never generated there`,
    );
  return readOrCreate(path.join(config.DATA_DIR, file), make);
}

/** The payload keys (PAYLOAD_KEYS): all a worker needs of the secrets. */
export function resolvePayloadKeys(config: Config): PayloadKey[] {
  if (config.PAYLOAD_KEYS) return config.PAYLOAD_KEYS;
  const raw = devSecret(
    config,
    'PAYLOAD_KEYS',
    'dev-payload-key',
    () => `dev-1:${randomBytes(32).toString('base64')}\n`,
  );
  const [id, b64] = raw.split(':') as [string, string];
  return [{ id, key: Buffer.from(b64, 'base64') }];
}

/** Every secret the API serves with (and `make start`, which prints generated keys). */
export function resolveSecrets(config: Config): Secrets {
  let apiKeys = config.CRM_API_KEYS;
  const generatedApiKeys = !apiKeys;
  if (!apiKeys) {
    const raw = devSecret(
      config,
      'CRM_API_KEYS',
      'dev-api-keys',
      () => `dev-crm-${randomBytes(16).toString('hex')}:crm,dev-ops-${randomBytes(16).toString('hex')}:ops\n`,
    );
    apiKeys = raw.split(',').map((pair) => {
      const [key, role] = pair.split(':') as [string, ApiRole];
      return { key, role };
    });
  }
  return { apiKeys, payloadKeys: resolvePayloadKeys(config), generatedApiKeys, webhooks: webhookSecrets(config) };
}
