// The one config loader: every environment variable the system reads is declared, defaulted and
// validated here, so a bad value fails at start with a message naming the variable.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { CadenceSettings } from '../workflows/cadence/types';
import type { RoutingPolicy } from '../workflows/lead-intake/rules/sla-policy';

const port = z.coerce.number().int().min(1).max(65535);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** on/off (and the true/false, 1/0, yes/no every other switch takes). */
const onOff = z
  .string()
  .toLowerCase()
  .pipe(z.enum(['on', 'off', 'true', 'false', '1', '0', 'yes', 'no']))
  .transform((v) => v === 'on' || v === 'true' || v === '1' || v === 'yes');

/** `yyyy-mm-dd,yyyy-mm-dd` — real calendar dates, sorted and without repeats. */
const localDates = z.string().transform((raw, ctx) => {
  const dates = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  // A calendar date survives the round trip through Date (2026-02-30 does not).
  const bad = dates.filter(
    (d) =>
      !/^\d{4}-\d{2}-\d{2}$/.test(d) || Number.isNaN(Date.parse(d)) || new Date(d).toISOString().slice(0, 10) !== d,
  );
  if (bad.length > 0) {
    ctx.addIssue({ code: 'custom', message: `expected comma-separated yyyy-mm-dd dates, got ${bad.join(', ')}` });
    return z.NEVER;
  }
  return [...new Set(dates)].sort();
});

/** `key:role,key:role` — roles are `crm` (the front end) and `ops` (managers). */
const apiKeys = z
  .string()
  .transform((raw, ctx) => {
    const keys: { key: string; role: ApiRole }[] = [];
    for (const entry of raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const [key, role] = entry.split(':');
      if (!key || key.length < 16 || (role !== 'crm' && role !== 'ops')) {
        ctx.addIssue({ code: 'custom', message: 'expected key:role pairs, keys of 16+ characters, roles crm or ops' });
        return z.NEVER;
      }
      keys.push({ key, role });
    }
    return keys;
  })
  .optional();

/** `keyId:base64key,…` — the first key encrypts, every key decrypts (rotation). */
const payloadKeys = z
  .string()
  .transform((raw, ctx) => {
    const keys: { id: string; key: Buffer }[] = [];
    for (const entry of raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const [id, b64] = entry.split(':');
      const key = Buffer.from(b64 ?? '', 'base64');
      if (!id || key.length !== 32) {
        ctx.addIssue({ code: 'custom', message: 'expected keyId:base64 pairs, each key 32 bytes (AES-256)' });
        return z.NEVER;
      }
      keys.push({ id, key });
    }
    return keys;
  })
  .optional();

/** A local time `HH:MM` (24:00: the end of the day). */
const hhmm = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'expected HH:MM, 00:00 to 24:00');
const localWindow = z
  .strictObject({ start: hhmm, end: hhmm })
  .refine((w) => w.start < w.end, { message: 'start must come before end (a window does not cross midnight)' });
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One row of the sending-window table (activities/messaging/rules/sending-windows.ts): a state's local hours. */
export const sendingWindowRuleSchema = z.strictObject({
  name: z.string().min(1),
  citation: z.string().min(1),
  source: z.url(),
  daily: localWindow,
  /** Weekdays with other hours, or none at all. */
  days: z.partialRecord(z.enum(WEEKDAYS), z.union([localWindow, z.literal('closed')])).optional(),
  /** What was checked against the statute, and by whom. */
  reviewed: z.string().optional(),
});
export type SendingWindowRule = z.infer<typeof sendingWindowRuleSchema>;

/** `{"TX": {…row}, "FL": null}`: rows replacing (or, null, removing) the table's, by two-letter state code. */
const windowOverrides = z.record(
  z.string().regex(/^[A-Z]{2}$/, 'two-letter state code'),
  sendingWindowRuleSchema.nullable(),
);
const jsonOf = (read: (raw: string) => string) =>
  z.string().transform((raw, ctx) => {
    try {
      return JSON.parse(read(raw)) as unknown;
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });

/** `MI,OH` — two-letter codes, upper-cased, without repeats. */
const stateCodes = z.string().transform((raw, ctx) => {
  const codes = raw
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  const bad = codes.filter((c) => !/^[A-Z]{2}$/.test(c));
  if (bad.length > 0 || codes.length === 0) {
    ctx.addIssue({ code: 'custom', message: `expected comma-separated two-letter state codes, got ${raw}` });
    return z.NEVER;
  }
  return [...new Set(codes)];
});

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Where providers and recipients reach us: paths (`/webhooks/…`, `/unsubscribe/…`) are appended to
 * it, and Twilio signs the whole URL, so it is an absolute http(s) URL with no trailing slash, no
 * query, no fragment and no credentials (`https://crm.example/` becomes `https://crm.example`).
 */
export const publicBaseUrl = z
  .string()
  .trim()
  .transform((raw, ctx) => {
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return fail('expected an absolute URL, e.g. https://crm.example.com');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return fail('expected an http:// or https:// URL');
    if (raw.includes('?') || raw.includes('#'))
      return fail('no query string or fragment: paths are appended to this URL');
    if (url.username || url.password) return fail('no credentials in the URL');
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  });

export const envSchema = z
  .object({
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    DATA_DIR: z.string().default('.data'),

    API_HOST: z.string().default('127.0.0.1'),
    API_PORT: port.default(3000),
    CRM_API_KEYS: apiKeys,

    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    EMBEDDED_PG_PORT: port.default(54329),
    DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),

    TEMPORAL_ADDRESS: z
      .string()
      .regex(/^[\w.-]+:\d+$/, 'expected host:port')
      .optional(),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('crm-processes'),
    TEMPORAL_CLI: z.string().optional(),
    /** How long an API request waits on Temporal before answering 503. */
    TEMPORAL_CALL_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
    TEMPORAL_PORT: port.default(7233),
    TEMPORAL_UI_PORT: port.default(8233),

    PAYLOAD_KEYS: payloadKeys,
    CODEC_HOST: z.string().default('127.0.0.1'),
    CODEC_PORT: port.default(8888),
    CODEC_CORS_ORIGINS: z.string().optional(),
    CODEC_ACCESS_TOKENS: z.string().optional(),

    LEAD_DEDUPE_WINDOW_HOURS: z.coerce
      .number()
      .int()
      .min(0)
      .max(24 * 30)
      .default(24),
    SEED_DEMO_DATA: bool.default(true),

    /** First-contact SLAs in minutes (roadmap 4.4 C: HOT 2, VIP 15); the strictest that applies wins. */
    SLA_HOT_MINUTES: z.coerce.number().min(0.5).max(1440).default(2),
    SLA_VIP_MINUTES: z.coerce.number().min(0.5).max(1440).default(15),
    SLA_WARM_MINUTES: z.coerce.number().min(0.5).max(10080).default(60),
    SLA_COLD_MINUTES: z.coerce.number().min(0.5).max(10080).default(240),
    /** SLA breaches (each reassigns the lead) before it goes to the ops queue instead. */
    SLA_MAX_BREACHES: z.coerce.number().int().min(1).max(20).default(3),
    /** Follow-up cadences (roadmap 4.3 B-C): the most touches one cadence sends, and the least time between two. */
    CADENCE_MAX_TOUCHES: z.coerce.number().int().min(1).max(100).default(12),
    CADENCE_MIN_GAP_HOURS: z.coerce
      .number()
      .min(1)
      .max(24 * 14)
      .default(12),
    /** Days after a contact's cadence ends before another may start for them. */
    CADENCE_COOLDOWN_DAYS: z.coerce.number().min(0).max(365).default(30),
    /** Touches per workflow run before continue-as-new (keeps a weeks-long history small). */
    CADENCE_TOUCHES_PER_RUN: z.coerce.number().int().min(1).max(100).default(10),
    /** Workflows a worker keeps in memory between tasks; the rest replay from history when woken (bench/cadences.ts). */
    WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).default(1000),
    /** How soon a lead nobody can take looks for a free rep again; the wait doubles after each look… */
    ROUTING_RETRY_SECONDS: z.coerce.number().int().min(5).max(3600).default(30),
    /** …up to this (a freed rep, time off ending or working hours starting wake it sooner). */
    ROUTING_RETRY_MAX_SECONDS: z.coerce.number().int().min(5).max(86_400).default(300),

    /** Twilio (SMS, calls): its auth token also signs its webhooks. Unset: a dev token in DATA_DIR. */
    TWILIO_ACCOUNT_SID: z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'AC followed by 32 hex digits')
      .optional(),
    TWILIO_AUTH_TOKEN: z.string().min(16).optional(),
    /** Place outbound calls through Twilio (reads the message); false: calls are tasks for reps. */
    TWILIO_CALLS: bool.default(false),
    TWILIO_FROM_NUMBER: z
      .string()
      .regex(/^\+[1-9]\d{7,14}$/, 'E.164, e.g. +12485550100')
      .optional(),
    /** Where Twilio's REST API is reached instead of https://api.twilio.com: an egress proxy (or a test server). */
    TWILIO_API_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** SendGrid (email) and the public key (PEM) its Event Webhook signs with. Unset: a dev key pair in DATA_DIR. */
    SENDGRID_API_KEY: z.string().min(10).optional(),
    SENDGRID_FROM_EMAIL: z.email().optional(),
    /** SendGrid's API instead of https://api.sendgrid.com: https://api.eu.sendgrid.com for EU data residency, or an egress proxy. */
    SENDGRID_API_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
    SENDGRID_WEBHOOK_PUBLIC_KEY: z.string().min(40).optional(),
    /** How old (or how far ahead) a signed SendGrid event batch may be: older ones are replays. */
    SENDGRID_WEBHOOK_MAX_AGE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
    /** The URL providers and recipients reach us at (Twilio signs it); required with real providers, else the API's own URL. */
    PUBLIC_BASE_URL: publicBaseUrl.optional(),
    /** Optional LLM rewording of templated messages through any OpenAI-compatible API (off by default). */
    LLM_PERSONALISE: bool.default(false),
    OPENAI_API_KEY: z.string().min(1).optional(),
    OPENAI_BASE_URL: z.url().optional(),
    OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
    /** The longest a send waits for the model before going out as the template wrote it. */
    LLM_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(3000),
    /** Marketing messages per contact across every workflow (transactional ones are not counted). */
    MESSAGE_CAP_PER_DAY: z.coerce.number().int().min(1).max(50).default(3),
    MESSAGE_CAP_PER_WEEK: z.coerce.number().int().min(1).max(200).default(12),
    /** Least time between two messages to one person before the next marketing one (0: off). */
    MESSAGE_MIN_GAP_MINUTES: z.coerce.number().int().min(0).max(1440).default(240),
    /** Sends per second across the sending queue: the providers' pace (a Twilio long code: ~1/s). */
    MESSAGES_PER_SECOND: z.coerce.number().min(0.1).max(1000).default(5),
    /** Hold marketing on the US holidays the company observes (activities/messaging/holidays.ts). */
    MESSAGE_HOLIDAYS_OBSERVED: onOff.default(true),
    /** Extra holidays (local dates in the recipient's zone) on which marketing is held too. */
    MESSAGE_HOLIDAYS: localDates.default([]),

    /**
     * Quiet hours for a recipient with no address at all (docs/messaging.md): their phone's area code
     * (`area_code`), it and every zone of QUIET_HOURS_OPERATING_STATES (`operating_zones`), or every
     * US zone (`all_zones`: mobile numbers move, and the rule is the called party's location).
     */
    QUIET_HOURS_UNKNOWN_ADDRESS: z.enum(['area_code', 'operating_zones', 'all_zones']).default('all_zones'),
    /** Where the company works: the zones `operating_zones` adds. */
    QUIET_HOURS_OPERATING_STATES: stateCodes.default(['MI']),
    /** Rows replacing the state sending-window table's (JSON), or a JSON file of them; not both. */
    SENDING_WINDOWS: jsonOf((raw) => raw)
      .pipe(windowOverrides)
      .optional(),
    SENDING_WINDOWS_FILE: jsonOf((file) => fs.readFileSync(file, 'utf8'))
      .pipe(windowOverrides)
      .optional(),

    /** The Python with models/training/requirements.txt (the retrain runs train.py with it). */
    ML_PYTHON: z.string().min(1).default('.venv/bin/python'),
    /** Gain of the primary holdout metric a challenger needs over the champion to be promoted. */
    ML_PROMOTION_MARGIN: z.coerce.number().min(0).max(0.5).default(0.005),
    /** The weekly retrain's Temporal Schedule (cron, UTC), or `off`. */
    ML_RETRAIN_CRON: z
      .string()
      .regex(/^(off|\S+ \S+ \S+ \S+ \S+)$/, 'expected a 5-field cron expression or off')
      .default('0 3 * * 1'),
  })
  .superRefine((env, ctx) => {
    if (env.LLM_PERSONALISE && !env.OPENAI_API_KEY)
      ctx.addIssue({ code: 'custom', path: ['OPENAI_API_KEY'], message: 'required when LLM_PERSONALISE is true' });
    if (env.SENDING_WINDOWS && env.SENDING_WINDOWS_FILE)
      ctx.addIssue({
        code: 'custom',
        path: ['SENDING_WINDOWS_FILE'],
        message: 'set SENDING_WINDOWS or this, not both',
      });
    // A provider half-configured would silently fall back to the local outbox: refuse it.
    const groups = {
      Twilio: ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM_NUMBER'],
      SendGrid: ['SENDGRID_API_KEY', 'SENDGRID_FROM_EMAIL'],
    } as const;
    for (const [provider, names] of Object.entries(groups)) {
      const set = names.filter((n) => env[n] !== undefined);
      if (set.length > 0 && set.length < names.length) {
        for (const n of names.filter((n) => env[n] === undefined))
          ctx.addIssue({
            code: 'custom',
            path: [n],
            message: `required with the other ${provider} settings (${set.join(', ')})`,
          });
      }
    }
    // Real providers call us back and recipients follow our links: the API's loopback URL reaches neither.
    const real = [env.TWILIO_ACCOUNT_SID && 'Twilio', env.SENDGRID_API_KEY && 'SendGrid'].filter(Boolean);
    if (real.length > 0 && !env.PUBLIC_BASE_URL)
      ctx.addIssue({
        code: 'custom',
        path: ['PUBLIC_BASE_URL'],
        message: `required when ${real.join(' and ')} ${real.length > 1 ? 'are' : 'is'} configured: status callbacks, webhooks and unsubscribe links use it`,
      });
    // An open codec endpoint decrypts every payload: only acceptable on loopback.
    if (!loopbackHosts.has(env.CODEC_HOST) && !env.CODEC_ACCESS_TOKENS) {
      ctx.addIssue({
        code: 'custom',
        path: ['CODEC_ACCESS_TOKENS'],
        message: 'required when CODEC_HOST is not a loopback address',
      });
    }
  });

export type ApiRole = 'crm' | 'ops';
export type Env = z.infer<typeof envSchema>;

export interface Config extends Omit<Env, 'CODEC_CORS_ORIGINS' | 'CODEC_ACCESS_TOKENS'> {
  DATA_DIR: string;
  codecCorsOrigins: string[];
  codecAccessTokens: string[];
}

export class ConfigError extends Error {}

/** Reads and validates the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const input = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const { CODEC_CORS_ORIGINS, CODEC_ACCESS_TOKENS, ...env } = parsed.data;
  const uiPort = env.TEMPORAL_UI_PORT;
  return {
    ...env,
    DATA_DIR: path.resolve(env.DATA_DIR),
    // Relative to the project (where make installs the venv), wherever the process was started.
    ML_PYTHON: env.ML_PYTHON.includes('/') ? path.resolve(path.join(__dirname, '..'), env.ML_PYTHON) : env.ML_PYTHON,
    codecCorsOrigins: CODEC_CORS_ORIGINS
      ? CODEC_CORS_ORIGINS.split(',').map((s) => s.trim())
      : [`http://localhost:${uiPort}`, `http://127.0.0.1:${uiPort}`],
    codecAccessTokens: CODEC_ACCESS_TOKENS ? CODEC_ACCESS_TOKENS.split(',').map((s) => s.trim()) : [],
  };
}

/** For entrypoints that run beside external services (Docker): these must then be set. */
export function requireSet(config: Config, names: readonly (keyof Config)[]): void {
  const missing = names.filter((n) => config[n] === undefined);
  if (missing.length > 0)
    throw new ConfigError(`Invalid configuration:\n${missing.map((n) => `  ${String(n)}: required`).join('\n')}`);
}

/**
 * What each deployment entrypoint needs set (Docker): no embedded services, and no generated dev
 * secrets — every API and worker container must share the same keys.
 */
export const DEPLOYMENT_REQUIRED = {
  api: ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'PAYLOAD_KEYS', 'CRM_API_KEYS'],
  worker: ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'PAYLOAD_KEYS'],
} as const satisfies Record<string, (keyof Env)[]>;

/** The SLA settings every new lead workflow is started with. */
export function routingPolicyOf(config: Config): RoutingPolicy {
  return {
    slaMinutes: {
      HOT: config.SLA_HOT_MINUTES,
      WARM: config.SLA_WARM_MINUTES,
      COLD: config.SLA_COLD_MINUTES,
      VIP: config.SLA_VIP_MINUTES,
    },
    maxBreaches: config.SLA_MAX_BREACHES,
    retrySeconds: config.ROUTING_RETRY_SECONDS,
    maxRetrySeconds: config.ROUTING_RETRY_MAX_SECONDS,
  };
}

/** The cadence settings the workers hand to each cadence when it begins. */
export function cadenceSettingsOf(config: Config): CadenceSettings {
  return {
    policy: { maxTouches: config.CADENCE_MAX_TOUCHES, minGapDays: config.CADENCE_MIN_GAP_HOURS / 24 },
    cooldownDays: config.CADENCE_COOLDOWN_DAYS,
    touchesPerRun: config.CADENCE_TOUCHES_PER_RUN,
  };
}

/** The quiet-hours settings the sending worker's gateway is built with. */
export function quietHoursSettingsOf(config: Config): {
  unknownAddress: Config['QUIET_HOURS_UNKNOWN_ADDRESS'];
  operatingStates: string[];
  windowOverrides: Record<string, SendingWindowRule | null>;
} {
  return {
    unknownAddress: config.QUIET_HOURS_UNKNOWN_ADDRESS,
    operatingStates: config.QUIET_HOURS_OPERATING_STATES,
    windowOverrides: config.SENDING_WINDOWS ?? config.SENDING_WINDOWS_FILE ?? {},
  };
}

/** A listening host as a URL host: a wildcard address is reached as localhost. */
export const urlHost = (host: string): string => (host === '0.0.0.0' || host === '::' ? 'localhost' : host);
