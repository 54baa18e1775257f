/**
 * The simulator's shopper side: a shopper's message (text, button or list reply, a cart, media)
 * is signed with the connection's secret and goes through the same webhook handler (verify →
 * parse → ledger → job) as a provider's; the shopper's thread shows what the bot sent (reading it
 * produces delivered/read statuses); short-lived signed links open the web chat page.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import type { TSimulatorMessageBody } from '../../../../contracts/commerce.js';
import type { CommerceCore } from '../core.js';
import { botsRepo } from '../bots/index.js';
import { SIMULATOR_SIGNATURE_HEADER, signSimulatorBody, simulatorPhone, type InboundContent, type InboundEvent, type SimulatorInbound } from '../channels/index.js';
import type { ConnectionRow } from '../tables.js';

export const LINK_TTL_S = 3600;

type Handle = (conn: ConnectionRow, req: { method: 'POST'; url: string; query: Record<string, string | undefined>; headers: Record<string, string | undefined>; rawBody: Buffer }) => Promise<unknown>;

export function contentOfShopper(b: TSimulatorMessageBody): InboundContent {
  const given = [b.text, b.button_reply, b.list_reply, b.order, b.media].filter((x) => x !== undefined).length;
  if (given !== 1) throw new AppError('VALIDATION_FAILED', 'Give exactly one of text, button_reply, list_reply, order, media.');
  if (b.text !== undefined) return { type: 'text', text: b.text };
  if (b.button_reply) return { type: 'button_reply', id: b.button_reply.id, title: b.button_reply.title };
  if (b.list_reply) return { type: 'list_reply', id: b.list_reply.id, title: b.list_reply.title, description: b.list_reply.description };
  if (b.order) return { type: 'order', catalogId: b.order.catalog_id, text: b.order.text, items: b.order.items.map((i) => ({ productRetailerId: i.product_retailer_id, quantity: i.quantity, itemPrice: i.item_price, currency: i.currency })) };
  return { type: 'media', media: { kind: b.media!.kind, url: b.media!.url, caption: b.media!.caption } };
}

export function createSimulatorService(core: CommerceCore, handle: Handle, emit: (conn: ConnectionRow, events: InboundEvent[]) => Promise<void>) {
  const phoneSide = simulatorPhone({ db: core.db, clock: core.clock, emit: async (ctx, events) => emit((await botsRepo.findConnectionForWebhook(core.db, ctx.id))!, events) });

  async function simulatorOf(tenantId: string, botId: string): Promise<ConnectionRow> {
    await core.bots.getBot(tenantId, botId);
    const conn = (await core.bots.connectionsOf(tenantId, botId)).find((c) => c.provider === 'simulator');
    if (!conn) throw new AppError('SIMULATOR_NOT_CONNECTED', `Bot ${botId} has no simulator connection.`);
    return conn;
  }

  const secretOf = (conn: ConnectionRow) => core.bots.contextOf(conn).credentials.secret ?? '';

  return {
    simulatorOf,

    /** The shopper writes: signed and posted through the webhook handler, like a provider would. */
    async shopperSends(tenantId: string, botId: string, body: TSimulatorMessageBody) {
      const conn = await simulatorOf(tenantId, botId);
      const m: SimulatorInbound = { id: `simin.${newId('message', core.clock.now()).slice(4)}`, from: { phone: body.phone, name: body.name }, timestamp: core.now().toISOString(), content: contentOfShopper(body) };
      const raw = Buffer.from(JSON.stringify(m));
      await phoneSide.recordInbound(conn, m);
      await handle(conn, { method: 'POST', url: `/hooks/whatsapp/${conn.id}`, query: {}, headers: { 'content-type': 'application/json', [SIMULATOR_SIGNATURE_HEADER]: signSimulatorBody(secretOf(conn), raw) }, rawBody: raw });
      return { id: m.id, phone: body.phone, content: m.content as Record<string, unknown>, created_at: m.timestamp };
    },

    /** What the shopper's phone shows (oldest first); reading marks the bot's messages delivered and read. */
    async thread(tenantId: string, botId: string, phone: string) {
      const conn = await simulatorOf(tenantId, botId);
      const rows = await phoneSide.thread(core.bots.contextOf(conn), phone);
      return { phone, messages: rows.map((r) => ({ id: r.id, direction: r.direction, content: r.content, status: r.status, created_at: r.createdAt.toISOString() })) };
    },

    /** A short-lived signed link to the web chat page (the bot's simulator secret signs it). */
    async link(tenantId: string, botId: string, baseUrl: string, phone?: string) {
      const conn = await simulatorOf(tenantId, botId);
      const exp = Math.floor(core.clock.now() / 1000) + LINK_TTL_S;
      const payload = Buffer.from(JSON.stringify({ t: tenantId, b: botId, exp, ...(phone ? { p: phone } : {}) })).toString('base64url');
      const token = `${payload}.${createHmac('sha256', secretOf(conn)).update(payload).digest('base64url')}`;
      return { url: `${baseUrl}/simulator/${botId}?token=${token}`, token, expires_at: new Date(exp * 1000).toISOString() };
    },

    /** The tenant and bot a link token stands for; INVALID_TOKEN when forged, expired or for another bot. */
    async checkToken(botId: string, token: string): Promise<{ tenantId: string; botId: string; phone?: string | undefined }> {
      const [payload, sig] = token.split('.');
      const bad = () => new AppError('INVALID_TOKEN', 'The simulator link is not valid or has expired; open a new one from the dashboard or the API.');
      if (!payload || !sig) throw bad();
      let claims: { t: string; b: string; exp: number; p?: string };
      try {
        claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
      } catch {
        throw bad();
      }
      if (claims.b !== botId || typeof claims.t !== 'string' || !(claims.exp * 1000 > core.clock.now())) throw bad();
      const conn = await simulatorOf(claims.t, botId).catch(() => {
        throw bad();
      });
      const want = Buffer.from(createHmac('sha256', secretOf(conn)).update(payload).digest('base64url'));
      const got = Buffer.from(sig);
      if (want.length !== got.length || !timingSafeEqual(want, got)) throw bad();
      return { tenantId: claims.t, botId, phone: claims.p };
    },
  };
}

export type SimulatorService = ReturnType<typeof createSimulatorService>;
