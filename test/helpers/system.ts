// The real system (dev server, embedded Postgres, worker, API) in a temporary data folder on free ports.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../config/env';
import { startSystem, type RunningSystem, type SystemOptions } from '../../scripts/system';
import { testLogger } from './logger';
import { freePort } from './ports';

export interface TestSystem extends RunningSystem {
  config: Config;
  /** The settings it was started with (what a worker process of its own is given: test/helpers/worker-process.ts). */
  env: Record<string, string>;
  dataDir: string;
  crmKey: string;
  opsKey: string;
}

/**
 * First-contact SLAs no test outlives: the longest the config allows (a day for HOT and VIP, a week
 * for WARM and COLD). With the real 2-minute HOT SLA a slow run sees breaches, and each breach
 * reassigns a lead (another assignment, audit row and rep load) in the middle of what a test counts.
 * Tests that are about breaches run on the time-skipping server (test/workflows/lead-intake.test.ts).
 */
export const SLAS_THAT_DO_NOT_LAPSE: Record<string, string> = {
  SLA_STANDARD_MINUTES: '1440',
  SLA_HOT_MINUTES: '1440',
  SLA_VIP_MINUTES: '1440',
  SLA_WARM_MINUTES: '10080',
  SLA_COLD_MINUTES: '10080',
};

export async function testEnvironment(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-test-'));
  return {
    DATA_DIR: dataDir,
    API_PORT: String(await freePort()),
    CODEC_PORT: String(await freePort()),
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    EMBEDDED_PG_PORT: String(await freePort()),
    LOG_LEVEL: 'silent',
    // Counted (in Postgres, as deployed) but never reached: polls and bursts of the tests are not
    // what they test; test/integration/rate-limits.test.ts sets its own.
    RATE_LIMIT_PER_KEY_PER_MINUTE: '1000000',
    RATE_LIMIT_PER_IP_PER_MINUTE: '1000000',
    RATE_LIMIT_WEBHOOKS_PER_MINUTE: '1000000',
    ...extra,
  };
}

/** `options.worker: false`: no worker in this process (start one with test/helpers/worker-process.ts). */
export async function startTestSystem(
  extra: Record<string, string> = {},
  options: SystemOptions = {},
): Promise<TestSystem> {
  const env = await testEnvironment(extra);
  const config = loadConfig(env);
  const system = await startSystem(config, testLogger, options);
  const key = (role: string) => system.secrets.apiKeys.find((k) => k.role === role)!.key;
  return {
    ...system,
    config,
    env,
    dataDir: config.DATA_DIR,
    crmKey: key('crm'),
    opsKey: key('ops'),
    stop: async () => {
      await system.stop();
      fs.rmSync(config.DATA_DIR, { recursive: true, force: true });
    },
  };
}
