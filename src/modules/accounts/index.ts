/**
 * End users of a tenant (`usr_`): people who keep a style profile or sign in on a store's page.
 * Not the dashboard's staff (tenants module). Other modules use only what this file exports:
 * `registerUserData` adds their part to an end user's export and erasure, and the service's
 * tenant-first functions serve other front doors (the older Style API's paths).
 */
import type { Deps } from '../../deps.js';
import type { App } from '../../platform/http/types.js';
import { EndUser } from '../../../contracts/accounts.js';
import { createAccountsService } from './service.js';
import { createUserDataRegistry, type UserDataContributor } from './user-data.js';
import { accountAuthRoutes } from './routes/auth.js';
import { accountRoutes } from './routes/account.js';
import { storeRoutes } from './routes/store.js';
import { accountCompatRoutes } from './routes/compat.js';
import type { CompatTenant } from '../../platform/http/compat-access.js';

export type AccountsPorts = {
  /** Is the tenant active (a cached view: a deactivated store's end users stop at once). */
  tenantActive: (tenantId: string) => Promise<boolean>;
  /** The older Style API's default tenant (requests without a key), as the style module's compat paths see it. */
  compatTenant: (tenantId: string) => Promise<CompatTenant | undefined>;
};

export function createAccountsModule(deps: Deps, ports: AccountsPorts) {
  const registry = createUserDataRegistry();
  const accounts = createAccountsService({
    db: deps.db,
    clock: deps.clock,
    pubsub: deps.pubsub,
    limiter: deps.limiter,
    mail: deps.mail,
    log: deps.log,
    accessTtlS: deps.config.accessTokenTtlS,
    refreshTtlS: deps.config.refreshTokenTtlS,
    registry,
    audit: deps.audit,
    tenantActive: ports.tenantActive,
  });
  return {
    service: accounts,
    /** For the auth hook: an end user's access token → principal (or INVALID_TOKEN / TENANT_INACTIVE). */
    verifyAccessToken: (token: string) => accounts.verifyAccessToken(token),
    /** Another module's part of an end user's data, for export and erasure. */
    registerUserData: (c: UserDataContributor) => registry.register(c),
    start: () => accounts.start(),
    registerRoutes(app: App) {
      app.addSchema(EndUser);
      accountAuthRoutes(app, { accounts });
      accountRoutes(app, { accounts });
      storeRoutes(app, { accounts });
      accountCompatRoutes(app, { accounts, defaultTenantId: () => deps.config.style.compatDefaultTenant, lookup: ports.compatTenant });
    },
    close: () => accounts.close(),
  };
}

export type AccountsModule = ReturnType<typeof createAccountsModule>;
export type { UserDataContributor } from './user-data.js';
export type { AccountsService } from './service.js';
export { presentEndUser, LOGIN_LIMITS, RESET_LIMITS, RESET_TTL_MIN, PREFERENCES_MAX_BYTES } from './service.js';
export type { EndUserRow, Language } from './tables.js';
/** Housekeeping (worker maintenance): end users' refresh and reset tokens spent more than a day ago. */
export { purgeSpentTokens as purgeEndUserTokens } from './repository.js';
