/**
 * Who calls the older Style API's paths. With an API key (`Authorization: Bearer sk_…|pk_…`,
 * `x-api-key` or `x-client-key`) a request is the platform's usual key request: a secret key, or a
 * publishable key from one of its tenant's allowed origins. Without one it acts for the default
 * tenant the operator configured (PROBADOR_STYLE_COMPAT_DEFAULT_TENANT), as if with a publishable
 * key of that tenant: from a browser only on the tenant's allowed origins (CORS as for its
 * publishable keys), from a server freely — so the older React frontend works by changing only its
 * base URL. Unset, a request without a key is refused (401), as everywhere else.
 *
 * Two routes per path and method, told apart by a router constraint on "a key is presented": one
 * with `auth: key` (documented), one with `auth: none` (hidden) that resolves the default tenant.
 * An `Authorization: Bearer` that is not a key (the older frontend's own JWT) counts as no key.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../../platform/errors.js';
import type { KeyPrincipal } from '../../../platform/http/principal.js';
import type { App } from '../../../platform/http/types.js';

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
