/**
 * Meta's inbound webhook (developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages):
 *
 * Verification: `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…` → 200 text/plain with
 * the challenge when the token matches (compared in constant time), else 403. Every POST carries
 * `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(raw body, app secret)>`; it is checked on the RAW
 * bytes (re-serialised JSON would not match) in constant time; missing or wrong → 401.
 *
 * Parsing: `{object:'whatsapp_business_account', entry:[{id, changes:[{field:'messages', value}]}]}`
 * where `value` has `metadata.phone_number_id` (the business number: every event carries it as
 * `to`, since one app's webhook serves all its numbers), `contacts[]` (profile name, `wa_id`,
 * and since 2026 the business-scoped `user_id`), `messages[]` and `statuses[]`. Messages map to
 * the interface's content (text, media, button/list replies, template quick-reply `button`,
 * `order`, `location`; reactions, contacts, system, request_welcome, flows… become `unsupported`
 * with their type). Statuses sent/delivered/read/failed (voice `played` counts as read) with
 * their `errors[]` mapped. A message the sender has a phone for gets `phone = '+' + wa_id`;
 * one from a user with a username and no shared phone is known by its BSUID only.
 * `value.errors` (system-level errors with no message) have no event kind: `metaWebhookErrors`
 * returns them for the caller to log. Malformed top-level shape → ChannelError('bad_request');
 * a malformed item inside a valid body is skipped so the valid ones around it are not lost.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isRecord, str } from '../../../platform/providers/http.js';
import { metaWebhookError } from './meta-errors.js';
import {
  ChannelError, type ChannelFailure, type ContactAddress, type DeliveryStatus, type InboundContent, type InboundEvent, type MediaKind,
  type WebhookRequest, type WebhookVerdict,
} from './types.js';

/** Meta's webhook bodies are small (a few KB; batches stay well under this). */
export const MAX_WEBHOOK_BYTES = 3 * 1024 * 1024;
const MEDIA_KINDS: readonly MediaKind[] = ['image', 'video', 'audio', 'document', 'sticker'];
const STATUS: Record<string, DeliveryStatus> = { sent: 'sent', delivered: 'delivered', read: 'read', played: 'read', failed: 'failed' };

/** Constant-time equality of two strings of any length (both are hashed first, so neither the length nor a prefix leaks). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHmac('sha256', 'probador-compare').update(a).digest();
  const hb = createHmac('sha256', 'probador-compare').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** `sha256=<hex>` over the raw body, as Meta signs it. */
export const metaSignature = (rawBody: Buffer | string, appSecret: string) => `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;

export function verifyMetaWebhook(credentials: Record<string, string>, req: WebhookRequest): WebhookVerdict {
  if (req.method === 'GET') {
    const mode = req.query['hub.mode'];
    const token = req.query['hub.verify_token'] ?? '';
    const challenge = req.query['hub.challenge'] ?? '';
    const expected = credentials.verify_token ?? '';
    if (mode !== 'subscribe' || !expected || !safeEqual(token, expected)) return { action: 'reject', status: 403, reason: 'the verify token does not match' };
    if (!/^[A-Za-z0-9_.-]{1,256}$/.test(challenge)) return { action: 'reject', status: 403, reason: 'the challenge is missing or malformed' };
    return { action: 'respond', status: 200, contentType: 'text/plain', body: challenge };
  }
  const header = req.headers['x-hub-signature-256'];
  const secret = credentials.app_secret ?? '';
  if (!header) return { action: 'reject', status: 401, reason: 'X-Hub-Signature-256 is missing' };
  if (!secret) return { action: 'reject', status: 401, reason: 'the connection has no app secret' };
  const given = header.trim().toLowerCase();
  if (!/^sha256=[0-9a-f]{64}$/.test(given)) return { action: 'reject', status: 401, reason: 'X-Hub-Signature-256 is malformed' };
  const expected = Buffer.from(metaSignature(req.rawBody, secret), 'utf8');
  if (!timingSafeEqual(Buffer.from(given, 'utf8'), expected)) return { action: 'reject', status: 401, reason: 'X-Hub-Signature-256 does not match the body' };
  return { action: 'accept' };
}

const bad = (message: string) => new ChannelError('meta', 'bad_request', `meta webhook: ${message}`);

/** The `value`s of every `messages` change, with the top-level shape checked. */
function messageValues(rawBody: Buffer): Record<string, unknown>[] {
  if (rawBody.length > MAX_WEBHOOK_BYTES) throw bad(`the body is larger than ${MAX_WEBHOOK_BYTES} bytes`);
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw bad('the body is not JSON');
  }
  if (!isRecord(body) || !Array.isArray(body.entry)) throw bad('the body has no entry[]');
  if (body.object !== undefined && body.object !== 'whatsapp_business_account') throw bad(`unexpected object ${JSON.stringify(String(body.object)).slice(0, 60)}`);
  const values: Record<string, unknown>[] = [];
  for (const entry of body.entry) {
    if (!isRecord(entry) || !Array.isArray(entry.changes)) continue;
    for (const change of entry.changes) {
      if (isRecord(change) && change.field === 'messages' && isRecord(change.value)) values.push(change.value);
    }
  }
  return values;
}

const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const num = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
};
const when = (v: unknown): Date => {
  const s = num(v);
  return s !== undefined && s > 0 && s < 1e11 ? new Date(s * 1000) : new Date();
};
const phoneOf = (waId: string | undefined) => (waId && /^\d{6,15}$/.test(waId) ? `+${waId}` : undefined);

/** Digits of the currency's minor unit (USD 2, JPY 0, BHD 3); 2 when the code is unknown. */
function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

function content(m: Record<string, unknown>): InboundContent {
  const type = (str(m.type) ?? 'unknown').slice(0, 64);
  const body = isRecord(m[type]) ? (m[type] as Record<string, unknown>) : {};
  if (type === 'text' && typeof body.body === 'string') return { type: 'text', text: body.body };
  if ((MEDIA_KINDS as readonly string[]).includes(type) && str(body.id)) {
    return {
      type: 'media',
      media: { kind: type as MediaKind, providerMediaId: str(body.id), contentType: str(body.mime_type), caption: str(body.caption), filename: str(body.filename), sha256: str(body.sha256) },
    };
  }
  if (type === 'interactive') {
    const kind = str(body.type);
    const reply = kind && isRecord(body[kind]) ? (body[kind] as Record<string, unknown>) : undefined;
    if (kind === 'button_reply' && reply && str(reply.id)) return { type: 'button_reply', id: str(reply.id)!, title: str(reply.title) ?? '' };
    if (kind === 'list_reply' && reply && str(reply.id)) return { type: 'list_reply', id: str(reply.id)!, title: str(reply.title) ?? '', description: str(reply.description) };
    return { type: 'unsupported', providerType: `interactive.${(kind ?? 'unknown').slice(0, 64)}` };
  }
  if (type === 'button' && (str(body.payload) || str(body.text))) return { type: 'button_reply', id: str(body.payload) ?? str(body.text)!, title: str(body.text) ?? '' };
  if (type === 'order') {
    const items = arr(body.product_items).flatMap((i) => {
      if (!isRecord(i) || !str(i.product_retailer_id)) return [];
      const quantity = num(i.quantity);
      const price = num(i.item_price);
      const currency = str(i.currency);
      const itemPrice = price === undefined ? undefined : Math.round(price * 10 ** minorDigits(currency ?? 'USD'));
      return [{ productRetailerId: str(i.product_retailer_id)!, quantity: quantity !== undefined && quantity > 0 ? Math.floor(quantity) : 1, itemPrice, currency }];
    });
    return { type: 'order', catalogId: str(body.catalog_id), text: str(body.text), items };
  }
  if (type === 'location') {
    const latitude = num(body.latitude);
    const longitude = num(body.longitude);
    if (latitude !== undefined && longitude !== undefined && Math.abs(latitude) <= 90 && Math.abs(longitude) <= 180) return { type: 'location', latitude, longitude, name: str(body.name), address: str(body.address) };
  }
  return { type: 'unsupported', providerType: type };
}

type Contact = { waId?: string | undefined; userId?: string | undefined; name?: string | undefined };

/** The value's contacts, indexed by wa_id and by BSUID (built once per value: batches stay linear). */
function contactsOf(value: Record<string, unknown>): { byId: Map<string, Contact>; single?: Contact | undefined } {
  const byId = new Map<string, Contact>();
  const all = arr(value.contacts).flatMap((c) => {
    if (!isRecord(c)) return [];
    const profile = isRecord(c.profile) ? c.profile : {};
    return [{ waId: str(c.wa_id), userId: str(c.user_id), name: str(profile.name) ?? str(profile.username) }];
  });
  for (const c of all) {
    if (c.waId && !byId.has(c.waId)) byId.set(c.waId, c);
    if (c.userId && !byId.has(c.userId)) byId.set(c.userId, c);
  }
  return { byId, single: all.length === 1 ? all[0] : undefined };
}

function messageEvent(m: unknown, contacts: ReturnType<typeof contactsOf>, to: string | undefined): InboundEvent | undefined {
  if (!isRecord(m) || !str(m.id)) return undefined;
  const from = str(m.from);
  const userId = str(m.from_user_id);
  if (!from && !userId) return undefined;
  const contact = (from ? contacts.byId.get(from) : undefined) ?? (userId ? contacts.byId.get(userId) : undefined) ?? contacts.single;
  const address: ContactAddress = { phone: phoneOf(from ?? contact?.waId), providerId: from ?? userId, name: contact?.name };
  const context = isRecord(m.context) ? str(m.context.id) : undefined;
  return { kind: 'message', providerMessageId: str(m.id)!, from: address, timestamp: when(m.timestamp), content: content(m), replyToProviderMessageId: context, to };
}

function statusEvent(s: unknown, to: string | undefined): InboundEvent | undefined {
  if (!isRecord(s) || !str(s.id)) return undefined;
  const status = STATUS[str(s.status) ?? ''];
  if (!status) return undefined;
  const rid = str(s.recipient_id);
  const ruid = str(s.recipient_user_id);
  const errors = arr(s.errors);
  const error = status === 'failed' ? (errors.length ? metaWebhookError(errors[0]) : { reason: 'unknown' as ChannelFailure, message: 'failed without an error' }) : undefined;
  return {
    kind: 'status',
    providerMessageId: str(s.id)!,
    status,
    timestamp: when(s.timestamp),
    recipient: rid || ruid ? { phone: phoneOf(rid), providerId: rid ?? ruid } : undefined,
    error,
    to,
    messageId: str(s.biz_opaque_callback_data),
  };
}

/** Every message and status event of a verified webhook body. */
export function parseMetaWebhook(req: WebhookRequest): InboundEvent[] {
  const events: InboundEvent[] = [];
  for (const value of messageValues(req.rawBody)) {
    const to = isRecord(value.metadata) ? str(value.metadata.phone_number_id) : undefined;
    const contacts = contactsOf(value);
    for (const m of arr(value.messages)) {
      const e = messageEvent(m, contacts, to);
      if (e) events.push(e);
    }
    for (const s of arr(value.statuses)) {
      const e = statusEvent(s, to);
      if (e) events.push(e);
    }
  }
  return events;
}

/** The system-level errors in a verified body (`value.errors`), which carry no message or status. */
export function metaWebhookErrors(rawBody: Buffer): { to?: string | undefined; reason: ChannelFailure; providerCode?: string | undefined; message: string }[] {
  return messageValues(rawBody).flatMap((value) => {
    const to = isRecord(value.metadata) ? str(value.metadata.phone_number_id) : undefined;
    return arr(value.errors).map((e) => ({ to, ...metaWebhookError(e) }));
  });
}
