/** API keys of a tenant: create (shown once), list, get, rotate with a grace period, revoke. */
import Type from 'typebox';
import { IdParam, ListQuery, listOf, problemResponses } from '../../../../contracts/common.js';
import { ApiKeyWithSecret, CreateKeyBody, RotateKeyBody } from '../../../../contracts/tenants.js';
import type { Clock } from '../../../platform/clock.js';
import type { App } from '../../../platform/http/types.js';
import { auditContextOf } from '../../../platform/audit/index.js';
import { presentKey, type TenantsService } from '../service.js';
import { assertTenantAccess } from '../access.js';

const tags = ['api keys'];
const TenantParams = IdParam('tenant_id', 'ten');
const KeyParams = Type.Intersect([TenantParams, IdParam('key_id', 'key')]);

export function keyRoutes(app: App, { tenants, clock }: { tenants: TenantsService; clock: Clock }) {
  app.post(
    '/admin/v1/tenants/:tenant_id/keys',
    {
      config: { auth: 'user', secretFields: ['key'] },
      schema: {
        tags,
        summary: 'Create an API key. The key is in this response only.',
        params: TenantParams,
        body: Type.Optional(CreateKeyBody),
        response: { 201: ApiKeyWithSecret, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      assertTenantAccess(req.principal, req.params.tenant_id, 'write');
      return reply.code(201).send(await tenants.createKey(req.params.tenant_id, req.body ?? {}, auditContextOf(req)));
    },
  );

  app.get(
    '/admin/v1/tenants/:tenant_id/keys',
    {
      config: { auth: 'user' },
      schema: { tags, summary: 'List API keys, newest first', params: TenantParams, querystring: ListQuery, response: { 200: listOf(Type.Ref('ApiKey')), ...problemResponses(400, 401, 404) } },
    },
    async (req) => {
      assertTenantAccess(req.principal, req.params.tenant_id);
      const page = await tenants.listKeys(req.params.tenant_id, { limit: req.query.limit, startingAfter: req.query.starting_after });
      return { object: 'list' as const, data: page.data.map((k) => presentKey(k, clock.now())), has_more: page.hasMore };
    },
  );

  app.get(
    '/admin/v1/tenants/:tenant_id/keys/:key_id',
    { config: { auth: 'user' }, schema: { tags, summary: 'Get an API key (never its secret)', params: KeyParams, response: { 200: Type.Ref('ApiKey'), ...problemResponses(401, 404) } } },
    async (req) => {
      assertTenantAccess(req.principal, req.params.tenant_id);
      return presentKey(await tenants.getKey(req.params.tenant_id, req.params.key_id), clock.now());
    },
  );

  app.post(
    '/admin/v1/tenants/:tenant_id/keys/:key_id/rotate',
    {
      config: { auth: 'user', secretFields: ['key.key'] },
      schema: {
        tags,
        summary: 'Rotate a key: a new key now, the old one keeps working for a grace period',
        params: KeyParams,
        body: Type.Optional(RotateKeyBody),
        response: { 201: Type.Object({ key: ApiKeyWithSecret, previous: Type.Ref('ApiKey') }), ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      assertTenantAccess(req.principal, req.params.tenant_id, 'write');
      const { created, old } = await tenants.rotateKey(req.params.tenant_id, req.params.key_id, req.body?.grace_seconds, auditContextOf(req));
      return reply.code(201).send({ key: created, previous: old });
    },
  );

  app.post(
    '/admin/v1/tenants/:tenant_id/keys/:key_id/revoke',
    {
      config: { auth: 'user' },
      schema: { tags, summary: 'Revoke a key at once, on every node', params: KeyParams, response: { 200: Type.Ref('ApiKey'), ...problemResponses(401, 403, 404) } },
    },
    async (req) => {
      assertTenantAccess(req.principal, req.params.tenant_id, 'write');
      return presentKey(await tenants.revokeKey(req.params.tenant_id, req.params.key_id, auditContextOf(req)), clock.now());
    },
  );
}
