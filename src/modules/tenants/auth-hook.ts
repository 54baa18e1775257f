/**
 * Authentication for every route, driven by the route's `config.auth`. Keys come as
 * `Authorization: Bearer`, `x-api-key` or the older `x-client-key`; people send their JWT access
 * token as `Authorization: Bearer`. Sets `request.principal` (and, for keys, `request.keyEntry`:
 * the cached tenant/key rows, so a handler needs no second lookup).
 *
 * Callback-style and synchronous when the key is in the in-process cache (the common case): no
 * promise, no microtask turn. Log lines of the request name the caller through setLogContext
 * (bound when a line is written, not per request).
 */
import type { Logger } from 'pino';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { AppError } from '../../platform/errors.js';
import type { App } from '../../platform/http/types.js';
import { END_USER_TOKEN_HEADER, type AuthMode, type EndUserVerifier } from '../../platform/http/principal.js';
import { setLogContext } from '../../platform/observability/logger.js';
import type { KeyAuth, KeyAuthenticator, KeyEntry } from './key-auth.js';
import type { UsersService } from './users-service.js';
import type { RateLimiter } from '../../platform/ratelimit/limiter.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The cached rows behind a key principal (set by authentication). */
    keyEntry: KeyEntry | undefined;
  }
}

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

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const KEY_LIKE = /^\s*(sk|pk)_/;

export function bearer(req: FastifyRequest): string | undefined {
  const auth = header(req, 'authorization');
  if (!auth) return undefined;
  const m = BEARER.exec(auth);
  return m ? m[1] : undefined;
}

/** The API key a request presents: `Authorization: Bearer`, `x-api-key`, or the older `x-client-key`. */
export function presentedKey(req: FastifyRequest): string | undefined {
  return bearer(req) ?? header(req, 'x-api-key') ?? header(req, 'x-client-key');
}

export function registerAuthHook(
  app: App,
  {
    keys,
    users,
    limiter,
    assertTenant,
    endUsers,
  }: {
    keys: KeyAuthenticator;
    users: UsersService;
    limiter: RateLimiter;
    /** Throws TENANT_NOT_FOUND for an unknown id. */ assertTenant: (tenantId: string) => Promise<unknown>;
    /** End users' access tokens (the accounts module); without it `end_user` routes refuse everyone. */
    endUsers?: EndUserVerifier | undefined;
  },
) {
  app.decorateRequest('principal', undefined);
  app.decorateRequest('keyEntry', undefined);
  const rootLog = app.log;

  const keyAuthenticated = (req: FastifyRequest, auth: KeyAuth) => {
    req.principal = auth.principal;
    req.keyEntry = auth.entry;
    if (req.log !== rootLog) setLogContext(req.log as Logger, auth.logFields);
  };

  const refused = async (req: FastifyRequest, e: unknown): Promise<never> => {
    if (e instanceof AppError && e.code === 'INVALID_API_KEY') {
      const d = await limiter.consume(`badkey:${req.ip}`, FAILED_KEY_ATTEMPTS_PER_MINUTE, 60);
      if (!d.allowed) {
        throw new AppError('RATE_LIMITED', 'Too many requests with invalid API keys from this address; wait a minute.', { headers: { 'retry-after': String(Math.ceil(d.resetMs / 1000)) } });
      }
    }
    throw e;
  };

  const userAuth = async (req: FastifyRequest, mode: AuthMode) => {
    const token = bearer(req);
    if (!token) throw new AppError('UNAUTHENTICATED', 'Sign in and send the access token as "Authorization: Bearer …".');
    let principal = await users.verifyAccessToken(token);
    if (mode === 'operator' && principal.role !== 'operator') throw new AppError('FORBIDDEN', 'Only operators can do this.');
    if (mode === 'tenant' && principal.role === 'operator') {
      // An operator acts for the tenant named in the probador-tenant header (tenantIdOf refuses without one).
      const named = header(req, 'probador-tenant')?.trim();
      if (named) {
        // The named tenant must exist: nothing (a webhook endpoint …) is created for a tenant that does not.
        await assertTenant(named);
        principal = { ...principal, tenantId: named };
      }
    }
    req.principal = principal;
    if (req.log !== rootLog) setLogContext(req.log as Logger, { user_id: principal.userId, ...(principal.tenantId ? { tenant_id: principal.tenantId } : {}) });
  };

  /**
   * An end user: their access token as `Authorization: Bearer` (a key may come along in x-api-key /
   * x-client-key), or the key as `Authorization: Bearer` and the token in probador-user-token. A key
   * sent along is checked as on widget routes (publishable from an allowed origin) and must be of
   * the token's tenant.
   */
  const endUserAuth = async (req: FastifyRequest) => {
    const authz = bearer(req);
    const headerToken = header(req, END_USER_TOKEN_HEADER)?.trim() || undefined;
    let token: string | undefined;
    let key: string | undefined;
    if (authz && KEY_LIKE.test(authz)) {
      key = authz;
      token = headerToken;
    } else {
      token = authz ?? headerToken;
      key = header(req, 'x-api-key') ?? header(req, 'x-client-key');
    }
    if (!token || !endUsers) throw new AppError('UNAUTHENTICATED', `Sign in and send the end user's access token as "Authorization: Bearer …" (or in the ${END_USER_TOKEN_HEADER} header beside the key).`);
    let auth: KeyAuth | undefined;
    if (key) {
      try {
        auth = await keys.authenticate(key.trim(), 'key', originOf(req));
      } catch (e) {
        await refused(req, e);
      }
    }
    const p = await endUsers(token);
    // Another store's key with this token: the token is simply not valid here (nothing said about the user).
    if (auth && auth.principal.tenantId !== p.tenantId) throw new AppError('INVALID_TOKEN');
    req.principal = { ...p, key: auth?.principal };
    req.keyEntry = auth?.entry;
    if (req.log !== rootLog) setLogContext(req.log as Logger, { tenant_id: p.tenantId, user_id: p.userId, ...(auth ? auth.logFields : {}) });
  };

  app.addHook('onRequest', (req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const mode = req.routeOptions.config?.auth ?? 'none';
    if (mode === 'none') return done();
    if (mode === 'end_user') return void endUserAuth(req).then(() => done(), done);
    const presented = presentedKey(req);
    if (mode === 'key_or_end_user' || mode === 'end_user_or_none') {
      const authz = bearer(req);
      if (header(req, END_USER_TOKEN_HEADER) || (authz && !KEY_LIKE.test(authz))) return void endUserAuth(req).then(() => done(), done);
      if (mode === 'end_user_or_none') return done();
    }
    // `tenant` routes take a key (as a secret key) or a signed-in person's access token.
    if (mode === 'user' || mode === 'operator' || (mode === 'tenant' && !(presented && KEY_LIKE.test(presented)))) {
      return void userAuth(req, mode).then(() => done(), done);
    }
    if (!presented) return done(new AppError('UNAUTHENTICATED', 'Send your API key as "Authorization: Bearer sk_…" (or the x-api-key header).'));
    let result: KeyAuth | Promise<KeyAuth>;
    try {
      result = keys.authenticate(presented.trim(), mode === 'key' || mode === 'key_or_end_user' ? 'key' : 'secret', originOf(req));
    } catch (e) {
      return void refused(req, e).catch(done);
    }
    if (result instanceof Promise) {
      return void result.then(
        (auth) => {
          keyAuthenticated(req, auth);
          done();
        },
        (e: unknown) => refused(req, e).catch(done),
      );
    }
    keyAuthenticated(req, result);
    done();
  });
}
