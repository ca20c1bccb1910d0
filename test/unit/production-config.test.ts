// APP_ENV (issue 14, items 3 and 5): development keeps every convenience `make start` relies on;
// production — the deployment entrypoints' default — refuses each unless its own variable enables
// it, generates no secret and writes no file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../activities/messaging/providers/errors';
import { selectProviders } from '../../activities/messaging/providers/select';
import { resolvePayloadKeys, resolveSecrets } from '../../config/dev-secrets';
import { ConfigError, loadConfig, loadDeploymentConfig } from '../../config/env';
import { frontendAuthOf } from '../../temporal/frontend-auth';

const payloadKeys = `prod-1:${Buffer.alloc(32, 7).toString('base64')}`;
/** What a deployment sets for its services and shared keys (docker-compose.yml). */
const deployed = {
  DATABASE_URL: 'postgres://crm:pw@crm-db:5432/crm',
  TEMPORAL_ADDRESS: 'temporal:7233',
  PAYLOAD_KEYS: payloadKeys,
  CRM_API_KEYS: `${'a'.repeat(32)}:crm,${'b'.repeat(32)}:ops`,
};
const twilio = {
  TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'b'.repeat(32),
  TWILIO_FROM_NUMBER: '+12485550100',
};
const sendgrid = {
  SENDGRID_API_KEY: 'SG.0123456789',
  SENDGRID_FROM_EMAIL: 'hi@example.com',
  SENDGRID_WEBHOOK_PUBLIC_KEY: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE' + 'A'.repeat(64),
  PUBLIC_BASE_URL: 'https://crm.example',
};
/** A folder that can never be created (ENOTDIR, even for root): any write into it fails. */
const UNWRITABLE = '/dev/null/data';

describe('APP_ENV', () => {
  it('development (make start, tests) keeps every convenience', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      APP_ENV: 'development',
      SEED_DEMO_DATA: true,
      DEV_OUTBOX: true,
      ALLOW_UNENCRYPTED_PAYLOADS: true,
      MESSAGING_LOCAL_CHANNELS: ['email', 'sms', 'postcard', 'messenger', 'nextdoor'],
    });
    // With both real providers there is nothing for the outbox to show.
    expect(loadConfig({ ...twilio, ...sendgrid }).DEV_OUTBOX).toBe(false);
    expect(selectProviders(config, 'http://x')).toEqual({}); // every channel keeps its local default
  });

  it('the deployment entrypoints default to production, which names each provider key a channel lacks', () => {
    const attempt = () => loadDeploymentConfig('worker', deployed);
    expect(attempt).toThrow(ConfigError);
    for (const name of [
      'TWILIO_ACCOUNT_SID',
      'TWILIO_AUTH_TOKEN',
      'TWILIO_FROM_NUMBER',
      'SENDGRID_API_KEY',
      'SENDGRID_FROM_EMAIL',
    ])
      expect(attempt, name).toThrow(new RegExp(`${name}: required in production`));
    expect(attempt).toThrow(/add sms to MESSAGING_LOCAL_CHANNELS/);
    // SendGrid without its Event Webhook key would refuse every bounce and unsubscribe as unsigned.
    const { SENDGRID_WEBHOOK_PUBLIC_KEY: _unset, ...withoutWebhookKey } = sendgrid;
    expect(() => loadDeploymentConfig('api', { ...deployed, ...twilio, ...withoutWebhookKey })).toThrow(
      /SENDGRID_WEBHOOK_PUBLIC_KEY: required in production/,
    );
    // Development stays available to an entrypoint that asks for it.
    expect(loadDeploymentConfig('worker', { ...deployed, APP_ENV: 'development' }).APP_ENV).toBe('development');
  });

  it('production turns the conveniences off, each back on only by its own variable', () => {
    const real = loadDeploymentConfig('api', { ...deployed, ...twilio, ...sendgrid });
    expect(real).toMatchObject({
      APP_ENV: 'production',
      SEED_DEMO_DATA: false,
      DEV_OUTBOX: false,
      ALLOW_UNENCRYPTED_PAYLOADS: false,
      MESSAGING_LOCAL_CHANNELS: [],
    });
    const optedIn = loadDeploymentConfig('api', {
      ...deployed,
      MESSAGING_LOCAL_CHANNELS: 'sms, email',
      SEED_DEMO_DATA: 'true',
      DEV_OUTBOX: 'on',
      ALLOW_UNENCRYPTED_PAYLOADS: 'on',
    });
    expect(optedIn).toMatchObject({
      SEED_DEMO_DATA: true,
      DEV_OUTBOX: true,
      ALLOW_UNENCRYPTED_PAYLOADS: true,
      MESSAGING_LOCAL_CHANNELS: ['sms', 'email'],
    });
    expect(
      loadDeploymentConfig('api', { ...deployed, MESSAGING_LOCAL_CHANNELS: 'all' }).MESSAGING_LOCAL_CHANNELS,
    ).toEqual(['email', 'sms', 'postcard', 'messenger', 'nextdoor']);
    for (const bad of ['fax', 'call', 'sms,all'])
      expect(() => loadConfig({ MESSAGING_LOCAL_CHANNELS: bad }), bad).toThrow(/MESSAGING_LOCAL_CHANNELS: expected/);
    // No embedded Postgres, no dev server, no generated payload key.
    expect(() => loadConfig({ APP_ENV: 'production', MESSAGING_LOCAL_CHANNELS: 'all' })).toThrow(
      /DATABASE_URL: required in production[\s\S]*TEMPORAL_ADDRESS: required in production[\s\S]*PAYLOAD_KEYS: required in production/,
    );
  });

  it('in production a channel with neither a provider nor the opt-in refuses its sends for good', async () => {
    const providers = selectProviders(loadDeploymentConfig('worker', { ...deployed, ...twilio, ...sendgrid }), 'x');
    expect(Object.fromEntries(Object.entries(providers).map(([c, p]) => [c, p.name]))).toEqual({
      sms: 'twilio',
      email: 'sendgrid',
      postcard: 'none-postcard',
      messenger: 'none-messenger',
      nextdoor: 'none-nextdoor',
    });
    const refusal = providers.messenger!.send({
      id: 'm1',
      idempotencyKey: 'k',
      channel: 'messenger',
      to: 'x',
      text: 't',
    });
    await expect(refusal).rejects.toBeInstanceOf(ProviderError);
    await expect(refusal).rejects.toMatchObject({ kind: 'permanent', reason: 'no_provider' });
    // Opted in: the local stand-ins deliver (the worker's defaults), the real ones stay.
    const local = selectProviders(
      loadDeploymentConfig('worker', { ...deployed, ...twilio, ...sendgrid, MESSAGING_LOCAL_CHANNELS: 'all' }),
      'x',
    );
    expect(Object.keys(local)).toEqual(['sms', 'email']);
  });

  it('production generates no secret and writes no file: a read-only project folder is enough', () => {
    const config = loadDeploymentConfig('api', { ...deployed, MESSAGING_LOCAL_CHANNELS: 'all', DATA_DIR: UNWRITABLE });
    const secrets = resolveSecrets(config);
    expect(secrets.payloadKeys).toEqual([{ id: 'prod-1', key: Buffer.alloc(32, 7) }]);
    expect(secrets.generatedApiKeys).toBe(false);
    // No Twilio or SendGrid: their webhooks get secrets nobody else knows, kept in memory only.
    expect(secrets.webhooks.twilioAuthToken).toMatch(/^[0-9a-f]{32}$/);
    expect(resolveSecrets(config).webhooks.twilioAuthToken).not.toBe(secrets.webhooks.twilioAuthToken);
    expect(resolvePayloadKeys(config)).toEqual(secrets.payloadKeys);
    // A missing shared secret is an error naming it, never a generated one.
    const { CRM_API_KEYS: _keys, ...withoutApiKeys } = deployed;
    const noKeys = loadDeploymentConfig('worker', { ...withoutApiKeys, MESSAGING_LOCAL_CHANNELS: 'all' });
    expect(() => resolveSecrets(noKeys)).toThrow(/CRM_API_KEYS: required in production/);
    expect(() => loadDeploymentConfig('api', { ...withoutApiKeys, MESSAGING_LOCAL_CHANNELS: 'all' })).toThrow(
      /CRM_API_KEYS: required/,
    );
  });

  it('development still keeps its generated secrets in DATA_DIR', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-dev-secrets-'));
    try {
      const first = resolveSecrets(loadConfig({ DATA_DIR: dir }));
      expect(first.generatedApiKeys).toBe(true);
      expect(fs.readdirSync(dir).sort()).toEqual([
        'dev-api-keys',
        'dev-payload-key',
        'dev-sendgrid-webhook-key.json',
        'dev-twilio-auth-token',
      ]);
      expect(resolveSecrets(loadConfig({ DATA_DIR: dir })).webhooks).toEqual(first.webhooks);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('TLS and a token to the Temporal frontend', () => {
  it('are off unless asked for; the files are read at start, the pair both or neither', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-tls-'));
    try {
      for (const f of ['ca.pem', 'client.pem', 'client.key']) fs.writeFileSync(path.join(dir, f), `bytes of ${f}`);
      expect(frontendAuthOf(loadConfig({}))).toEqual({});
      expect(frontendAuthOf(loadConfig({ TEMPORAL_TLS: 'on' }))).toEqual({ tls: {} });
      expect(frontendAuthOf(loadConfig({ TEMPORAL_API_KEY: 'a.jwt.token' }))).toEqual({ apiKey: 'a.jwt.token' });
      expect(
        frontendAuthOf(
          loadConfig({
            TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(dir, 'ca.pem'),
            TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'client.pem'),
            TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(dir, 'client.key'),
            TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
          }),
        ),
      ).toEqual({
        tls: {
          serverRootCACertificate: Buffer.from('bytes of ca.pem'),
          clientCertPair: { crt: Buffer.from('bytes of client.pem'), key: Buffer.from('bytes of client.key') },
          serverNameOverride: 'temporal.internal',
        },
      });
      expect(() => loadConfig({ TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'client.pem') })).toThrow(
        /TEMPORAL_TLS_CLIENT_KEY_PATH: mutual TLS needs both/,
      );
      expect(() => loadConfig({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(dir, 'missing.pem') })).toThrow(
        /TEMPORAL_TLS_SERVER_CA_CERT_PATH: cannot read .*ENOENT/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
