/**
 * A store's view of its end users (`auth: 'tenant'`: its secret key, or its people in the
 * dashboard): list, read, and erase one on request (owners / secret key only). Another store's
 * user ids are 404.
 */
import Type from 'typebox';
import { IdParam, ListQuery, listOf, problemResponses } from '../../../../contracts/common.js';
import { tenantIdOf } from '../../../platform/http/principal.js';
import type { App } from '../../../platform/http/types.js';
import { auditContextOf } from '../../../platform/audit/index.js';
import type { AccountsService } from '../service.js';

const tags = ['end users'];
const config = { auth: 'tenant' as const };
const UserParams = IdParam('user_id', 'usr');
const ListEndUsersQuery = Type.Intersect([ListQuery, Type.Object({ email: Type.Optional(Type.String({ maxLength: 254, description: 'Exact email (case-insensitive)' })) })]);

export function storeRoutes(app: App, { accounts }: { accounts: AccountsService }) {
  app.get(
    '/v1/end-users',
    { config, schema: { tags, summary: "The store's end users, newest first", querystring: ListEndUsersQuery, response: { 200: listOf(Type.Ref('EndUser')), ...problemResponses(400, 401, 403, 429) } } },
    async (req) => {
      const page = await accounts.listUsers(tenantIdOf(req.principal, 'read'), { limit: req.query.limit, startingAfter: req.query.starting_after, email: req.query.email });
      return { object: 'list' as const, data: page.data, has_more: page.hasMore };
    },
  );

  app.get(
    '/v1/end-users/:user_id',
    { config, schema: { tags, summary: 'An end user of the store', params: UserParams, response: { 200: Type.Ref('EndUser'), ...problemResponses(400, 401, 403, 404, 429) } } },
    async (req) => accounts.getUserForTenant(tenantIdOf(req.principal, 'read'), req.params.user_id),
  );

  app.delete(
    '/v1/end-users/:user_id',
    {
      config,
      schema: { tags, summary: 'Erase an end user and everything kept about them (an erasure request made to the store)', params: UserParams, response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 429) } },
    },
    async (req, reply) => {
      await accounts.eraseUser(tenantIdOf(req.principal, 'write'), req.params.user_id, auditContextOf(req));
      return reply.code(204).send(null);
    },
  );
}
