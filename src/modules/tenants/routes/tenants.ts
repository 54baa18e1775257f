/** Operator API for tenants. Tenant users see and edit only their own tenant. */
import Type from 'typebox';
import { IdParam, ListQuery, listOf, problemResponses } from '../../../../contracts/common.js';
import { CreateTenantBody, UpdateTenantBody } from '../../../../contracts/tenants.js';
import { AppError } from '../../../platform/errors.js';
import { userPrincipal } from '../../../platform/http/principal.js';
import type { App } from '../../../platform/http/types.js';
import { auditContextOf } from '../../../platform/audit/index.js';
import { presentTenant, type TenantsService } from '../service.js';
import { assertTenantAccess } from '../access.js';

const tags = ['tenants'];
const TenantParams = IdParam('tenant_id', 'ten');
const OPERATOR_ONLY_FIELDS = ['tier', 'limits', 'active'] as const;

export function tenantRoutes(app: App, { tenants }: { tenants: TenantsService }) {
  app.post(
    '/admin/v1/tenants',
    {
      config: { auth: 'operator' },
      schema: { tags, summary: 'Create a tenant (a store)', body: CreateTenantBody, response: { 201: Type.Ref('Tenant'), ...problemResponses(400, 401, 403) } },
    },
    async (req, reply) => reply.code(201).send(presentTenant(await tenants.createTenant(req.body, auditContextOf(req)))),
  );

  app.get(
    '/admin/v1/tenants',
    {
      config: { auth: 'user' },
      schema: {
        tags,
        summary: 'List tenants, newest first (a tenant user sees only their own)',
        querystring: Type.Intersect([ListQuery, Type.Object({ active: Type.Optional(Type.Boolean()) })]),
        response: { 200: listOf(Type.Ref('Tenant')), ...problemResponses(400, 401) },
      },
    },
    async (req) => {
      const p = userPrincipal(req.principal);
      if (p.role !== 'operator') {
        const own = p.tenantId ? [await tenants.getTenant(p.tenantId)] : [];
        return { object: 'list' as const, data: own.map(presentTenant), has_more: false };
      }
      const page = await tenants.listTenants({ limit: req.query.limit, startingAfter: req.query.starting_after, active: req.query.active });
      return { object: 'list' as const, data: page.data.map(presentTenant), has_more: page.hasMore };
    },
  );

  app.get(
    '/admin/v1/tenants/:tenant_id',
    { config: { auth: 'user' }, schema: { tags, summary: 'Get a tenant', params: TenantParams, response: { 200: Type.Ref('Tenant'), ...problemResponses(401, 404) } } },
    async (req) => {
      assertTenantAccess(req.principal, req.params.tenant_id);
      return presentTenant(await tenants.getTenant(req.params.tenant_id));
    },
  );

  app.patch(
    '/admin/v1/tenants/:tenant_id',
    {
      config: { auth: 'user' },
      schema: {
        tags,
        summary: 'Update a tenant (tier, limits and active are for operators)',
        params: TenantParams,
        body: UpdateTenantBody,
        response: { 200: Type.Ref('Tenant'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (req) => {
      assertTenantAccess(req.principal, req.params.tenant_id, 'write');
      const p = userPrincipal(req.principal);
      const forbidden = OPERATOR_ONLY_FIELDS.filter((f) => req.body[f] !== undefined);
      if (p.role !== 'operator' && forbidden.length) throw new AppError('FORBIDDEN', `Only operators can change ${forbidden.join(', ')}.`);
      return presentTenant(await tenants.updateTenant(req.params.tenant_id, req.body, auditContextOf(req)));
    },
  );

  app.post(
    '/admin/v1/tenants/:tenant_id/deactivate',
    {
      config: { auth: 'operator' },
      schema: { tags, summary: 'Deactivate a tenant: its keys and users stop working at once', params: TenantParams, response: { 200: Type.Ref('Tenant'), ...problemResponses(401, 403, 404) } },
    },
    async (req) => presentTenant(await tenants.deactivateTenant(req.params.tenant_id, auditContextOf(req))),
  );
}
