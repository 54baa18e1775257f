/** `/v1/bots` and their connections: secret keys or the dashboard's people; other tenants' ids answer 404. */
import Type from 'typebox';
import { IdParam, ListQuery, listOf, problemResponses } from '../../../../contracts/common.js';
import { ConnectionInput, CreateBotBody, PatchBotBody, PatchConnectionBody, ReorderConnectionsBody } from '../../../../contracts/commerce.js';
import { tenantIdOf } from '../../../platform/http/principal.js';
import type { App } from '../../../platform/http/types.js';
import type { BotsService } from './service.js';

const tags = ['commerce'];
const BotParams = IdParam('id', 'bot');
const ConnParams = Type.Object({ ...BotParams.properties, ...IdParam('connection_id', 'con').properties });
const BotRef = Type.Ref('Bot');
const ConnRef = Type.Ref('CommerceConnection');
export const tenantOf = (req: { principal: Parameters<typeof tenantIdOf>[0]; method: string }) => tenantIdOf(req.principal, req.method === 'GET' ? 'read' : 'write');

export function botRoutes(app: App, { bots }: { bots: BotsService }) {
  app.post(
    '/v1/bots',
    {
      config: { auth: 'tenant' },
      schema: {
        tags,
        summary: 'Create a bot: its name, number, channel connections in priority order, business hours, away message and templates',
        description: 'A bot created without connections gets a simulator connection (the built-in web chat). Credentials are write-only: stored encrypted, never returned.',
        body: CreateBotBody,
        response: { 201: BotRef, ...problemResponses(400, 401, 403, 422, 429) },
      },
    },
    async (req, reply) => reply.code(201).send(await bots.createBot(tenantOf(req), req.body)),
  );

  app.get(
    '/v1/bots',
    { config: { auth: 'tenant' }, schema: { tags, summary: 'List bots, oldest first', querystring: ListQuery, response: { 200: listOf(BotRef), ...problemResponses(400, 401, 403, 429) } } },
    async (req) => {
      const page = await bots.listBots(tenantOf(req), req.query);
      return { object: 'list' as const, data: page.data, has_more: page.hasMore };
    },
  );

  app.get(
    '/v1/bots/:id',
    { config: { auth: 'tenant' }, schema: { tags, summary: 'Get a bot with its connections', params: BotParams, response: { 200: BotRef, ...problemResponses(400, 401, 403, 404, 429) } } },
    async (req) => bots.readBot(tenantOf(req), req.params.id),
  );

  app.patch(
    '/v1/bots/:id',
    { config: { auth: 'tenant' }, schema: { tags, summary: 'Change a bot (connections have their own endpoints)', params: BotParams, body: PatchBotBody, response: { 200: BotRef, ...problemResponses(400, 401, 403, 404, 422, 429) } } },
    async (req) => bots.patchBot(tenantOf(req), req.params.id, req.body),
  );

  app.delete(
    '/v1/bots/:id',
    { config: { auth: 'tenant' }, schema: { tags, summary: 'Delete a bot, its connections, conversations and messages', params: BotParams, response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 429) } } },
    async (req, reply) => {
      await bots.deleteBot(tenantOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/bots/:id/connections',
    {
      config: { auth: 'tenant' },
      schema: { tags, summary: 'Add a channel connection (after the others unless a priority is given)', params: BotParams, body: ConnectionInput, response: { 201: ConnRef, ...problemResponses(400, 401, 403, 404, 422, 429) } },
    },
    async (req, reply) => reply.code(201).send(await bots.addConnection(tenantOf(req), req.params.id, req.body)),
  );

  app.patch(
    '/v1/bots/:id/connections/:connection_id',
    {
      config: { auth: 'tenant' },
      schema: { tags, summary: 'Change a connection: credentials (fields given replace, null removes), settings, enabled, priority', params: ConnParams, body: PatchConnectionBody, response: { 200: ConnRef, ...problemResponses(400, 401, 403, 404, 422, 429) } },
    },
    async (req) => bots.patchConnection(tenantOf(req), req.params.id, req.params.connection_id, req.body),
  );

  app.delete(
    '/v1/bots/:id/connections/:connection_id',
    { config: { auth: 'tenant' }, schema: { tags, summary: 'Remove a connection', params: ConnParams, response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 429) } } },
    async (req, reply) => {
      await bots.deleteConnection(tenantOf(req), req.params.id, req.params.connection_id);
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/v1/bots/:id/connections/order',
    {
      config: { auth: 'tenant' },
      schema: { tags, summary: 'Reorder the connections: the ones named first, in this order; the others after them', params: BotParams, body: ReorderConnectionsBody, response: { 200: listOf(ConnRef), ...problemResponses(400, 401, 403, 404, 429) } },
    },
    async (req) => ({ object: 'list' as const, data: await bots.reorderConnections(tenantOf(req), req.params.id, req.body.order), has_more: false }),
  );
}
