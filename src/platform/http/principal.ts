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
 */
export type AuthMode = 'none' | 'secret' | 'key' | 'user' | 'operator';

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
