/**
 * CORS per tenant, never `*`. Which origins may call depends on the key, known only after
 * authentication, and preflights carry no key at all, so @fastify/cors's static or
 * before-auth options do not fit (docs/adr/0002-cors-per-tenant.md):
 * - a preflight is answered for origins that some active tenant allows (or localhost, which
 *   test publishable keys accept); it grants nothing by itself;
 * - an actual response carries Access-Control-Allow-Origin only when the publishable key's
 *   tenant allows that origin (checked by authentication), or, for an error on a widget
 *   route, when the origin is known, so the widget can read the problem document.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from './types.js';

const ALLOWED_HEADERS = ['authorization', 'content-type', 'x-api-key', 'x-client-key', 'idempotency-key', 'request-id', 'last-event-id', 'probador-session', 'probador-user-token'];
const EXPOSED_HEADERS = 'request-id, ratelimit-limit, ratelimit-remaining, ratelimit-reset, ratelimit-policy, retry-after, location';
const LOCALHOST = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

export function registerCors(app: App, opts: { isKnownOrigin: (origin: string) => Promise<boolean> }) {
  const known = async (origin: string) => LOCALHOST.test(origin) || (await opts.isKnownOrigin(origin));

  const preflight = async (req: FastifyRequest, reply: FastifyReply, origin: string) => {
    reply.header('vary', 'Origin, Access-Control-Request-Headers');
    if (await known(origin)) {
      const requested = String(req.headers['access-control-request-headers'] ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter((h) => ALLOWED_HEADERS.includes(h));
      reply.headers({
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE',
        'access-control-allow-headers': requested.join(', ') || 'content-type',
        'access-control-max-age': '600',
      });
    }
    return reply.code(204).header('content-length', '0').send();
  };

  // Callback-style hooks: requests that are not cross-origin (no Origin header: servers, curl)
  // pass synchronously, without a promise or a microtask turn.
  app.addHook('onRequest', (req, reply, done) => {
    if (req.method !== 'OPTIONS') return done();
    const origin = req.headers.origin?.toLowerCase();
    if (!origin || !req.headers['access-control-request-method']) return done();
    // The reply is sent here: done() is not called (the request ends with the preflight answer).
    preflight(req, reply, origin).catch((e: unknown) => done(e as Error));
  });

  const onSend = async (req: FastifyRequest, reply: FastifyReply, origin: string) => {
    reply.header('vary', 'Origin');
    const p = req.principal;
    const allowed =
      (p?.kind === 'api_key' && p.origin === origin) ||
      (p?.kind === 'end_user' && p.key?.origin === origin) ||
      (reply.statusCode >= 400 && (req.routeOptions.config?.auth === 'key' || req.routeOptions.config?.auth === 'end_user' || req.routeOptions.config?.auth === 'key_or_end_user') && (await known(origin)));
    if (allowed) reply.headers({ 'access-control-allow-origin': origin, 'access-control-expose-headers': EXPOSED_HEADERS });
  };

  app.addHook('onSend', (req, reply, payload, done) => {
    const origin = req.headers.origin?.toLowerCase();
    if (!origin) return done(null, payload);
    onSend(req, reply, origin).then(
      () => done(null, payload),
      (e: unknown) => done(e as Error),
    );
  });
}
