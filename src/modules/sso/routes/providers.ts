/** The operator's single sign-on providers (client secrets are write-only). */
import Type from 'typebox';
import { IdParam, problemResponses } from '../../../../contracts/common.js';
import { CreateSsoProviderBody, UpdateSsoProviderBody } from '../../../../contracts/sso.js';
import { auditContextOf } from '../../../platform/audit/index.js';
import type { App } from '../../../platform/http/types.js';
import { presentProvider, type ProvidersService } from '../providers.js';

const tags = ['sso'];
const Params = IdParam('provider_id', 'idp');
const auth = { auth: 'operator' as const };

export function ssoProviderRoutes(app: App, { providers }: { providers: ProvidersService }) {
  app.get(
    '/admin/v1/sso/providers',
    {
      config: auth,
      schema: { tags, summary: 'List the single sign-on providers', response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(Type.Ref('SsoProvider')), has_more: Type.Boolean() }), ...problemResponses(401, 403) } },
    },
    async () => ({ object: 'list' as const, data: (await providers.list()).map((p) => presentProvider(p, app.linkBase())), has_more: false }),
  );

  app.post(
    '/admin/v1/sso/providers',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Add an OpenID Connect provider (its discovery document is read now)',
        body: CreateSsoProviderBody,
        response: { 201: Type.Ref('SsoProvider'), ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => reply.code(201).send(presentProvider(await providers.create(req.body, auditContextOf(req)), app.linkBase())),
  );

  app.get(
    '/admin/v1/sso/providers/:provider_id',
    { config: auth, schema: { tags, summary: 'A single sign-on provider', params: Params, response: { 200: Type.Ref('SsoProvider'), ...problemResponses(401, 403, 404) } } },
    async (req) => presentProvider(await providers.get(req.params.provider_id), app.linkBase()),
  );

  app.patch(
    '/admin/v1/sso/providers/:provider_id',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Change a single sign-on provider',
        params: Params,
        body: UpdateSsoProviderBody,
        response: { 200: Type.Ref('SsoProvider'), ...problemResponses(400, 401, 403, 404, 422) },
      },
    },
    async (req) => presentProvider(await providers.update(req.params.provider_id, req.body, auditContextOf(req)), app.linkBase()),
  );

  app.delete(
    '/admin/v1/sso/providers/:provider_id',
    { config: auth, schema: { tags, summary: 'Remove a single sign-on provider', params: Params, response: { 204: Type.Null(), ...problemResponses(401, 403, 404) } } },
    async (req, reply) => {
      await providers.remove(req.params.provider_id, auditContextOf(req));
      return reply.code(204).send(null);
    },
  );
}
