/**
 * The older Tryon Backend answered everything as `{success, data, error, timestamp}`. Its routes
 * here keep that shape, errors included: the same AppError the rest of the API turns into
 * problem+json becomes `{success: false, data: null, error: <detail>, code, request_id, timestamp}`
 * with the same HTTP status and headers (Retry-After …). 5xx details stay in the log.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toAppError } from '../../../platform/http/problem.js';
import type { AppError } from '../../../platform/errors.js';
import type { App } from '../../../platform/http/types.js';

export type Envelope = { success: boolean; data: unknown; error: string | null; timestamp: string; code?: string; request_id?: string };

export const ok = (data: unknown, now: number): Envelope => ({ success: true, data, error: null, timestamp: new Date(now).toISOString() });

/** A failure as an envelope: `status` and `code` as given, `data` the record when there is one (a generation that failed). */
export function sendEnvelopeFailure(reply: FastifyReply, request: FastifyRequest, f: { status: number; code: string; message: string; headers?: Record<string, string> | undefined }, now: number, data: unknown = null) {
  reply.header('request-id', request.id);
  if (f.headers) reply.headers(f.headers);
  const body: Envelope = { success: false, data, error: f.message, code: f.code, request_id: request.id, timestamp: new Date(now).toISOString() };
  return reply.code(f.status).type('application/json; charset=utf-8').serializer(JSON.stringify).send(body);
}

export function sendEnvelopeError(reply: FastifyReply, request: FastifyRequest, err: AppError, now: number) {
  const message = err.status >= 500 && err.code === 'INTERNAL' ? 'Something went wrong on our side. Quote the request_id when you report it.' : err.message;
  return sendEnvelopeFailure(reply, request, { status: err.status, code: err.code, message, headers: err.headers }, now);
}

/** Every error of the routes in this scope (authentication, validation, rate limits, handlers) as an envelope. */
export function registerEnvelopeErrors(scope: App, now: () => number) {
  scope.setErrorHandler((err, request, reply) => {
    const appErr = toAppError(err, request);
    if (appErr.status >= 500) request.log.error({ err: appErr.cause ?? err, code: appErr.code }, 'request failed');
    else request.log.info({ code: appErr.code, status: appErr.status }, 'request refused');
    return sendEnvelopeError(reply, request, appErr, now());
  });
}
