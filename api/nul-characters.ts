// NUL (U+0000) is valid in JSON and in a query string but no Postgres text or jsonb value can hold
// it: refused here, for every body and query at once, as a 422 naming each field that holds one,
// instead of each route's schema having to remember it (path ids are checked by their schemas).
import type { NextFunction, Request, Response } from 'express';
import { ProblemError, type FieldError } from './problem';

type Place = { key: string; parent?: Place };
const pathOf = (place: Place | undefined): string => {
  const keys: string[] = [];
  for (let p = place; p; p = p.parent) keys.unshift(p.key.replaceAll('\u0000', '\\u0000'));
  return keys.join('.');
};

/**
 * Where in a parsed value a NUL character sits, in a string or a key. Iterative, and each path is
 * spelled out only when found: a JSON body may nest millions of levels deep.
 */
function nulPaths(root: unknown, rootPlace: Place | undefined): string[] {
  const found: string[] = [];
  const todo: [unknown, Place | undefined][] = [[root, rootPlace]];
  while (todo.length > 0 && found.length < 20) {
    const [value, place] = todo.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) found.push(pathOf(place) || '(body)');
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => todo.push([v, { key: String(i), parent: place }]));
    } else if (value && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        if (key.includes('\u0000')) found.push(pathOf({ key, parent: place }));
        todo.push([v, { key, parent: place }]);
      }
    }
  }
  return found;
}

export function refuseNulCharacters(req: Request, _res: Response, next: NextFunction): void {
  const paths = [...nulPaths(req.query, { key: 'query' }), ...nulPaths(req.body, undefined)];
  if (paths.length === 0) return next();
  const errors: FieldError[] = paths.map((path) => ({ path, message: 'must not contain NUL (U+0000)' }));
  throw new ProblemError(422, 'Validation failed', `${errors.length} field(s) are invalid`, { errors });
}
