/**
 * The one error handler: every failure leaves as application/problem+json
 * `{ type, title, status, detail, code, request_id }`. 5xx details are logged, never shown.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERRORS, type ErrorCode, isAppError, problemType } from '../errors.js';
import type { ErrorReporter } from '../observability/error-reports.js';
import { requestTraceId } from './tracing-hooks.js';

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
};

const BY_STATUS: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'BODY_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'OVERLOADED',
};

export function toAppError(err: unknown, request?: FastifyRequest): AppError {
  if (isAppError(err)) return err;
  const e = err as FastifyError & { validation?: { instancePath?: string; message?: string; params?: unknown }[]; validationContext?: string };
  if (e?.validation) {
    const errors = e.validation.map((v) => ({ in: e.validationContext ?? 'body', path: v.instancePath || '/', message: v.message }));
    const first = errors[0];
    return new AppError('VALIDATION_FAILED', first ? `${first.in}${first.path === '/' ? '' : first.path}: ${first.message}` : undefined, { extra: { errors } });
  }
  if (e instanceof SyntaxError || (e?.statusCode === 400 && /JSON/i.test(e.message ?? ''))) {
    return new AppError('MALFORMED_JSON', 'The body could not be parsed as JSON.');
  }
  const mapped = e?.code ? FASTIFY_CODES[e.code] : undefined;
  if (mapped === 'UNSUPPORTED_MEDIA_TYPE') {
    // Fastify's message does not name the type; take it from the request (media type only, bounded).
    const type = String(request?.headers['content-type'] ?? '').split(';')[0]!.trim().slice(0, 100);
    return new AppError(mapped, `Content type ${type || '(none)'} is not supported here; send application/json.`);
  }
  if (mapped) return new AppError(mapped);
  // Text PostgreSQL cannot store (a NUL character) that reached a query through a query string or path.
  const state = sqlState(err);
  if (state === '22021' || state === '22P05') return new AppError('VALIDATION_FAILED', 'Text in the request must not contain NUL characters.');
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) return new AppError(BY_STATUS[status] ?? 'VALIDATION_FAILED', e.message);
  return new AppError('INTERNAL', undefined, { cause: err });
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, err: AppError) {
  // Framework-level refusals skip the hooks: set the request id here too.
  reply.header('request-id', request.id);
  const body: Record<string, unknown> = {
    type: problemType(err.code),
    title: err.title,
    status: err.status,
    detail: err.status >= 500 && err.code === 'INTERNAL' ? 'Something went wrong on our side. Quote the request_id when you report it.' : err.message,
    code: err.code,
    request_id: request.id,
    ...err.extra,
  };
  const traceId = requestTraceId(request);
  if (traceId) body.trace_id = traceId;
  if (err.headers) reply.headers(err.headers);
  // Plain JSON, not the route's response schema: that schema's serializer drops the members it does
  // not list (`scope` of RATE_LIMITED, `quota` and `period` of QUOTA_EXCEEDED …). The body is built
  // here from known fields only, so nothing unexpected can slip out.
  return reply.code(err.status).type('application/problem+json; charset=utf-8').serializer(JSON.stringify).send(body);
}

/** Deeper JSON than this is refused: serializing it (to the database, to a response) would overflow the stack. */
export const MAX_JSON_DEPTH = 64;

/** How deeply a parsed JSON value nests, and whether any string in it holds a NUL (PostgreSQL cannot store one). Iterative. */
function inspectJson(value: unknown): { depth: number; nul: boolean } {
  let depth = 0;
  let nul = false;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) nul = true;
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (d > depth) depth = d;
    if (depth > MAX_JSON_DEPTH) break;
    for (const [k, child] of Object.entries(v)) {
      if (k.includes('\u0000')) nul = true;
      stack.push([child, d + 1]);
    }
  }
  return { depth, nul };
}

/** PostgreSQL's SQLSTATE of a driver error, looked up through Drizzle's wrapping `cause`. */
function sqlState(err: unknown): string | undefined {
  for (let e = err, i = 0; e && i < 4; e = (e as { cause?: unknown }).cause, i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

export function registerProblemHandlers(app: FastifyInstance, errors?: ErrorReporter) {
  // The API speaks JSON only. Fastify also parses text/plain by default, which turned a text body
  // into a confusing 400 "must be object"; without the parser it is a clear 415.
  app.removeContentTypeParser('text/plain');
  // Fastify's own JSON parser (proto/constructor poisoning refused), plus two refusals of input the
  // rest of the stack cannot handle and would answer with a 500: very deep nesting and NUL characters.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) =>
    parseJson(req, body as string, (err, value) => {
      if (err) return done(err, undefined);
      const { depth, nul } = inspectJson(value);
      if (depth > MAX_JSON_DEPTH) return done(new AppError('VALIDATION_FAILED', `The JSON body nests deeper than ${MAX_JSON_DEPTH} levels.`), undefined);
      if (nul) return done(new AppError('VALIDATION_FAILED', 'Text in the body must not contain NUL characters (\\u0000).'), undefined);
      done(null, value);
    }),
  );
  app.setErrorHandler((err, request, reply) => {
    const appErr = toAppError(err, request);
    if (appErr.status >= 500) {
      request.log.error({ err: appErr.cause ?? err, code: appErr.code }, 'request failed');
      if (errors?.enabled) {
        const p = request.principal as { tenantId?: string | null } | undefined;
        errors.capture(appErr.cause ?? err, { requestId: request.id, tenantId: p?.tenantId ?? null, method: request.method, route: request.routeOptions?.url, status: appErr.status });
      }
    }
    else request.log.info({ code: appErr.code, status: appErr.status }, 'request refused');
    return sendProblem(reply, request, appErr);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request, new AppError('ROUTE_NOT_FOUND', `No endpoint ${request.method} ${request.url.split('?')[0]}.`)),
  );
}

/** Schema of a problem document, for route response declarations. */
export const problemCodes = Object.keys(ERRORS) as ErrorCode[];
