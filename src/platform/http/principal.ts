import { AppError } from '../errors.js';

/**
 * Who is calling. Set by the tenants module's authentication hook, read by the platform's
 * rate limiter and by every handler. Routes declare what they accept in `config.auth`.
 */
export type KeyPrincipal = {
  kind: 'api_key';
  tenantId: string;
  keyId: string;
  keyKind: 'secret' | 'publishable';
  environment: 'live' | 'test';
  tier: string;
  /** Effective per-minute limits (tier default or tenant override). */
  limits: { perKey: number; perTenant: number };
  /** The browser origin a publishable key was used from (checked against the tenant's list). */
  origin?: string | undefined;
};

export type UserPrincipal = {
  kind: 'user';
  userId: string;
  role: 'operator' | 'owner' | 'member';
  tenantId: string | null;
  sessionId: string;
};

/**
 * A tenant's end user (modules/accounts), signed in with their own access token, which names the
 * tenant and the session. `key` is the tenant's API key when the request also carried one (a widget:
 * the publishable key from an allowed origin plus the user's token); its tenant is the token's.
 */
export type EndUserPrincipal = {
  kind: 'end_user';
  tenantId: string;
  userId: string;
  sessionId: string;
  key?: KeyPrincipal | undefined;
};

export type Principal = KeyPrincipal | UserPrincipal | EndUserPrincipal;

/** Verifies an end user's access token (served by the accounts module, wired in app.ts). */
export type EndUserVerifier = (token: string) => Promise<Omit<EndUserPrincipal, 'key'>>;

/** The header that carries an end user's access token when `Authorization` carries the API key. */
export const END_USER_TOKEN_HEADER = 'probador-user-token';

/**
 * What a route accepts:
 * - `none`: public (health, docs)
 * - `secret`: a secret key (sk_…) only
 * - `key`: a secret key, or a publishable key from an allowed origin (widget endpoints)
 * - `user`: a signed-in operator or tenant user (dashboard, admin API)
 * - `operator`: a signed-in operator only
 * - `end_user`: a signed-in end user of a tenant: their access token as `Authorization: Bearer`
 *   (optionally with the tenant's key in `x-api-key`), or the key as `Authorization: Bearer` and the
 *   token in `probador-user-token` (docs/architecture.md, "End users")
 * - `key_or_end_user`: as `key`, or a signed-in end user as `end_user` (the style endpoints: what a
 *   signed-in person makes is theirs); a request carrying `probador-user-token`, or a Bearer that is
 *   not a key, is taken as an end user's
 * - `tenant`: a secret key, or a signed-in person acting for one tenant (dashboard): a tenant
 *   user for their own tenant, an operator for the tenant named in the `probador-tenant` header
 * - `end_user_or_none`: a signed-in end user as `end_user` when a token is presented (an invalid one
 *   is refused), else nobody: the route decides (the older Style API's paths without a key, which
 *   then act for the default tenant: platform/http/compat-access.ts)
 */
export type AuthMode = 'none' | 'secret' | 'key' | 'user' | 'operator' | 'tenant' | 'end_user' | 'key_or_end_user' | 'end_user_or_none';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
  interface FastifyContextConfig {
    auth?: AuthMode;
  }
}

export function keyPrincipal(p: Principal | undefined): KeyPrincipal {
  if (!p || p.kind !== 'api_key') throw new Error('route expected an API key principal');
  return p;
}

export function endUserPrincipal(p: Principal | undefined): EndUserPrincipal {
  if (!p || p.kind !== 'end_user') throw new Error('route expected an end user principal');
  return p;
}

export function userPrincipal(p: Principal | undefined): UserPrincipal {
  if (!p || p.kind !== 'user') throw new Error('route expected a user principal');
  return p;
}

/**
 * The tenant a `tenant`-mode request acts for: the key's tenant, or the signed-in person's (an
 * operator's is the `probador-tenant` header, set by the auth hook). Members may only read.
 */
export function tenantIdOf(p: Principal | undefined, need: 'read' | 'write' = 'read'): string {
  if (!p) throw new Error('route expected a principal');
  if (p.kind === 'api_key') return p.tenantId;
  if (p.kind === 'end_user') throw new Error('tenant routes do not take end users');
  if (!p.tenantId) throw new AppError('VALIDATION_FAILED', 'Operators name the tenant in the probador-tenant header.');
  if (need === 'write' && p.role === 'member') throw new AppError('FORBIDDEN', 'Only the tenant owner can do this.');
  return p.tenantId;
}

/**
 * A `key_or_end_user` route's caller: the key's tenant, or the signed-in end user's (with the key
 * that came along, if any). `userId` is null for a key alone.
 */
export function keyOrEndUser(p: Principal | undefined): { tenantId: string; keyId: string | null; environment: 'live' | 'test'; userId: string | null; key: KeyPrincipal | undefined } {
  if (p?.kind === 'api_key') return { tenantId: p.tenantId, keyId: p.keyId, environment: p.environment, userId: null, key: p };
  if (p?.kind === 'end_user') return { tenantId: p.tenantId, keyId: p.key?.keyId ?? null, environment: p.key?.environment ?? 'live', userId: p.userId, key: p.key };
  throw new Error('route expected an API key or end user principal');
}

/** The ownership scope of a signed-in end user's records in tables that scope by a widget session (never a sha256 hex). */
export const endUserScope = (userId: string) => `user:${userId}`;
