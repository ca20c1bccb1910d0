// The dev outbox's browser sign-in: a browser cannot send the API's Authorization header, and a key
// in the URL ends up in logs, history and Referer. Signing in with the ops key sets a cookie that
// holds a token derived from it — never the key itself — valid for a working day and only on the
// outbox's paths (HttpOnly: no script reads it; SameSite=Strict: no other site's form posts with
// it). Stateless, so any API replica accepts it; rotating the ops key ends every session.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { ApiKey } from '../config/dev-secrets';

export const SESSION_COOKIE = 'dev_outbox_session';
export const SESSION_PATH = '/dev/outbox';
const SESSION_SECONDS = 8 * 3600;

const tokenFor = (key: string, expires: number): string =>
  `${expires}.${createHmac('sha256', key).update(`dev-outbox-session:${expires}`).digest('base64url')}`;

/** The Set-Cookie value that signs `key`'s holder in until a working day after `now`. */
export function sessionCookie(key: string, now: Date, secure: boolean): string {
  const expires = Math.floor(now.getTime() / 1000) + SESSION_SECONDS;
  return [
    `${SESSION_COOKIE}=${tokenFor(key, expires)}`,
    `Path=${SESSION_PATH}`,
    `Max-Age=${SESSION_SECONDS}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

/** The Set-Cookie value that signs the browser out. */
export const signedOutCookie = `${SESSION_COOKIE}=; Path=${SESSION_PATH}; Max-Age=0; HttpOnly; SameSite=Strict`;

/** The session cookie's token in a Cookie header, if any. */
function sessionToken(cookieHeader: string | undefined): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return value.join('=');
  }
  return undefined;
}

/** Whether the request carries an unexpired session minted from one of the ops keys. */
export function hasOpsSession(req: Request, keys: ApiKey[], now: Date): boolean {
  const token = sessionToken(req.headers.cookie);
  const expires = Number(token?.split('.')[0]);
  if (!token || !Number.isSafeInteger(expires) || expires <= now.getTime() / 1000) return false;
  const given = Buffer.from(token);
  return keys.some((k) => {
    const expected = Buffer.from(tokenFor(k.key, expires));
    return k.role === 'ops' && expected.length === given.length && timingSafeEqual(expected, given);
  });
}
