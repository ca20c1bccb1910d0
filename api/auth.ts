// Bearer API keys with roles: `crm` for the front end, `ops` for managers (CRM_API_KEYS).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { ApiKey } from '../config/dev-secrets';
import type { ApiRole } from '../config/env';
import { ProblemError } from './problem';

declare module 'express-serve-static-core' {
  interface Request {
    role?: ApiRole;
    /** Names the caller's key without revealing it (a hash prefix): what rate limits count by. */
    apiKeyId?: string;
  }
}

function matches(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The configured key equal to `token` (compared in constant time), if any. */
export function findApiKey(keys: ApiKey[], token: string): ApiKey | undefined {
  return keys.find((k) => matches(k.key, token));
}

export function authenticate(keys: ApiKey[]) {
  const idOf = new Map(keys.map((k) => [k, createHash('sha256').update(k.key).digest('hex').slice(0, 16)]));
  return (req: Request, _res: Response, next: NextFunction): void => {
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const found = token ? findApiKey(keys, token) : undefined;
    if (!found) {
      throw new ProblemError(
        401,
        'Unauthorized',
        token ? 'Unknown API key' : 'Send Authorization: Bearer <key>',
        {},
        { 'WWW-Authenticate': 'Bearer' },
      );
    }
    req.role = found.role;
    req.apiKeyId = idOf.get(found);
    next();
  };
}

export function requireRole(...roles: ApiRole[]) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (!req.role || !roles.includes(req.role)) {
      throw new ProblemError(403, 'Forbidden', `This endpoint needs one of the roles: ${roles.join(', ')}`);
    }
    next();
  };
}
