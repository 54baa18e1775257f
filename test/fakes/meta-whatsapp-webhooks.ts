/**
 * Inbound Meta WhatsApp webhooks as Meta sends them (developers.facebook.com/documentation/
 * business-messaging/whatsapp/webhooks/reference/messages/…): builders for each message type and
 * for statuses, the `whatsapp_business_account` envelope, the `X-Hub-Signature-256` signature
 * (HMAC-SHA256 of the raw body with the app secret) and helpers that POST a signed body or run
 * the `hub.challenge` handshake against a URL. Used by the driver tests and, through the app,
 * by the end-to-end tests and benches.
 */
import { createHmac, randomBytes } from 'node:crypto';

export type InboundOptions = {
  /** The user's phone number as wa_id digits (default 5491122334455). */
  from?: string;
  /** The profile name (default "Ana"). */
  name?: string;
  /** The user's business-scoped user id (BSUID); with `withoutPhone` the user is known by it alone. */
  userId?: string;
  /** A username user who shares no phone: `from` and `wa_id` are omitted. */
  withoutPhone?: boolean;
  id?: string;
  /** Seconds since the epoch (default now). */
  timestamp?: number;
  /** The wamid this message replies to (`context.id`). */
  replyTo?: string;
};

export type InboundMessage = { message: Record<string, unknown>; contact: Record<string, unknown> };

export const wamid = () => `wamid.${randomBytes(24).toString('base64url')}`;

function inboundMessage(type: string, payload: Record<string, unknown> | undefined, o: InboundOptions = {}): InboundMessage {
  const from = o.from ?? '5491122334455';
  const message: Record<string, unknown> = {
    ...(o.withoutPhone ? {} : { from }),
    ...(o.userId ? { from_user_id: o.userId } : {}),
    id: o.id ?? wamid(),
    timestamp: String(o.timestamp ?? Math.floor(Date.now() / 1000)),
    type,
    ...(payload === undefined ? {} : { [type]: payload }),
    ...(o.replyTo ? { context: { from: '15550783881', id: o.replyTo } } : {}),
  };
  const contact = { profile: { name: o.name ?? 'Ana' }, ...(o.withoutPhone ? {} : { wa_id: from }), ...(o.userId ? { user_id: o.userId } : {}) };
  return { message, contact };
}

export type OrderItem = { product_retailer_id: string; quantity: number; item_price: number; currency: string };

/** One builder per inbound message type Meta documents. */
export const inbound = {
  text: (body: string, o?: InboundOptions) => inboundMessage('text', { body }, o),
  media: (kind: 'image' | 'video' | 'audio' | 'document' | 'sticker', mediaId: string, extra: { caption?: string; mime_type?: string; filename?: string; sha256?: string } = {}, o?: InboundOptions) =>
    inboundMessage(kind, { id: mediaId, mime_type: extra.mime_type ?? 'image/jpeg', sha256: extra.sha256 ?? randomBytes(32).toString('base64'), ...extra }, o),
  buttonReply: (id: string, title: string, o?: InboundOptions) => inboundMessage('interactive', { type: 'button_reply', button_reply: { id, title } }, o),
  listReply: (id: string, title: string, description?: string, o?: InboundOptions) =>
    inboundMessage('interactive', { type: 'list_reply', list_reply: { id, title, ...(description ? { description } : {}) } }, o),
  /** A template's quick-reply button (`type: button`). */
  templateButton: (payload: string, text: string, o?: InboundOptions) => inboundMessage('button', { payload, text }, o),
  order: (catalogId: string, items: OrderItem[], text?: string, o?: InboundOptions) => inboundMessage('order', { catalog_id: catalogId, ...(text ? { text } : {}), product_items: items }, o),
  location: (latitude: number, longitude: number, extra: { name?: string; address?: string } = {}, o?: InboundOptions) => inboundMessage('location', { latitude, longitude, ...extra }, o),
  reaction: (messageId: string, emoji: string, o?: InboundOptions) => inboundMessage('reaction', { message_id: messageId, emoji }, o),
  /** A message type the Cloud API does not support (it says so with error 131051). */
  unsupported: (o?: InboundOptions) => {
    const m = inboundMessage('unsupported', undefined, o);
    m.message.errors = [{ code: 131051, title: 'Message type unknown', message: 'Message type unknown', error_data: { details: 'Message type is currently not supported.' } }];
    return m;
  },
};

export type StatusOptions = {
  /** The recipient's wa_id (default 5491122334455); with `recipientUserId` alone the message went to a BSUID. */
  recipient?: string;
  recipientUserId?: string;
  timestamp?: number;
  /** For `failed`: the error Meta reports. */
  error?: { code: number; title?: string; message?: string; details?: string };
  /** Our id, echoed back from `biz_opaque_callback_data`. */
  callbackData?: string;
};

/** One `statuses[]` entry. */
export function statusUpdate(id: string, status: 'sent' | 'delivered' | 'read' | 'played' | 'failed', o: StatusOptions = {}): Record<string, unknown> {
  const e = o.error;
  return {
    id,
    status,
    timestamp: String(o.timestamp ?? Math.floor(Date.now() / 1000)),
    ...(o.recipientUserId && !o.recipient ? { recipient_user_id: o.recipientUserId } : { recipient_id: o.recipient ?? '5491122334455' }),
    ...(o.callbackData ? { biz_opaque_callback_data: o.callbackData } : {}),
    ...(status === 'failed'
      ? { errors: e ? [{ code: e.code, title: e.title ?? 'Error', message: e.message ?? e.title ?? 'Error', error_data: { details: e.details ?? 'Message failed to send' }, href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/' }] : [] }
      : { pricing: { billable: true, pricing_model: 'PMP', category: 'service', type: 'free_customer_service' } }),
  };
}

export type WebhookBodyOptions = {
  phoneNumberId: string;
  wabaId?: string;
  displayPhoneNumber?: string;
  messages?: InboundMessage[];
  statuses?: Record<string, unknown>[];
  /** System-level errors (`value.errors`). */
  errors?: { code: number; title: string; message?: string; details?: string }[];
};

/** The full `whatsapp_business_account` body of one `messages` change. */
export function webhookBody(o: WebhookBodyOptions): Record<string, unknown> {
  const contacts = [...new Map((o.messages ?? []).map((m) => [JSON.stringify(m.contact), m.contact])).values()];
  const value: Record<string, unknown> = {
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: o.displayPhoneNumber ?? '15550783881', phone_number_id: o.phoneNumberId },
    ...(o.messages?.length ? { contacts, messages: o.messages.map((m) => m.message) } : {}),
    ...(o.statuses?.length ? { statuses: o.statuses } : {}),
    ...(o.errors?.length
      ? { errors: o.errors.map((e) => ({ code: e.code, title: e.title, message: e.message ?? e.title, error_data: { details: e.details ?? e.title }, href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/' })) }
      : {}),
  };
  return { object: 'whatsapp_business_account', entry: [{ id: o.wabaId ?? '102290129340398', changes: [{ value, field: 'messages' }] }] };
}

/** `sha256=<hex>` exactly as Meta signs a body (HMAC-SHA256 of the raw bytes with the app secret). */
export const signBody = (raw: string | Buffer, appSecret: string) => `sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}`;

/**
 * POST a webhook body to a URL as Meta does: JSON, `X-Hub-Signature-256` over the exact bytes sent.
 * `signature: null` sends none; a string sends that one instead (forgeries).
 */
export async function postWebhook(url: string, payload: Record<string, unknown> | string, appSecret: string, opts: { signature?: string | null; headers?: Record<string, string> } = {}): Promise<Response> {
  const raw = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const signature = opts.signature === undefined ? signBody(raw, appSecret) : opts.signature;
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'facebookexternalua', ...(signature === null ? {} : { 'x-hub-signature-256': signature }), ...opts.headers },
    body: raw,
  });
}

/** The subscription handshake Meta runs when a webhook URL is saved. */
export function verifyRequest(url: string, verifyToken: string, challenge = String(randomBytes(4).readUInt32BE())): Promise<Response> {
  const u = new URL(url);
  u.searchParams.set('hub.mode', 'subscribe');
  u.searchParams.set('hub.verify_token', verifyToken);
  u.searchParams.set('hub.challenge', challenge);
  return fetch(u, { method: 'GET' });
}
