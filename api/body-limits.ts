// JSON bodies of the /api/v1 routes, each read up to a limit sized to the largest body its schema
// accepts: a client cannot make the API buffer megabytes to reach a validation error. Sizes allow
// every string at its maximum length written as \uXXXX escapes (6 bytes a character) and some
// whitespace. Webhooks and the unsubscribe form read their own bodies (api/routes/webhooks.ts,
// unsubscribe.ts). Over the limit: 413 problem+json.
import express, { Router, type RequestHandler } from 'express';

/** Routes whose bodies can be larger than DEFAULT_LIMIT; paths are under /api/v1. */
export const BODY_LIMITS: { method: 'post' | 'patch'; path: string; limit: string }[] = [
  // Up to 10,000 leads of ~300 bytes each (api/schemas/ml.ts MAX_BATCH), pretty-printed: ~4.5 MB.
  { method: 'post', path: '/ml/predict/batch', limit: '8mb' },
  // An interaction's body text is up to 20,000 characters, its summary 500.
  { method: 'post', path: '/customers/:id/interactions', limit: '160kb' },
  // Reps: up to 30 territories, 30 skills and 10 languages besides the name, email and hours.
  { method: 'post', path: '/reps', limit: '64kb' },
  { method: 'patch', path: '/reps/:id', limit: '64kb' },
  // A deal event's free-form `details`.
  { method: 'post', path: '/deals/:id/events', limit: '64kb' },
  // A lead: names, address, notes (2,000 characters), property and signals.
  { method: 'post', path: '/leads', limit: '32kb' },
];
/** Every other body: a few short fields (actions, holds, time off, one prediction, a retrain). */
export const DEFAULT_LIMIT = '16kb';

/** Parses each JSON body with its route's limit (a body parsed once is not read again). */
export function jsonBodies(): RequestHandler {
  const router = Router();
  for (const { method, path, limit } of BODY_LIMITS) router[method](path, express.json({ limit }));
  router.use(express.json({ limit: DEFAULT_LIMIT }));
  return router;
}
