/**
 * Conversations and messages: list and read them, hand a conversation over (bot → waiting_agent
 * → agent → bot; the bot is silent while an agent has it), mark it read, and send a message
 * (`POST /v1/messages`, and `sendToConversation` for other parts such as order notifications):
 * checked against WhatsApp's limits and rules now (422 with the field or the rule), then queued.
 */
import { AppError } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import type { TSendMessageBody } from '../../../../contracts/commerce.js';
import type { CommerceCore } from '../core.js';
import { windowOpen } from '../core.js';
import { checkContent, type OutboundContent } from '../channels/index.js';
import { resolveContact } from '../inbound/index.js';
import { optOutsOf } from '../opt-outs.js';
import { planSend, resolveTemplate, type Category } from '../outbound/index.js';
import { queueOutbound } from '../outbound/index.js';
import type { BotRow, ConversationRow, ConversationStatus } from '../tables.js';
import { botsRepo } from '../bots/index.js';
import * as repo from './repository.js';
import { presentConversation, presentMessage } from './present.js';

type ApiContent = TSendMessageBody['content'];

export function createConversationsService(core: CommerceCore) {
  const { db } = core;

  async function getConversation(tenantId: string, id: string): Promise<ConversationRow> {
    const c = await repo.findConversation(db, tenantId, id);
    if (!c) throw new AppError('CONVERSATION_NOT_FOUND', `Conversation ${id} not found.`);
    return c;
  }

  async function present(c: ConversationRow) {
    return presentConversation(c, await repo.findContact(db, c.tenantId, c.contactId), core.now());
  }

  /** The API's content made whole: a template named by the API gets the bot's category, body and Twilio SID. */
  function toContent(bot: BotRow, content: ApiContent): OutboundContent {
    if (content.type !== 'template') return content as OutboundContent;
    const t = resolveTemplate(bot, content.template);
    if (!t) {
      throw new AppError('MESSAGE_CONTENT_INVALID', `The bot has no template ${content.template.name} (${content.template.language}).`, {
        extra: { errors: [{ in: 'body', path: '/content/template/name', message: 'not one of the bot’s templates' }] },
      });
    }
    return { type: 'template', template: t };
  }

  /** Check and queue a message on a conversation (its open one, reopened when closed). */
  async function send(tenantId: string, conv: ConversationRow, bot: BotRow, apiContent: ApiContent | OutboundContent, category: Category, source: 'api' | 'auto') {
    const content = toContent(bot, apiContent as ApiContent);
    const violations = checkContent(content, { templates: bot.templates });
    if (violations.length > 0) {
      throw new AppError('MESSAGE_CONTENT_INVALID', violations.map((v) => `${v.path}: ${v.message}`).join('; '), { extra: { errors: violations.map((v) => ({ in: 'body', path: v.path, message: v.message })) } });
    }
    if (conv.status === 'closed') conv = (await repo.openConversation(db, tenantId, bot.id, conv.contactId, () => ({ id: newId('conversation', core.now().getTime()), now: core.now() }))).row;
    const conns = await botsRepo.connectionsOf(db, tenantId, [bot.id]);
    const plan = planSend({
      bot,
      content,
      category,
      windowOpen: windowOpen(conv.lastInboundAt, core.now()),
      optOuts: await optOutsOf(db, tenantId, conv.contactId),
      connections: conns.map((row) => {
        const d = core.registry.get(row.provider);
        return { row, caps: d ? d.capabilities(core.bots.contextOf(row)) : undefined };
      }),
    });
    if (!plan.ok) throw new AppError(plan.code, plan.message);
    return queueOutbound(core, conv, { id: newId('message', core.now().getTime()), content, category, source });
  }

  async function publishConversation(c: ConversationRow, previous: { status: ConversationStatus; seller: string | null }) {
    const data = (await present(c)) as unknown as Record<string, unknown>;
    await core.publish(c.tenantId, 'conversation.updated', data);
    if (previous.status !== c.status) await core.emit(c.tenantId, 'conversation.status_changed', { ...data, previous_status: previous.status });
    if (previous.seller !== c.assignedSellerId) await core.emit(c.tenantId, 'conversation.assigned', { ...data, previous_seller_id: previous.seller });
    return data;
  }

  return {
    getConversation,
    present,

    async readConversation(tenantId: string, id: string) {
      return present(await getConversation(tenantId, id));
    },

    async listConversations(tenantId: string, q: { limit: number; starting_after?: string | undefined; bot_id?: string | undefined; status?: ConversationStatus | undefined; assigned_seller_id?: string | undefined; unread?: boolean | undefined }) {
      const page = await repo.listConversations(db, tenantId, { limit: q.limit, startingAfter: q.starting_after, botId: q.bot_id, status: q.status, assignedSellerId: q.assigned_seller_id, unread: q.unread });
      const contacts = new Map((await repo.findContacts(db, tenantId, [...new Set(page.data.map((c) => c.contactId))])).map((c) => [c.id, c]));
      return { data: page.data.map((c) => presentConversation(c, contacts.get(c.contactId), core.now())), hasMore: page.hasMore };
    },

    async listMessages(tenantId: string, conversationId: string, q: { limit: number; starting_after?: string | undefined }, mediaUrl: (key: string, contentType: string) => Promise<string>) {
      await getConversation(tenantId, conversationId);
      const page = await repo.listMessages(db, tenantId, conversationId, { limit: q.limit, startingAfter: q.starting_after });
      return { data: await Promise.all(page.data.map(async (m) => presentMessage(m, m.media ? await mediaUrl(m.media.key, m.media.content_type) : undefined))), hasMore: page.hasMore };
    },

    /** POST /v1/messages: to a conversation, or to a phone number through a bot. */
    async sendMessage(tenantId: string, body: TSendMessageBody) {
      let conv: ConversationRow;
      let bot: BotRow;
      if (body.conversation_id) {
        conv = await getConversation(tenantId, body.conversation_id);
        bot = await core.bots.getBot(tenantId, conv.botId);
      } else if (body.bot_id && body.to) {
        bot = await core.bots.getBot(tenantId, body.bot_id);
        const contact = await resolveContact(db, tenantId, { phone: body.to }, core.now());
        conv = (await repo.openConversation(db, tenantId, bot.id, contact.id, () => ({ id: newId('conversation', core.now().getTime()), now: core.now() }))).row;
      } else {
        throw new AppError('VALIDATION_FAILED', 'Give conversation_id, or bot_id and to.', { extra: { errors: [{ in: 'body', path: '/conversation_id', message: 'conversation_id, or bot_id and to' }] } });
      }
      return presentMessage(await send(tenantId, conv, bot, body.content, body.category ?? 'service', 'api'));
    },

    /** For other parts (order notifications): a template outside the window comes from `content` being a template or the bot's window_template. */
    async sendToConversation(tenantId: string, conversationId: string, content: OutboundContent, category: Category) {
      const conv = await getConversation(tenantId, conversationId);
      const bot = await core.bots.getBot(tenantId, conv.botId);
      return presentMessage(await send(tenantId, conv, bot, content, category, 'auto'));
    },

    async handover(tenantId: string, id: string, body: { to: 'agent' | 'bot' | 'waiting_agent' | 'closed'; seller_id?: string | null | undefined }) {
      const conv = await getConversation(tenantId, id);
      const allowed: Record<typeof body.to, ConversationStatus[]> = { waiting_agent: ['bot', 'agent', 'waiting_agent'], agent: ['bot', 'waiting_agent', 'agent'], bot: ['waiting_agent', 'agent', 'bot'], closed: ['bot', 'waiting_agent', 'agent'] };
      if (!allowed[body.to].includes(conv.status)) throw new AppError('INVALID_HANDOVER', `A ${conv.status} conversation cannot go to ${body.to}.`);
      if (body.seller_id && body.to !== 'agent') throw new AppError('INVALID_HANDOVER', 'A seller is assigned only when an agent takes the conversation (to: agent).');
      if (body.seller_id && core.ports.sellerExists && !(await core.ports.sellerExists(tenantId, body.seller_id))) throw new AppError('INVALID_HANDOVER', `Seller ${body.seller_id} does not exist or is not active.`);
      const seller = body.to === 'agent' ? (body.seller_id === undefined ? conv.assignedSellerId : body.seller_id) : body.to === 'closed' ? conv.assignedSellerId : null;
      const moved = await repo.moveConversation(db, tenantId, id, [conv.status], { status: body.to, assignedSellerId: seller, updatedAt: core.now() });
      if (!moved) throw new AppError('INVALID_HANDOVER', 'The conversation changed meanwhile; read it and try again.');
      const data = await publishConversation(moved, { status: conv.status, seller: conv.assignedSellerId });
      // Handed back to the bot: its flow goes on where it was.
      if (body.to === 'bot' && conv.status !== 'bot') await core.flows?.resume(tenantId, id);
      return data;
    },

    async markRead(tenantId: string, id: string) {
      await getConversation(tenantId, id);
      const c = await repo.updateConversation(db, tenantId, id, { unreadCount: 0, updatedAt: core.now() });
      const data = (await present(c!)) as unknown as Record<string, unknown>;
      await core.publish(tenantId, 'conversation.updated', data);
      return data;
    },
  };
}

export type ConversationsService = ReturnType<typeof createConversationsService>;
