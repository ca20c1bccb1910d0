// Builds the process worker: every workflow in workflows/ and every activity in activities/ on the
// main task queue, new leads on the routing queue, sends on the messaging queue, all with the
// encrypting data converter.
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import path from 'node:path';
import type { PayloadKey } from '../config/dev-secrets';
import type { Logger } from '../config/logger';
import type { Database } from '../db/schema';
import { createActivities, createSendingActivities } from '../activities';
import { messagingTaskQueue, routingTaskQueue } from '../temporal/task-queues';
import { cadenceSettingsOf, quietHoursSettingsOf, type Config } from '../config/env';
import type { CadenceSettings } from '../workflows/cadence/types';
import { publicBaseUrlOf, selectPersonaliser, selectProviders } from '../activities/messaging/providers/select';
import type { Personaliser } from '../activities/messaging/personalise';
import type { HolidayPolicy } from '../activities/messaging/holidays';
import type { FrequencyCaps } from '../activities/messaging/contract';
import { quietHoursPolicy, type QuietHoursPolicy } from '../activities/messaging/quiet-hours';
import type { ModelStore } from '../activities/ml/model-store';
import { createDataConverter, failureConverterPath } from '../temporal/data-converter';
import { frontendAuthOf, type FrontendAuth } from '../temporal/frontend-auth';
import { activeTracing } from '../temporal/tracing';

/** workflows/index.ts, resolved by the SDK's bundler (so it also works where require cannot load .ts). */
const workflowsPath = path.resolve(__dirname, '..', 'workflows');

export interface WorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  payloadKeys: PayloadKey[];
  /** ALLOW_UNENCRYPTED_PAYLOADS; default: refuse them. */
  allowUnencryptedPayloads?: boolean;
  /** TLS and a token for the frontend (TEMPORAL_TLS*, TEMPORAL_API_KEY); default: plain gRPC. */
  auth?: FrontendAuth;
  db: Kysely<Database>;
  /** Connections in `db`'s pool (DB_POOL_SIZE): bounds the sends run at once (sendsAtOnce). */
  dbPoolSize?: number;
  /** Shared with the API when both run in one process. */
  modelStore: ModelStore;
  /** The trainer's Python (ML_PYTHON). */
  python: string;
  /** Marketing messages per contact (MESSAGE_CAP_PER_DAY / _PER_WEEK). */
  messageCaps?: FrequencyCaps;
  /** Marketing held on holidays (MESSAGE_HOLIDAYS_OBSERVED, MESSAGE_HOLIDAYS); default: the US holidays. */
  messageHolidays?: HolidayPolicy;
  /** Quiet hours (QUIET_HOURS_UNKNOWN_ADDRESS, QUIET_HOURS_OPERATING_STATES, SENDING_WINDOWS); default: the strictest. */
  quietHours?: QuietHoursPolicy;
  /** Delivery per channel (selectProviders); default: the local outbox. */
  providers?: Parameters<typeof createActivities>[0]['providers'];
  /** Sends per second across every worker of the sending queue (MESSAGES_PER_SECOND). */
  messagesPerSecond?: number;
  /** LLM rewording of templated messages, when configured. */
  personalise?: Personaliser;
  /** Where recipients reach us (unsubscribe links): PUBLIC_BASE_URL or the API's URL. */
  publicBaseUrl?: string;
  /** Workflows kept in the worker's cache (WORKER_MAX_CACHED_WORKFLOWS); default: the SDK's. */
  maxCachedWorkflows?: number;
  /** Cadence settings (CADENCE_*); default: activities/cadence.ts. */
  cadence?: CadenceSettings;
  /** A pre-built bundle (built while other things start); otherwise bundled here. */
  workflowBundle?: { code: string };
}

/** The worker settings that come from the configuration alone (one place for make start and Docker). */
export function workerSettingsOf(
  config: Config,
): Pick<
  WorkerOptions,
  | 'namespace'
  | 'taskQueue'
  | 'python'
  | 'messageCaps'
  | 'messageHolidays'
  | 'quietHours'
  | 'providers'
  | 'messagesPerSecond'
  | 'personalise'
  | 'publicBaseUrl'
  | 'cadence'
  | 'maxCachedWorkflows'
  | 'dbPoolSize'
  | 'allowUnencryptedPayloads'
  | 'auth'
> {
  const publicBaseUrl = publicBaseUrlOf(config);
  return {
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    python: config.ML_PYTHON,
    messageCaps: {
      perDay: config.MESSAGE_CAP_PER_DAY,
      perWeek: config.MESSAGE_CAP_PER_WEEK,
      minGapMs: config.MESSAGE_MIN_GAP_MINUTES * 60_000,
    },
    messageHolidays: { observed: config.MESSAGE_HOLIDAYS_OBSERVED, extra: config.MESSAGE_HOLIDAYS },
    quietHours: quietHoursPolicy(quietHoursSettingsOf(config)),
    providers: selectProviders(config, publicBaseUrl),
    messagesPerSecond: config.MESSAGES_PER_SECOND,
    personalise: selectPersonaliser(config),
    publicBaseUrl,
    cadence: cadenceSettingsOf(config),
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    dbPoolSize: config.DB_POOL_SIZE,
    allowUnencryptedPayloads: config.ALLOW_UNENCRYPTED_PAYLOADS,
    auth: frontendAuthOf(config),
  };
}

/**
 * Sends one worker runs at once. A send holds a pool connection for its whole provider call (the
 * send lock, activities/messaging/gateway.ts); the providers that deliver into Postgres (the local
 * outbox, call tasks, postcards) write on that same connection (SendVia), so sends never wait on
 * each other for a second one. Half the pool still leaves the rest to the checks before a send and
 * to the other activities of the process: 5 of a pool of 10 is far above the sending rate's needs.
 * (Before SendVia, sends as many as the connections stalled the pool after a worker was killed with
 * sends in flight: test/integration/fault-worker-kill.test.ts.)
 */
export const sendsAtOnce = (dbPoolSize: number): number => Math.max(1, Math.floor(dbPoolSize / 2));

/** The process's workers run and stop together. */
export interface ProcessWorker {
  run(): Promise<void>;
  runUntil<T>(done: Promise<T>): Promise<T>;
  shutdown(): void;
}

export async function createProcessWorker(
  opts: WorkerOptions,
): Promise<{ worker: ProcessWorker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect({ address: opts.address, ...opts.auth });
  const dataConverter = createDataConverter(opts.payloadKeys, { allowUnencrypted: opts.allowUnencryptedPayloads });
  // Tracing on: activities become spans, and workflow spans leave the sandbox through the sink. The
  // workflow interceptors are in the bundle (bundleWorkflows, or the bundle built here).
  // (Activities that start or signal workflows pass the trace on through the client interceptors.)
  const tracing = activeTracing();
  const activityInterceptors = tracing && {
    activity: tracing.activityInterceptors,
    client: tracing.clientInterceptors,
  };
  const traced = tracing && { interceptors: activityInterceptors, sinks: tracing.sinks };
  const workflowCode =
    opts.workflowBundle ??
    (await bundleWorkflowCode({
      workflowsPath,
      failureConverterPath,
      workflowInterceptorModules: tracing?.workflowModules,
    }));
  const activities = createActivities({
    db: opts.db,
    modelStore: opts.modelStore,
    python: opts.python,
    cadence: opts.cadence,
  });
  const main = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    workflowBundle: workflowCode,
    activities,
    // Sleeping cadences and journeys need not stay in memory: 10,000 cost 0.26× the memory at 1,000.
    ...(opts.maxCachedWorkflows !== undefined && { maxCachedWorkflows: opts.maxCachedWorkflows }),
    dataConverter,
    ...traced,
    // Ctrl-C lets running activities finish (they are short) before the worker exits.
    shutdownGraceTime: '10 seconds',
    // Heartbeats reach the server often enough that a cancelled retrain stops its trainer within seconds.
    maxHeartbeatThrottleInterval: '3 seconds',
  });
  // New leads only (their workflows and activities): their own queue and slots, so journeys,
  // cadences and sends queued on the main one never delay an assignment (docs/benchmarks.md).
  const routing = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: routingTaskQueue(opts.taskQueue),
    workflowBundle: workflowCode,
    activities,
    dataConverter,
    ...traced,
    shutdownGraceTime: '10 seconds',
  });
  // Sends only, at the providers' pace: the rate is enforced by the server for the whole queue.
  const sending = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: messagingTaskQueue(opts.taskQueue),
    activities: createSendingActivities({
      db: opts.db,
      messageCaps: opts.messageCaps,
      holidays: opts.messageHolidays,
      quietHours: opts.quietHours,
      providers: opts.providers,
      personalise: opts.personalise,
      publicBaseUrl: opts.publicBaseUrl,
    }),
    dataConverter,
    ...(activityInterceptors && { interceptors: activityInterceptors }),
    maxTaskQueueActivitiesPerSecond: opts.messagesPerSecond ?? 5,
    maxConcurrentActivityTaskExecutions: sendsAtOnce(opts.dbPoolSize ?? 10),
    shutdownGraceTime: '10 seconds',
  });
  const workers = [main, routing, sending];
  const worker: ProcessWorker = {
    run: async () => {
      await Promise.all(workers.map((w) => w.run()));
    },
    runUntil: async (done) => (await Promise.all(workers.map((w) => w.runUntil(done))))[0] as Awaited<typeof done>,
    shutdown: () => {
      for (const w of workers) w.shutdown();
    },
  };
  return { worker, connection };
}

/**
 * Bundles workflows/ as the worker would; the SDK's bundler rejects Node built-ins in workflow code.
 * With tracing on (installed before this is called), the workflow tracing interceptors are bundled too.
 */
export function bundleWorkflows(logger: Logger): Promise<{ code: string }> {
  const quiet = (): void => undefined;
  return bundleWorkflowCode({
    workflowsPath,
    failureConverterPath, // the sandbox converts workflow failures itself: encoded like the worker's
    workflowInterceptorModules: activeTracing()?.workflowModules,
    logger: {
      log: quiet,
      trace: quiet,
      debug: quiet,
      info: quiet,
      warn: (message, meta) => logger.warn(meta ?? {}, message),
      error: (message, meta) => logger.error(meta ?? {}, message),
    },
  });
}
