/**
 * The simulator channel (the embedded default): a WhatsApp that lives in the database. It behaves
 * like the Cloud API where it matters — free-form messages only within 24 hours of the shopper's
 * last message (else `outside_window`), WhatsApp's limits on buttons, lists and bodies
 * (limits.ts), templates only if the bot has them — assigns `sim.` message ids, and reports
 * `delivered` and `read` when the shopper's chat fetches its messages.
 *
 * Its "webhook" is a JSON body signed with the connection's `secret` credential
 * (`x-simulator-signature: sha256=<hex HMAC of the raw body>`): the shopper API and the web chat
 * page sign and post it through the same inbound pipeline as a provider's webhook. A shopper's
 * media is given by URL and fetched under the platform's network policy (`downloadMedia`).
 */
import { createHmac, timingSafeEqual, randomBytes } from 'node:crypto';
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../../platform/db/client.js';
import type { Clock } from '../../../platform/clock.js';
import { newId } from '../../../platform/ids.js';
import { simulatorMessages } from '../tables.js';
import { checkContent, renderTemplate, type KnownTemplate } from './limits.js';
import { ChannelError, type ChannelDriver, type ConnectionContext, type InboundContent, type InboundEvent, type InboundMedia, type WebhookRequest } from './types.js';
import type { FetchLike } from '../../../platform/providers/http.js';
import { readCapped } from './read-capped.js';

export const WINDOW_MS = 24 * 3600 * 1000;
export const SIMULATOR_SIGNATURE_HEADER = 'x-simulator-signature';

/** A shopper's message as the simulator's webhook carries it. */
export type SimulatorInbound = { id: string; from: { phone: string; name?: string | undefined }; timestamp: string; content: InboundContent };

export const newSimulatorSecret = () => randomBytes(24).toString('base64url');
export const signSimulatorBody = (secret: string, raw: string | Buffer) => `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;

export type SimulatorOptions = {
  db: Db;
  clock: Clock;
  /** The bot's templates (a template message must name one of them). */
  templatesOf: (tenantId: string, botId: string) => Promise<KnownTemplate[]>;
  /** Where the simulator's status events go (the inbound pipeline). */
  emit: (conn: ConnectionContext, events: InboundEvent[]) => Promise<void>;
  /** Fetches a shopper's media by its URL (the platform's network policy: public https, or allow-listed hosts); without it media is not stored. */
  fetch?: FetchLike | undefined;
};

/** The simulator's media are as large as WhatsApp lets a shopper send (16 MB). */
const SIMULATOR_MEDIA_MAX = 16 * 1024 * 1024;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const bad = (m: string) => new ChannelError('simulator', 'bad_request', m);

function parseInbound(v: unknown): SimulatorInbound {
  if (!isRecord(v)) throw bad('the body is not an object');
  const from = v.from;
  const content = v.content;
  if (typeof v.id !== 'string' || v.id.length === 0 || v.id.length > 128) throw bad('id is missing');
  if (!isRecord(from) || typeof from.phone !== 'string' || !/^\+\d{6,15}$/.test(from.phone)) throw bad('from.phone must be E.164');
  if (from.name !== undefined && (typeof from.name !== 'string' || from.name.length > 200)) throw bad('from.name must be text');
  if (typeof v.timestamp !== 'string' || Number.isNaN(Date.parse(v.timestamp))) throw bad('timestamp must be a date');
  if (!isRecord(content) || typeof content.type !== 'string') throw bad('content.type is missing');
  const str = (x: unknown, max = 4096) => typeof x === 'string' && x.length <= max;
  switch (content.type) {
    case 'text':
      if (!str(content.text) || content.text === '') throw bad('content.text must be text');
      break;
    case 'button_reply':
    case 'list_reply':
      if (!str(content.id, 256) || !str(content.title, 100)) throw bad('content.id and content.title must be text');
      break;
    case 'order':
      if (!Array.isArray(content.items) || content.items.length === 0 || content.items.length > 100) throw bad('content.items must be 1 to 100 items');
      for (const i of content.items) if (!isRecord(i) || !str(i.productRetailerId, 200) || !Number.isInteger(i.quantity) || (i.quantity as number) < 1) throw bad('an order item needs productRetailerId and a quantity');
      break;
    case 'media':
      if (!isRecord(content.media) || !['image', 'video', 'audio', 'document', 'sticker'].includes(String(content.media.kind))) throw bad('content.media.kind is missing');
      if (content.media.url !== undefined && !str(content.media.url, 2048)) throw bad('content.media.url must be text');
      break;
    case 'location':
      if (typeof content.latitude !== 'number' || typeof content.longitude !== 'number') throw bad('latitude and longitude must be numbers');
      break;
    default:
      throw bad(`content.type ${String(content.type).slice(0, 40)} is not one the simulator sends`);
  }
  return { id: v.id, from: { phone: from.phone, name: from.name as string | undefined }, timestamp: v.timestamp, content: content as InboundContent };
}

export function simulatorDriver(opts: SimulatorOptions): ChannelDriver {
  const { db, clock } = opts;
  const now = () => new Date(clock.now());

  async function windowOpen(connectionId: string, phone: string): Promise<boolean> {
    const [last] = await db
      .select({ at: simulatorMessages.createdAt })
      .from(simulatorMessages)
      .where(and(eq(simulatorMessages.connectionId, connectionId), eq(simulatorMessages.phone, phone), eq(simulatorMessages.direction, 'from_shopper')))
      .orderBy(desc(simulatorMessages.seq))
      .limit(1);
    return last !== undefined && clock.now() - last.at.getTime() < WINDOW_MS;
  }

  return {
    provider: 'simulator',
    capabilities: () => ({ templates: true, buttons: true, lists: true, products: true, media: true, official: true }),
    validateCredentials(credentials) {
      if (!credentials.secret || credentials.secret.length < 16) throw new ChannelError('simulator', 'bad_request', 'missing secret');
    },
    async send(conn, req) {
      const phone = req.to.phone;
      if (!phone) throw new ChannelError('simulator', 'undeliverable', 'the simulator needs the shopper’s phone number');
      const templates = await opts.templatesOf(conn.tenantId, conn.botId);
      const violations = checkContent(req.content, { templates });
      if (violations.length > 0) {
        const v = violations[0]!;
        throw new ChannelError('simulator', req.content.type === 'template' ? 'template' : 'bad_request', `${v.path}: ${v.message}`);
      }
      if (req.content.type !== 'template' && !(await windowOpen(conn.id, phone))) {
        throw new ChannelError('simulator', 'outside_window', 'more than 24 hours since the shopper’s last message: only a template may be sent');
      }
      const id = `sim.${newId('message', clock.now()).slice(4)}`;
      const c = req.content;
      let content: Record<string, unknown>;
      if (c.type === 'template') {
        const known = templates.find((t) => t.name === c.template.name && t.language === c.template.language);
        content = { ...c, text: renderTemplate({ ...c.template, body: known?.body ?? c.template.body }) };
      } else if (c.type === 'media') content = { type: 'media', media: { ...c.media, bytes: undefined } };
      else content = { ...c };
      await db.insert(simulatorMessages).values({ id, tenantId: conn.tenantId, connectionId: conn.id, phone, direction: 'to_shopper', content, status: 'sent', createdAt: now() });
      return { providerMessageId: id, status: 'sent', resolvedProviderId: phone };
    },
    verifyWebhook(conn, req) {
      if (req.method !== 'POST') return { action: 'reject', status: 403, reason: 'the simulator takes POSTs only' };
      const got = req.headers[SIMULATOR_SIGNATURE_HEADER] ?? '';
      const want = signSimulatorBody(conn.credentials.secret ?? '', req.rawBody);
      const a = Buffer.from(got);
      const b = Buffer.from(want);
      if (!conn.credentials.secret || a.length !== b.length || !timingSafeEqual(a, b)) return { action: 'reject', status: 401, reason: 'bad simulator signature' };
      return { action: 'accept' };
    },
    parseWebhook(_conn, req: WebhookRequest): InboundEvent[] {
      let v: unknown;
      try {
        v = JSON.parse(req.rawBody.toString('utf8'));
      } catch {
        throw bad('the body is not JSON');
      }
      const m = parseInbound(v);
      return [{ kind: 'message', providerMessageId: m.id, from: { phone: m.from.phone, name: m.from.name }, timestamp: new Date(m.timestamp), content: m.content }];
    },
    // The shopper's photo or document, from the URL they gave (the simulator has no media store of its own).
    ...(opts.fetch
      ? {
          async downloadMedia(_conn: ConnectionContext, media: InboundMedia, signal: AbortSignal) {
            if (!media.url) return null;
            let res: Response;
            try {
              res = await opts.fetch!(media.url, { method: 'GET', signal });
            } catch (e) {
              throw new ChannelError('simulator', 'unavailable', `simulator: the media could not be fetched: ${(e as Error).message.slice(0, 120)}`);
            }
            if (!res.ok) {
              await res.body?.cancel().catch(() => undefined);
              return null;
            }
            const bytes = await readCapped(res, SIMULATOR_MEDIA_MAX, () => new ChannelError('simulator', 'bad_request', `simulator: the media is larger than ${SIMULATOR_MEDIA_MAX} bytes`));
            return { bytes, contentType: (res.headers.get('content-type') ?? media.contentType ?? 'application/octet-stream').split(';')[0]!.trim() };
          },
        }
      : {}),
    async health() {
      return { ok: true, latencyMs: 0, detail: 'simulator' };
    },
  };
}

/** The shopper's side of the simulator: what they sent and received, and the statuses their chat produces. */
export function simulatorPhone(opts: Pick<SimulatorOptions, 'db' | 'clock' | 'emit'>) {
  const { db, clock } = opts;
  return {
    /** Record what the shopper sent (opens the window, as on WhatsApp). */
    async recordInbound(conn: Pick<ConnectionContext, 'id' | 'tenantId'>, m: SimulatorInbound) {
      await db
        .insert(simulatorMessages)
        .values({ id: m.id, tenantId: conn.tenantId, connectionId: conn.id, phone: m.from.phone, direction: 'from_shopper', content: m.content as Record<string, unknown>, status: 'read', createdAt: new Date(clock.now()) })
        .onConflictDoNothing();
    },
    /** The shopper's thread, oldest first; messages to the shopper not read yet are now delivered and read (statuses emitted). */
    async thread(conn: ConnectionContext, phone: string, limit = 200) {
      const rows = await db
        .select()
        .from(simulatorMessages)
        .where(and(eq(simulatorMessages.connectionId, conn.id), eq(simulatorMessages.phone, phone)))
        .orderBy(desc(simulatorMessages.seq))
        .limit(limit)
        .then((r) => r.reverse());
      const unread = rows.filter((r) => r.direction === 'to_shopper' && r.status !== 'read').map((r) => r.id);
      if (unread.length > 0) {
        await db.update(simulatorMessages).set({ status: 'read' }).where(inArray(simulatorMessages.id, unread));
        const at = new Date(clock.now());
        await opts.emit(
          conn,
          unread.flatMap((id) => [
            { kind: 'status' as const, providerMessageId: id, status: 'delivered' as const, timestamp: at, recipient: { phone } },
            { kind: 'status' as const, providerMessageId: id, status: 'read' as const, timestamp: at, recipient: { phone } },
          ]),
        );
      }
      return rows;
    },
  };
}
