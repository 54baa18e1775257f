/**
 * The one error handler: every failure leaves as application/problem+json
 * `{ type, title, status, detail, code, request_id }`. 5xx details are logged, never shown.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERRORS, type ErrorCode, isAppError, problemType } from '../errors.js';

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
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'OVERLOADED',
};

export function toAppError(err: unknown): AppError {
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
  if (mapped) return new AppError(mapped, mapped === 'UNSUPPORTED_MEDIA_TYPE' ? `Content type ${e.message.split(': ').pop() ?? ''} is not supported here.` : undefined);
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) return new AppError(BY_STATUS[status] ?? 'VALIDATION_FAILED', e.message);
  return new AppError('INTERNAL', undefined, { cause: err });
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, err: AppError) {
  const body: Record<string, unknown> = {
    type: problemType(err.code),
    title: err.title,
    status: err.status,
    detail: err.status >= 500 && err.code === 'INTERNAL' ? 'Something went wrong on our side. Quote the request_id when you report it.' : err.message,
    code: err.code,
    request_id: request.id,
    ...err.extra,
  };
  if (err.headers) reply.headers(err.headers);
  return reply.code(err.status).type('application/problem+json; charset=utf-8').send(body);
}

export function registerProblemHandlers(app: FastifyInstance) {
  app.setErrorHandler((err, request, reply) => {
    const appErr = toAppError(err);
    if (appErr.status >= 500) request.log.error({ err: appErr.cause ?? err, code: appErr.code }, 'request failed');
    else request.log.info({ code: appErr.code, status: appErr.status }, 'request refused');
    return sendProblem(reply, request, appErr);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request, new AppError('ROUTE_NOT_FOUND', `No endpoint ${request.method} ${request.url.split('?')[0]}.`)),
  );
}

/** Schema of a problem document, for route response declarations. */
export const problemCodes = Object.keys(ERRORS) as ErrorCode[];
