/**
 * Single sign-on, the browser's side: the providers' names for the sign-in page, start and
 * callback (both answer with redirects), and the exchange of the one-time code for a session.
 */
import Type from 'typebox';
import { problemResponses } from '../../../../contracts/common.js';
import { LoginResponse } from '../../../../contracts/auth.js';
import { PublicSsoProviders, SSO_SLUG, SsoCallbackQuery, SsoExchangeBody } from '../../../../contracts/sso.js';
import { auditRequestOf } from '../../../platform/audit/index.js';
import type { App } from '../../../platform/http/types.js';
import type { ProvidersService } from '../providers.js';
import type { SsoSignIn } from '../sign-in.js';

const tags = ['auth'];
const ProviderParam = Type.Object({ provider: Type.String({ pattern: SSO_SLUG, description: 'The provider’s slug' }) });
const Redirect = (description: string) => ({ 302: Type.Null({ description }) });

export function ssoAuthRoutes(app: App, { providers, signIn }: { providers: ProvidersService; signIn: SsoSignIn }) {
  app.get(
    '/admin/v1/auth/oidc/providers',
    { schema: { tags, summary: 'The single sign-on providers (names only), for the sign-in page', response: { 200: PublicSsoProviders, ...problemResponses(400) } } },
    async () => ({ object: 'list' as const, data: await providers.publicList(), has_more: false }),
  );

  app.get(
    '/admin/v1/auth/oidc/:provider/start',
    {
      schema: {
        tags,
        summary: 'Start signing in with a provider: redirects to it (authorization code + PKCE, state, nonce)',
        description: 'Sets a short-lived HttpOnly attempt cookie. On failure redirects to `/dashboard/login#sso_error=<code>`.',
        params: ProviderParam,
        response: { ...Redirect('To the identity provider, or back to the sign-in page with `#sso_error=<code>`'), ...problemResponses(400) },
      },
    },
    async (req, reply) => {
      const r = await signIn.start(req.params.provider, app.linkBase());
      return reply.header('set-cookie', r.setCookie).redirect(r.location, 302);
    },
  );

  app.get(
    '/admin/v1/auth/oidc/:provider/callback',
    {
      schema: {
        tags,
        summary: 'The provider sends the browser back here: redirects to the dashboard with a one-time code',
        description:
          'Checks state (against the attempt cookie), exchanges the code with the PKCE verifier, checks the ID token and nonce, requires a verified email of an existing account or invitation and the allowed domains. Redirects to `/dashboard/login#sso_code=<one-time code>` or `#sso_error=<code>`.',
        params: ProviderParam,
        querystring: SsoCallbackQuery,
        response: { ...Redirect('To the dashboard with `#sso_code=…` or `#sso_error=…`'), ...problemResponses(400) },
      },
    },
    async (req, reply) => {
      const raw = req.raw.url ?? '';
      const q = raw.indexOf('?');
      const r = await signIn.callback(req.params.provider, q < 0 ? '' : raw.slice(q), req.headers.cookie, app.linkBase(), auditRequestOf(req));
      return reply.header('set-cookie', r.setCookie).redirect(r.location, 302);
    },
  );

  app.post(
    '/admin/v1/auth/oidc/exchange',
    {
      schema: {
        tags,
        summary: 'Exchange the one-time code from a single sign-on for tokens (as a password sign-in answers)',
        body: SsoExchangeBody,
        response: { 200: LoginResponse, ...problemResponses(400, 401, 403) },
      },
    },
    async (req) => signIn.exchange(req.body.code, auditRequestOf(req)),
  );
}
