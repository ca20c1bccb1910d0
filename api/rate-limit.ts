// Rate limits: so many requests a minute for each API key (/api/v1, counted after authentication),
// each client IP on the routes that take no key (docs, the OpenAPI document, unsubscribe links, the
// dev outbox) and each webhook provider (counted before the signature check, with its own, higher
// limit, so a burst of delivery events never eats a CRM client's allowance). Past it: 429
// problem+json with Retry-After, the seconds until the window ends.
//
// rate-limiter-flexible keeps the fixed one-minute windows. With RATE_LIMIT_STORE=postgres (the
// default) the counters are rows of `rate_limits`, shared by every API replica, so adding replicas
// does not multiply anyone's allowance; `memory` counts per process (one replica, or tests). A key
// over its limit is then refused from memory until its window ends, without a database round trip;
// and if Postgres fails, each process counts in memory meanwhile (the library's insurance limiter),
// so an outage of the counters neither blocks every client nor lifts every limit.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Kysely } from 'kysely';
import {
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRes,
  type RateLimiterAbstract,
  type RateLimiterStoreAbstract,
} from 'rate-limiter-flexible';
import type { RateLimitSettings } from '../config/env';
import { RATE_LIMITS_TABLE, rateLimitStoreClient } from '../db/repositories/rate-limits';
import type { Database } from '../db/schema';
import { ProblemError } from './problem';

export interface RateLimits {
  /** /api/v1, after authentication: per API key. */
  byKey: RequestHandler;
  /** Routes that take no API key: per client IP. */
  byIp: RequestHandler;
  /** Provider webhooks (mounted at /webhooks): per provider. */
  byProvider: RequestHandler;
}

const WINDOW_SECONDS = 60;

function limiter(
  db: Kysely<Database>,
  store: RateLimitSettings['store'],
  keyPrefix: string,
  points: number,
): RateLimiterAbstract | RateLimiterStoreAbstract {
  const memory = new RateLimiterMemory({ keyPrefix, points, duration: WINDOW_SECONDS });
  if (store === 'memory') return memory;
  return new RateLimiterPostgres({
    storeClient: rateLimitStoreClient(db),
    storeType: 'pool',
    tableName: RATE_LIMITS_TABLE,
    tableCreated: true, // by the migrations (0016_rate_limits), not at run time
    keyPrefix,
    points,
    duration: WINDOW_SECONDS,
    inMemoryBlockOnConsumed: points,
    insuranceLimiter: memory,
  });
}

/** Counts the request against `keyOf(req)`; over the limit, a 429 saying when to come back. */
function limitBy(
  counter: RateLimiterAbstract | RateLimiterStoreAbstract,
  keyOf: (req: Request) => string,
  per: string,
): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    try {
      await counter.consume(keyOf(req));
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw new ProblemError(
        429,
        'Too many requests',
        `At most ${counter.points} requests a minute ${per}; retry in ${seconds} s`,
        {},
        { 'Retry-After': String(seconds) },
      );
    }
    next();
  };
}

const passThrough: RequestHandler = (_req, _res, next) => next();

/** The limits of one API process; without settings (tests, benchmarks that build the app) nothing is limited. */
export function createRateLimits(db: Kysely<Database>, settings: RateLimitSettings | undefined): RateLimits {
  if (!settings) return { byKey: passThrough, byIp: passThrough, byProvider: passThrough };
  const ipOf = (req: Request) => `ip:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`;
  return {
    byKey: limitBy(
      limiter(db, settings.store, 'api-key', settings.perKeyPerMinute),
      (req) => (req.apiKeyId ? `key:${req.apiKeyId}` : ipOf(req)),
      'for each API key',
    ),
    byIp: limitBy(limiter(db, settings.store, 'anonymous', settings.perIpPerMinute), ipOf, 'from each address'),
    byProvider: limitBy(
      limiter(db, settings.store, 'webhook', settings.webhooksPerMinute),
      (req) => `provider:${/^\/(twilio|sendgrid)\//.exec(req.path)?.[1] ?? 'other'}`,
      'for each webhook provider',
    ),
  };
}
