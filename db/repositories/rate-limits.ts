// The rate-limit counters' table (0016_rate_limits), for rate-limiter-flexible's Postgres store. That
// store runs its own statements (one upsert per counted request) through any `query({ text, values })`
// client; this one sends them over the app's kysely pool, so the counters use the one pool there is.
import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from '../schema';

export const RATE_LIMITS_TABLE = 'rate_limits';

export interface RateLimitStoreClient {
  query(q: { text: string; values?: unknown[] }): Promise<{ rows: unknown[] }>;
}

export function rateLimitStoreClient(db: Kysely<Database>): RateLimitStoreClient {
  return { query: ({ text, values }) => db.executeQuery(CompiledQuery.raw(text, values ?? [])) };
}
