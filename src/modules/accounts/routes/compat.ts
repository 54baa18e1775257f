/**
 * The older Style backend's account paths, over the end users' API (docs/compat/style-api.md):
 * `/api/v1/auth/{register,login,refresh,logout}` with the tenant's key or, without one, the
 * operator's default tenant (platform/http/compat-access.ts), and `/api/v1/users/profile` with the
 * end user's access token. The answers are the new API's (tokens, the end user), so a frontend
 * that stored `access_token` / `refresh_token` keeps working.
 */
import Type from 'typebox';
import { problemResponses } from '../../../../contracts/common.js';
import { TokenPair } from '../../../../contracts/auth.js';
import { EndUserLoginBody, EndUserRefreshBody, EndUserSession, ProfilePatch, RegisterBody } from '../../../../contracts/accounts.js';
import { dualRoute, type CompatTenant } from '../../../platform/http/compat-access.js';
import { endUserPrincipal } from '../../../platform/http/principal.js';
import type { App } from '../../../platform/http/types.js';
import type { AccountsService } from '../service.js';

const tags = ['older style api'];
const withTokens = { secretFields: ['access_token', 'refresh_token'] };

export function accountCompatRoutes(app: App, d: { accounts: AccountsService; defaultTenantId: () => string | undefined; lookup: (id: string) => Promise<CompatTenant | undefined> }) {
  const { accounts } = d;
  const dual = (url: string, options: Record<string, unknown>, handler: Parameters<typeof dualRoute>[2]) =>
    dualRoute(app, { method: 'POST', url, auth: 'key', options: { config: withTokens, ...options }, defaultTenantId: d.defaultTenantId, lookup: d.lookup }, handler);

  dual('/api/v1/auth/register', { schema: { tags, summary: 'Older Style API: sign up (as POST /v1/auth/register)', body: RegisterBody, response: { 201: EndUserSession, ...problemResponses(400, 401, 403, 409, 422, 429, 503) } } }, async (req, reply, p) =>
    reply.code(201).send(await accounts.register(p.tenantId, req.body as never, req.ip)),
  );
  dual('/api/v1/auth/login', { schema: { tags, summary: 'Older Style API: sign in (as POST /v1/auth/login)', body: EndUserLoginBody, response: { 200: EndUserSession, ...problemResponses(400, 401, 403, 429, 503) } } }, async (req, _reply, p) => {
    const b = req.body as { email: string; password: string };
    return accounts.login(p.tenantId, b.email, b.password, req.ip);
  });
  dual('/api/v1/auth/refresh', { schema: { tags, summary: 'Older Style API: new tokens for a refresh token (single use)', body: EndUserRefreshBody, response: { 200: TokenPair, ...problemResponses(400, 401, 403, 503) } } }, async (req, _reply, p) =>
    accounts.refresh(p.tenantId, (req.body as { refresh_token: string }).refresh_token),
  );
  dual('/api/v1/auth/logout', { config: {}, schema: { tags, summary: 'Older Style API: end the session of a refresh token', body: EndUserRefreshBody, response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 503) } } }, async (req, reply, p) => {
    await accounts.logout(p.tenantId, (req.body as { refresh_token: string }).refresh_token);
    return reply.code(204).send(null);
  });

  const profile = { config: { auth: 'end_user' as const } };
  app.get('/api/v1/users/profile', { ...profile, schema: { tags, summary: 'Older Style API: the signed-in end user (as GET /v1/account)', response: { 200: Type.Ref('EndUser'), ...problemResponses(401, 403) } } }, async (req) => {
    const p = endUserPrincipal(req.principal);
    return accounts.getProfile(p.tenantId, p.userId);
  });
  for (const method of ['PUT', 'PATCH'] as const) {
    app.route({
      method,
      url: '/api/v1/users/profile',
      ...profile,
      schema: { tags, summary: `Older Style API: change name, language or preferences (as PATCH /v1/account)`, body: ProfilePatch, response: { 200: Type.Ref('EndUser'), ...problemResponses(400, 401, 403) } },
      handler: async (req) => {
        const p = endUserPrincipal(req.principal);
        return accounts.updateProfile(p.tenantId, p.userId, req.body as never);
      },
    });
  }
}
