// RFC 9457 problem+json for every error the API returns. Bad input is a 4xx naming the fields,
// an unreachable dependency is a 503 with Retry-After, anything else a bare 500: never a stack.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { NextFunction, Request, Response } from 'express';
import { isGrpcServiceError, ServiceError, WorkflowNotFoundError } from '@temporalio/client';
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

/**
 * A lead stored while Temporal was unreachable has no workflow until the lead reconciler starts it
 * (within a minute): a signal for it now would find none and be dropped, so the caller retries.
 */
export const leadNotStarted = (leadId: string): ProblemError =>
  new ProblemError(
    503,
    'Lead not started yet',
    `lead ${leadId} is stored but its workflow has not started yet (Temporal was unreachable); retry shortly`,
    {},
    { 'Retry-After': '30' },
  );

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
const GRPC_CANCELLED = 1;

/** True for errors that mean Postgres or Temporal cannot be reached right now. */
export function isDependencyUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (PG_UNAVAILABLE.has(code) || code.startsWith('08'))) return true;
  // pg's own messages, without a code: the server went away mid-query; no connection within the
  // pool's timeout; a connection the server ended while we held it between two queries.
  if (/Connection terminated|timeout exceeded when trying to connect|not queryable/i.test(err.message)) return true;
  const grpc = err instanceof ServiceError ? err.cause : err;
  if (!isGrpcServiceError(grpc)) return false;
  // A client on the worker's NativeConnection (make start) reports its deadline as CANCELLED,
  // "Timeout expired", where a grpc-js client says DEADLINE_EXCEEDED.
  const nativeDeadline = grpc.code === GRPC_CANCELLED && grpc.message === 'Timeout expired';
  return grpc.code === GRPC_UNAVAILABLE || grpc.code === GRPC_DEADLINE_EXCEEDED || nativeDeadline;
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

/**
 * Postgres refusing a value (class 22, data exception): a NUL character, a number out of a column's
 * range, text that is not a uuid, a date out of range. Routes validate what they pass on; a value
 * that still gets this far came from the client, so it is a 400, never a 500.
 * https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
const PG_BAD_VALUE = new Set(['22001', '22003', '22007', '22008', '22021', '22P02', '22P05']);

/**
 * What an error thrown before our handlers means for the client: body-parser's (http-errors with
 * `expose`: not JSON, too large, an encoding or charset it cannot read, a body that does not match
 * its Content-Encoding) and the router's for a path that is not valid percent-encoding.
 */
function clientErrorOf(err: unknown): ProblemError | undefined {
  const e = err as { status?: unknown; expose?: unknown; type?: unknown; limit?: unknown; length?: unknown };
  if (err instanceof URIError && e.status === 400)
    return new ProblemError(400, 'Malformed path', 'A path segment is not valid percent-encoding');
  const status = typeof e?.status === 'number' ? e.status : 0;
  if (e?.expose !== true || status < 400 || status >= 500) return undefined;
  switch (e.type) {
    case 'entity.parse.failed':
      return new ProblemError(400, 'Malformed JSON', 'The request body is not valid JSON');
    case 'entity.too.large':
      return new ProblemError(
        413,
        'Payload too large',
        `The body (${String(e.length ?? '?')} bytes) is over this route's limit of ${String(e.limit)} bytes`,
      );
    case 'encoding.unsupported':
      return new ProblemError(415, 'Unsupported content encoding', 'Send the body as it is, or gzip, deflate or br');
    case 'charset.unsupported':
      return new ProblemError(415, 'Unsupported charset', 'Send JSON as UTF-8');
    default:
      return new ProblemError(status, STATUS_CODES[status] ?? 'Bad request', 'The request body cannot be read');
  }
}

/** The last middleware: turns anything thrown into a problem response. */
export function problemHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  if (err instanceof ProblemError) return sendProblem(req, res, err);
  const clientError = clientErrorOf(err);
  if (clientError) return sendProblem(req, res, clientError);
  const pgCode = (err as { code?: unknown })?.code;
  if (typeof pgCode === 'string' && PG_BAD_VALUE.has(pgCode)) {
    // Logged: a route that should have refused the value itself.
    req.log.warn({ err }, 'Postgres refused a value from the request');
    return sendProblem(
      req,
      res,
      new ProblemError(400, 'Bad request', 'A value in the request cannot be stored or looked up'),
    );
  }
  // A signal or update to a workflow that has ended (or not started yet): the resource is not in a
  // state to take it, as for a closed lead.
  if (err instanceof WorkflowNotFoundError)
    return sendProblem(
      req,
      res,
      new ProblemError(409, 'Workflow not running', 'Its workflow is not running: nothing changed'),
    );
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

/**
 * Requests Node's HTTP parser refuses before Express sees them (headers or URL over 16 KB, malformed
 * request lines): answered as problem+json too, instead of Node's bare status line. For a server's
 * `clientError` event; the connection is closed after the answer, as Node's own handler does.
 */
export function problemOnClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const body = JSON.stringify({
    type: 'about:blank',
    title: STATUS_CODES[status],
    status,
    detail: status === 431 ? 'The request line and headers are over 16 KB' : 'The request cannot be parsed as HTTP',
  });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
