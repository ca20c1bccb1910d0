// Bearer API keys with roles: `crm` for the front end, `ops` for managers (CRM_API_KEYS).
import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { ApiKey } from '../config/dev-secrets';
import type { ApiRole } from '../config/env';
import { ProblemError } from './problem';

declare module 'express-serve-static-core' {
  interface Request {
    role?: ApiRole;
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
