// What pino-http writes about each request and response, without the secrets they can carry: API
// keys and session cookies in headers, a key or token someone put in a query string (an old
// `/dev/outbox?key=…` bookmark), a session handed out in Set-Cookie. Log lines are read by more
// people, and kept longer, than the keys are meant to be.

const REDACTED = '[redacted]';
/** Headers that carry credentials, by name. */
const SECRET_HEADER =
  /^(authorization|proxy-authorization|cookie|set-cookie)$|api[-_]?key|token|secret|session|password/i;
/** Query parameters that look like credentials, by name. */
const SECRET_PARAM = /key|token|secret|passw|session|signature|^sig$|^code$|auth|credential/i;

type Fields = Record<string, unknown>;

const redactFields = (fields: unknown, secret: RegExp): unknown =>
  fields && typeof fields === 'object'
    ? Object.fromEntries(Object.entries(fields as Fields).map(([k, v]) => [k, secret.test(k) ? REDACTED : v]))
    : fields;

/** The URL with each secret-looking query parameter's value replaced; everything else as it came. */
export function redactUrl(url: unknown): unknown {
  if (typeof url !== 'string' || !url.includes('?')) return url;
  const at = url.indexOf('?');
  const query = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const name = pair.split('=')[0]!;
      let decoded: string;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        decoded = name;
      }
      return SECRET_PARAM.test(decoded) ? `${name}=${REDACTED}` : pair;
    });
  return `${url.slice(0, at)}?${query.join('&')}`;
}

/** pino-http's serializers (wrapped: each gets pino's standard form of the request or response). */
export const requestLogSerializers = {
  req: (req: Fields): Fields => ({
    ...req,
    url: redactUrl(req.url),
    query: redactFields(req.query, SECRET_PARAM),
    headers: redactFields(req.headers, SECRET_HEADER),
  }),
  res: (res: Fields): Fields => ({ ...res, headers: redactFields(res.headers, SECRET_HEADER) }),
};
