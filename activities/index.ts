// Every activity the worker registers, built from the dependencies they need.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { createCadenceActivities } from './cadence';
import { createMessagingActivities } from './messaging/activities';
import { localPrintProvider, postcardProvider } from './messaging/postcard';
import { callTaskProvider } from './messaging/call-task';
import { CHANNELS, type Channel, type FrequencyCaps, type MessageProvider } from './messaging/contract';
import { createGateway } from './messaging/gateway';
import { localProvider } from './messaging/providers/local';
import { createMlActivities } from './ml/activities';
import type { ModelStore } from './ml/model-store';
import { createRetrainActivities } from './model-retrain';
import type { HolidayPolicy } from './messaging/holidays';
import type { QuietHoursPolicy } from './messaging/quiet-hours';
import type { Personaliser } from './messaging/personalise';
import type { CadenceSettings } from '../workflows/cadence/types';
import { samplePropertyData, type PropertyDataProvider } from './property-data/provider';
import { createLeadIntakeActivities } from './lead-intake';
import { createRetierActivities } from './rep-retier';

export interface ActivityDeps {
  db: Kysely<Database>;
  /** ONNX sessions shared by the whole process (the API serves from the same store). */
  modelStore: ModelStore;
  /** The trainer's Python (ML_PYTHON). */
  python: string;
  /** Property facts by address; default: the bundled assessor-style sample. */
  propertyData?: PropertyDataProvider;
  /** Message caps per contact; default: 3 a day, 12 a week. */
  messageCaps?: FrequencyCaps;
  /** Real providers by channel (selectProviders); the rest deliver to the local outbox. */
  providers?: Partial<Record<Channel, MessageProvider>>;
  /** Cadence settings from config (CADENCE_*); default: 12 touches, 12 h apart, 30-day cooldown. */
  cadence?: CadenceSettings;
}

/** Offline defaults: every channel into Postgres (each provider call logged in local_deliveries) — postcards as PDFs for the local print house, calls as tasks for reps. */
const localProviders = (db: Kysely<Database>): Record<Channel, MessageProvider> => ({
  ...(Object.fromEntries(CHANNELS.map((c) => [c, localProvider(c, db)])) as Record<Channel, MessageProvider>),
  postcard: postcardProvider(localPrintProvider(db)),
  call: callTaskProvider(db),
});

/**
 * The sending worker's activities (its own rate-limited task queue: temporal/task-queues.ts).
 * `holidays`: marketing held on holidays (MESSAGE_HOLIDAYS_OBSERVED, MESSAGE_HOLIDAYS); default: the US holidays.
 * `quietHours`: QUIET_HOURS_* and SENDING_WINDOWS; default: DEFAULT_QUIET_HOURS.
 */
export function createSendingActivities({
  db,
  messageCaps = { perDay: 3, perWeek: 12 },
  providers = {},
  personalise,
  publicBaseUrl,
  holidays = { observed: true, extra: [] },
  quietHours,
}: Pick<ActivityDeps, 'db' | 'messageCaps' | 'providers'> & {
  personalise?: Personaliser;
  publicBaseUrl?: string;
  holidays?: HolidayPolicy;
  quietHours?: QuietHoursPolicy;
}) {
  const unsubscribeUrl = publicBaseUrl ? (id: string) => `${publicBaseUrl}/unsubscribe/${id}` : undefined;
  return createMessagingActivities({
    gateway: createGateway({
      db,
      providers: { ...localProviders(db), ...providers },
      caps: messageCaps,
      personalise,
      unsubscribeUrl,
      holidays,
      quietHours,
    }),
  });
}

export function createActivities({
  db,
  modelStore,
  python,
  propertyData = samplePropertyData(),
  cadence,
}: ActivityDeps) {
  return {
    ...createCadenceActivities({ db, settings: cadence }),
    ...createLeadIntakeActivities({ db, modelStore, propertyData }),
    ...createMlActivities({ modelStore }),
    ...createRetrainActivities({ db, modelStore, python }),
    ...createRetierActivities({ db }),
  };
}
