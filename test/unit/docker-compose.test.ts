// docker-compose.yml cannot run here (no Docker engine), so check what can be checked: it parses,
// and the API and worker get every variable their entrypoints require, with names the loader knows.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEPLOYMENT_REQUIRED, envSchema, loadConfig } from '../../config/env';

interface Service {
  environment?: Record<string, string | number>;
  command?: string[];
  build?: string;
}
const root = path.resolve(__dirname, '..', '..');
const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
};

/** Substitutes `${VAR:?msg}` with a plausible value and `${VAR:-default}` with its default, as docker compose would with a filled .env. */
function resolve(env: Record<string, string | number>): Record<string, string> {
  const samples: Record<string, string> = {
    CRM_API_KEYS: `${'a'.repeat(32)}:crm,${'b'.repeat(32)}:ops`,
    PAYLOAD_KEYS: `prod-1:${Buffer.alloc(32, 1).toString('base64')}`,
    CODEC_ACCESS_TOKENS: 'token-1',
    CRM_DB_PASSWORD: 'pw',
  };
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => [
      k,
      String(v)
        .replace(/\$\{\w+:-([^}]*)\}/g, (_, fallback: string) => fallback)
        .replace(/\$\{(\w+)(:\?[^}]*)?\}/g, (_, name: string) => samples[name] ?? 'x'),
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
      const config = loadConfig(resolve(env));
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

  it('builds an image with what the worker needs at run time: the model artefacts and the trainer', () => {
    const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
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
