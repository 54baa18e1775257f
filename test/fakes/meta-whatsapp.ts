/**
 * A fake Meta Graph API (WhatsApp Cloud API) on 127.0.0.1, speaking the documented shapes:
 *   POST /{v}/{phone_number_id}/messages  → {messaging_product, contacts:[{input, wa_id}], messages:[{id: wamid…}]}
 *   POST /{v}/{phone_number_id}/media     (multipart: messaging_product, type, file) → {id}
 *   GET  /{v}/{media_id}                  → {messaging_product, url, mime_type, sha256, file_size, id}
 *   GET  /whatsapp_business/attachments/?mid=…  the bytes (bearer token required, like lookaside.fbsbx.com)
 *   GET  /{v}/{phone_number_id}?fields=…  → {verified_name, display_phone_number, quality_rating, id}
 * Auth `Authorization: Bearer <token>` (else 401, code 190). Bodies are checked the way the API
 * does (messaging_product, to/recipient, each type's object, interactive limits, known templates
 * and their parameter counts) and refused with Graph's error shape
 * `{error:{message, type, code, error_subcode?, error_data:{messaging_product, details}, fbtrace_id}}`.
 * Scenarios are queued per route (or for any route): a Meta error code, a 5xx page, a slow answer,
 * a dropped connection. Webhook builders and signing are in meta-whatsapp-webhooks.ts (re-exported).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson, startFake, type FakeBase, type RecordedRequest } from './fake-server.js';
import { statusUpdate, webhookBody, wamid, type StatusOptions, type WebhookBodyOptions } from './meta-whatsapp-webhooks.js';

export * from './meta-whatsapp-webhooks.js';

export type MetaRoute = 'messages' | 'media_upload' | 'media_get' | 'download' | 'phone';
export type MetaScenario =
  /** Answer with Meta's error shape for this code (HTTP 400 unless `status`; `retryAfterSeconds` adds Retry-After). */
  | { kind: 'error'; code: number; status?: number; message?: string; details?: string; subcode?: number; retryAfterSeconds?: number }
  /** A non-JSON 5xx page. */
  | { kind: 'server_error'; status: number }
  /** Wait before answering normally. */
  | { kind: 'slow'; ms: number }
  /** Close the socket without answering. */
  | { kind: 'drop' }
  /**
   * Hold the request until `until` settles, then take it as usual even when the caller has gone
   * meanwhile (Meta accepted the message; its answer is lost): the at-least-once window of a sender
   * killed mid-request. With `drop`, close it unprocessed instead (the request never got through).
   */
  | { kind: 'hold'; until: Promise<unknown>; drop?: boolean };

export type SentMessage = { id: string; to?: string; recipient?: string; type: string; body: Record<string, unknown> };
export type StoredMedia = { bytes: Buffer; type: string };

export type FakeMeta = Omit<FakeBase, 'scenario'> & {
  accessToken: string;
  appSecret: string;
  verifyToken: string;
  phoneNumberId: string;
  wabaId: string;
  apiVersion: string;
  /** Credentials for a ConnectionContext pointed at this fake. */
  credentials: Record<string, string>;
  /** Queue a scenario for the next request to `route` (default: any route). */
  scenario: (s: MetaScenario, route?: MetaRoute | 'any') => void;
  sent: SentMessage[];
  media: Map<string, StoredMedia>;
  /** Store inbound media (as if a user sent it) and return its media id. */
  addMedia: (bytes: Buffer, type: string) => string;
  /** Approved templates: name → number of body parameters. */
  templates: Map<string, number>;
  phone: { verified_name: string; display_phone_number: string; quality_rating: string };
  /** Where media lookups say the bytes are (default this fake; set another origin to test that the token never goes there). */
  mediaOrigin?: string | undefined;
  /** A webhook body for this number (phone_number_id and WABA filled in). */
  webhook: (o: Omit<WebhookBodyOptions, 'phoneNumberId'>) => Record<string, unknown>;
  /** A status update for a message this fake accepted (its recipient filled in). */
  statusFor: (id: string, status: Parameters<typeof statusUpdate>[1], o?: StatusOptions) => Record<string, unknown>;
};

const trace = () => randomBytes(9).toString('base64url');

function graphError(res: ServerResponse, code: number, message: string, o: { status?: number; details?: string; subcode?: number; type?: string; headers?: Record<string, string> } = {}) {
  sendJson(res, o.status ?? 400, {
    error: {
      message,
      type: o.type ?? 'OAuthException',
      code,
      ...(o.subcode === undefined ? {} : { error_subcode: o.subcode }),
      error_data: { messaging_product: 'whatsapp', details: o.details ?? message },
      fbtrace_id: trace(),
    },
  }, o.headers);
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const MEDIA = ['image', 'video', 'audio', 'document', 'sticker'];

/** Why Meta would refuse this message body (code + details), or undefined. */
function invalid(b: Record<string, unknown>, fake: FakeMeta): { code: number; details: string } | undefined {
  const param = (name: string) => ({ code: 100, details: `The parameter ${name} is required.` });
  const value = (details: string) => ({ code: 131009, details });
  if (b.messaging_product !== 'whatsapp') return param('messaging_product');
  if (typeof b.to !== 'string' && typeof b.recipient !== 'string') return param('to');
  const type = String(b.type ?? 'text');
  const o = b[type];
  if (!isObj(o)) return param(type);
  if (b.context !== undefined && !(isObj(b.context) && typeof b.context.message_id === 'string')) return value('context.message_id must be a string');
  if (type === 'text') return typeof o.body === 'string' && o.body.length > 0 && o.body.length <= 4096 ? undefined : param('text.body');
  if (MEDIA.includes(type)) {
    if (typeof o.id === 'string') return fake.media.has(o.id) ? undefined : value(`Media id ${o.id} is not valid`);
    return typeof o.link === 'string' && /^https?:\/\//.test(o.link) ? undefined : param(`${type}.link or ${type}.id`);
  }
  if (type === 'template') {
    if (typeof o.name !== 'string' || !isObj(o.language) || typeof o.language.code !== 'string') return param('template.name and template.language.code');
    const expected = fake.templates.get(o.name);
    if (expected === undefined) return { code: 132001, details: `template name (${o.name}) does not exist in ${o.language.code}` };
    const comps = Array.isArray(o.components) ? o.components : [];
    const bodyComp = comps.find((c) => isObj(c) && c.type === 'body') as Record<string, unknown> | undefined;
    const count = Array.isArray(bodyComp?.parameters) ? bodyComp.parameters.length : 0;
    return count === expected ? undefined : { code: 132000, details: `body: number of localizable_params (${count}) does not match the expected number of params (${expected})` };
  }
  if (type === 'interactive') {
    const a = isObj(o.action) ? o.action : {};
    const bodyText = isObj(o.body) ? o.body.text : undefined;
    switch (o.type) {
      case 'button': {
        const buttons = Array.isArray(a.buttons) ? a.buttons : [];
        if (typeof bodyText !== 'string' || !bodyText) return param('interactive.body.text');
        if (buttons.length < 1 || buttons.length > 3) return value('buttons: between 1 and 3 are allowed');
        const ok = buttons.every((x) => isObj(x) && x.type === 'reply' && isObj(x.reply) && typeof x.reply.id === 'string' && typeof x.reply.title === 'string' && x.reply.title.length <= 20);
        return ok ? undefined : value('button title length too long or reply malformed');
      }
      case 'list': {
        const sections = Array.isArray(a.sections) ? a.sections : [];
        const rows = sections.flatMap((s) => (isObj(s) && Array.isArray(s.rows) ? s.rows : []));
        if (typeof a.button !== 'string' || a.button.length > 20) return value('action.button is required, 20 characters at most');
        if (rows.length < 1 || rows.length > 10) return value('Total row count exceed max allowed count: 10');
        return rows.every((r) => isObj(r) && typeof r.id === 'string' && typeof r.title === 'string' && r.title.length <= 24) ? undefined : value('row title length too long');
      }
      case 'product':
        return typeof a.catalog_id === 'string' && typeof a.product_retailer_id === 'string' ? undefined : param('action.catalog_id and action.product_retailer_id');
      case 'product_list': {
        const sections = Array.isArray(a.sections) ? a.sections : [];
        const items = sections.flatMap((s) => (isObj(s) && Array.isArray(s.product_items) ? s.product_items : []));
        if (!isObj(o.header) || o.header.type !== 'text') return param('interactive.header');
        return items.length >= 1 && items.length <= 30 ? undefined : value('Total product count exceed max allowed count: 30');
      }
      case 'cta_url': {
        const p = isObj(a.parameters) ? a.parameters : {};
        return a.name === 'cta_url' && typeof p.display_text === 'string' && typeof p.url === 'string' ? undefined : param('action.parameters.display_text and url');
      }
      default:
        return value(`interactive.type ${String(o.type)} is not valid`);
    }
  }
  return { code: 131051, details: `Message type ${type} is not supported` };
}

export async function startFakeMeta(opts: { accessToken?: string; appSecret?: string; verifyToken?: string; phoneNumberId?: string; apiVersion?: string } = {}): Promise<FakeMeta> {
  const queue: { s: MetaScenario; route: MetaRoute | 'any' }[] = [];
  // eslint-disable-next-line prefer-const -- assigned once the server is up; the routes run later
  let fake: FakeMeta;

  const takeScenario = (route: MetaRoute) => {
    const i = queue.findIndex((q) => q.route === route || q.route === 'any');
    return i < 0 ? undefined : queue.splice(i, 1)[0]!.s;
  };

  /** Apply the route's queued scenario; true when it answered. */
  async function applyScenario(route: MetaRoute, res: ServerResponse): Promise<boolean> {
    const s = takeScenario(route);
    if (!s) return false;
    if (s.kind === 'slow') {
      await new Promise((r) => setTimeout(r, s.ms));
      return res.destroyed;
    }
    if (s.kind === 'hold') {
      await s.until;
      if (s.drop) res.socket?.destroy();
      return Boolean(s.drop);
    }
    if (s.kind === 'drop') {
      res.socket?.destroy();
      return true;
    }
    if (s.kind === 'server_error') {
      res.writeHead(s.status, { 'content-type': 'text/html' });
      res.end('<html><body>Sorry, something went wrong.</body></html>');
      return true;
    }
    graphError(res, s.code, s.message ?? `(#${s.code}) Error ${s.code}`, {
      status: s.status,
      details: s.details,
      subcode: s.subcode,
      headers: s.retryAfterSeconds === undefined ? {} : { 'retry-after': String(s.retryAfterSeconds) },
    });
    return true;
  }

  async function route(req: RecordedRequest, res: ServerResponse) {
    if (req.headers.authorization !== `Bearer ${fake.accessToken}`) {
      return graphError(res, 190, 'Invalid OAuth access token - Cannot parse access token', { status: 401 });
    }
    if (req.method === 'GET' && req.path === '/whatsapp_business/attachments/') {
      if (await applyScenario('download', res)) return;
      const m = fake.media.get(req.query.get('mid') ?? '');
      if (!m) return graphError(res, 100, 'Media not found', { status: 404 });
      res.writeHead(200, { 'content-type': m.type, 'content-length': m.bytes.length });
      return void res.end(m.bytes);
    }
    const parts = /^\/(v\d+\.\d)\/([^/]+)(?:\/(messages|media))?$/.exec(req.path);
    if (!parts) return graphError(res, 2500, 'Unknown path components', { details: req.path });
    const [, , id, edge] = parts as unknown as [string, string, string, string | undefined];
    const missing = () => graphError(res, 100, `Unsupported ${req.method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`, { subcode: 33, type: 'GraphMethodException' });

    if (req.method === 'POST' && edge === 'messages') {
      if (await applyScenario('messages', res)) return;
      if (id !== fake.phoneNumberId) return missing();
      const b = isObj(req.body) ? req.body : {};
      const bad = invalid(b, fake);
      if (bad) return graphError(res, bad.code, bad.code === 100 ? '(#100) Invalid parameter' : `(#${bad.code}) ${bad.code === 131009 ? 'Parameter value is not valid' : 'Error'}`, { details: bad.details });
      const msg: SentMessage = { id: wamid(), to: b.to as string | undefined, recipient: b.recipient as string | undefined, type: String(b.type ?? 'text'), body: b };
      fake.sent.push(msg);
      const contact = msg.recipient ? { input: msg.recipient, user_id: msg.recipient } : { input: msg.to, wa_id: String(msg.to).replace(/\D/g, '') };
      return sendJson(res, 200, { messaging_product: 'whatsapp', contacts: [contact], messages: [{ id: msg.id, ...(msg.type === 'template' ? { message_status: 'accepted' } : {}) }] });
    }
    if (req.method === 'POST' && edge === 'media') {
      if (await applyScenario('media_upload', res)) return;
      if (id !== fake.phoneNumberId) return missing();
      const form = req.body instanceof FormData ? req.body : undefined;
      const file = form?.get('file');
      if (!form || form.get('messaging_product') !== 'whatsapp') return graphError(res, 100, '(#100) Invalid parameter', { details: 'The parameter messaging_product is required.' });
      if (!(file instanceof Blob) || typeof form.get('type') !== 'string') return graphError(res, 100, '(#100) Invalid parameter', { details: 'The parameters file and type are required.' });
      return sendJson(res, 200, { id: fake.addMedia(Buffer.from(await file.arrayBuffer()), String(form.get('type'))) });
    }
    if (req.method === 'GET' && !edge && id === fake.phoneNumberId) {
      if (await applyScenario('phone', res)) return;
      const fields = (req.query.get('fields') ?? 'verified_name,display_phone_number,quality_rating').split(',');
      const p = fake.phone as Record<string, string>;
      return sendJson(res, 200, { ...Object.fromEntries(fields.filter((f) => f in p).map((f) => [f, p[f]])), id });
    }
    if (req.method === 'GET' && !edge) {
      if (await applyScenario('media_get', res)) return;
      const m = fake.media.get(id);
      if (!m) return missing();
      return sendJson(res, 200, {
        messaging_product: 'whatsapp',
        url: `${fake.mediaOrigin ?? fake.url}/whatsapp_business/attachments/?mid=${id}&ext=${Date.now()}&hash=${trace()}`,
        mime_type: m.type,
        sha256: createHash('sha256').update(m.bytes).digest('hex'),
        file_size: String(m.bytes.length),
        id,
      });
    }
    return missing();
  }

  const base = await startFake(route, new Map());
  const phoneNumberId = opts.phoneNumberId ?? '106540352242922';
  const media = new Map<string, StoredMedia>();
  const sent: SentMessage[] = [];
  const { scenario: _unused, nextScenario: _next, ...rest } = base;
  fake = {
    ...rest,
    accessToken: opts.accessToken ?? `EAAG${randomBytes(30).toString('base64url')}`,
    appSecret: opts.appSecret ?? randomBytes(16).toString('hex'),
    verifyToken: opts.verifyToken ?? `verify-${randomBytes(8).toString('hex')}`,
    phoneNumberId,
    wabaId: '102290129340398',
    apiVersion: opts.apiVersion ?? 'v26.0',
    credentials: {},
    scenario: (s, r = 'any') => void queue.push({ s, route: r }),
    sent,
    media,
    addMedia: (bytes, type) => {
      const id = String(1_000_000_000_000_000 + Math.floor(Math.random() * 8_999_999_999_999_999));
      media.set(id, { bytes, type });
      return id;
    },
    templates: new Map([['hello_world', 0], ['order_update', 2]]),
    phone: { verified_name: 'Probador Shop', display_phone_number: '+1 555-078-3881', quality_rating: 'GREEN' },
    webhook: (o) => webhookBody({ phoneNumberId, wabaId: '102290129340398', ...o }),
    statusFor: (id, status, o = {}) => {
      const m = sent.find((x) => x.id === id);
      return statusUpdate(id, status, { ...(m?.to ? { recipient: m.to } : m?.recipient ? { recipientUserId: m.recipient } : {}), ...o });
    },
  };
  fake.credentials = {
    access_token: fake.accessToken,
    app_secret: fake.appSecret,
    phone_number_id: phoneNumberId,
    verify_token: fake.verifyToken,
    waba_id: fake.wabaId,
    api_version: fake.apiVersion,
    base_url: fake.url,
  };
  return fake;
}
