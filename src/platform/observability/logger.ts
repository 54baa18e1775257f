/**
 * The pino logger. Secrets never reach a log: auth headers, cookies, passwords, tokens and keys
 * are redacted wherever they appear, and the request/response serializers log no headers and
 * no bodies (so no image bytes either), and no query string (a key may be put there by mistake);
 * personal path parameters (a shopper id, which may be an email) are redacted from the url.
 */
import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
import type { Principal } from '../http/principal.js';
import { activeTraceId } from './tracing.js';

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

/** Path parameters that are personal data (a shopper id may be an email): never logged. */
const PERSONAL_PARAMS = new Set([':shopper_id']);
const REDACTED = '[redacted]';

/**
 * The path of a request as logged: without its query string, and with personal path parameters
 * replaced by `[redacted]` (taken from the matched route's template, segment by segment). On a
 * path no route matched, a segment that looks like an email is redacted too.
 */
export function loggedPath(url: string, route: string | undefined): string {
  const path = url.split('?')[0]!;
  if (route && route.includes(':')) {
    const tpl = route.split('/');
    if (tpl.some((s) => PERSONAL_PARAMS.has(s))) {
      const sent = path.split('/');
      return tpl.length === sent.length ? tpl.map((s, i) => (PERSONAL_PARAMS.has(s) ? REDACTED : sent[i])).join('/') : route.replace(/:shopper_id\b/g, REDACTED);
    }
  }
  if (path.includes('@') || path.includes('%40')) return path.split('/').map((s) => (s.includes('@') || s.includes('%40') ? REDACTED : s)).join('/');
  return path;
}

const serializers = {
  req: (req: { method: string; url: string; routeOptions?: { url?: string }; ip?: string }) => ({
    method: req.method,
    url: loggedPath(req.url, req.routeOptions?.url),
    route: req.routeOptions?.url,
    ip: req.ip,
  }),
  // Fastify's "request completed" line logs through reply.log, made before authentication, so it
  // lacks the tenant_id/key_id the auth hook binds to request.log: name the caller here instead.
  res: (res: { statusCode: number; request?: { principal?: Principal } }) => {
    const p = res.request?.principal;
    if (p?.kind === 'api_key') return { status: res.statusCode, tenant_id: p.tenantId, key_id: p.keyId };
    if (p?.kind === 'end_user') return { status: res.statusCode, tenant_id: p.tenantId, user_id: p.userId, ...(p.key ? { key_id: p.key.keyId } : {}) };
    if (p?.kind === 'user') return { status: res.statusCode, user_id: p.userId, ...(p.tenantId ? { tenant_id: p.tenantId } : {}) };
    return { status: res.statusCode };
  },
  err: pino.stdSerializers.err,
};

const LOG_CONTEXT = Symbol('probador.logContext');
const LOG_CALLER = Symbol('probador.logCaller');
type WithContext = { [LOG_CONTEXT]?: Record<string, unknown>; [LOG_CALLER]?: Readonly<Record<string, string>> };

/**
 * Name the caller (tenant_id, key_id, user_id) on every line `log` and its children write from now
 * on. Costs nothing until a line is written: the fields are added by the logger's mixin at write
 * time, instead of binding them through `log.child()` on every request (a child re-runs the
 * redactor over its bindings: ~12 µs a request). Children inherit it (pino children are
 * prototype-linked to their parent). `fields` is kept, not copied: pass a constant object.
 */
export function setLogContext(log: Logger, fields: Readonly<Record<string, string>>): void {
  (log as WithContext)[LOG_CALLER] = fields;
}

/**
 * Fastify's per-request logger (its `childLoggerFactory`): a child without bindings whose
 * request_id is added by the mixin when a line is written. A child bound the usual way runs every
 * binding through the redactor's wildcard paths (`*.password` …) at creation: ~10 µs and ~3 KB on
 * every request, logged or not.
 */
export function requestChildLogger(logger: Logger, bindings: Record<string, unknown>, opts: pino.ChildLoggerOptions): Logger {
  const child = logger.child({}, opts);
  (child as WithContext)[LOG_CONTEXT] = bindings;
  return child;
}

// Called for each line written (never for a line below the level). Must return a new object:
// pino merges the line's own fields into it.
const mixin = (_obj: object, _level: number, logger: unknown) => {
  const l = logger as WithContext;
  const ctx = l[LOG_CONTEXT];
  const caller = l[LOG_CALLER];
  const traceId = activeTraceId();
  if (traceId) return { ...ctx, ...caller, trace_id: traceId };
  return ctx || caller ? { ...ctx, ...caller } : {};
};

/**
 * Human-readable lines or JSON: `auto` (LOG_PRETTY's default) picks human-readable lines when
 * stdout is a terminal (someone is reading) and JSON otherwise (a file, a pipe, a log collector).
 */
export function choosePretty(setting: boolean | 'auto' | undefined, stdoutIsTTY: boolean): boolean {
  return setting === 'auto' ? stdoutIsTTY : setting === true;
}

/**
 * pino-pretty's formatter run on this thread: each line is formatted and written to stdout when
 * it is logged (synchronously, in order with the start banner). Not pino's `transport`, which
 * starts a worker thread (~20–30 MB) for it. Loaded only when used.
 */
function prettyStdout(): pino.DestinationStream {
  const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  const format = prettyFactory({ translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' });
  return { write: (line: string) => void process.stdout.write(format(line)) };
}

export function createLogger(opts: { level: string; pretty?: boolean | 'auto'; stream?: NodeJS.WritableStream | undefined }): Logger {
  const base = { level: opts.level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, serializers, mixin };
  if (opts.stream) return pino(base, opts.stream as pino.DestinationStream);
  if (choosePretty(opts.pretty, Boolean(process.stdout.isTTY))) return pino(base, prettyStdout());
  return pino(base);
}
