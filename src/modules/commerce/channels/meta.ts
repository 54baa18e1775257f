/**
 * The Meta WhatsApp Cloud API driver (Graph `https://graph.facebook.com/<api_version>`).
 * Credentials: `access_token` (a system-user token), `app_secret` (signs webhooks),
 * `phone_number_id`, `verify_token` (the webhook handshake), optional `waba_id`, `api_version`
 * (default META_API_VERSION) and `base_url` (tests point it at the fake).
 *
 *   send          POST /{phone_number_id}/messages — every content type of the interface (see
 *                 meta-content.ts); media by link, or bytes uploaded first to /{phone_number_id}/media;
 *                 `context.message_id` quotes the message replied to; `biz_opaque_callback_data`
 *                 carries our msg_ id (Meta echoes it in status webhooks). Answers `messages[0].id`
 *                 (wamid…) and `contacts[0].wa_id`. Recipients with a phone go as `to`; users
 *                 known only by their business-scoped user id (BSUID) go as `recipient`.
 *   downloadMedia GET /{media_id} → url → GET url with the bearer token (meta-media.ts).
 *   verify/parse  hub.challenge handshake and X-Hub-Signature-256 on the raw body (meta-webhook.ts).
 *   health        GET /{phone_number_id}?fields=display_phone_number,quality_rating,verified_name.
 * Errors map by Meta's code (meta-errors.ts). Capabilities: everything, official.
 */
import { isRecord, str, timed } from '../../../platform/providers/http.js';
import { compact, contentFields, recipientFields } from './meta-content.js';
import { graph, metaHttp } from './meta-http.js';
import { DEFAULT_MEDIA_MAX_BYTES, downloadMetaMedia, uploadMedia } from './meta-media.js';
import { parseMetaWebhook, verifyMetaWebhook } from './meta-webhook.js';
import { ChannelError, type ChannelCapabilities, type ChannelDriver, type ConnectionContext, type SendRequest, type SendResult } from './types.js';

export { META_API_VERSION, META_GRAPH_URL } from './meta-http.js';
export { metaWebhookErrors, metaSignature } from './meta-webhook.js';

export type MetaDriverOptions = {
  /** Per-request deadline on top of the caller's signal (default 30 s; downloads get twice this). */
  timeoutMs?: number | undefined;
  /** Cap on inbound media downloads (default 16 MB). */
  maxDownloadBytes?: number | undefined;
};

const CAPABILITIES: ChannelCapabilities = { templates: true, buttons: true, lists: true, products: true, media: true, official: true };

function requireField(credentials: Record<string, string>, field: string, shape?: RegExp, hint?: string): void {
  const v = credentials[field];
  if (typeof v !== 'string' || v.trim() === '') throw new ChannelError('meta', 'bad_request', `missing ${field}`);
  if (shape && !shape.test(v)) throw new ChannelError('meta', 'bad_request', `${field} ${hint ?? 'is malformed'}`);
}

function optionalField(credentials: Record<string, string>, field: string, ok: (v: string) => boolean, hint: string): void {
  const v = credentials[field];
  if (v === undefined || v === '') return;
  if (typeof v !== 'string' || !ok(v)) throw new ChannelError('meta', 'bad_request', `${field} ${hint}`);
}

const isHttpUrl = (v: string) => {
  try {
    return ['http:', 'https:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
};

export function metaDriver(opts: MetaDriverOptions = {}): ChannelDriver {
  const maxDownload = opts.maxDownloadBytes ?? DEFAULT_MEDIA_MAX_BYTES;
  const http = (conn: ConnectionContext) => metaHttp(conn, opts.timeoutMs);

  async function send(conn: ConnectionContext, req: SendRequest): Promise<SendResult> {
    const h = http(conn);
    const who = recipientFields(req.to);
    const c = req.content;
    let mediaRef: { link: string } | { id: string } | undefined;
    if (c.type === 'media') {
      contentFields(c, { id: 'pending' }); // checks the caption before any upload
      if (c.media.url) {
        if (!isHttpUrl(c.media.url)) throw new ChannelError('meta', 'bad_request', 'meta: a media URL must be http(s)');
        mediaRef = { link: c.media.url };
      } else if (c.media.bytes) {
        mediaRef = { id: await uploadMedia(h, c.media, req.signal) };
      } else {
        throw new ChannelError('meta', 'bad_request', 'meta: media needs a URL or bytes');
      }
    }
    const message = compact({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      ...who,
      ...(req.replyToProviderMessageId ? { context: { message_id: req.replyToProviderMessageId } } : {}),
      ...(req.messageId ? { biz_opaque_callback_data: req.messageId.slice(0, 512) } : {}),
      ...contentFields(c, mediaRef),
    });
    const out = await graph(h, `${h.base}/${encodeURIComponent(h.phoneNumberId)}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
    }, req.signal, 'send');
    const first = isRecord(out) && Array.isArray(out.messages) && isRecord(out.messages[0]) ? out.messages[0] : undefined;
    const id = first ? str(first.id) : undefined;
    if (!id) throw new ChannelError('meta', 'unknown', 'meta send failed: the answer has no message id');
    const contact = isRecord(out) && Array.isArray(out.contacts) && isRecord(out.contacts[0]) ? out.contacts[0] : undefined;
    return { providerMessageId: id, status: 'accepted', resolvedProviderId: contact ? str(contact.wa_id) ?? str(contact.user_id) : undefined };
  }

  return {
    provider: 'meta',
    capabilities: () => ({ ...CAPABILITIES }),

    validateCredentials(credentials) {
      requireField(credentials, 'access_token', /^\S{20,}$/, 'is not an access token');
      requireField(credentials, 'app_secret', /^[0-9a-f]{32}$/i, 'is not a Meta app secret (32 hex characters)');
      requireField(credentials, 'phone_number_id', /^\d{5,20}$/, 'is not a phone number id (digits)');
      requireField(credentials, 'verify_token', /^[\x21-\x7e]{8,256}$/, 'must be 8 to 256 printable characters');
      optionalField(credentials, 'waba_id', (v) => /^\d{5,20}$/.test(v), 'is not a WhatsApp Business Account id (digits)');
      optionalField(credentials, 'api_version', (v) => /^v\d{1,3}\.\d$/.test(v), 'is not a Graph API version such as v26.0');
      optionalField(credentials, 'base_url', isHttpUrl, 'is not an http(s) URL');
    },

    send: async (conn, req) => send(conn, req),

    downloadMedia: (conn, media, signal) => downloadMetaMedia(http(conn), media, signal, maxDownload),

    verifyWebhook: (conn, req) => verifyMetaWebhook(conn.credentials, req),

    parseWebhook: (_conn, req) => parseMetaWebhook(req),

    webhookAck: () => ({ status: 200, contentType: 'text/plain', body: 'OK' }),

    async health(conn, signal) {
      const h = http(conn);
      return timed(h.ctx, async () => {
        const out = await graph(h, `${h.base}/${encodeURIComponent(h.phoneNumberId)}?fields=display_phone_number,quality_rating,verified_name`, { method: 'GET' }, signal, 'health check');
        if (!isRecord(out)) return { ok: false, detail: 'meta: the phone number answer is not an object' };
        const parts = [str(out.verified_name), str(out.display_phone_number), out.quality_rating ? `quality ${String(out.quality_rating)}` : undefined].filter(Boolean);
        return { ok: true, detail: parts.join(' · ') || undefined };
      });
    },
  };
}
