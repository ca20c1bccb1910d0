// Which errors the API answers with 503 + Retry-After (a backing service is unreachable or slow),
// not 500: api/problem.ts isDependencyUnavailable. The integration tests reach the common codes;
// the native client's deadline ('Timeout expired', CANCELLED) shows only now and then, so its
// shape is checked here.
import { ServiceError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { isDependencyUnavailable } from '../../api/problem';

/** A gRPC failure as both Temporal clients report it: a ServiceError whose cause has code, details, metadata. */
function grpcFailure(code: number, details: string): ServiceError {
  const cause = Object.assign(new Error(details), { code, details, metadata: {} });
  return new ServiceError('Failed to describe workflow', { cause });
}

describe('isDependencyUnavailable', () => {
  it.each([
    ['UNAVAILABLE', 14, 'connection refused', true],
    ['DEADLINE_EXCEEDED (grpc-js, or the server)', 4, 'context deadline exceeded', true],
    ["CANCELLED 'Timeout expired' (the worker's NativeConnection past its deadline)", 1, 'Timeout expired', true],
    ['CANCELLED for another reason', 1, 'h2 protocol error: http2 error', false],
    ['NOT_FOUND', 5, 'workflow not found', false],
    ['INVALID_ARGUMENT', 3, 'bad request', false],
  ])('%s → %s', (_name, code, details, unavailable) => {
    expect(isDependencyUnavailable(grpcFailure(code, details))).toBe(unavailable);
  });

  it('Postgres unreachable (class 08, 57P0x) → true; a constraint violation → false', () => {
    expect(isDependencyUnavailable(Object.assign(new Error('connection failure'), { code: '08006' }))).toBe(true);
    expect(isDependencyUnavailable(Object.assign(new Error('admin shutdown'), { code: '57P01' }))).toBe(true);
    expect(isDependencyUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isDependencyUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDependencyUnavailable('not an error')).toBe(false);
  });
});
