/** `/v1/conversations`, their messages, handover and read, and `POST /v1/messages`. Other tenants' ids answer 404. */
import Type from 'typebox';
import { IdParam, listOf, problemResponses } from '../../../../contracts/common.js';
import { HandoverBody, ListConversationsQuery, ListMessagesQuery, SendMessageBody } from '../../../../contracts/commerce.js';
import type { App } from '../../../platform/http/types.js';
import { tenantOf } from '../bots/index.js';
import type { ConversationsService } from './service.js';

const tags = ['commerce'];
const Params = IdParam('id', 'cnv');
const ConvRef = Type.Ref('Conversation');
const MsgRef = Type.Ref('CommerceMessage');

export function conversationRoutes(app: App, { conversations, mediaUrl }: { conversations: ConversationsService; mediaUrl: (baseUrl: string) => (key: string, contentType: string) => Promise<string> }) {
  app.post(
    '/v1/messages',
    {
      config: { auth: 'tenant' },
      schema: {
        tags,
        summary: 'Send a message to a conversation, or to a phone number through a bot: checked now, queued (202), sent by the first healthy connection that may carry it',
        description:
          'Outside the 24-hour window only a template goes (a text becomes the bot’s window_template when it has one, else 422 OUTSIDE_WINDOW); business-initiated and marketing messages are refused to opted-out contacts (OPTED_OUT) and never go through an unofficial connection. WhatsApp’s limits are checked first (422 MESSAGE_CONTENT_INVALID with each field’s path). Statuses follow as `message.status` webhooks.',
        body: SendMessageBody,
        response: { 202: MsgRef, ...problemResponses(400, 401, 403, 404, 422, 429) },
      },
    },
    async (req, reply) => reply.code(202).send(await conversations.sendMessage(tenantOf(req), req.body)),
  );

  app.get(
    '/v1/conversations',
    {
      config: { auth: 'tenant' },
      schema: { tags, summary: 'List conversations, newest first; filter by bot, status, assigned seller, unread', querystring: ListConversationsQuery, response: { 200: listOf(ConvRef), ...problemResponses(400, 401, 403, 429) } },
    },
    async (req) => {
      const page = await conversations.listConversations(tenantOf(req), req.query);
      return { object: 'list' as const, data: page.data, has_more: page.hasMore };
    },
  );

  app.get(
    '/v1/conversations/:id',
    { config: { auth: 'tenant' }, schema: { tags, summary: 'Get a conversation', params: Params, response: { 200: ConvRef, ...problemResponses(400, 401, 403, 404, 429) } } },
    async (req) => conversations.readConversation(tenantOf(req), req.params.id),
  );

  app.get(
    '/v1/conversations/:id/messages',
    {
      config: { auth: 'tenant' },
      schema: { tags, summary: 'A conversation’s messages, newest first (media as short-lived links)', params: Params, querystring: ListMessagesQuery, response: { 200: listOf(MsgRef), ...problemResponses(400, 401, 403, 404, 429) } },
    },
    async (req) => {
      const page = await conversations.listMessages(tenantOf(req), req.params.id, req.query, mediaUrl(req.server.linkBase()));
      return { object: 'list' as const, data: page.data, has_more: page.hasMore };
    },
  );

  app.post(
    '/v1/conversations/:id/handover',
    {
      config: { auth: 'tenant' },
      schema: {
        tags,
        summary: 'Hand the conversation over: to waiting_agent (the inbox), agent (taken, optionally by a seller; the bot stays silent), bot, or closed',
        params: Params,
        body: HandoverBody,
        response: { 200: ConvRef, ...problemResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req) => conversations.handover(tenantOf(req), req.params.id, req.body),
  );

  app.post(
    '/v1/conversations/:id/read',
    { config: { auth: 'tenant' }, schema: { tags, summary: 'Mark the conversation read (unread_count 0)', params: Params, response: { 200: ConvRef, ...problemResponses(400, 401, 403, 404, 429) } } },
    async (req) => conversations.markRead(tenantOf(req), req.params.id),
  );
}
