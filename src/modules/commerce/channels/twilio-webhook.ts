/**
 * Twilio's inbound requests: incoming WhatsApp messages and the status callbacks of ours, both
 * `application/x-www-form-urlencoded` POSTs signed with `X-Twilio-Signature`.
 *
 * The signature is checked by the official `twilio` package's own validator (only its webhooks
 * module is loaded, not the SDK) over the full URL Twilio called and the form parameters parsed
 * from the raw body. The URL is `req.url`; the connection's public webhook URL with the same query
 * is tried too (a proxy may rewrite the host the route sees). Missing signature → 401, wrong → 403.
 *
 * Parsing: a status callback (our StatusCallback carries `?kind=status&msg=<msg id>`, and Twilio
 * sends `MessageStatus`) becomes a status event (queued/accepted/sending give none; failed and
 * undelivered carry the mapped ErrorCode); anything else with a MessageSid is an inbound message:
 * ButtonPayload/ButtonText → button_reply, ListId/ListTitle → list_reply, Latitude/Longitude →
 * location (Label, Address), MediaUrlN/MediaContentTypeN → media (the first one under the
 * MessageSid, further ones under `<sid>/<n>` so none is deduplicated away), Body → text, else
 * unsupported with MessageType. OriginalRepliedMessageSid → replyToProviderMessageId.
 */
import { validateRequest } from 'twilio/lib/webhooks/webhooks.js';
import { callbackError, codeOf } from './twilio-errors.js';
import { contactOf } from './twilio-config.js';
import { ChannelError, type InboundContent, type InboundEvent, type MediaKind, type WebhookRequest, type WebhookVerdict } from './types.js';

/** Larger bodies are refused before parsing (a Twilio message webhook is a few KB). */
export const MAX_WEBHOOK_BYTES = 256 * 1024;
const MAX_PARAMS = 300;
/** Twilio sends at most 10 media per message. */
const MAX_MEDIA = 10;

export type TwilioParams = Record<string, string | string[]>;

const bad = (message: string) => new ChannelError('twilio', 'bad_request', `twilio webhook: ${message}`);

/** The form parameters of a raw body, repeated keys as arrays (as the validator expects them). */
export function formParams(raw: Buffer): TwilioParams {
  if (raw.length > MAX_WEBHOOK_BYTES) throw bad(`the body is larger than ${MAX_WEBHOOK_BYTES} bytes`);
  const out: TwilioParams = Object.create(null) as TwilioParams;
  let n = 0;
  for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) {
    if (++n > MAX_PARAMS) throw bad(`more than ${MAX_PARAMS} parameters`);
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/** The URLs Twilio may have signed: the one called, and the public webhook URL with its query. */
function candidateUrls(req: WebhookRequest, webhookUrl: string): string[] {
  const out: string[] = [];
  if (/^https?:\/\//i.test(req.url)) out.push(req.url);
  try {
    const q = req.url.indexOf('?');
    const pub = new URL(webhookUrl);
    const alt = `${pub.origin}${pub.pathname}${q >= 0 ? req.url.slice(q) : ''}`;
    if (!out.includes(alt)) out.push(alt);
  } catch {
    // no usable public URL: req.url alone
  }
  return out;
}

export function verifyTwilioRequest(authToken: string, webhookUrl: string, req: WebhookRequest): WebhookVerdict {
  const signature = req.headers['x-twilio-signature'];
  if (!signature) return { action: 'reject', status: 401, reason: 'missing X-Twilio-Signature' };
  let params: TwilioParams;
  try {
    params = req.method === 'POST' ? formParams(req.rawBody) : {};
  } catch {
    return { action: 'reject', status: 403, reason: 'unreadable body' };
  }
  for (const url of candidateUrls(req, webhookUrl)) {
    try {
      if (validateRequest(authToken, signature, url, params)) return { action: 'accept' };
    } catch {
      // an unparseable URL is just not a match
    }
  }
  return { action: 'reject', status: 403, reason: 'X-Twilio-Signature does not match' };
}

// ---------------------------------------------------------------- parsing

const one = (p: TwilioParams, k: string): string | undefined => {
  const v = p[k];
  return typeof v === 'string' ? v : Array.isArray(v) ? v[0] : undefined;
};

const STATUS: Record<string, 'sent' | 'delivered' | 'read' | 'failed' | null> = {
  queued: null,
  accepted: null,
  scheduled: null,
  sending: null,
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed',
  undelivered: 'failed',
  canceled: 'failed',
};

function kindOf(contentType: string | undefined, messageType: string | undefined): MediaKind {
  const t = (contentType ?? '').toLowerCase();
  if (messageType === 'sticker') return 'sticker';
  if (t.startsWith('image/')) return 'image';
  if (t.startsWith('video/')) return 'video';
  if (t.startsWith('audio/')) return 'audio';
  return 'document';
}

function coordinate(v: string | undefined, limit: number): number | undefined {
  if (v === undefined || !/^-?\d{1,3}(\.\d+)?$/.test(v.trim())) return undefined;
  const n = Number(v);
  return Number.isFinite(n) && Math.abs(n) <= limit ? n : undefined;
}

function contents(p: TwilioParams): InboundContent[] {
  const body = one(p, 'Body') ?? '';
  const messageType = one(p, 'MessageType');
  const payload = one(p, 'ButtonPayload');
  const buttonText = one(p, 'ButtonText');
  if (payload || buttonText) return [{ type: 'button_reply', id: payload || buttonText!, title: buttonText || payload! }];
  const listId = one(p, 'ListId');
  if (listId) return [{ type: 'list_reply', id: listId, title: one(p, 'ListTitle') ?? body, ...(one(p, 'ListDescription') ? { description: one(p, 'ListDescription') } : {}) }];
  const lat = coordinate(one(p, 'Latitude'), 90);
  const lon = coordinate(one(p, 'Longitude'), 180);
  if (lat !== undefined && lon !== undefined) {
    return [{ type: 'location', latitude: lat, longitude: lon, ...(one(p, 'Label') ? { name: one(p, 'Label') } : {}), ...(one(p, 'Address') ? { address: one(p, 'Address') } : {}) }];
  }
  const numMedia = Number(one(p, 'NumMedia') ?? '0');
  if (Number.isInteger(numMedia) && numMedia > 0) {
    const media: InboundContent[] = [];
    for (let i = 0; i < Math.min(numMedia, MAX_MEDIA); i++) {
      const url = one(p, `MediaUrl${i}`);
      if (!url || !/^https?:\/\//i.test(url)) continue;
      const contentType = one(p, `MediaContentType${i}`);
      media.push({ type: 'media', media: { kind: kindOf(contentType, messageType), url, ...(contentType ? { contentType } : {}), ...(i === 0 && body ? { caption: body } : {}) } });
    }
    if (media.length) return media;
  }
  if (body) return [{ type: 'text', text: body }];
  return [{ type: 'unsupported', providerType: messageType || 'unknown' }];
}

/** The events in a verified Twilio request; ChannelError('bad_request') when it is not one of Twilio's. */
export function parseTwilioRequest(req: WebhookRequest, now: Date, secrets: readonly string[]): InboundEvent[] {
  const p = req.method === 'POST' ? formParams(req.rawBody) : (Object.fromEntries(Object.entries(req.query).filter(([, v]) => v !== undefined)) as TwilioParams);
  const sid = one(p, 'MessageSid') ?? one(p, 'SmsMessageSid') ?? one(p, 'SmsSid');
  if (!sid || !/^[A-Za-z]{2}[0-9a-fA-F]{32}$/.test(sid)) throw bad('no MessageSid');
  const messageStatus = one(p, 'MessageStatus')?.toLowerCase();
  const isStatus = req.query.kind === 'status' || (messageStatus !== undefined && messageStatus !== 'received' && messageStatus !== 'receiving');
  if (isStatus) {
    if (!messageStatus || !(messageStatus in STATUS)) throw bad('a status callback without a known MessageStatus');
    const status = STATUS[messageStatus];
    if (!status) return [];
    const to = one(p, 'To');
    const errorCode = codeOf(one(p, 'ErrorCode'));
    return [
      {
        kind: 'status',
        providerMessageId: sid,
        status,
        timestamp: now,
        ...(to ? { recipient: contactOf(to) } : {}),
        ...(status === 'failed' ? { error: callbackError(errorCode, one(p, 'ErrorMessage'), secrets) } : {}),
        ...(req.query.msg ? { messageId: req.query.msg } : {}),
      },
    ];
  }
  const from = one(p, 'From');
  if (!from) throw bad('an inbound message without From');
  const fromContact = contactOf(from, one(p, 'WaId'), one(p, 'ProfileName'));
  const replyTo = one(p, 'OriginalRepliedMessageSid');
  return contents(p).map((content, i) => ({
    kind: 'message' as const,
    providerMessageId: i === 0 ? sid : `${sid}/${i}`,
    from: fromContact,
    timestamp: now,
    content,
    ...(replyTo ? { replyToProviderMessageId: replyTo } : {}),
  }));
}

/** Twilio expects TwiML back: an empty Response sends no reply of its own. */
export const TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response/>';
