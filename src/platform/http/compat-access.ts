/**
 * Who calls an older API's paths (the older Style backend's `/api/v1/…`: style, accounts). With an API key (`Authorization: Bearer sk_…|pk_…`,
 * `x-api-key` or `x-client-key`) a request is the platform's usual key request: a secret key, or a
 * publishable key from one of its tenant's allowed origins. Without one it acts for the default
 * tenant the operator configured (PROBADOR_STYLE_COMPAT_DEFAULT_TENANT), as if with a publishable
 * key of that tenant: from a browser only on the tenant's allowed origins (CORS as for its
 * publishable keys), from a server freely — so the older React frontend works by changing only its
 * base URL. Unset, a request without a key is refused (401), as everywhere else.
 *
 * Two routes per path and method, told apart by a router constraint on "a key is presented": one
 * with `auth: key` (documented), one with `auth: none` (hidden) that resolves the default tenant.
 * An `Authorization: Bearer` that is not a key (the older frontend's own JWT) counts as no key; on
 * routes made with `endUser`, it is taken as a signed-in end user's access token (a valid one: the
 * request is that user's, in their tenant; an invalid one: 401), as is `probador-user-token` beside
 * a key.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { EndUserPrincipal, KeyPrincipal } from './principal.js';
import type { App } from './types.js';

export const KEY_CONSTRAINT = 'styleCompatKey';

/** What the default tenant is, for its principal and its origins. */
export type CompatTenant = { id: string; active: boolean; allowedOrigins: readonly string[]; tier: string; limits: { perKey: number; perTenant: number } };

const KEY_BEARER = /^\s*Bearer\s+(sk|pk)_/i;

export function presentsKey(headers: Record<string, unknown>): boolean {
  if (headers['x-api-key'] !== undefined || headers['x-client-key'] !== undefined) return true;
  const auth = headers.authorization;
  return typeof auth === 'string' && KEY_BEARER.test(auth);
}

/** The router constraint: derived per request (three header reads) only on servers with these routes. */
export function registerKeyConstraint(app: App) {
  if (app.hasConstraintStrategy(KEY_CONSTRAINT)) return;
  app.addConstraintStrategy({
    name: KEY_CONSTRAINT,
    storage() {
      const handlers = new Map<string, unknown>();
      return { get: (k: string) => (handlers.get(k) ?? null) as never, set: (k: string, v: unknown) => void handlers.set(k, v) };
    },
    deriveConstraint: (req: { headers: Record<string, unknown> }) => (presentsKey(req.headers) ? 'present' : undefined) as never,
    mustMatchWhenDerived: false,
  });
}

/** The default tenant's stand-in principal: a publishable key of that tenant (it sees only its widget session's analyses). */
export async function defaultTenantPrincipal(req: FastifyRequest, tenantId: string | undefined, lookup: (id: string) => Promise<CompatTenant | undefined>): Promise<KeyPrincipal> {
  if (!tenantId) {
    throw new AppError('UNAUTHENTICATED', 'Send an API key as "Authorization: Bearer pk_…" or "sk_…" (this server has no default tenant for the older Style API).');
  }
  const t = await lookup(tenantId);
  if (!t || !t.active) {
    throw new AppError('COMPAT_TENANT_UNAVAILABLE', 'The default tenant configured for the older Style API (PROBADOR_STYLE_COMPAT_DEFAULT_TENANT) does not exist or is inactive; send an API key.');
  }
  const origin = typeof req.headers.origin === 'string' ? req.headers.origin.toLowerCase() : undefined;
  if (origin !== undefined && !t.allowedOrigins.includes(origin)) throw new AppError('ORIGIN_NOT_ALLOWED', `Origin ${origin} is not in the tenant's allowed origins.`);
  return { kind: 'api_key', tenantId: t.id, keyId: 'default-tenant', keyKind: 'publishable', environment: 'live', tier: t.tier, limits: t.limits, ...(origin ? { origin } : {}) };
}

/**
 * A publishable key (or the default tenant) without the widget's `probador-session` header: a
 * session of its own for this request, so what it stores is seen by the tenant's secret key only.
 */
export function ensureWidgetSession(req: FastifyRequest, p: KeyPrincipal) {
  if (p.keyKind === 'publishable' && req.headers['probador-session'] === undefined) req.headers['probador-session'] = randomBytes(18).toString('base64url');
}

/** The caller: a key (or the default tenant's stand-in), or on `endUser` routes a signed-in end user. */
export type DualRouteHandler = (req: FastifyRequest, reply: FastifyReply, p: KeyPrincipal | EndUserPrincipal) => Promise<unknown>;

const callerOf = (req: FastifyRequest): KeyPrincipal | EndUserPrincipal => {
  const p = req.principal;
  if (p?.kind === 'api_key' || p?.kind === 'end_user') return p;
  throw new Error('route expected an API key or end user principal');
};

/**
 * One path and method, twice: with a key (`auth`, documented) and without one (the default
 * tenant, hidden from the OpenAPI document; 401 when none is configured). A `secret` route has no
 * default-tenant twin that works: without a key it is refused. `endUser`: a signed-in end user's
 * token is taken on both (beside a key, or alone instead of the default tenant).
 */
export function dualRoute(
  scope: App,
  r: { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; url: string; auth: 'key' | 'secret'; endUser?: boolean; options: Record<string, unknown>; defaultTenantId: () => string | undefined; lookup: (id: string) => Promise<CompatTenant | undefined> },
  handler: DualRouteHandler,
) {
  registerKeyConstraint(scope);
  const opts = r.options as { schema: Record<string, unknown>; config?: Record<string, unknown> };
  scope.route({
    method: r.method,
    url: r.url,
    constraints: { [KEY_CONSTRAINT]: 'present' },
    ...opts,
    config: { ...opts.config, auth: r.endUser && r.auth === 'key' ? 'key_or_end_user' : r.auth },
    handler: (req: FastifyRequest, reply: FastifyReply) => handler(req, reply, callerOf(req)),
  } as never);
  scope.route({
    method: r.method,
    url: r.url,
    ...opts,
    schema: { ...opts.schema, hide: true },
    config: { ...opts.config, auth: r.endUser ? 'end_user_or_none' : 'none' },
    // Before the body is read: the default tenant (or the refusal), as the auth hook does for keys.
    onRequest: async (req: FastifyRequest) => {
      if (req.principal?.kind === 'end_user') return; // signed in (the auth hook verified the token)
      if (r.auth === 'secret') throw new AppError('UNAUTHENTICATED', 'This needs a secret key: "Authorization: Bearer sk_…".');
      req.principal = await defaultTenantPrincipal(req, r.defaultTenantId(), r.lookup);
    },
    handler: (req: FastifyRequest, reply: FastifyReply) => handler(req, reply, callerOf(req)),
  } as never);
}
