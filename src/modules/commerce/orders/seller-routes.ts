/**
 * `/v1/sellers`: secret keys, or the dashboard's signed-in people (members only read). Other
 * tenants' sellers answer 404.
 */
import Type from 'typebox';
import type { FastifyRequest } from 'fastify';
import { IdParam, listOf, problemResponses } from '../../../../contracts/common.js';
import { CreateSellerBody, ListSellersQuery, UpdateSellerBody } from '../../../../contracts/orders.js';
import { tenantIdOf } from '../../../platform/http/principal.js';
import type { App } from '../../../platform/http/types.js';
import type { SellerService } from './seller-service.js';

const tags = ['sellers'];
const Params = IdParam('id', 'sel');
const SellerRef = Type.Ref('Seller');
const tenantOf = (req: FastifyRequest) => tenantIdOf(req.principal, req.method === 'GET' ? 'read' : 'write');

export function sellerRoutes(app: App, { sellers }: { sellers: SellerService }) {
  app.post(
    '/v1/sellers',
    {
      config: { auth: 'tenant' },
      schema: {
        tags,
        summary: 'Add a seller: name, phone (E.164), email, active, the most open conversations they take',
        description: 'The phone is checked against its country’s numbering plan and is unique in the store (409 `SELLER_PHONE_TAKEN`).',
        body: CreateSellerBody,
        response: { 201: SellerRef, ...problemResponses(400, 401, 403, 409, 429) },
      },
    },
    async (req, reply) => reply.code(201).send(await sellers.create(tenantOf(req), req.body)),
  );

  app.get(
    '/v1/sellers',
    {
      config: { auth: 'tenant' },
      schema: { tags, summary: 'List sellers, newest first, with their open orders and conversations', querystring: ListSellersQuery, response: { 200: listOf(SellerRef), ...problemResponses(400, 401, 403, 429) } },
    },
    async (req) => {
      const page = await sellers.list(tenantOf(req), req.query);
      return { object: 'list' as const, data: page.data, has_more: page.hasMore };
    },
  );

  app.get(
    '/v1/sellers/:id',
    { config: { auth: 'tenant' }, schema: { tags, summary: 'Get a seller with the open orders and conversations assigned', params: Params, response: { 200: SellerRef, ...problemResponses(400, 401, 403, 404, 429) } } },
    async (req) => sellers.get(tenantOf(req), req.params.id),
  );

  app.patch(
    '/v1/sellers/:id',
    {
      config: { auth: 'tenant' },
      schema: { tags, summary: 'Change a seller; an inactive seller cannot be given new orders', params: Params, body: UpdateSellerBody, response: { 200: SellerRef, ...problemResponses(400, 401, 403, 404, 409, 429) } },
    },
    async (req) => sellers.update(tenantOf(req), req.params.id, req.body),
  );

  app.delete(
    '/v1/sellers/:id',
    {
      config: { auth: 'tenant' },
      schema: { tags, summary: 'Delete a seller; their open orders become unassigned', params: Params, response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 429) } },
    },
    async (req, reply) => {
      await sellers.remove(tenantOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );
}
