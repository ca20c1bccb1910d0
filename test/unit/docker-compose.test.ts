// docker-compose.yml and the Dockerfile cannot run here (no Docker engine), so check what can be
// checked: they parse; the API and worker get every variable their entrypoints require, with names
// the loader knows, in production; and what is published to the host is only what must be.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveSecrets } from '../../config/dev-secrets';
import { DEPLOYMENT_REQUIRED, envSchema, loadConfig, loadDeploymentConfig } from '../../config/env';

interface Service {
  environment?: Record<string, string | number>;
  command?: string[];
  build?: string;
  ports?: string[];
}
const root = path.resolve(__dirname, '..', '..');
// `merge`: the `<<: *crm-environment` keys docker compose merges.
const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');

/** A .env with the required secrets only: no provider is configured. */
const SECRETS: Record<string, string> = {
  CRM_API_KEYS: `${'a'.repeat(32)}:crm,${'b'.repeat(32)}:ops`,
  PAYLOAD_KEYS: `prod-1:${Buffer.alloc(32, 1).toString('base64')}`,
  CODEC_ACCESS_TOKENS: 'token-1',
  CRM_DB_PASSWORD: 'pw',
};
/** The providers an operator adds to that .env. */
const PROVIDERS: Record<string, string> = {
  TWILIO_ACCOUNT_SID: `AC${'c'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'd'.repeat(32),
  TWILIO_FROM_NUMBER: '+12485550100',
  SENDGRID_API_KEY: 'SG.0123456789',
  SENDGRID_FROM_EMAIL: 'hi@example.com',
  SENDGRID_WEBHOOK_PUBLIC_KEY: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE' + 'A'.repeat(64),
  PUBLIC_BASE_URL: 'https://crm.example',
};

/**
 * Substitutes `${VAR:?msg}` and `${VAR:-default}` as docker compose would with `dotenv` as the .env
 * file: its value when it has one, else the default (`${VAR:?msg}` unset would stop compose).
 */
function resolve(
  env: Record<string, string | number>,
  dotenv: Record<string, string> = SECRETS,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => [
      k,
      String(v)
        .replace(/\$\{(\w+):-([^}]*)\}/g, (_, name: string, fallback: string) => dotenv[name] ?? fallback)
        .replace(/\$\{(\w+)(:\?[^}]*)?\}/g, (_, name: string) => dotenv[name] ?? 'x'),
    ]),
  );
}

describe('docker-compose.yml', () => {
  it('has Temporal with PostgreSQL, its Web UI, the CRM Postgres, the API and the worker', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'api',
      'crm-db',
      'temporal',
      'temporal-db',
      'temporal-ui',
      'worker',
    ]);
    expect(compose.services.temporal!.environment!.DB).toBe('postgres12');
    expect(compose.services.api!.build).toBe('.');
    expect(compose.services.worker!.build).toBe('.');
  });

  for (const role of ['api', 'worker'] as const) {
    it(`sets every variable the ${role} entrypoint requires, and only variables the loader knows`, () => {
      const env = compose.services[role]!.environment!;
      expect(Object.keys(env)).toEqual(expect.arrayContaining([...DEPLOYMENT_REQUIRED[role]]));
      const known = Object.keys(envSchema.shape);
      expect(Object.keys(env).filter((k) => !known.includes(k))).toEqual([]);
      const config = loadConfig(resolve(env, { ...SECRETS, ...PROVIDERS }));
      // Each required variable reaches the loader as the services need it: the CRM's own Postgres,
      // the Temporal service, the shared keys from .env.
      const expected: Partial<Record<(typeof DEPLOYMENT_REQUIRED)[typeof role][number], unknown>> = {
        DATABASE_URL: 'postgres://crm:pw@crm-db:5432/crm',
        TEMPORAL_ADDRESS: 'temporal:7233',
        PAYLOAD_KEYS: [{ id: 'prod-1', key: Buffer.alloc(32, 1) }],
        CRM_API_KEYS: [
          { key: 'a'.repeat(32), role: 'crm' },
          { key: 'b'.repeat(32), role: 'ops' },
        ],
      };
      for (const name of DEPLOYMENT_REQUIRED[role]) expect(config[name], name).toEqual(expected[name]);
    });
  }

  for (const role of ['api', 'worker'] as const) {
    it(`runs the ${role} in production: no provider for SMS or email stops it, naming them, unless allowed to only store`, () => {
      const env = compose.services[role]!.environment!;
      expect(env.APP_ENV).toBe('production');
      expect(() => loadDeploymentConfig(role, resolve(env))).toThrow(
        /TWILIO_ACCOUNT_SID: required in production[\s\S]*SENDGRID_API_KEY: required in production/,
      );
      const real = loadDeploymentConfig(role, resolve(env, { ...SECRETS, ...PROVIDERS }));
      expect(real).toMatchObject({
        APP_ENV: 'production',
        TWILIO_ACCOUNT_SID: PROVIDERS.TWILIO_ACCOUNT_SID,
        SENDGRID_API_KEY: PROVIDERS.SENDGRID_API_KEY,
        PUBLIC_BASE_URL: PROVIDERS.PUBLIC_BASE_URL,
        SEED_DEMO_DATA: false,
        DEV_OUTBOX: false,
        ALLOW_UNENCRYPTED_PAYLOADS: false,
        MESSAGING_LOCAL_CHANNELS: [],
      });
      const stored = loadDeploymentConfig(role, resolve(env, { ...SECRETS, MESSAGING_LOCAL_CHANNELS: 'sms,email' }));
      expect(stored.MESSAGING_LOCAL_CHANNELS).toEqual(['sms', 'email']);
    });
  }

  it('needs no writable project folder: /app is root-owned and the image runs as node', () => {
    expect(dockerfile).toMatch(/^USER node$/m);
    const instructions = dockerfile
      .split('\n')
      .filter((line) => !line.startsWith('#'))
      .join('\n');
    expect(instructions).not.toMatch(/chown|chmod|\.data|DATA_DIR|APP_ENV=development/);
    expect(dockerfile).toMatch(/^ENV .*APP_ENV=production/m);
    // Where the containers' DATA_DIR would point (the project folder's .data, not writable by node),
    // made impossible to create: the services' settings still resolve every secret, writing nothing.
    const api = compose.services.api!.environment!;
    expect(api.DATA_DIR ?? compose.services.worker!.environment!.DATA_DIR).toBeUndefined();
    const config = loadDeploymentConfig('api', {
      ...resolve(api, { ...SECRETS, ...PROVIDERS }),
      DATA_DIR: '/dev/null/app/.data',
    });
    expect(resolveSecrets(config).apiKeys).toHaveLength(2);
  });

  it('publishes only the API beyond the host: Temporal stays on the compose network, its UI and the codec on loopback', () => {
    const published = (name: string) => compose.services[name]!.ports ?? [];
    expect(published('temporal')).toEqual([]);
    expect(published('temporal-db')).toEqual([]);
    expect(published('crm-db')).toEqual([]);
    expect(published('temporal-ui')).toEqual(['127.0.0.1:8080:8080']);
    expect(published('api')).toEqual(['3000:3000', '127.0.0.1:8888:8888']);
    for (const service of Object.keys(compose.services))
      for (const port of published(service))
        expect(port === '3000:3000' || port.startsWith('127.0.0.1:'), `${service} ${port}`).toBe(true);
  });

  it('builds an image with what the worker needs at run time: the model artefacts and the trainer', () => {
    for (const folder of ['config', 'db', 'temporal', 'workflows', 'activities', 'workers', 'api', 'models']) {
      expect(dockerfile, folder).toMatch(new RegExp(`^COPY ${folder} \\./${folder}$`, 'm'));
    }
    expect(dockerfile).toMatch(/pip install .*-r \/tmp\/trainer-requirements\.txt/);
    expect(compose.services.worker!.environment!.ML_PYTHON).toBe('/opt/trainer/bin/python');
    expect(fs.readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n')).not.toContain('models');
  });

  it('runs the entrypoint files that exist', () => {
    for (const role of ['api', 'worker']) {
      const file = compose.services[role]!.command!.at(-1)!;
      expect(fs.existsSync(path.join(root, file)), file).toBe(true);
    }
  });
});
