/**
 * A SERVER span per request (child of the caller's `traceparent`, if any), active while the
 * request is handled so jobs it enqueues and calls it makes join its trace; registered only when
 * tracing is on (platform/observability/tracing.ts). The trace id is answered in `traceparent`
 * and in problem+json.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { tracer } from '../observability/tracing.js';

const SPAN = Symbol('probador.span');
type Traced = FastifyRequest & { [SPAN]?: Span };

/** The request's trace id, when it is traced. */
export function requestTraceId(req: FastifyRequest): string | undefined {
  return (req as Traced)[SPAN]?.spanContext().traceId;
}

export function registerTracingHooks(app: FastifyInstance) {
  app.addHook('onRequest', (req, reply, done) => {
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const route = req.routeOptions.url ?? 'unmatched';
    const span = tracer().startSpan(`${req.method} ${route}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'http.route': route, 'probador.request_id': String(req.id) } }, parent);
    (req as Traced)[SPAN] = span;
    const ctx = trace.setSpan(parent, span);
    const out: Record<string, string> = {};
    propagation.inject(ctx, out);
    if (out.traceparent) reply.header('traceparent', out.traceparent);
    context.with(ctx, done);
  });
  app.addHook('onResponse', (req, reply, done) => {
    const span = (req as Traced)[SPAN];
    if (span) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      const tenant = (req.principal as { tenantId?: string | null } | undefined)?.tenantId;
      if (tenant) span.setAttribute('probador.tenant_id', tenant);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  });
}
