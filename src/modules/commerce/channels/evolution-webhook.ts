/**
 * Evolution API v2 webhooks: authenticity and events.
 *
 * Evolution does not sign its webhooks, but it sends back the headers configured on the instance's
 * webhook (`webhook.headers`, src/api/integrations/event/webhook/webhook.controller.ts). The driver
 * configures one of two forms with the connection's `webhook_secret`, and `verifyEvolutionWebhook`
 * accepts either, compared in constant time on the raw request, before anything is parsed:
 *   - `x-probador-webhook-token: <secret>` (every v2 release), the default;
 *   - `Authorization: Bearer <JWT>` — with `headers: {jwt_key: <secret>}` Evolution ≥ 2.3.0 sends a
 *     fresh HS256 token (`{iat, exp: iat + 600, app: 'evolution', action: 'webhook'}`) instead of
 *     any header, so the secret itself never travels (connection setting `webhookAuth: 'jwt'`);
 *     older releases send the `jwt_key` header as it is, which is accepted like the token header
 *     (a proxy that drops headers with underscores, as nginx does by default, will break that form).
 * A `?token=<secret>` query parameter is accepted too, for operators who can only set a URL.
 * Missing or wrong → 401, nothing stored.
 *
 * The body is `{event, instance, data, destination, date_time, sender, server_url, apikey}`:
 *   messages.upsert   → a message (evolution-inbound.ts); our own echoes (`key.fromMe`) and groups ignored
 *   messages.update   → a status: SERVER_ACK sent, DELIVERY_ACK delivered, READ/PLAYED read, ERROR failed
 *                       (PENDING and DELETED carry no delivery news)
 *   send.message      → the same, for the copy of a message the instance has just sent (usually
 *                       PENDING, so nothing: the send's answer already gave its id)
 *   connection.update → open / connecting / closed (statusReason 401: logged out; `refused`: QR limit)
 *   qrcode.updated    → `qr` with the QR string (and the pairing code)
 *   logout.instance   → logged out
 * Other events → no events. `date_time` is Evolution's *local* time written with a `Z`
 * (channel.service.ts), so statuses are stamped with the time of receipt instead.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isRecord, str } from '../../../platform/providers/http.js';
import { messageEvent } from './evolution-inbound.js';
import { ChannelError, type ConnectionContext, type DeliveryStatus, type InboundEvent, type WebhookRequest, type WebhookVerdict } from './types.js';

export const TOKEN_HEADER = 'x-probador-webhook-token';
/** Bodies past this are refused (the driver configures `base64: false`, so media never arrives inline). */
export const MAX_WEBHOOK_BYTES = 5 * 1024 * 1024;
/** A batch larger than this is not something Evolution sends per event. */
const MAX_ITEMS = 1000;
const JWT_LEEWAY_S = 60;

/** Constant-time equality of two strings of any lengths (compares their SHA-256 HMACs). */
export function safeEqual(a: string, b: string): boolean {
  const k = 'evolution-webhook';
  return timingSafeEqual(createHmac('sha256', k).update(a).digest(), createHmac('sha256', k).update(b).digest());
}

const b64url = (s: string) => Buffer.from(s, 'base64url');

/** An HS256 JWT signed with `secret`, unexpired (±60 s), as Evolution's `jwt_key` produces. */
export function verifyJwt(token: string, secret: string, nowS: number): string | null {
  const parts = token.split('.');
  if (parts.length !== 3 || token.length > 4096) return 'malformed token';
  const [h, p, sig] = parts as [string, string, string];
  let header: unknown;
  let payload: unknown;
  try {
    header = JSON.parse(b64url(h).toString('utf8'));
    payload = JSON.parse(b64url(p).toString('utf8'));
  } catch {
    return 'malformed token';
  }
  if (!isRecord(header) || header.alg !== 'HS256') return 'token algorithm is not HS256';
  const expected = createHmac('sha256', secret).update(`${h}.${p}`).digest();
  const given = b64url(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'wrong token signature';
  if (!isRecord(payload)) return 'malformed token';
  if (typeof payload.exp !== 'number' || payload.exp + JWT_LEEWAY_S < nowS) return 'token expired';
  if (typeof payload.iat === 'number' && payload.iat - JWT_LEEWAY_S > nowS) return 'token issued in the future';
  if (payload.action !== undefined && payload.action !== 'webhook') return 'token is not for webhooks';
  return null;
}

export function verifyEvolutionWebhook(conn: ConnectionContext, req: WebhookRequest, now: Date): WebhookVerdict {
  if (req.method !== 'POST') return { action: 'reject', status: 403, reason: 'Evolution webhooks are POST requests' };
  const secret = conn.credentials.webhook_secret;
  if (!secret) return { action: 'reject', status: 401, reason: 'the connection has no webhook secret' };
  const header = req.headers[TOKEN_HEADER];
  if (header !== undefined) return safeEqual(header, secret) ? { action: 'accept' } : { action: 'reject', status: 401, reason: 'wrong webhook token' };
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!m) return { action: 'reject', status: 401, reason: 'malformed authorization header' };
    const why = verifyJwt(m[1]!, secret, Math.floor(now.getTime() / 1000));
    return why === null ? { action: 'accept' } : { action: 'reject', status: 401, reason: why };
  }
  // Evolution < 2.3 does not know `jwt_key` and sends the header as it is: the secret itself.
  const literal = req.headers.jwt_key;
  if (literal !== undefined) return safeEqual(literal, secret) ? { action: 'accept' } : { action: 'reject', status: 401, reason: 'wrong webhook token' };
  const q = req.query.token;
  if (q !== undefined) return safeEqual(q, secret) ? { action: 'accept' } : { action: 'reject', status: 401, reason: 'wrong webhook token' };
  return { action: 'reject', status: 401, reason: 'missing webhook token' };
}

const bad = (message: string) => new ChannelError('evolution', 'bad_request', `evolution webhook: ${message}`);

/** Baileys' numeric statuses (src/utils/renderStatus.ts) and Evolution's names → delivery statuses. */
const STATUS: Record<string, DeliveryStatus | null> = {
  '0': 'failed',
  ERROR: 'failed',
  '1': null,
  PENDING: null,
  '2': 'sent',
  SERVER_ACK: 'sent',
  '3': 'delivered',
  DELIVERY_ACK: 'delivered',
  '4': 'read',
  READ: 'read',
  '5': 'read',
  PLAYED: 'read',
  DELETED: null,
};

function statusEvent(data: unknown, now: Date): InboundEvent | null {
  if (!isRecord(data)) return null;
  const key = isRecord(data.key) ? data.key : {};
  const id = str(data.keyId) ?? str(key.id);
  const fromMe = typeof data.fromMe === 'boolean' ? data.fromMe : key.fromMe;
  if (!id || id.length > 200 || fromMe === false) return null;
  const raw = isRecord(data.update) ? data.update.status : data.status;
  const status = typeof raw === 'string' || typeof raw === 'number' ? STATUS[String(raw).toUpperCase()] : undefined;
  if (!status) return null;
  const jid = str(data.remoteJid) ?? str(key.remoteJid);
  return {
    kind: 'status',
    providerMessageId: id,
    status,
    timestamp: now,
    recipient: jid && !/@(g\.us|broadcast|newsletter)$/.test(jid) ? { providerId: jid.slice(0, 200) } : undefined,
    error: status === 'failed' ? { reason: 'unknown', message: 'WhatsApp reported an error for this message' } : undefined,
  };
}

function connectionEvent(data: unknown): InboundEvent | null {
  if (!isRecord(data)) return null;
  const state = str(data.state);
  const reason = typeof data.statusReason === 'number' ? data.statusReason : undefined;
  if (state === 'open') return { kind: 'connection', state: 'open' };
  if (state === 'connecting') return { kind: 'connection', state: 'connecting' };
  if (state === 'close') return reason === 401 ? { kind: 'connection', state: 'logged_out', detail: 'logged out from the phone' } : { kind: 'connection', state: 'closed', detail: reason ? `status ${reason}` : undefined };
  if (state === 'refused') return { kind: 'connection', state: 'closed', detail: 'QR code limit reached; connect again' };
  return null;
}

function qrEvent(data: unknown): InboundEvent | null {
  if (!isRecord(data)) return null;
  const qr = isRecord(data.qrcode) ? data.qrcode : undefined;
  const code = qr ? str(qr.code) : undefined;
  if (code && code.length <= 4096) {
    const pairingCode = str(qr?.pairingCode);
    return { kind: 'connection', state: 'qr', qr: code, pairingCode: pairingCode && pairingCode.length <= 64 ? pairingCode : undefined };
  }
  if (typeof data.message === 'string') return { kind: 'connection', state: 'closed', detail: 'QR code limit reached; connect again' };
  return null;
}

/** `messages.upsert`, `MESSAGES_UPSERT` and `messages-upsert` are the same event. */
const normalize = (event: string) => event.toLowerCase().replace(/[_-]/g, '.');

export function parseEvolutionWebhook(conn: ConnectionContext, req: WebhookRequest, now: Date): InboundEvent[] {
  if (req.rawBody.length > MAX_WEBHOOK_BYTES) throw bad(`body of ${req.rawBody.length} bytes is larger than ${MAX_WEBHOOK_BYTES}`);
  let body: unknown;
  try {
    body = JSON.parse(req.rawBody.toString('utf8'));
  } catch {
    throw bad('the body is not JSON');
  }
  if (!isRecord(body)) throw bad('the body is not a JSON object');
  if (typeof body.event !== 'string' || body.event.length > 100) throw bad('no event name');
  // A valid token for another instance's events means a shared secret: not this connection's.
  if (typeof body.instance === 'string' && conn.credentials.instance && body.instance !== conn.credentials.instance) return [];
  const event = normalize(body.event);
  const items = Array.isArray(body.data) ? body.data : [body.data];
  if (items.length > MAX_ITEMS) throw bad(`${items.length} items in one event`);

  const pick = (fn: (d: unknown) => InboundEvent | null) => items.map(fn).filter((e): e is InboundEvent => e !== null);
  switch (event) {
    case 'messages.upsert':
      return pick((d) => messageEvent(d, now));
    case 'messages.update':
      return pick((d) => statusEvent(d, now));
    case 'send.message':
      return pick((d) => statusEvent(d, now));
    case 'connection.update':
      return pick(connectionEvent);
    case 'qrcode.updated':
      return pick(qrEvent);
    case 'logout.instance':
      return [{ kind: 'connection', state: 'logged_out' }];
    default:
      return [];
  }
}
