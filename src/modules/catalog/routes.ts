/** `/v1/products`: a store's catalog, secret keys only (the widget's publishable key gets 403). Other tenants' products answer 404. */
import Type from 'typebox';
import type { FastifyRequest } from 'fastify';
import { listOf, problemResponses } from '../../../contracts/common.js';
import { ListProductsQuery, PatchProductBody, ProductId, PutProductBody } from '../../../contracts/catalog.js';
import { keyPrincipal } from '../../platform/http/principal.js';
import type { App } from '../../platform/http/types.js';
import type { Config } from '../../config.js';
import type { CatalogService } from './service.js';

const tags = ['catalog'];
const Params = Type.Object({ product_id: ProductId });
const ProductRef = Type.Ref('Product');

export function catalogRoutes(app: App, { svc, config }: { svc: CatalogService; config: Config }) {
  const tenantOf = (req: FastifyRequest) => keyPrincipal(req.principal).tenantId;
  // PUBLIC_URL or the listen address, never the request's Host (platform/http/link-base.ts).
  const baseUrl = (req: FastifyRequest) => req.server.linkBase();

  app.put(
    '/v1/products/:product_id',
    {
      config: { auth: 'secret' },
      // One image as a data URL (base64) plus the other fields.
      bodyLimit: Math.ceil((config.images.maxBytes * 4) / 3) + 64 * 1024,
      schema: {
        tags,
        summary: 'Create or replace a product: its garment image (stored once), category, page, price and metadata',
        description:
          'The image is an upload id (copied), a data URL or an https URL (fetched now, from public addresses only); it is checked by content, EXIF-stripped and normalised like any upload. ' +
          'Answers 201 when the product is new, 200 when it replaced one. Try-ons then name it as `{ "product_id": "…" }`.',
        params: Params,
        body: PutProductBody,
        response: { 200: ProductRef, 201: ProductRef, ...problemResponses(400, 401, 403, 404, 408, 410, 413, 415, 422, 429) },
      },
    },
    async (req, reply) => {
      const { row, created } = await svc.putProduct(tenantOf(req), req.params.product_id, req.body);
      return reply.code(created ? 201 : 200).send(await svc.present(row, baseUrl(req)));
    },
  );

  app.patch(
    '/v1/products/:product_id',
    {
      config: { auth: 'secret' },
      bodyLimit: Math.ceil((config.images.maxBytes * 4) / 3) + 64 * 1024,
      schema: {
        tags,
        summary: 'Change some of a product’s fields (price, stock, variants, active…); the others keep their value',
        description:
          'Each field is checked as on PUT (no type coercion: `"5"` is not a stock). `image` is optional; a new one replaces the stored one. ' +
          '`variants` replaces the whole list; a variant’s price must be in the product’s currency. `stock: null` stops tracking stock.',
        params: Params,
        body: PatchProductBody,
        response: { 200: ProductRef, ...problemResponses(400, 401, 403, 404, 408, 410, 413, 415, 422, 429) },
      },
    },
    async (req) => svc.present(await svc.patchProduct(tenantOf(req), req.params.product_id, req.body), baseUrl(req)),
  );

  app.get(
    '/v1/products/:product_id',
    { config: { auth: 'secret' }, schema: { tags, summary: 'Get a product with a short-lived link to its image', params: Params, response: { 200: ProductRef, ...problemResponses(400, 401, 403, 404, 429) } } },
    async (req) => svc.present(await svc.getProduct(tenantOf(req), req.params.product_id), baseUrl(req)),
  );

  app.get(
    '/v1/products',
    {
      config: { auth: 'secret' },
      schema: { tags, summary: 'List products in product_id order, optionally only active ones or one category', querystring: ListProductsQuery, response: { 200: listOf(ProductRef), ...problemResponses(400, 401, 403, 429) } },
    },
    async (req) => {
      const page = await svc.listProducts(tenantOf(req), req.query);
      const base = baseUrl(req);
      return { object: 'list' as const, data: await Promise.all(page.data.map((p) => svc.present(p, base))), has_more: page.hasMore };
    },
  );

  app.delete(
    '/v1/products/:product_id',
    {
      config: { auth: 'secret' },
      schema: { tags, summary: 'Delete a product; its image is erased after a day (try-ons already queued with it still run)', params: Params, response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 429) } },
    },
    async (req, reply) => {
      await svc.deleteProduct(tenantOf(req), req.params.product_id);
      return reply.code(204).send(null);
    },
  );
}
