/**
 * `/v1/orders`: secret keys, or the dashboard's signed-in people (members only read). Other
 * tenants' orders answer 404.
 */
import Type from 'typebox';
import type { FastifyRequest } from 'fastify';
import { IdParam, listOf, problemResponses } from '../../../../contracts/common.js';
import { CreateOrderBody, ListOrdersQuery, OrderStatusBody, UpdateOrderBody, type TCreateOrderBody } from '../../../../contracts/orders.js';
import { tenantIdOf } from '../../../platform/http/principal.js';
import type { App } from '../../../platform/http/types.js';
import type { NewOrder, OrderService } from './order-service.js';
import type { OrderLine } from './pricing.js';
import { e164 } from './checks.js';

const tags = ['orders'];
const Params = IdParam('id', 'ord');
const OrderRef = Type.Ref('Order');
const tenantOf = (req: FastifyRequest) => tenantIdOf(req.principal, req.method === 'GET' ? 'read' : 'write');

function fromBody(b: TCreateOrderBody): { order: NewOrder; lines: OrderLine[] } {
  return {
    order: {
      source: b.source ?? 'api',
      shippingAmount: b.shipping_amount,
      customer: b.customer && { name: b.customer.name ?? null, phone: b.customer.phone ? e164(b.customer.phone, 'customer.phone') : null },
      notes: b.notes,
      paymentLink: b.payment_link,
      sellerId: b.seller_id,
      conversationId: b.conversation_id,
      contactId: b.contact_id,
      botId: b.bot_id,
      metadata: b.metadata,
    },
    lines: b.items.map((i) => ({ productId: i.product_id, variantId: i.variant_id ?? null, quantity: i.quantity })),
  };
}

export function orderRoutes(app: App, { orders }: { orders: OrderService }) {
  app.post(
    '/v1/orders',
    {
      config: { auth: 'tenant' },
      schema: {
        tags,
        summary: 'Create an order: items priced from the catalog now, stock reserved',
        description:
          'Each item is priced from the catalog at this moment (a later price change does not touch the order); all items share one currency. ' +
          'Stock is reserved in the same transaction: 409 `OUT_OF_STOCK` names the item when there is not enough, and nothing is reserved. ' +
          'An unknown, inactive or unpriced product (or a missing or unknown variant) is 422 `ORDER_ITEM_INVALID` with every problem in `items`.',
        body: CreateOrderBody,
        response: { 201: OrderRef, ...problemResponses(400, 401, 403, 409, 422, 429) },
      },
    },
    async (req, reply) => {
      const { order, lines } = fromBody(req.body);
      const { row } = await orders.create(tenantOf(req), order, lines);
      return reply.code(201).send(orders.present(row!));
    },
  );

  app.get(
    '/v1/orders',
    {
      config: { auth: 'tenant' },
      schema: {
        tags,
        summary: 'List orders, newest first; filter by status, seller, conversation, contact or creation time',
        querystring: ListOrdersQuery,
        response: { 200: listOf(OrderRef), ...problemResponses(400, 401, 403, 429) },
      },
    },
    async (req) => {
      const page = await orders.list(tenantOf(req), req.query);
      return { object: 'list' as const, data: page.data, has_more: page.hasMore };
    },
  );

  app.get(
    '/v1/orders/:id',
    { config: { auth: 'tenant' }, schema: { tags, summary: 'Get an order with its items, totals and status history', params: Params, response: { 200: OrderRef, ...problemResponses(400, 401, 403, 404, 429) } } },
    async (req) => orders.get(tenantOf(req), req.params.id),
  );

  app.patch(
    '/v1/orders/:id',
    {
      config: { auth: 'tenant' },
      schema: {
        tags,
        summary: 'Change an order’s notes, payment link, seller, customer, metadata or (before payment) shipping',
        description: 'A seller must exist and be active (422 `SELLER_NOT_ASSIGNABLE`); `seller_id: null` unassigns. The shipping amount changes only while pending or confirmed (409 `ORDER_NOT_EDITABLE`).',
        params: Params,
        body: UpdateOrderBody,
        response: { 200: OrderRef, ...problemResponses(400, 401, 403, 404, 409, 422, 429) },
      },
    },
    async (req) => orders.update(tenantOf(req), req.params.id, req.body),
  );

  app.post(
    '/v1/orders/:id/status',
    {
      config: { auth: 'tenant' },
      schema: {
        tags,
        summary: 'Move an order to its next status (pending → confirmed → paid → shipped → delivered, or canceled before shipping)',
        description:
          'A move the machine does not allow is 409 `INVALID_ORDER_TRANSITION` with `allowed_next`. Asking for the current status changes nothing. ' +
          'Canceling gives the reserved stock back. Each change is recorded in `status_history`, sent as the `order.status_changed` webhook event and told to the shopper.',
        params: Params,
        body: OrderStatusBody,
        response: { 200: OrderRef, ...problemResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req) => orders.changeStatus(tenantOf(req), req.params.id, req.body.status, req.body.note),
  );
}
