// At most `max` requests of one route in progress in this process. A batch prediction holds up to
// 8 MB of body and its inference keeps a core busy, so a few at a time keep the rest of the API
// answering; the next one is told to come back (503, Retry-After) before its body is even read.
// The slot is freed when the response ends or the client goes away, whichever comes first.
import type { NextFunction, Request, Response } from 'express';
import { ProblemError } from './problem';

export function capConcurrency(max: number, what: string, retryAfterSeconds = 2) {
  let inFlight = 0;
  return (_req: Request, res: Response, next: NextFunction): void => {
    if (inFlight >= max)
      throw new ProblemError(
        503,
        'Too many concurrent requests',
        `At most ${max} ${what} run at once on each API process; retry shortly`,
        {},
        { 'Retry-After': String(retryAfterSeconds) },
      );
    inFlight += 1;
    res.once('close', () => {
      inFlight -= 1;
    });
    next();
  };
}
