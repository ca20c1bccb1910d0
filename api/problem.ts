// RFC 9457 problem+json for every error the API returns. Bad input is a 4xx naming the fields,
// an unreachable dependency is a 503 with Retry-After, anything else a bare 500: never a stack.
import type { NextFunction, Request, Response } from 'express';
import { isGrpcServiceError, ServiceError } from '@temporalio/client';
import type { ZodError } from 'zod';

export interface FieldError {
  path: string;
  message: string;
}

export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }
}

export const notFound = (what: string): ProblemError => new ProblemError(404, 'Not found', `${what} does not exist`);

export function requireJson(req: Request): void {
  if (!req.is('application/json'))
    throw new ProblemError(415, 'Unsupported media type', 'Send Content-Type: application/json');
}

export function validationProblem(error: ZodError, prefix?: string): ProblemError {
  const errors: FieldError[] = error.issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(body)',
    message: i.message,
  }));
  return new ProblemError(422, 'Validation failed', `${errors.length} field(s) are invalid`, { errors });
}

const PG_UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);
const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

/** True for errors that mean Postgres or Temporal cannot be reached right now. */
export function isDependencyUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (PG_UNAVAILABLE.has(code) || code.startsWith('08'))) return true;
  // pg's own messages, without a code: the server went away mid-query; no connection within the
  // pool's timeout; a connection the server ended while we held it between two queries.
  if (/Connection terminated|timeout exceeded when trying to connect|not queryable/i.test(err.message)) return true;
  const grpc = err instanceof ServiceError ? err.cause : err;
  return isGrpcServiceError(grpc) && (grpc.code === GRPC_UNAVAILABLE || grpc.code === GRPC_DEADLINE_EXCEEDED);
}

export function sendProblem(req: Request, res: Response, p: ProblemError): void {
  for (const [k, v] of Object.entries(p.headers)) res.setHeader(k, v);
  res
    .status(p.status)
    .type('application/problem+json')
    .json({
      type: 'about:blank',
      title: p.title,
      status: p.status,
      detail: p.detail,
      instance: req.originalUrl,
      requestId: req.id,
      ...p.extra,
    });
}

/** The last middleware: turns anything thrown into a problem response. */
export function problemHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  if (err instanceof ProblemError) return sendProblem(req, res, err);
  const bodyError = err as { type?: string; status?: number };
  if (bodyError?.type === 'entity.parse.failed')
    return sendProblem(req, res, new ProblemError(400, 'Malformed JSON', 'The request body is not valid JSON'));
  if (bodyError?.type === 'entity.too.large') return sendProblem(req, res, new ProblemError(413, 'Payload too large'));
  if (bodyError?.type && bodyError.status && bodyError.status < 500)
    return sendProblem(req, res, new ProblemError(bodyError.status, 'Bad request'));
  if (isDependencyUnavailable(err)) {
    req.log.warn({ err }, 'dependency unavailable');
    return sendProblem(
      req,
      res,
      new ProblemError(
        503,
        'Service unavailable',
        'A backing service (Postgres or Temporal) is unreachable; retry shortly',
        {},
        { 'Retry-After': '5' },
      ),
    );
  }
  req.log.error({ err }, 'unhandled error');
  sendProblem(
    req,
    res,
    new ProblemError(500, 'Internal error', 'The error was logged; quote the requestId when reporting it'),
  );
}
