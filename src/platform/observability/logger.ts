/**
 * The pino logger. Secrets never reach a log: auth headers, cookies, passwords, tokens and keys
 * are redacted wherever they appear, and the request/response serializers log no headers and
 * no bodies (so no image bytes either), and no query string (a key may be put there by mistake).
 */
import pino, { type Logger } from 'pino';
import type { Principal } from '../http/principal.js';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-client-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-client-key"]',
  'password',
  'new_password',
  'current_password',
  'token',
  'refresh_token',
  'access_token',
  'secret',
  'key',
  '*.password',
  '*.token',
  '*.refresh_token',
  '*.access_token',
  '*.secret',
  '*.key',
  '*.secretAccessKey',
  '*.apiKey',
];

const serializers = {
  req: (req: { method: string; url: string; routeOptions?: { url?: string }; ip?: string }) => ({
    method: req.method,
    url: req.url.split('?')[0],
    route: req.routeOptions?.url,
    ip: req.ip,
  }),
  // Fastify's "request completed" line logs through reply.log, made before authentication, so it
  // lacks the tenant_id/key_id the auth hook binds to request.log: name the caller here instead.
  res: (res: { statusCode: number; request?: { principal?: Principal } }) => {
    const p = res.request?.principal;
    if (p?.kind === 'api_key') return { status: res.statusCode, tenant_id: p.tenantId, key_id: p.keyId };
    if (p?.kind === 'user') return { status: res.statusCode, user_id: p.userId, ...(p.tenantId ? { tenant_id: p.tenantId } : {}) };
    return { status: res.statusCode };
  },
  err: pino.stdSerializers.err,
};

export function createLogger(opts: { level: string; pretty?: boolean; stream?: NodeJS.WritableStream | undefined }): Logger {
  const base = { level: opts.level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, serializers };
  if (opts.stream) return pino(base, opts.stream as pino.DestinationStream);
  if (opts.pretty) return pino({ ...base, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } });
  return pino(base);
}
