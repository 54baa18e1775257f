/** `/v1/webhook-endpoints`: secret keys, or the dashboard's signed-in people. Other tenants' ids answer 404. */
import Type from 'typebox';
import { IdParam, ListQuery, listOf, problemResponses } from '../../../contracts/common.js';
import {
  CreateWebhookEndpointBody,
  DeletedWebhookEndpoint,
  DeliveryListQuery,
  RotateWebhookSecretBody,
  UpdateWebhookEndpointBody,
  WebhookDeliveryWithAttempts,
  WebhookEndpointWithSecret,
} from '../../../contracts/webhooks.js';
import type { Clock } from '../../platform/clock.js';
import { tenantIdOf } from '../../platform/http/principal.js';
import type { App } from '../../platform/http/types.js';
import { presentAttempt, presentDelivery, presentEndpoint } from './present.js';
import type { WebhooksService } from './service.js';

const tags = ['webhooks'];
const EndpointParams = IdParam('id', 'whe');
const DeliveryParams = Type.Object({ ...EndpointParams.properties, ...IdParam('delivery_id', 'whd').properties });
const Endpoint = Type.Ref('WebhookEndpoint');
const Delivery = Type.Ref('WebhookDelivery');
/** Secret keys, or the dashboard's signed-in people (tenant users; operators via probador-tenant). Members only read. */
const tenantOf = (req: { principal: Parameters<typeof tenantIdOf>[0]; method: string }) => tenantIdOf(req.principal, req.method === 'GET' ? 'read' : 'write');

export function webhookRoutes(app: App, { webhooks, clock }: { webhooks: WebhooksService; clock: Clock }) {
  app.post(
    '/v1/webhook-endpoints',
    {
      config: { auth: 'tenant', secretFields: ['secret'] },
      schema: {
        tags,
        summary: 'Register a webhook endpoint. The signing secret is in this response only.',
        description: 'The URL must be https and reach a public address (no private, loopback or link-local hosts).',
        body: CreateWebhookEndpointBody,
        response: { 201: WebhookEndpointWithSecret, ...problemResponses(400, 401, 403, 409, 429) },
      },
    },
    async (req, reply) => reply.code(201).send(await webhooks.createEndpoint(tenantOf(req), req.body)),
  );

  app.get(
    '/v1/webhook-endpoints',
    {
      config: { auth: 'tenant' },
      schema: { tags, summary: 'List webhook endpoints, newest first', querystring: ListQuery, response: { 200: listOf(Endpoint), ...problemResponses(400, 401, 403, 429) } },
    },
    async (req) => {
      const page = await webhooks.listEndpoints(tenantOf(req), { limit: req.query.limit, startingAfter: req.query.starting_after });
      return { object: 'list' as const, data: page.data.map((e) => presentEndpoint(e, clock.now())), has_more: page.hasMore };
    },
  );

  app.get(
    '/v1/webhook-endpoints/:id',
    {
      config: { auth: 'tenant' },
      schema: { tags, summary: 'Get a webhook endpoint (never its secret)', params: EndpointParams, response: { 200: Endpoint, ...problemResponses(400, 401, 403, 404, 429) } },
    },
    async (req) => presentEndpoint(await webhooks.getEndpoint(tenantOf(req), req.params.id), clock.now()),
  );

  app.patch(
    '/v1/webhook-endpoints/:id',
    {
      config: { auth: 'tenant' },
      schema: {
        tags,
        summary: 'Change the URL, event types, description, or enable/disable. Enabling clears the failing state.',
        params: EndpointParams,
        body: UpdateWebhookEndpointBody,
        response: { 200: Endpoint, ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => presentEndpoint(await webhooks.updateEndpoint(tenantOf(req), req.params.id, req.body), clock.now()),
  );

  app.delete(
    '/v1/webhook-endpoints/:id',
    {
      config: { auth: 'tenant' },
      schema: { tags, summary: 'Delete a webhook endpoint and its delivery log', params: EndpointParams, response: { 200: DeletedWebhookEndpoint, ...problemResponses(400, 401, 403, 404, 429) } },
    },
    async (req) => {
      await webhooks.deleteEndpoint(tenantOf(req), req.params.id);
      return { id: req.params.id, object: 'webhook_endpoint' as const, deleted: true as const };
    },
  );

  app.post(
    '/v1/webhook-endpoints/:id/rotate-secret',
    {
      config: { auth: 'tenant', secretFields: ['secret'] },
      schema: {
        tags,
        summary: 'A new signing secret (in this response only); the old one also signs for a grace period (default 24 h)',
        params: EndpointParams,
        body: Type.Optional(RotateWebhookSecretBody),
        response: { 200: WebhookEndpointWithSecret, ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => webhooks.rotateSecret(tenantOf(req), req.params.id, req.body?.previous_secret_valid_seconds),
  );

  app.post(
    '/v1/webhook-endpoints/:id/test',
    {
      config: { auth: 'tenant' },
      schema: {
        tags,
        summary: 'Send a webhook.test event to this endpoint (one attempt)',
        params: EndpointParams,
        response: { 202: Delivery, ...problemResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) => reply.code(202).send(presentDelivery(await webhooks.sendTest(tenantOf(req), req.params.id))),
  );

  app.get(
    '/v1/webhook-endpoints/:id/deliveries',
    {
      config: { auth: 'tenant' },
      schema: {
        tags,
        summary: 'The delivery log of an endpoint, newest first',
        params: EndpointParams,
        querystring: DeliveryListQuery,
        response: { 200: listOf(Delivery), ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => {
      const page = await webhooks.listDeliveries(tenantOf(req), req.params.id, { limit: req.query.limit, startingAfter: req.query.starting_after, status: req.query.status });
      return { object: 'list' as const, data: page.data.map(presentDelivery), has_more: page.hasMore };
    },
  );

  app.get(
    '/v1/webhook-endpoints/:id/deliveries/:delivery_id',
    {
      config: { auth: 'tenant' },
      schema: {
        tags,
        summary: 'A delivery with every attempt',
        params: DeliveryParams,
        response: { 200: WebhookDeliveryWithAttempts, ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => {
      const { delivery, attempts } = await webhooks.deliveryWithAttempts(tenantOf(req), req.params.id, req.params.delivery_id);
      return { ...presentDelivery(delivery), attempt_history: attempts.map(presentAttempt) };
    },
  );

  app.post(
    '/v1/webhook-endpoints/:id/deliveries/:delivery_id/redeliver',
    {
      config: { auth: 'tenant' },
      schema: {
        tags,
        summary: 'A new attempt now (same webhook-id), even of a delivery that succeeded',
        params: DeliveryParams,
        response: { 202: Delivery, ...problemResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) => reply.code(202).send(presentDelivery(await webhooks.redeliver(tenantOf(req), req.params.id, req.params.delivery_id))),
  );
}
