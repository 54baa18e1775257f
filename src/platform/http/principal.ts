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

export type Principal = KeyPrincipal | UserPrincipal;

/**
 * What a route accepts:
 * - `none`: public (health, docs)
 * - `secret`: a secret key (sk_…) only
 * - `key`: a secret key, or a publishable key from an allowed origin (widget endpoints)
 * - `user`: a signed-in operator or tenant user (dashboard, admin API)
 * - `operator`: a signed-in operator only
 * - `tenant`: a secret key, or a signed-in person acting for one tenant (dashboard): a tenant
 *   user for their own tenant, an operator for the tenant named in the `probador-tenant` header
 */
export type AuthMode = 'none' | 'secret' | 'key' | 'user' | 'operator' | 'tenant';

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
  if (!p.tenantId) throw new AppError('VALIDATION_FAILED', 'Operators name the tenant in the probador-tenant header.');
  if (need === 'write' && p.role === 'member') throw new AppError('FORBIDDEN', 'Only the tenant owner can do this.');
  return p.tenantId;
}
