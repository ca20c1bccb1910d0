import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, requireSet } from '../../config/env';

describe('loadConfig', () => {
  it('runs on embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config.API_PORT).toBe(3000);
    expect(config.TEMPORAL_UI_PORT).toBe(8233);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.TEMPORAL_ADDRESS).toBeUndefined();
    expect(config.codecCorsOrigins).toEqual(['http://localhost:8233', 'http://127.0.0.1:8233']);
    expect(config.SEED_DEMO_DATA).toBe(true);
  });

  it('names every bad variable in one error', () => {
    const attempt = () => loadConfig({ API_PORT: 'seventy', TEMPORAL_ADDRESS: 'no-port', LOG_LEVEL: 'loud' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/API_PORT/);
    expect(attempt).toThrow(/TEMPORAL_ADDRESS/);
    expect(attempt).toThrow(/LOG_LEVEL/);
  });

  it('parses API keys with roles and rejects short keys or unknown roles', () => {
    const config = loadConfig({ CRM_API_KEYS: 'aaaaaaaaaaaaaaaa:crm, bbbbbbbbbbbbbbbb:ops' });
    expect(config.CRM_API_KEYS).toEqual([
      { key: 'aaaaaaaaaaaaaaaa', role: 'crm' },
      { key: 'bbbbbbbbbbbbbbbb', role: 'ops' },
    ]);
    expect(() => loadConfig({ CRM_API_KEYS: 'short:crm' })).toThrow(/CRM_API_KEYS/);
    expect(() => loadConfig({ CRM_API_KEYS: 'aaaaaaaaaaaaaaaa:admin' })).toThrow(/CRM_API_KEYS/);
  });

  it('requires 32-byte payload keys', () => {
    const good = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({ PAYLOAD_KEYS: `k2:${good},k1:${good}` }).PAYLOAD_KEYS?.map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(() => loadConfig({ PAYLOAD_KEYS: `k1:${Buffer.alloc(16).toString('base64')}` })).toThrow(/PAYLOAD_KEYS/);
  });

  it('refuses an open codec endpoint beyond loopback', () => {
    expect(() => loadConfig({ CODEC_HOST: '0.0.0.0' })).toThrow(/CODEC_ACCESS_TOKENS: required/);
    expect(loadConfig({ CODEC_HOST: '0.0.0.0', CODEC_ACCESS_TOKENS: 't1,t2' }).codecAccessTokens).toEqual(['t1', 't2']);
  });

  it('reads the model settings: trainer Python from the project, a bounded margin, a cron or off', () => {
    const defaults = loadConfig({});
    expect(defaults.ML_PYTHON).toMatch(/\/\.venv\/bin\/python$/);
    expect(defaults.ML_PYTHON.startsWith('/')).toBe(true);
    expect(defaults.ML_PROMOTION_MARGIN).toBe(0.005);
    expect(defaults.ML_RETRAIN_CRON).toBe('0 3 * * 1');
    expect(loadConfig({ ML_PYTHON: 'python3', ML_RETRAIN_CRON: 'off' })).toMatchObject({
      ML_PYTHON: 'python3',
      ML_RETRAIN_CRON: 'off',
    });
    expect(() => loadConfig({ ML_PROMOTION_MARGIN: '0.9' })).toThrow(/ML_PROMOTION_MARGIN/);
    expect(() => loadConfig({ ML_RETRAIN_CRON: 'every monday' })).toThrow(/ML_RETRAIN_CRON: expected a 5-field cron/);
    // The monthly re-tiering of the sales team (4.4 B): the 1st at 06:00 UTC, or off.
    expect(defaults.REP_RETIER_CRON).toBe('0 6 1 * *');
    expect(loadConfig({ REP_RETIER_CRON: 'off' }).REP_RETIER_CRON).toBe('off');
    expect(() => loadConfig({ REP_RETIER_CRON: 'monthly' })).toThrow(/REP_RETIER_CRON: expected a 5-field cron/);
  });

  it('refuses a half-configured provider, naming what is missing, and selects providers by their keys', async () => {
    expect(() => loadConfig({ TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}` })).toThrow(
      /TWILIO_AUTH_TOKEN: required with the other Twilio settings/,
    );
    expect(() => loadConfig({ SENDGRID_API_KEY: 'SG.0123456789' })).toThrow(/SENDGRID_FROM_EMAIL/);
    const { selectProviders } = await import('../../activities/messaging/providers/select');
    const offline = selectProviders(loadConfig({}), 'http://x');
    expect(offline).toEqual({}); // every channel keeps its local default
    const real = selectProviders(
      loadConfig({
        TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
        TWILIO_AUTH_TOKEN: 'b'.repeat(32),
        TWILIO_FROM_NUMBER: '+12485550100',
        SENDGRID_API_KEY: 'SG.0123456789',
        SENDGRID_FROM_EMAIL: 'hi@example.com',
        PUBLIC_BASE_URL: 'https://crm.example',
      }),
      'https://crm.example',
    );
    expect(Object.fromEntries(Object.entries(real).map(([c, p]) => [c, p.name]))).toEqual({
      sms: 'twilio',
      email: 'sendgrid',
    });
  });

  it('normalises PUBLIC_BASE_URL: no trailing slash, http(s) only, no query or fragment', async () => {
    const { publicBaseUrlOf } = await import('../../activities/messaging/providers/select');
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://crm.example/' }).PUBLIC_BASE_URL).toBe('https://crm.example');
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://CRM.example//' }).PUBLIC_BASE_URL).toBe('https://crm.example');
    expect(loadConfig({ PUBLIC_BASE_URL: ' https://crm.example/base/ ' }).PUBLIC_BASE_URL).toBe(
      'https://crm.example/base',
    );
    expect(loadConfig({ PUBLIC_BASE_URL: 'http://localhost:3000/' }).PUBLIC_BASE_URL).toBe('http://localhost:3000');
    // What the worker puts into status callbacks and unsubscribe links, and the API checks Twilio's signature against.
    expect(publicBaseUrlOf(loadConfig({ PUBLIC_BASE_URL: 'https://crm.example/' }))).toBe('https://crm.example');
    expect(publicBaseUrlOf(loadConfig({}))).toBe('http://127.0.0.1:3000');
    for (const bad of [
      'ftp://crm.example',
      'crm.example',
      'https://crm.example/?x=1',
      'https://crm.example/#top',
      'https://crm.example/?',
      'https://user:pw@crm.example',
    ])
      expect(() => loadConfig({ PUBLIC_BASE_URL: bad }), bad).toThrow(/PUBLIC_BASE_URL/);
  });

  it('refuses real providers without PUBLIC_BASE_URL (callbacks and links would point at the loopback API)', () => {
    const twilio = {
      TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'b'.repeat(32),
      TWILIO_FROM_NUMBER: '+12485550100',
    };
    const sendgrid = { SENDGRID_API_KEY: 'SG.0123456789', SENDGRID_FROM_EMAIL: 'hi@example.com' };
    expect(() => loadConfig(twilio)).toThrow(ConfigError);
    expect(() => loadConfig(twilio)).toThrow(/PUBLIC_BASE_URL: required .*Twilio/);
    expect(() => loadConfig(sendgrid)).toThrow(/PUBLIC_BASE_URL: required .*SendGrid/);
    expect(loadConfig({ ...twilio, ...sendgrid, PUBLIC_BASE_URL: 'https://crm.example/' }).PUBLIC_BASE_URL).toBe(
      'https://crm.example',
    );
  });

  it('reads the SendGrid signature window: 300 s by default, bounded', () => {
    expect(loadConfig({}).SENDGRID_WEBHOOK_MAX_AGE_SECONDS).toBe(300);
    expect(loadConfig({ SENDGRID_WEBHOOK_MAX_AGE_SECONDS: '600' }).SENDGRID_WEBHOOK_MAX_AGE_SECONDS).toBe(600);
    expect(() => loadConfig({ SENDGRID_WEBHOOK_MAX_AGE_SECONDS: '0' })).toThrow(/SENDGRID_WEBHOOK_MAX_AGE_SECONDS/);
    expect(() => loadConfig({ SENDGRID_WEBHOOK_MAX_AGE_SECONDS: 'soon' })).toThrow(/SENDGRID_WEBHOOK_MAX_AGE_SECONDS/);
  });

  it('requireSet names what a deployment entrypoint is missing', () => {
    expect(() => requireSet(loadConfig({}), ['DATABASE_URL', 'TEMPORAL_ADDRESS'])).toThrow(
      /DATABASE_URL: required[\s\S]*TEMPORAL_ADDRESS: required/,
    );
  });
});
