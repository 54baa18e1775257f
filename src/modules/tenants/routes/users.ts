/** The people of a tenant (owners and members), managed by operators and the tenant's owners. */
import Type from 'typebox';
import { IdParam, problemResponses } from '../../../../contracts/common.js';
import { CreateUserBody, UpdateUserBody } from '../../../../contracts/auth.js';
import type { App } from '../../../platform/http/types.js';
import { auditContextOf } from '../../../platform/audit/index.js';
import { presentUser, type UsersService } from '../users-service.js';
import type { TenantsService } from '../service.js';
import { assertTenantAccess } from '../access.js';

const tags = ['users'];
const TenantParams = IdParam('tenant_id', 'ten');

export function userRoutes(app: App, { users, tenants }: { users: UsersService; tenants: TenantsService }) {
  app.get(
    '/admin/v1/tenants/:tenant_id/users',
    {
      config: { auth: 'user' },
      schema: { tags, summary: "List a tenant's users", params: TenantParams, response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(Type.Ref('User')), has_more: Type.Boolean() }), ...problemResponses(401, 404) } },
    },
    async (req) => {
      assertTenantAccess(req.principal, req.params.tenant_id);
      await tenants.getTenant(req.params.tenant_id);
      return { object: 'list' as const, data: (await users.listTenantUsers(req.params.tenant_id)).map(presentUser), has_more: false };
    },
  );

  app.post(
    '/admin/v1/tenants/:tenant_id/users',
    {
      config: { auth: 'user' },
      schema: { tags, summary: 'Add a user to a tenant', params: TenantParams, body: CreateUserBody, response: { 201: Type.Ref('User'), ...problemResponses(400, 401, 403, 404, 409, 422) } },
    },
    async (req, reply) => {
      assertTenantAccess(req.principal, req.params.tenant_id, 'write');
      await tenants.getTenant(req.params.tenant_id);
      const u = await users.createUser({ ...req.body, tenantId: req.params.tenant_id }, auditContextOf(req));
      return reply.code(201).send(presentUser(u));
    },
  );

  app.patch(
    '/admin/v1/tenants/:tenant_id/users/:user_id',
    {
      config: { auth: 'user' },
      schema: {
        tags,
        summary: 'Enable or disable a user (disabling ends their sessions)',
        params: Type.Intersect([TenantParams, IdParam('user_id', 'usr')]),
        body: UpdateUserBody,
        response: { 200: Type.Ref('User'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (req) => {
      assertTenantAccess(req.principal, req.params.tenant_id, 'write');
      return presentUser(await users.setUserActive(req.params.tenant_id, req.params.user_id, req.body.active, auditContextOf(req)));
    },
  );
}
