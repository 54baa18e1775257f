/**
 * Single sign-on (OpenID Connect) for the dashboard's staff: the operator's providers and the
 * browser's sign-in flow. Off until an operator adds a provider: nothing here runs on any other
 * request (no hook; the secret box and the OIDC client load on first use). People and sessions stay
 * the tenants module's: it finds the person by email and makes the session (ports, wired in app.ts).
 */
import type { Deps } from '../../deps.js';
import type { App } from '../../platform/http/types.js';
import { loadSecretBox, type SecretBox } from '../../platform/crypto/secret-box.js';
import { SsoProvider } from '../../../contracts/sso.js';
import { createOidcClients } from './oidc.js';
import { createProvidersService } from './providers.js';
import { createSignIn, type SsoSignInPorts } from './sign-in.js';
import { ssoAuthRoutes } from './routes/auth.js';
import { ssoProviderRoutes } from './routes/providers.js';

export type SsoPorts = SsoSignInPorts & {
  /** Does this store exist (a provider may be for one store)? */
  tenantExists: (tenantId: string) => Promise<boolean>;
};

export function createSsoModule(deps: Deps, ports: SsoPorts) {
  const { config } = deps;
  let box: Promise<SecretBox> | undefined;
  const secretBox = () => (box ??= loadSecretBox(deps.db, { keys: config.secretsKeys, production: config.production, log: deps.log }));
  const oidc = createOidcClients({ allowPrivateHosts: config.fetch.allowPrivateHosts, timeoutMs: config.fetch.timeoutMs, clock: deps.clock });
  const providers = createProvidersService({ db: deps.db, clock: deps.clock, audit: deps.audit, box: secretBox, oidc, tenantExists: ports.tenantExists });
  const signIn = createSignIn({ db: deps.db, clock: deps.clock, log: deps.log, audit: deps.audit, box: secretBox, oidc, providers, ports });
  return {
    providers,
    signIn,
    registerRoutes(app: App) {
      app.addSchema(SsoProvider);
      ssoAuthRoutes(app, { providers, signIn });
      ssoProviderRoutes(app, { providers });
    },
  };
}

export type SsoModule = ReturnType<typeof createSsoModule>;
