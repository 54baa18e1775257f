/**
 * Tenants: stores, their API keys, operator and tenant users, limits and usage.
 * Other modules use only what this file exports.
 */
import type { Deps } from '../../deps.js';
import type { App } from '../../platform/http/types.js';
import type { EndUserVerifier } from '../../platform/http/principal.js';
import { createTenantsService } from './service.js';
import { createKeyAuthenticator } from './key-auth.js';
import { createUsersService } from './users-service.js';
import { createUsageService } from './usage.js';
import { registerAuthHook } from './auth-hook.js';
import { authRoutes } from './routes/auth.js';
import { tenantRoutes } from './routes/tenants.js';
import { keyRoutes } from './routes/keys.js';
import { userRoutes } from './routes/users.js';
import { meRoutes } from './routes/me.js';
import { allAllowedOrigins } from './repository.js';
import { auditLabels } from './audit-labels.js';

export function createTenantsModule(deps: Deps) {
  const keys = createKeyAuthenticator({ db: deps.db, clock: deps.clock, pubsub: deps.pubsub, ttlMs: deps.config.keyCacheTtlMs, log: deps.log });
  const tenants = createTenantsService({ db: deps.db, clock: deps.clock, events: { invalidate: (m) => keys.invalidate(m) }, audit: deps.audit });
  const users = createUsersService({ db: deps.db, clock: deps.clock, accessTtlS: deps.config.accessTokenTtlS, refreshTtlS: deps.config.refreshTokenTtlS, audit: deps.audit });
  const usage = createUsageService({ db: deps.db, clock: deps.clock });
  return {
    tenants,
    keys,
    users,
    usage,
    /** Every active tenant's allowed origins (for CORS preflights, which carry no key). */
    allowedOrigins: () => allAllowedOrigins(deps.db),
    /** The audit trail's labels for people and keys (platform/audit's `AuditLabels` port). */
    auditLabels: (viewerTenant: string | null, actors: { kind: string; id: string }[]) => auditLabels(deps.db, viewerTenant, actors),
    async start() {
      await keys.start();
    },
    /** The authentication hook: register before any route of any module. */
    registerAuth(app: App, opts: { endUsers?: EndUserVerifier } = {}) {
      registerAuthHook(app, { keys, users, limiter: deps.limiter, assertTenant: (id) => tenants.getTenant(id), endUsers: opts.endUsers });
    },
    registerRoutes(app: App) {
      authRoutes(app, { users, limiter: deps.limiter });
      tenantRoutes(app, { tenants });
      keyRoutes(app, { tenants, clock: deps.clock });
      userRoutes(app, { users, tenants });
      meRoutes(app, { usage, clock: deps.clock });
    },
    async close() {
      await keys.close();
    },
  };
}

export type TenantsModule = ReturnType<typeof createTenantsModule>;
export { effectiveLimits, TIER_LIMITS } from './limits.js';
export type { TenantRow, ApiKeyRow, Tier, Retention, UserRole } from './tables.js';
export type { SsoCandidate } from './users-service.js';
export { presentTenant, presentKey } from './service.js';
export { purgeRefreshTokens } from './maintenance.js';
export { checkedSettings } from './settings.js';
/** Published on when a tenant or its keys change (the payload names the tenant): other modules' caches of a tenant drop it. */
export { INVALIDATE_CHANNEL as TENANTS_CHANGED_CHANNEL } from './key-auth.js';
