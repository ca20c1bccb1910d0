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
 * The channels with a local stand-in that only stores the message (the outbox in Postgres, the
 * local print house): activities/messaging/contract.ts CHANNELS but `call`, whose default — a task
 * for a rep — is how calls are made without a voice provider (providers/select.ts checks the two lists).
 */
export const LOCAL_STAND_IN_CHANNELS = ['email', 'sms', 'postcard', 'messenger', 'nextdoor'] as const;
export type LocalStandInChannel = (typeof LOCAL_STAND_IN_CHANNELS)[number];

/** `all`, or comma-separated channels from LOCAL_STAND_IN_CHANNELS, without repeats. */
const localChannels = z.string().transform((raw, ctx): LocalStandInChannel[] => {
  const names = raw
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (names.length === 1 && names[0] === 'all') return [...LOCAL_STAND_IN_CHANNELS];
  const bad = names.filter((n) => !(LOCAL_STAND_IN_CHANNELS as readonly string[]).includes(n));
  if (bad.length > 0 || names.length === 0) {
    ctx.addIssue({
      code: 'custom',
      message: `expected all, or channels among ${LOCAL_STAND_IN_CHANNELS.join(', ')}; got ${raw}`,
    });
    return z.NEVER;
  }
  return [...new Set(names)] as LocalStandInChannel[];
});

/** A file's bytes, read once at start: an unreadable file fails the start naming its variable. */
const fileBytes = z.string().transform((file, ctx) => {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}` });
    return z.NEVER;
  }
});

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
    /**
     * The one switch between a developer's machine and a deployment (docs/production.md). `make
     * start` and the tests run `development`; the deployment entrypoints (api/main.ts,
     * workers/main.ts) default to `production`, which refuses every development convenience unless
     * its own variable enables it: local providers (MESSAGING_LOCAL_CHANNELS), the dev outbox
     * (DEV_OUTBOX), demo reps (SEED_DEMO_DATA), unencrypted payloads (ALLOW_UNENCRYPTED_PAYLOADS),
     * generated secrets and embedded services (never).
     */
    APP_ENV: z.enum(['development', 'production']).default('development'),
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    DATA_DIR: z.string().default('.data'),

    API_HOST: z.string().default('127.0.0.1'),
    API_PORT: port.default(3000),
    CRM_API_KEYS: apiKeys,
    /** Where rate-limit counters live: `postgres` (shared by every API replica) or `memory` (per process). */
    RATE_LIMIT_STORE: z.enum(['postgres', 'memory']).default('postgres'),
    /** Requests a minute for each API key on /api/v1; past it, 429 with Retry-After. */
    RATE_LIMIT_PER_KEY_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(1200),
    /** Requests a minute from each client address on routes without a key (docs, unsubscribe, dev outbox). */
    RATE_LIMIT_PER_IP_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(120),
    /** Webhook requests a minute from each provider (Twilio, SendGrid): several per message sent. */
    RATE_LIMIT_WEBHOOKS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(3000),
    /** Batch predictions (up to 10,000 leads each) one API process runs at once; the next: 503, Retry-After. */
    ML_BATCH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),

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
    /**
     * TLS to the Temporal frontend (docs/production.md), with the names Temporal's own clients and
     * CLI read. The files below imply it; each is read at start, so the config holds its bytes.
     */
    TEMPORAL_TLS: onOff.default(false),
    /** The CA that signed the frontend's certificate, when the system's roots do not know it. */
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: fileBytes.optional(),
    /** This client's certificate and key (PEM) for mutual TLS: both or neither. */
    TEMPORAL_TLS_CLIENT_CERT_PATH: fileBytes.optional(),
    TEMPORAL_TLS_CLIENT_KEY_PATH: fileBytes.optional(),
    /** The name the frontend's certificate is checked against, when it differs from TEMPORAL_ADDRESS's host. */
    TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
    /** A bearer token for the frontend's authorizer (a JWT with `permissions`); it implies TLS. */
    TEMPORAL_API_KEY: z.string().min(1).optional(),

    PAYLOAD_KEYS: payloadKeys,
    CODEC_HOST: z.string().default('127.0.0.1'),
    CODEC_PORT: port.default(8888),
    CODEC_CORS_ORIGINS: z.string().optional(),
    CODEC_ACCESS_TOKENS: z.string().optional(),
    /** Decode payloads that are not encrypted (a client without our codec); default: development only. */
    ALLOW_UNENCRYPTED_PAYLOADS: onOff.optional(),

    LEAD_DEDUPE_WINDOW_HOURS: z.coerce
      .number()
      .int()
      .min(0)
      .max(24 * 30)
      .default(24),
    /** Four demo reps on the first start; default: development only. */
    SEED_DEMO_DATA: bool.optional(),
    /** The dev outbox page (/dev/outbox); default: in development while SMS or email is local. */
    DEV_OUTBOX: onOff.optional(),

    /**
     * First-contact SLAs in minutes (roadmap 4.4 B-C: "2 minutes standard", VIPs 15; 4.1 D: HOT 2):
     * every lead the standard minutes, a VIP the VIP minutes, a HOT VIP the HOT minutes. With
     * SLA_BY_TEMPERATURE on, WARM and COLD leads get their own (longer) SLAs instead, the strictest
     * that applies winning (rules/sla-policy.ts). New leads only: a running lead keeps its policy.
     */
    SLA_STANDARD_MINUTES: z.coerce.number().min(0.5).max(1440).default(2),
    SLA_BY_TEMPERATURE: onOff.default(false),
    SLA_HOT_MINUTES: z.coerce.number().min(0.5).max(1440).default(2),
    SLA_VIP_MINUTES: z.coerce.number().min(0.5).max(1440).default(15),
    SLA_WARM_MINUTES: z.coerce.number().min(0.5).max(10080).default(60),
    SLA_COLD_MINUTES: z.coerce.number().min(0.5).max(10080).default(240),
    /** SLA breaches (each reassigns the lead) before it goes to the ops queue instead. */
    SLA_MAX_BREACHES: z.coerce.number().int().min(1).max(20).default(3),
    /**
     * Follow-up cadences (roadmap 4.3 B-C): the most touches one cadence sends — a safety limit above
     * the roadmap's fixed 16-touch sequence, not its "25 % fewer touches" metric (docs/cadences.md) —
     * and the least time between two.
     */
    CADENCE_MAX_TOUCHES: z.coerce.number().int().min(1).max(100).default(20),
    CADENCE_MIN_GAP_HOURS: z.coerce
      .number()
      .min(1)
      .max(24 * 14)
      .default(12),
    /** The least a PAUSE lasts (days after the last sign of overwhelm) before re-engagement can end it. */
    CADENCE_PAUSE_MIN_DAYS: z.coerce.number().min(0).max(365).default(21),
    /** Days after a contact's cadence ends before another may start for them. */
    CADENCE_COOLDOWN_DAYS: z.coerce.number().min(0).max(365).default(30),
    /** Touches per workflow run before continue-as-new (keeps a weeks-long history small). */
    CADENCE_TOUCHES_PER_RUN: z.coerce.number().int().min(1).max(100).default(10),
    /** Workflows a worker keeps in memory between tasks; the rest replay from history when woken (bench/cadences.ts). */
    WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).default(1000),
    /** The worker's own Prometheus endpoint (workers/main.ts): its activities count there. Unset: none. */
    WORKER_METRICS_HOST: z.string().default('127.0.0.1'),
    WORKER_METRICS_PORT: port.optional(),
    /** The Temporal SDK's own metrics (temporal_*) of the process running the worker, on WORKER_METRICS_HOST. Unset: none. */
    TEMPORAL_SDK_METRICS_PORT: port.optional(),
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
    /** Channels the local stand-in may deliver (store only) in production; development: all of them. */
    MESSAGING_LOCAL_CHANNELS: localChannels.optional(),
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

    /** OpenTelemetry tracing (temporal/tracing.ts): OTLP over HTTP to this collector (`/v1/traces` appended); unset: off. */
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
    /** The traces' own endpoint, used as it is (the OpenTelemetry spec's per-signal override); also turns tracing on. */
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
    /** The traces' service.name; default: crm (make start), crm-api, crm-worker. */
    OTEL_SERVICE_NAME: z.string().min(1).optional(),

    /** The Python with models/training/requirements.txt (the retrain runs train.py with it). */
    ML_PYTHON: z.string().min(1).default('.venv/bin/python'),
    /** Gain of the primary holdout metric a challenger needs over the champion to be promoted. */
    ML_PROMOTION_MARGIN: z.coerce.number().min(0).max(0.5).default(0.005),
    /** The weekly retrain's Temporal Schedule (cron, UTC), or `off`. */
    ML_RETRAIN_CRON: z
      .string()
      .regex(/^(off|\S+ \S+ \S+ \S+ \S+)$/, 'expected a 5-field cron expression or off')
      .default('0 3 * * 1'),
    /** The monthly re-tiering of the sales team (cron, UTC: the 1st at 06:00), or `off`. */
    REP_RETIER_CRON: z
      .string()
      .regex(/^(off|\S+ \S+ \S+ \S+ \S+)$/, 'expected a 5-field cron expression or off')
      .default('0 6 1 * *'),
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
    if (Boolean(env.TEMPORAL_TLS_CLIENT_CERT_PATH) !== Boolean(env.TEMPORAL_TLS_CLIENT_KEY_PATH))
      ctx.addIssue({
        code: 'custom',
        path: [env.TEMPORAL_TLS_CLIENT_CERT_PATH ? 'TEMPORAL_TLS_CLIENT_KEY_PATH' : 'TEMPORAL_TLS_CLIENT_CERT_PATH'],
        message: 'mutual TLS needs both TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH',
      });
    if (env.APP_ENV === 'production') refuseDevelopmentConveniences(env, ctx);
    // An open codec endpoint decrypts every payload: only acceptable on loopback.
    if (!loopbackHosts.has(env.CODEC_HOST) && !env.CODEC_ACCESS_TOKENS) {
      ctx.addIssue({
        code: 'custom',
        path: ['CODEC_ACCESS_TOKENS'],
        message: 'required when CODEC_HOST is not a loopback address',
      });
    }
  });

/**
 * Production (APP_ENV=production) runs against real services with shared secrets, and every channel
 * that only has a store-only stand-in must be allowed to use it by name: a missing Twilio key would
 * otherwise mark texts `sent` that only reached Postgres.
 */
function refuseDevelopmentConveniences(
  env: { readonly [name: string]: unknown; MESSAGING_LOCAL_CHANNELS?: LocalStandInChannel[] },
  ctx: z.RefinementCtx,
): void {
  const required = (name: string, why: string) =>
    ctx.addIssue({ code: 'custom', path: [name], message: `required in production (APP_ENV=production): ${why}` });
  if (!env.DATABASE_URL) required('DATABASE_URL', 'no embedded Postgres');
  if (!env.TEMPORAL_ADDRESS) required('TEMPORAL_ADDRESS', 'no Temporal dev server');
  if (!env.PAYLOAD_KEYS) required('PAYLOAD_KEYS', 'every process must share the keys; none is generated');
  const local = env.MESSAGING_LOCAL_CHANNELS ?? [];
  const providers = [
    { channel: 'sms', names: ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM_NUMBER'] },
    { channel: 'email', names: ['SENDGRID_API_KEY', 'SENDGRID_FROM_EMAIL'] },
  ] as const;
  for (const { channel, names } of providers) {
    if (local.includes(channel) || names.some((n) => env[n] !== undefined)) continue; // half-set: the group check names the rest
    for (const name of names)
      required(name, `${channel} has no provider; or add ${channel} to MESSAGING_LOCAL_CHANNELS to only store it`);
  }
  // Without it SendGrid's bounces, spam reports and unsubscribes would all be refused as unsigned.
  if (env.SENDGRID_API_KEY && !env.SENDGRID_WEBHOOK_PUBLIC_KEY)
    required('SENDGRID_WEBHOOK_PUBLIC_KEY', 'it verifies the Event Webhook (bounces, spam reports, unsubscribes)');
}

export type ApiRole = 'crm' | 'ops';
export type Env = z.infer<typeof envSchema>;
export type AppEnv = Env['APP_ENV'];

/** The switches whose defaults follow APP_ENV are resolved: Config holds what applies. */
export interface Config extends Omit<
  Env,
  | 'CODEC_CORS_ORIGINS'
  | 'CODEC_ACCESS_TOKENS'
  | 'SEED_DEMO_DATA'
  | 'DEV_OUTBOX'
  | 'ALLOW_UNENCRYPTED_PAYLOADS'
  | 'MESSAGING_LOCAL_CHANNELS'
> {
  DATA_DIR: string;
  codecCorsOrigins: string[];
  codecAccessTokens: string[];
  SEED_DEMO_DATA: boolean;
  DEV_OUTBOX: boolean;
  ALLOW_UNENCRYPTED_PAYLOADS: boolean;
  MESSAGING_LOCAL_CHANNELS: LocalStandInChannel[];
}

export class ConfigError extends Error {}

/**
 * Reads and validates the environment; throws a ConfigError naming every bad variable.
 * `defaultAppEnv`: APP_ENV when the environment does not set it (the deployment entrypoints: production).
 */
export function loadConfig(
  source: NodeJS.ProcessEnv = process.env,
  { defaultAppEnv = 'development' }: { defaultAppEnv?: AppEnv } = {},
): Config {
  const input = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  input.APP_ENV ??= defaultAppEnv;
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const {
    CODEC_CORS_ORIGINS,
    CODEC_ACCESS_TOKENS,
    SEED_DEMO_DATA,
    DEV_OUTBOX,
    ALLOW_UNENCRYPTED_PAYLOADS,
    MESSAGING_LOCAL_CHANNELS,
    ...env
  } = parsed.data;
  const uiPort = env.TEMPORAL_UI_PORT;
  const development = env.APP_ENV === 'development';
  return {
    ...env,
    SEED_DEMO_DATA: SEED_DEMO_DATA ?? development,
    // Served in development while SMS or email still goes to the local outbox (what it shows).
    DEV_OUTBOX: DEV_OUTBOX ?? (development && !(env.TWILIO_ACCOUNT_SID && env.SENDGRID_API_KEY)),
    ALLOW_UNENCRYPTED_PAYLOADS: ALLOW_UNENCRYPTED_PAYLOADS ?? development,
    MESSAGING_LOCAL_CHANNELS: MESSAGING_LOCAL_CHANNELS ?? (development ? [...LOCAL_STAND_IN_CHANNELS] : []),
    DATA_DIR: path.resolve(env.DATA_DIR),
    // Relative to the project (where make installs the venv), wherever the process was started.
    ML_PYTHON: env.ML_PYTHON.includes('/') ? path.resolve(path.join(__dirname, '..'), env.ML_PYTHON) : env.ML_PYTHON,
    codecCorsOrigins: CODEC_CORS_ORIGINS
      ? CODEC_CORS_ORIGINS.split(',').map((s) => s.trim())
      : [`http://localhost:${uiPort}`, `http://127.0.0.1:${uiPort}`],
    codecAccessTokens: CODEC_ACCESS_TOKENS ? CODEC_ACCESS_TOKENS.split(',').map((s) => s.trim()) : [],
  };
}

/** Where the Temporal SDK serves its metrics (installTemporalLogging), when TEMPORAL_SDK_METRICS_PORT is set. */
export function sdkMetricsAddressOf(config: Config): string | undefined {
  if (config.TEMPORAL_SDK_METRICS_PORT === undefined) return undefined;
  const host = config.WORKER_METRICS_HOST.includes(':')
    ? `[${config.WORKER_METRICS_HOST}]`
    : config.WORKER_METRICS_HOST;
  return `${host}:${config.TEMPORAL_SDK_METRICS_PORT}`;
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

/** A deployment entrypoint's configuration: production unless APP_ENV says otherwise, its services and keys set. */
export function loadDeploymentConfig(role: keyof typeof DEPLOYMENT_REQUIRED, source = process.env): Config {
  const config = loadConfig(source, { defaultAppEnv: 'production' });
  requireSet(config, DEPLOYMENT_REQUIRED[role]);
  return config;
}

/** The API's rate limits (api/rate-limit.ts): requests a minute per key, per address, per provider. */
export interface RateLimitSettings {
  store: 'postgres' | 'memory';
  perKeyPerMinute: number;
  perIpPerMinute: number;
  webhooksPerMinute: number;
}

export function rateLimitSettingsOf(config: Config): RateLimitSettings {
  return {
    store: config.RATE_LIMIT_STORE,
    perKeyPerMinute: config.RATE_LIMIT_PER_KEY_PER_MINUTE,
    perIpPerMinute: config.RATE_LIMIT_PER_IP_PER_MINUTE,
    webhooksPerMinute: config.RATE_LIMIT_WEBHOOKS_PER_MINUTE,
  };
}

/** The SLA settings every new lead workflow is started with. */
export function routingPolicyOf(config: Config): RoutingPolicy {
  return {
    slaMinutes: {
      HOT: config.SLA_HOT_MINUTES,
      WARM: config.SLA_WARM_MINUTES,
      COLD: config.SLA_COLD_MINUTES,
      VIP: config.SLA_VIP_MINUTES,
      STANDARD: config.SLA_STANDARD_MINUTES,
    },
    slaBasis: config.SLA_BY_TEMPERATURE ? 'by_temperature' : 'standard',
    maxBreaches: config.SLA_MAX_BREACHES,
    retrySeconds: config.ROUTING_RETRY_SECONDS,
    maxRetrySeconds: config.ROUTING_RETRY_MAX_SECONDS,
  };
}

/** The cadence settings the workers hand to each cadence when it begins. */
export function cadenceSettingsOf(config: Config): CadenceSettings {
  return {
    policy: {
      maxTouches: config.CADENCE_MAX_TOUCHES,
      minGapDays: config.CADENCE_MIN_GAP_HOURS / 24,
      pauseMinDays: config.CADENCE_PAUSE_MIN_DAYS,
    },
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
