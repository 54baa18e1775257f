/**
 * The Twilio WhatsApp driver, on Twilio's Programmable Messaging API (base https://api.twilio.com,
 * form-encoded, Basic auth with the account SID + auth token or an API key).
 *
 * - send: POST /2010-04-01/Accounts/{sid}/Messages.json with To/From `whatsapp:+E164` (or
 *   MessagingServiceSid), the content's fields (twilio-content.ts: text, media by URL, buttons and
 *   lists as numbered text menus, cta_url as text with the link, templates as ContentSid +
 *   ContentVariables; products refused) and StatusCallback = the connection's webhook URL with
 *   `kind=status&msg=<msg id>`, so status callbacks are told apart from inbound messages.
 *   Twilio has no outbound quoting: `replyToProviderMessageId` is not sent.
 * - errors: Twilio's `{code, message, more_info, status}` mapped by twilio-errors.ts, Retry-After kept.
 * - webhooks: twilio-webhook.ts (the `twilio` package's validator; messages and status callbacks);
 *   the route answers TwiML `<Response/>`.
 * - downloadMedia: GET MediaUrl with the credentials (only on Twilio's own origin), redirects
 *   followed by hand so the CDN never sees them, 16 MB cap; 404/410 → null.
 * - health: GET /2010-04-01/Accounts/{sid}.json, ok when the account is `active`.
 */
import { call, isRecord, timed } from '../../../platform/providers/http.js';
import { ProviderError, readJson } from '../../../platform/providers/types.js';
import { contentFields } from './twilio-content.js';
import { twilioConfig, validateTwilioCredentials, whatsappAddress, type TwilioConfig } from './twilio-config.js';
import { restError } from './twilio-errors.js';
import { parseTwilioRequest, TWIML_EMPTY, verifyTwilioRequest } from './twilio-webhook.js';
import { readCapped } from './read-capped.js';
import { ChannelError, type ChannelDriver, type ConnectionContext, type InboundMedia, type SendRequest, type SendResult } from './types.js';

/** WhatsApp's own media limit (Twilio relays up to 16 MB). */
export const TWILIO_MEDIA_MAX_BYTES = 16 * 1024 * 1024;
const MAX_REDIRECTS = 3;

export type TwilioDriverOptions = {
  /** The clock for event timestamps (Twilio's callbacks carry none). */
  now?: () => Date;
  mediaMaxBytes?: number;
};

/** Network failures and timeouts as ChannelErrors; a caller's abort stays the ProviderError it is. */
async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ProviderError && !(e instanceof ChannelError) && (e.errorClass === 'unavailable' || e.errorClass === 'timeout')) {
      throw new ChannelError('twilio', e.errorClass, e.message, { retryable: true, cause: e });
    }
    throw e;
  }
}

async function readBody(res: Response): Promise<unknown> {
  try {
    return await readJson(res);
  } catch {
    return undefined;
  }
}

function statusCallbackUrl(webhookUrl: string, messageId: string): string | undefined {
  try {
    const u = new URL(webhookUrl);
    u.searchParams.set('kind', 'status');
    u.searchParams.set('msg', messageId);
    return u.toString();
  } catch {
    return undefined;
  }
}

async function send(cfg: TwilioConfig, conn: ConnectionContext, req: SendRequest): Promise<SendResult> {
  const form = new URLSearchParams();
  form.set('To', whatsappAddress(req.to));
  if (cfg.messagingServiceSid) form.set('MessagingServiceSid', cfg.messagingServiceSid);
  if (cfg.from) form.set('From', cfg.from);
  for (const [k, v] of Object.entries(contentFields(req.content))) if (v !== undefined) form.set(k, v);
  const callback = statusCallbackUrl(conn.webhookUrl, req.messageId);
  if (callback) form.set('StatusCallback', callback);
  const url = `${cfg.base}/2010-04-01/Accounts/${cfg.accountSid}/Messages.json`;
  const res = await guarded(() =>
    call(cfg.http, url, {
      method: 'POST',
      headers: { authorization: cfg.authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      signal: req.signal,
    }),
  );
  const payload = await readBody(res);
  if (!res.ok) throw restError(res, payload, cfg.http.secrets);
  const sid = isRecord(payload) && typeof payload.sid === 'string' ? payload.sid : undefined;
  if (!sid || !/^(SM|MM)[0-9a-fA-F]{32}$/.test(sid)) throw new ChannelError('twilio', 'unknown', 'twilio: the message was created but the answer has no message sid');
  const p = payload as Record<string, unknown>;
  const status = typeof p.status === 'string' ? p.status : 'queued';
  if (status === 'failed' || status === 'undelivered') throw restError(new Response(null, { status: 400 }), { code: p.error_code, message: p.error_message }, cfg.http.secrets);
  return { providerMessageId: sid, status: ['queued', 'accepted', 'scheduled'].includes(status) ? 'accepted' : 'sent' };
}

async function downloadMedia(cfg: TwilioConfig, media: InboundMedia, signal: AbortSignal, max: number) {
  const origin = new URL(cfg.base).origin;
  if (!media.url) throw new ChannelError('twilio', 'bad_request', 'twilio: the media has no URL');
  let parsed: URL;
  try {
    parsed = new URL(media.url);
  } catch {
    throw new ChannelError('twilio', 'bad_request', 'twilio: the media URL is not a URL');
  }
  if (parsed.origin !== origin) throw new ChannelError('twilio', 'bad_request', "twilio: the media URL is not on Twilio's API origin");
  let url: string = parsed.toString();
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const own: boolean = new URL(url).origin === origin;
    const target: string = url;
    const res: Response = await guarded(() => call(cfg.http, target, { method: 'GET', redirect: 'manual', headers: own ? { authorization: cfg.authorization } : {}, signal }));
    if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
      await res.body?.cancel().catch(() => undefined);
      const next: URL = new URL(res.headers.get('location')!, url);
      if (next.protocol !== 'https:' && next.protocol !== 'http:') throw new ChannelError('twilio', 'unavailable', 'twilio: the media redirect is not http(s)');
      url = next.toString();
      continue;
    }
    if (res.status === 404 || res.status === 410) {
      await res.body?.cancel().catch(() => undefined);
      return null;
    }
    if (!res.ok) throw restError(res, await readBody(res), cfg.http.secrets);
    const bytes = await guarded(() => readCapped(res, max, () => new ChannelError('twilio', 'bad_request', `twilio: the media is larger than ${max} bytes`)));
    const contentType = (res.headers.get('content-type') ?? media.contentType ?? 'application/octet-stream').split(';')[0]!.trim();
    return { bytes, contentType };
  }
  throw new ChannelError('twilio', 'unavailable', 'twilio: too many redirects for the media');
}

export function twilioDriver(opts: TwilioDriverOptions = {}): ChannelDriver {
  const now = opts.now ?? (() => new Date());
  const mediaMax = opts.mediaMaxBytes ?? TWILIO_MEDIA_MAX_BYTES;
  return {
    provider: 'twilio',
    capabilities: () => ({ templates: true, buttons: false, lists: false, products: false, media: true, official: true }),
    validateCredentials: validateTwilioCredentials,
    send: (conn, req) => send(twilioConfig(conn), conn, req),
    downloadMedia: (conn, media, signal) => downloadMedia(twilioConfig(conn), media, signal, mediaMax),
    verifyWebhook(conn, req) {
      const token = conn.credentials.auth_token?.trim();
      if (!token) return { action: 'reject', status: 401, reason: 'the connection has no auth_token to check signatures with' };
      return verifyTwilioRequest(token, conn.webhookUrl, req);
    },
    parseWebhook: (conn, req) => parseTwilioRequest(req, now(), [conn.credentials.auth_token ?? '', conn.credentials.api_key_secret ?? '']),
    webhookAck: () => ({ status: 200, contentType: 'text/xml', body: TWIML_EMPTY }),
    async health(conn, signal) {
      let cfg: TwilioConfig;
      try {
        cfg = twilioConfig(conn);
      } catch (e) {
        return { ok: false, latencyMs: 0, detail: e instanceof Error ? e.message : 'bad credentials' };
      }
      return timed(cfg.http, async () => {
        const res = await call(cfg.http, `${cfg.base}/2010-04-01/Accounts/${cfg.accountSid}.json`, {
          method: 'GET',
          headers: { authorization: cfg.authorization, accept: 'application/json' },
          signal,
        });
        const payload = await readBody(res);
        if (!res.ok) throw restError(res, payload, cfg.http.secrets);
        const status = isRecord(payload) && typeof payload.status === 'string' ? payload.status : 'unknown';
        return { ok: status === 'active', detail: `account ${status}` };
      });
    },
  };
}
