// One span per API request while tracing is on (temporal/tracing.ts): the parent of whatever the
// request does in Temporal — the client interceptor carries it into the workflow start —, so a
// lead's trace begins at its POST. A caller's W3C `traceparent` makes the request part of its trace.
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { RequestHandler } from 'express';

export function traceRequests(): RequestHandler {
  const tracer = trace.getTracer('crm-api');
  return (req, res, next) => {
    const parent = propagation.extract(context.active(), req.headers);
    // Named by method until the route is known: the path holds ids, and its query may hold a secret.
    const span = tracer.startSpan(
      req.method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method } },
      parent,
    );
    res.once('close', () => {
      // The matched route's pattern (`/api/v1/leads/:id`), known once a route has handled the request.
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : undefined;
      if (route) {
        span.updateName(`${req.method} ${route}`);
        span.setAttribute('http.route', route);
      }
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}
