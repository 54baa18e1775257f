/**
 * The older WhatsApp bridge's endpoints, kept for integrations written against it (see
 * docs/compat/whatsapp-bridge.md): `POST /send {bot_id, to, message}`, `GET /qr?bot_id=`,
 * `GET /status?bot_id=`, with the store's key. They call the same services as /v1 (a send is
 * checked and queued like POST /v1/messages, with the same fallback and WhatsApp's rules).
 */
import Type from 'typebox';
import { problemResponses } from '../../../../contracts/common.js';
import type { App } from '../../../platform/http/types.js';
import { tenantOf } from '../bots/index.js';
import type { BotStatusService } from '../bots/index.js';
import type { ConversationsService } from '../conversations/index.js';

const tags = ['compat'];
const BotQuery = Type.Object({ bot_id: Type.String({ pattern: '^bot_[0-9A-Za-z]{1,64}$' }) });

export function bridgeRoutes(app: App, { conversations, status }: { conversations: ConversationsService; status: BotStatusService }) {
  app.post(
    '/send',
    {
      config: { auth: 'tenant' },
      schema: {
        tags,
        summary: 'Bridge: send a text (queued like POST /v1/messages)',
        body: Type.Object({ bot_id: BotQuery.properties.bot_id, to: Type.String({ pattern: '^\\+?[1-9][0-9]{6,14}$', description: 'The number, with or without the plus' }), message: Type.String({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: false }),
        response: { 202: Type.Object({ success: Type.Literal(true), message_id: Type.String(), status: Type.String(), conversation_id: Type.String() }), ...problemResponses(400, 401, 403, 404, 422, 429) },
      },
    },
    async (req, reply) => {
      const to = req.body.to.startsWith('+') ? req.body.to : `+${req.body.to}`;
      const m = await conversations.sendMessage(tenantOf(req), { bot_id: req.body.bot_id, to, content: { type: 'text', text: req.body.message } });
      return reply.code(202).send({ success: true as const, message_id: m.id, status: m.status, conversation_id: m.conversation_id });
    },
  );

  app.get(
    '/qr',
    {
      config: { auth: 'tenant' },
      schema: { tags, summary: 'Bridge: the QR code to pair the bot’s linked device', querystring: BotQuery, response: { 200: Type.Object({ bot_id: Type.String(), state: Type.String(), qr: Type.Union([Type.String(), Type.Null()]), qr_png: Type.Union([Type.String(), Type.Null()]), unofficial: Type.Boolean() }), ...problemResponses(400, 401, 403, 404, 422, 429) } },
    },
    async (req) => {
      const q = await status.qr(tenantOf(req), req.query.bot_id, {});
      return { bot_id: req.query.bot_id, state: q.state, qr: q.qr, qr_png: q.qr_png, unofficial: q.unofficial };
    },
  );

  app.get(
    '/status',
    {
      config: { auth: 'tenant' },
      schema: {
        tags,
        summary: 'Bridge: whether the bot can send, and each connection’s state',
        querystring: BotQuery,
        response: { 200: Type.Object({ bot_id: Type.String(), connected: Type.Boolean(), connections: Type.Array(Type.Object({ id: Type.String(), provider: Type.String(), state: Type.String(), enabled: Type.Boolean(), breaker: Type.String() })) }), ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => {
      const s = await status.status(tenantOf(req), req.query.bot_id, { window_minutes: 15 });
      const usable = (c: (typeof s.connections)[number]) => c.enabled && c.breaker !== 'open' && (c.state === 'open' || c.state === 'unknown');
      return { bot_id: s.bot_id, connected: s.connections.some(usable), connections: s.connections.map((c) => ({ id: c.id, provider: c.provider, state: c.state, enabled: c.enabled, breaker: c.breaker })) };
    },
  );
}
