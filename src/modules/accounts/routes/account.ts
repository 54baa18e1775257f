/**
 * A signed-in end user's own account (`auth: 'end_user'`): profile, password, sessions, export and
 * deletion. Only ever the caller's own data: there is no user id in these paths.
 */
import Type from 'typebox';
import { IdParam, problemResponses } from '../../../../contracts/common.js';
import { AccountExport, ChangePasswordBody, DeleteAccountBody, ProfilePatch, SessionList } from '../../../../contracts/accounts.js';
import { endUserPrincipal } from '../../../platform/http/principal.js';
import type { App } from '../../../platform/http/types.js';
import { auditContextOf } from '../../../platform/audit/index.js';
import type { AccountsService } from '../service.js';

const tags = ['end users'];
const config = { auth: 'end_user' as const };

export function accountRoutes(app: App, { accounts }: { accounts: AccountsService }) {
  app.get('/v1/account', { config, schema: { tags, summary: 'The signed-in end user', response: { 200: Type.Ref('EndUser'), ...problemResponses(401, 403) } } }, async (req) => {
    const p = endUserPrincipal(req.principal);
    return accounts.getProfile(p.tenantId, p.userId);
  });

  app.patch(
    '/v1/account',
    { config, schema: { tags, summary: 'Change name, language or preferences', body: ProfilePatch, response: { 200: Type.Ref('EndUser'), ...problemResponses(400, 401, 403) } } },
    async (req) => {
      const p = endUserPrincipal(req.principal);
      return accounts.updateProfile(p.tenantId, p.userId, req.body);
    },
  );

  app.post(
    '/v1/account/password',
    {
      config,
      schema: { tags, summary: 'Change the password (every other session ends)', body: ChangePasswordBody, response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 422) } },
    },
    async (req, reply) => {
      const p = endUserPrincipal(req.principal);
      await accounts.changePassword(p.tenantId, p.userId, p.sessionId, req.body.current_password, req.body.new_password);
      return reply.code(204).send(null);
    },
  );

  app.get('/v1/account/sessions', { config, schema: { tags, summary: 'The live sessions (signed-in devices)', response: { 200: SessionList, ...problemResponses(401, 403) } } }, async (req) => {
    const p = endUserPrincipal(req.principal);
    return { object: 'list' as const, data: await accounts.listSessions(p.tenantId, p.userId, p.sessionId), has_more: false };
  });

  app.delete(
    '/v1/account/sessions/:session_id',
    { config, schema: { tags, summary: 'End a session (sign a device out)', params: IdParam('session_id', 'ses'), response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404) } } },
    async (req, reply) => {
      const p = endUserPrincipal(req.principal);
      await accounts.revokeSession(p.tenantId, p.userId, req.params.session_id);
      return reply.code(204).send(null);
    },
  );

  app.get('/v1/account/export', { config, schema: { tags, summary: 'Everything kept about the signed-in end user, as JSON', response: { 200: AccountExport, ...problemResponses(401, 403) } } }, async (req, reply) => {
    const p = endUserPrincipal(req.principal);
    reply.header('content-disposition', 'attachment; filename="account-export.json"');
    return accounts.exportData(p.tenantId, p.userId, p.sessionId, auditContextOf(req));
  });

  app.delete(
    '/v1/account',
    { config, schema: { tags, summary: 'Delete the account and erase everything kept about the person (the password is asked again)', body: DeleteAccountBody, response: { 204: Type.Null(), ...problemResponses(400, 401, 403) } } },
    async (req, reply) => {
      const p = endUserPrincipal(req.principal);
      await accounts.deleteAccount(p.tenantId, p.userId, req.body.password, auditContextOf(req));
      return reply.code(204).send(null);
    },
  );
}
