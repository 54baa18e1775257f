/**
 * The Evolution API v2 channel driver (github.com/EvolutionAPI/evolution-api): an operator's own
 * Evolution server, one instance per connection, usually a Baileys linked device
 * (integration WHATSAPP-BAILEYS: unofficial, no templates) and sometimes a Cloud API number
 * (WHATSAPP-BUSINESS: official, templates).
 *
 * Credentials: `base_url` (the Evolution server; there is no public default), `api_key` (header
 * `apikey`: the global key, or the instance's token — creating an instance needs the global key),
 * `instance` (its name), `webhook_secret` (≥ 16 characters: authenticates Evolution's webhooks,
 * see evolution-webhook.ts), optional `integration`. Settings: `interactive: 'text'` (buttons and
 * lists as numbered text, see evolution-content.ts), `webhookAuth: 'jwt'` (Evolution ≥ 2.3.0).
 *
 * - send        POST /message/{sendText|sendMedia|sendSticker|sendButtons|sendList|sendTemplate}/{instance}
 *               `{number, …, quoted: {key: {id}}}` → `key.id` is the provider message id. The number
 *               is the contact's JID (so `@lid` contacts are answered where they wrote from) or its
 *               digits; a Cloud API instance gets digits (Evolution strips everything else there).
 * - connect     GET /instance/connectionState; 404 → POST /instance/create (Baileys, `qrcode: true`,
 *               our webhook); an existing instance gets our webhook with POST /webhook/set; then
 *               GET /instance/connect (`?number=` for a pairing code) → `{pairingCode, code, base64}`.
 * - health      GET /instance/connectionState/{instance}: ok when `open`.
 * - downloadMedia  POST /chat/getBase64FromMediaMessage/{instance} `{message: {key: {id}}}` →
 *               `{mimetype, base64}`, size-capped while reading; `null` when Evolution no longer has it.
 * - disconnect  DELETE /instance/logout/{instance} (the instance stays, ready to pair again).
 */
import { isRecord, str, timed } from '../../../platform/providers/http.js';
import { toEvolution } from './evolution-content.js';
import { cloudApiError, evolutionHttpError } from './evolution-errors.js';
import { enc, evolutionConn, INTEGRATIONS, jsonCall, rawCall, readBody, readCapped, type EvolutionConn } from './evolution-http.js';
import { parseEvolutionWebhook, TOKEN_HEADER, verifyEvolutionWebhook } from './evolution-webhook.js';
import { ChannelError, type ChannelDriver, type ConnectionContext, type ConnectionState, type ContactAddress, type InboundMedia, type SendResult } from './types.js';

export type EvolutionDriverOptions = {
  /** The clock for webhook tokens and status timestamps (tests move it). */
  now?: () => Date;
  /** Largest inbound media downloaded (bytes). */
  maxMediaBytes?: number;
};

/** The events the driver subscribes an instance's webhook to. */
export const WEBHOOK_EVENTS = ['MESSAGES_UPSERT', 'MESSAGES_UPDATE', 'CONNECTION_UPDATE', 'QRCODE_UPDATED', 'SEND_MESSAGE'] as const;
export const DEFAULT_MAX_MEDIA_BYTES = 32 * 1024 * 1024;

const badRequest = (message: string) => new ChannelError('evolution', 'bad_request', message);
const SENT_STATES = new Set(['SERVER_ACK', 'DELIVERY_ACK', 'READ', 'PLAYED']);

/** Where to send: the JID when we have one (not on a Cloud API instance), else the digits of the phone. */
export function numberOf(to: ContactAddress, official: boolean): string {
  const jid = to.providerId && /^[\w.:+-]{1,100}@[\w.]{1,40}$/.test(to.providerId) ? to.providerId : undefined;
  const digits = (to.phone ?? (to.providerId && /^\+?\d+$/.test(to.providerId) ? to.providerId : '')).replace(/\D/g, '');
  const phone = /^\d{6,15}$/.test(digits) ? digits : undefined;
  const pick = official ? (phone ?? (jid && /^\d{6,15}@s\.whatsapp\.net$/.test(jid) ? jid.split('@')[0] : undefined)) : (jid ?? phone);
  if (!pick) throw badRequest('evolution: the contact has no phone number or WhatsApp id to send to');
  return pick;
}

export function webhookConfig(conn: ConnectionContext, ev: EvolutionConn) {
  const headers = conn.settings.webhookAuth === 'jwt' ? { jwt_key: ev.secret } : { [TOKEN_HEADER]: ev.secret };
  return { enabled: true, url: conn.webhookUrl, byEvents: false, base64: false, events: [...WEBHOOK_EVENTS], headers };
}

function pairingNumber(phone: string | undefined): string | undefined {
  if (phone === undefined) return undefined;
  const digits = phone.replace(/[\s()+-]/g, '');
  if (!/^\d{6,15}$/.test(digits)) throw badRequest('evolution: the pairing phone must be an international number');
  return digits;
}

/** What GET /instance/connect (or create's `qrcode`) says, as a connection state. */
function stateOfQr(json: unknown): { state: ConnectionState; qr?: string | undefined; pairingCode?: string | undefined } {
  if (!isRecord(json)) return { state: 'connecting' };
  if (isRecord(json.instance) && (json.instance.state === 'open' || json.instance.status === 'open')) return { state: 'open' };
  const code = str(json.code);
  const pairingCode = str(json.pairingCode);
  if (code || pairingCode) return { state: 'qr', qr: code || undefined, pairingCode: pairingCode || undefined };
  return { state: 'connecting' };
}

export function evolutionDriver(opts: EvolutionDriverOptions = {}): ChannelDriver {
  const now = opts.now ?? (() => new Date());
  const maxMediaBytes = opts.maxMediaBytes ?? DEFAULT_MAX_MEDIA_BYTES;
  const instancePath = (ev: EvolutionConn, route: string) => `/${route}/${enc(ev.instance)}`;

  async function connectionState(ev: EvolutionConn, signal: AbortSignal): Promise<string | undefined> {
    const json = await jsonCall(ev, 'GET', instancePath(ev, 'instance/connectionState'), undefined, signal, 'connectionState');
    return isRecord(json) && isRecord(json.instance) ? str(json.instance.state) : undefined;
  }

  return {
    provider: 'evolution',

    capabilities(conn) {
      const official = evolutionConn(conn).official;
      return { templates: official, buttons: true, lists: true, products: false, media: true, official };
    },

    validateCredentials(c) {
      if (!c.base_url) throw badRequest('missing base_url');
      let url: URL;
      try {
        url = new URL(c.base_url);
      } catch {
        throw badRequest('base_url must be an http(s) URL');
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw badRequest('base_url must be an http(s) URL');
      if (!c.api_key) throw badRequest('missing api_key');
      if (!c.instance) throw badRequest('missing instance');
      if (c.instance.length > 100 || /[/?#\s]/.test(c.instance)) throw badRequest('instance must be an Evolution instance name (no spaces or slashes, ≤ 100 characters)');
      if (!c.webhook_secret) throw badRequest('missing webhook_secret');
      if (c.webhook_secret.length < 16) throw badRequest('webhook_secret must be at least 16 characters');
      if (c.integration !== undefined && !(INTEGRATIONS as readonly string[]).includes(c.integration)) throw badRequest(`integration must be one of ${INTEGRATIONS.join(', ')}`);
    },

    async send(conn, req): Promise<SendResult> {
      const ev = evolutionConn(conn);
      const number = numberOf(req.to, ev.official);
      const interactive = conn.settings.interactive === 'text' ? 'text' : 'native';
      const { endpoint, body } = toEvolution(req.content, { official: ev.official, interactive });
      const payload: Record<string, unknown> = { number, ...body };
      if (req.replyToProviderMessageId) payload.quoted = { key: { id: req.replyToProviderMessageId } };
      const json = await jsonCall(ev, 'POST', instancePath(ev, `message/${endpoint}`), payload, req.signal, endpoint);
      if (!isRecord(json)) throw new ChannelError('evolution', 'unknown', `evolution ${endpoint}: the answer is not a message`);
      if (!isRecord(json.key) && (json.error_data !== undefined || json.code !== undefined || typeof json.message === 'string')) throw cloudApiError(ev.ctx, json);
      const id = isRecord(json.key) ? str(json.key.id) : undefined;
      if (!id) throw new ChannelError('evolution', 'unknown', `evolution ${endpoint}: the answer has no message id`);
      return {
        providerMessageId: id,
        status: SENT_STATES.has(String(json.status)) ? 'sent' : 'accepted',
        resolvedProviderId: isRecord(json.key) ? str(json.key.remoteJid) : undefined,
      };
    },

    verifyWebhook: (conn, req) => verifyEvolutionWebhook(conn, req, now()),
    parseWebhook: (conn, req) => parseEvolutionWebhook(conn, req, now()),

    async health(conn, signal) {
      const ev = evolutionConn(conn);
      return timed(ev.ctx, async () => {
        const state = await connectionState(ev, signal);
        return { ok: state === 'open', detail: `instance ${state ?? 'in an unknown state'}` };
      });
    },

    async connect(conn, { pairingPhone, signal }) {
      const ev = evolutionConn(conn);
      const number = pairingNumber(pairingPhone);
      const webhook = webhookConfig(conn, ev);
      const probe = await rawCall(ev, 'GET', instancePath(ev, 'instance/connectionState'), undefined, signal);
      const probeJson = await readBody(ev, probe, signal);
      let state: string | undefined;
      if (probe.status === 404) {
        if (ev.official) throw badRequest('evolution: create the Cloud API instance on the Evolution server first (it needs Meta\'s token and ids)');
        const createBody = { instanceName: ev.instance, integration: 'WHATSAPP-BAILEYS', qrcode: true, ...(number ? { number } : {}), webhook };
        const res = await rawCall(ev, 'POST', '/instance/create', createBody, signal);
        const created = await readBody(ev, res, signal);
        if (res.ok) {
          const fromCreate = stateOfQr(isRecord(created) ? created.qrcode : undefined);
          if (fromCreate.state === 'qr') return fromCreate;
        } else if (res.status !== 403 || !/already in use/i.test(JSON.stringify(created))) {
          throw evolutionHttpError(ev.ctx, res, created, 'instance/create');
        }
      } else if (!probe.ok) {
        throw evolutionHttpError(ev.ctx, probe, probeJson, 'connectionState');
      } else {
        state = isRecord(probeJson) && isRecord(probeJson.instance) ? str(probeJson.instance.state) : undefined;
        await jsonCall(ev, 'POST', instancePath(ev, 'webhook/set'), { webhook }, signal, 'webhook/set');
        if (state === 'open' || ev.official) return { state: state === 'open' ? 'open' : 'connecting' };
      }
      const query = number ? `?number=${enc(number)}` : '';
      const json = await jsonCall(ev, 'GET', `${instancePath(ev, 'instance/connect')}${query}`, undefined, signal, 'instance/connect');
      if (isRecord(json) && json.error === true) throw new ChannelError('evolution', 'unavailable', `evolution instance/connect: ${String(json.message ?? 'failed').slice(0, 200)}`);
      return stateOfQr(json);
    },

    async disconnect(conn) {
      const ev = evolutionConn(conn);
      const signal = AbortSignal.timeout(15_000);
      const res = await rawCall(ev, 'DELETE', instancePath(ev, 'instance/logout'), undefined, signal);
      const json = await readBody(ev, res, signal);
      if (res.ok || res.status === 404) return;
      if (res.status === 400 && /not connected/i.test(JSON.stringify(json))) return;
      throw evolutionHttpError(ev.ctx, res, json, 'instance/logout');
    },

    async downloadMedia(conn, media: InboundMedia, signal) {
      const ev = evolutionConn(conn);
      if (media.providerMediaId) {
        const res = await rawCall(ev, 'POST', instancePath(ev, 'chat/getBase64FromMediaMessage'), { message: { key: { id: media.providerMediaId } }, convertToMp4: false }, signal);
        // base64 is 4/3 of the bytes; leave room for the other fields.
        const raw = await readCapped(ev, res, signal, Math.ceil((maxMediaBytes * 4) / 3) + 64 * 1024);
        let json: unknown;
        try {
          json = JSON.parse(raw.toString('utf8'));
        } catch {
          json = undefined;
        }
        if (res.status === 400 && /not found|not of the media type|messageContextInfo/i.test(JSON.stringify(json ?? ''))) return null;
        if (!res.ok) throw evolutionHttpError(ev.ctx, res, json, 'getBase64FromMediaMessage');
        const b64 = isRecord(json) ? str(json.base64) : undefined;
        if (!b64) return null;
        const bytes = Buffer.from(b64, 'base64');
        if (bytes.length > maxMediaBytes) throw new ChannelError('evolution', 'unsupported', `evolution: the media is larger than ${maxMediaBytes} bytes`, { retryable: false });
        return { bytes, contentType: (isRecord(json) ? str(json.mimetype) : undefined) ?? media.contentType ?? 'application/octet-stream' };
      }
      if (media.url && /^https?:\/\//i.test(media.url)) {
        // Evolution's S3 copy (`message.mediaUrl`): a bucket URL, fetched without our key.
        const res = await ev.ctx.fetch(media.url, { method: 'GET', signal }).catch((e: unknown) => {
          throw new ChannelError('evolution', signal.aborted ? 'timeout' : 'unavailable', 'evolution: the media URL could not be fetched', { cause: e });
        });
        if (res.status === 404 || res.status === 403 || res.status === 410) {
          await res.body?.cancel().catch(() => undefined);
          return null;
        }
        if (!res.ok) throw new ChannelError('evolution', 'unavailable', `evolution: the media URL answered HTTP ${res.status}`, { status: res.status });
        const bytes = await readCapped(ev, res, signal, maxMediaBytes);
        return { bytes, contentType: res.headers.get('content-type') ?? media.contentType ?? 'application/octet-stream' };
      }
      return null;
    },
  };
}
