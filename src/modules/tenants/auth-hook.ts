/**
 * Authentication for every route, driven by the route's `config.auth`. Keys come as
 * `Authorization: Bearer`, `x-api-key` or the older `x-client-key`; people send their JWT access
 * token as `Authorization: Bearer`. Sets `request.principal`.
 */
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.js';
import type { App } from '../../platform/http/types.js';
import type { KeyAuthenticator } from './key-auth.js';
import type { UsersService } from './users-service.js';
import type { RateLimiter } from '../../platform/ratelimit/limiter.js';

/** Failed key attempts allowed per address and minute before 429 (guessing costs a lookup each). */
export const FAILED_KEY_ATTEMPTS_PER_MINUTE = 30;

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The calling page's origin: the Origin header, or — for a browser's same-origin GET, which carries
 * none — this server's own origin, vouched for by Sec-Fetch-Site (a header pages cannot set).
 * So the widget on a page served by this server (the demo store) can read its config and SSE.
 */
function originOf(req: FastifyRequest): string | undefined {
  const o = header(req, 'origin');
  if (o) return o;
  return header(req, 'sec-fetch-site') === 'same-origin' ? `${req.protocol}://${req.host}` : undefined;
}

export function bearer(req: FastifyRequest): string | undefined {
  const auth = header(req, 'authorization');
  if (!auth) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
  return m ? m[1] : undefined;
}

/** The API key a request presents: `Authorization: Bearer`, `x-api-key`, or the older `x-client-key`. */
export function presentedKey(req: FastifyRequest): string | undefined {
  return bearer(req) ?? header(req, 'x-api-key') ?? header(req, 'x-client-key');
}

export function registerAuthHook(app: App, { keys, users, limiter }: { keys: KeyAuthenticator; users: UsersService; limiter: RateLimiter }) {
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (req) => {
    const mode = req.routeOptions.config?.auth ?? 'none';
    if (mode === 'none') return;
    // `tenant`: a secret key, or a signed-in person's access token (keys are recognisable by their prefix).
    const keyMode = mode === 'tenant' ? (/^\s*(sk|pk)_/.test(presentedKey(req) ?? '') ? 'secret' : undefined) : mode === 'secret' || mode === 'key' ? mode : undefined;
    if (keyMode) {
      const presented = presentedKey(req);
      if (!presented) throw new AppError('UNAUTHENTICATED', 'Send your API key as "Authorization: Bearer sk_…" (or the x-api-key header).');
      try {
        req.principal = await keys.authenticate(presented.trim(), keyMode, originOf(req));
      } catch (e) {
        if (e instanceof AppError && e.code === 'INVALID_API_KEY') {
          const d = await limiter.consume(`badkey:${req.ip}`, FAILED_KEY_ATTEMPTS_PER_MINUTE, 60);
          if (!d.allowed) {
            throw new AppError('RATE_LIMITED', 'Too many requests with invalid API keys from this address; wait a minute.', { headers: { 'retry-after': String(Math.ceil(d.resetMs / 1000)) } });
          }
        }
        throw e;
      }
      req.log = req.log.child({ tenant_id: req.principal.tenantId, key_id: req.principal.keyId });
      return;
    }
    const token = bearer(req);
    if (!token) throw new AppError('UNAUTHENTICATED', 'Sign in and send the access token as "Authorization: Bearer …".');
    const principal = await users.verifyAccessToken(token);
    if (mode === 'operator' && principal.role !== 'operator') throw new AppError('FORBIDDEN', 'Only operators can do this.');
    // An operator acts for the tenant named in probador-tenant (tenantIdOf refuses without one).
    const named = mode === 'tenant' && principal.role === 'operator' ? req.headers['probador-tenant'] : undefined;
    req.principal = typeof named === 'string' && named.trim() ? { ...principal, tenantId: named.trim() } : principal;
    req.log = req.log.child({ user_id: principal.userId, ...(principal.tenantId ? { tenant_id: principal.tenantId } : {}) });
  });
}
