/**
 * The simulator's endpoints: the shopper API under `/v1/bots/:id/simulator/…` (the tenant's key),
 * the signed link, and the web chat page `/simulator/:bot_id?token=…` with its script and the
 * token-authenticated calls it makes (`/simulator/:bot_id/messages`).
 */
import Type from 'typebox';
import { IdParam, problemResponses } from '../../../../contracts/common.js';
import { E164, SimulatorMessageBody, SimulatorThread } from '../../../../contracts/commerce.js';
import type { App } from '../../../platform/http/types.js';
import { tenantOf } from '../bots/index.js';
import type { SimulatorService } from './service.js';
import { CHAT_JS, chatPage } from './page.js';

const tags = ['commerce'];
const BotParams = IdParam('id', 'bot');
const PageParams = IdParam('bot_id', 'bot');
const Sent = Type.Object({ id: Type.String(), phone: Type.String(), content: Type.Record(Type.String(), Type.Unknown()), created_at: Type.String() });
const Token = Type.String({ minLength: 10, maxLength: 2000 });

export function simulatorRoutes(app: App, { sim }: { sim: SimulatorService }) {
  app.post(
    '/v1/bots/:id/simulator/messages',
    {
      config: { auth: 'tenant' },
      schema: {
        tags,
        summary: 'As a shopper, send the bot a message through the simulator (the same inbound pipeline as a provider’s webhook)',
        params: BotParams,
        body: SimulatorMessageBody,
        response: { 202: Sent, ...problemResponses(400, 401, 403, 404, 422, 429) },
      },
    },
    async (req, reply) => reply.code(202).send(await sim.shopperSends(tenantOf(req), req.params.id, req.body)),
  );

  app.get(
    '/v1/bots/:id/simulator/messages',
    {
      config: { auth: 'tenant' },
      schema: { tags, summary: 'What a shopper’s phone shows, oldest first (reading marks the bot’s messages delivered and read)', params: BotParams, querystring: Type.Object({ phone: E164 }), response: { 200: SimulatorThread, ...problemResponses(400, 401, 403, 404, 422, 429) } },
    },
    async (req) => sim.thread(tenantOf(req), req.params.id, req.query.phone),
  );

  app.post(
    '/v1/bots/:id/simulator/link',
    {
      config: { auth: 'tenant' },
      schema: {
        tags,
        summary: 'A short-lived signed link (1 hour) to the bot’s web chat page',
        params: BotParams,
        body: Type.Object({ phone: Type.Optional(E164) }, { additionalProperties: false }),
        response: { 201: Type.Object({ url: Type.String(), token: Type.String(), expires_at: Type.String() }), ...problemResponses(400, 401, 403, 404, 422, 429) },
      },
    },
    async (req, reply) => reply.code(201).send(await sim.link(tenantOf(req), req.params.id, req.server.linkBase(), req.body.phone)),
  );

  // The web chat page: authenticated by the link's token (no key in the browser).
  app.get(
    '/simulator/:bot_id',
    { config: { auth: 'none' }, schema: { hide: true, params: PageParams, querystring: Type.Object({ token: Token }) } },
    async (req, reply) => {
      const claims = await sim.checkToken(req.params.bot_id, req.query.token);
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(chatPage(claims.botId, claims.phone));
    },
  );
  app.get('/simulator/assets/chat.js', { config: { auth: 'none' }, schema: { hide: true } }, async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(CHAT_JS));
  app.get(
    '/simulator/:bot_id/messages',
    { config: { auth: 'none' }, schema: { hide: true, params: PageParams, querystring: Type.Object({ token: Token, phone: E164 }), response: { 200: SimulatorThread, ...problemResponses(400, 401, 404, 422, 429) } } },
    async (req) => {
      const c = await sim.checkToken(req.params.bot_id, req.query.token);
      return sim.thread(c.tenantId, c.botId, req.query.phone);
    },
  );
  app.post(
    '/simulator/:bot_id/messages',
    { config: { auth: 'none' }, schema: { hide: true, params: PageParams, querystring: Type.Object({ token: Token }), body: SimulatorMessageBody, response: { 202: Sent, ...problemResponses(400, 401, 404, 422, 429) } } },
    async (req, reply) => {
      const c = await sim.checkToken(req.params.bot_id, req.query.token);
      return reply.code(202).send(await sim.shopperSends(c.tenantId, c.botId, req.body));
    },
  );
}
