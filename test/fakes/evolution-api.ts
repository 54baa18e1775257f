/**
 * A fake Evolution API v2 server (github.com/EvolutionAPI/evolution-api, src/api/routes): the
 * `apikey` guard (global key, or the instance's own token except for /instance/create), the
 * instance guard (404 `The "x" instance does not exist`), the JSON-schema checks of the send
 * endpoints with Evolution's messages, and its error body `{status, error, response: {message}}`.
 *
 *   POST /instance/create                          403 when the name is taken; `qrcode` in the answer
 *   GET  /instance/connect/{i}[?number=]           `{pairingCode, code, base64, count}` or `{instance: {state: 'open'}}`
 *   GET  /instance/connectionState/{i}             `{instance: {instanceName, state}}`
 *   DELETE /instance/logout/{i}                    400 when not connected
 *   POST /webhook/set/{i}                          stores `{enabled, url, headers, events, byEvents, base64}`
 *   POST /message/send{Text,Media,Sticker,Buttons,List,Template}/{i}   201 messageRaw (`key.id`)
 *   POST /chat/getBase64FromMediaMessage/{i}       `{mediaType, fileName, mimetype, base64}` of a message added with `addMedia`
 *
 * A Baileys instance that is not `open` answers sends with `Error: Connection Closed`; numbers in
 * `notOnWhatsApp` get `[{exists: false, jid, number}]`; `sendTemplate` on Baileys is a 500 "Method
 * not available"; `failNext` queues one failure for the next send. `deliver` posts a webhook to the
 * URL an instance was configured with, with its headers as Evolution sends them (`jwt_key` → a
 * Bearer JWT), so a test or a bench can drive the app end to end.
 */
import type { ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { sendJson, startFake, type FakeBase, type RecordedRequest } from './fake-server.js';
import { envelope, evolutionJwt, jidOf, messageId } from './evolution-api-payloads.js';

export * from './evolution-api-payloads.js';

type Obj = Record<string, unknown>;
export type FakeWebhook = { enabled: boolean; url: string; headers: Record<string, string>; events: string[]; byEvents: boolean; base64: boolean };
export type FakeInstance = {
  name: string;
  token: string;
  integration: 'WHATSAPP-BAILEYS' | 'WHATSAPP-BUSINESS';
  state: 'open' | 'connecting' | 'close';
  webhook?: FakeWebhook | undefined;
  qr?: { code: string; base64: string; pairingCode: string | null; count: number } | undefined;
  media: Map<string, { bytes: Buffer; mimetype: string; fileName?: string | undefined }>;
};

export type EvolutionFailure =
  | { kind: 'connection_closed'; status?: 400 | 500 }
  | { kind: 'rate_overlimit' }
  | { kind: 'timed_out' }
  | { kind: 'http'; status: number; message?: unknown; headers?: Record<string, string> }
  /** A Cloud API instance passing Meta's error object through in a 201. */
  | { kind: 'cloud_error'; code: number; message?: string };

export type FakeEvolution = Omit<FakeBase, 'scenario'> & {
  globalKey: string;
  instances: Map<string, FakeInstance>;
  /** Digits of numbers the fake says are not on WhatsApp. */
  notOnWhatsApp: Set<string>;
  addInstance: (name: string, o?: Partial<Pick<FakeInstance, 'integration' | 'state' | 'token'>>) => FakeInstance;
  failNext: (f: EvolutionFailure) => void;
  /** Every send request (POST /message/…). */
  sends: () => RecordedRequest[];
  /** Media that getBase64FromMediaMessage serves for this message id. */
  addMedia: (instance: string, keyId: string, media: { bytes: Buffer; mimetype: string; fileName?: string }) => void;
  /** Serve bytes at `${url}/files/${name}` (Evolution's S3 copy of a media, say). */
  serveFile: (name: string, bytes: Buffer, type: string) => string;
  /** The phone scanned the QR: the instance is open. */
  pair: (instance: string) => void;
  /** POST `envelope(event, instance, data)` to the instance's webhook with its configured headers. */
  deliver: (instance: string, event: string, data: unknown) => Promise<Response>;
};

const errorBody = (status: number, message: unknown) => {
  const names: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' };
  return { status, error: names[status] ?? 'Error', response: { message } };
};

/** What Evolution's JSON-schema validation answers for the send endpoints (null when valid). */
function invalid(endpoint: string, b: Obj): string[] | null {
  const req = (...names: string[]) => names.filter((n) => b[n] === undefined).map((n) => `instance requires property "${n}"`);
  const errs = req('number');
  if (typeof b.number !== 'string' && b.number !== undefined) errs.push('Invalid format');
  if (endpoint === 'sendText') errs.push(...req('text'));
  if (endpoint === 'sendMedia') {
    errs.push(...req('mediatype'));
    if (b.mediatype !== undefined && !['image', 'document', 'video', 'audio'].includes(String(b.mediatype))) errs.push('instance.mediatype is not one of enum values: image,document,video,audio');
    if (typeof b.media !== 'string' || !b.media) errs.push('instance requires property "media"');
  }
  if (endpoint === 'sendSticker' && typeof b.sticker !== 'string') errs.push('instance requires property "sticker"');
  if (endpoint === 'sendTemplate') errs.push(...req('name', 'language'));
  if (endpoint === 'sendList') {
    errs.push(...req('title', 'footerText', 'buttonText', 'sections'));
    const sections = Array.isArray(b.sections) ? (b.sections as Obj[]) : [];
    if (b.sections !== undefined && sections.length === 0) errs.push('instance.sections does not meet minimum length of 1');
    for (const s of sections) {
      if (!s.title) errs.push('The "title" cannot be empty');
      const rows = Array.isArray(s.rows) ? (s.rows as Obj[]) : [];
      if (rows.length === 0) errs.push('instance.sections[0].rows does not meet minimum length of 1');
      for (const r of rows) {
        if (!r.title || !r.rowId) errs.push('instance.sections[0].rows[0] requires property "rowId"');
        if (r.description !== undefined && !r.description) errs.push('The "description" cannot be empty');
      }
    }
  }
  if (endpoint === 'sendButtons') {
    const buttons = Array.isArray(b.buttons) ? (b.buttons as Obj[]) : [];
    if (buttons.length === 0) errs.push('At least one button is required');
    const replies = buttons.filter((x) => x.type === 'reply');
    if (replies.length > 3) errs.push('Maximum of 3 reply buttons allowed');
    if (replies.length > 0 && replies.length !== buttons.length) errs.push('Reply buttons cannot be mixed with other button types');
    for (const x of buttons) if ((x.type === 'reply' && !x.id) || (x.type === 'url' && !x.url)) errs.push('The "id" cannot be empty');
  }
  return errs.length > 0 ? errs : null;
}

export async function startFakeEvolution(opts: { globalKey?: string } = {}): Promise<FakeEvolution> {
  const globalKey = opts.globalKey ?? `GLOBAL-${randomBytes(8).toString('hex')}`;
  const instances = new Map<string, FakeInstance>();
  const notOnWhatsApp = new Set<string>();
  const failures: EvolutionFailure[] = [];

  function addInstance(name: string, o: Partial<Pick<FakeInstance, 'integration' | 'state' | 'token'>> = {}): FakeInstance {
    const inst: FakeInstance = { name, token: o.token ?? randomBytes(16).toString('hex').toUpperCase(), integration: o.integration ?? 'WHATSAPP-BAILEYS', state: o.state ?? 'close', media: new Map() };
    instances.set(name, inst);
    return inst;
  }

  function newQr(inst: FakeInstance, number?: string) {
    inst.state = 'connecting';
    inst.qr = { code: `2@${randomBytes(24).toString('base64')},${randomBytes(8).toString('hex')}`, base64: 'data:image/png;base64,iVBORw0KGgo=', pairingCode: number ? 'WZYEH1YY' : null, count: (inst.qr?.count ?? 0) + 1 };
    return { pairingCode: inst.qr.pairingCode, code: inst.qr.code, base64: inst.qr.base64, count: inst.qr.count };
  }

  function send(inst: FakeInstance, endpoint: string, b: Obj, res: ServerResponse) {
    const bad = invalid(endpoint, b);
    if (bad) return sendJson(res, 400, errorBody(400, bad));
    const f = failures.shift();
    if (f?.kind === 'connection_closed') return sendJson(res, f.status ?? 400, errorBody(f.status ?? 400, ['Error: Connection Closed']));
    if (f?.kind === 'rate_overlimit') return sendJson(res, 400, errorBody(400, ['Error: rate-overlimit']));
    if (f?.kind === 'timed_out') return sendJson(res, 400, errorBody(400, ['Error: Timed Out']));
    if (f?.kind === 'http') return sendJson(res, f.status, errorBody(f.status, f.message ?? 'failure'), f.headers);
    if (f?.kind === 'cloud_error') {
      return sendJson(res, 201, { message: f.message ?? `(#${f.code}) error`, type: 'OAuthException', code: f.code, error_data: { messaging_product: 'whatsapp', details: 'details from Meta' }, fbtrace_id: 'AbCdEf' });
    }
    const business = inst.integration === 'WHATSAPP-BUSINESS';
    if (endpoint === 'sendTemplate' && !business) return sendJson(res, 500, errorBody(500, 'Method not available in the Baileys service'));
    if (!business && inst.state !== 'open') return sendJson(res, 400, errorBody(400, ['Error: Connection Closed']));
    const number = String(b.number);
    const jid = business ? jidOf(number.replace(/\D/g, '')) : jidOf(number);
    if (notOnWhatsApp.has(number.replace(/\D/g, '')) || notOnWhatsApp.has(number)) return sendJson(res, 400, errorBody(400, [{ exists: false, jid, number }]));
    const id = business ? `wamid.${randomBytes(12).toString('base64url')}` : messageId();
    const messageType = { sendText: 'conversation', sendMedia: `${String(b.mediatype)}Message`, sendSticker: 'stickerMessage', sendButtons: 'viewOnceMessage', sendList: 'listMessage', sendTemplate: 'template' }[endpoint] ?? 'unknown';
    sendJson(res, 201, {
      key: { remoteJid: jid, fromMe: true, id },
      pushName: 'Você',
      status: 'PENDING',
      message: endpoint === 'sendText' ? { conversation: b.text } : { [messageType]: {} },
      messageType,
      messageTimestamp: Math.floor(Date.now() / 1000),
      instanceId: '4a1b7c9e-0000-4000-8000-000000000000',
      source: 'unknown',
    });
  }

  function route(req: RecordedRequest, res: ServerResponse) {
    if (req.path.startsWith('/files/')) {
      res.writeHead(404, { 'content-type': 'application/xml' });
      return void res.end('<Error><Code>NoSuchKey</Code></Error>');
    }
    const m = /^\/([\w]+)\/([\w]+)(?:\/([^/]+))?$/.exec(req.path);
    const [, group, action, rawName] = m ?? [];
    const name = rawName ? decodeURIComponent(rawName) : undefined;
    const key = req.headers.apikey;
    const inst = name ? instances.get(name) : undefined;
    if (!key || (key !== globalKey && !(inst && key === inst.token))) return sendJson(res, 401, errorBody(401, 'Unauthorized'));
    const b: Obj = typeof req.body === 'object' && req.body !== null ? (req.body as Obj) : {};

    if (req.method === 'POST' && group === 'instance' && action === 'create') {
      const instanceName = String(b.instanceName ?? '');
      if (!instanceName) return sendJson(res, 400, errorBody(400, ['instance requires property "instanceName"']));
      if (instances.has(instanceName)) return sendJson(res, 403, errorBody(403, [`This name "${instanceName}" is already in use.`]));
      const integration = b.integration === 'WHATSAPP-BUSINESS' ? 'WHATSAPP-BUSINESS' : 'WHATSAPP-BAILEYS';
      const created = addInstance(instanceName, { integration, token: typeof b.token === 'string' ? b.token : undefined });
      const w = b.webhook as Obj | undefined;
      if (w) created.webhook = { enabled: true, url: String(w.url), headers: (w.headers as Record<string, string>) ?? {}, events: (w.events as string[]) ?? [], byEvents: w.byEvents === true, base64: w.base64 === true };
      const qrcode = b.qrcode === true && integration === 'WHATSAPP-BAILEYS' ? newQr(created, typeof b.number === 'string' ? b.number : undefined) : undefined;
      return sendJson(res, 201, {
        instance: { instanceName, instanceId: randomBytes(8).toString('hex'), integration, webhookWaBusiness: null, accessTokenWaBusiness: '', status: created.state },
        hash: created.token,
        webhook: { webhookUrl: w?.url, webhookHeaders: w?.headers, webhookByEvents: w?.byEvents, webhookBase64: w?.base64 },
        settings: { rejectCall: false, msgCall: '', groupsIgnore: false, alwaysOnline: false, readMessages: false, readStatus: false, syncFullHistory: false, wavoipToken: '' },
        qrcode,
      });
    }
    if (!m || !name) return sendJson(res, 404, errorBody(404, [`Cannot ${req.method} ${req.path}`]));
    if (!inst) return sendJson(res, 404, errorBody(404, [`The "${name}" instance does not exist`]));

    if (req.method === 'GET' && group === 'instance' && action === 'connectionState') return sendJson(res, 200, { instance: { instanceName: name, state: inst.state } });
    if (req.method === 'GET' && group === 'instance' && action === 'connect') {
      if (inst.state === 'open') return sendJson(res, 200, { instance: { instanceName: name, state: 'open' } });
      return sendJson(res, 200, newQr(inst, req.query.get('number') ?? undefined));
    }
    if (req.method === 'DELETE' && group === 'instance' && action === 'logout') {
      if (inst.state === 'close') return sendJson(res, 400, errorBody(400, [`The "${name}" instance is not connected`]));
      inst.state = 'close';
      return sendJson(res, 200, { status: 'SUCCESS', error: false, response: { message: 'Instance logged out' } });
    }
    if (req.method === 'POST' && group === 'webhook' && action === 'set') {
      const w = b.webhook as Obj | undefined;
      if (!w || w.enabled === undefined || !w.url) return sendJson(res, 400, errorBody(400, ['instance.webhook requires property "url"']));
      inst.webhook = { enabled: w.enabled === true, url: String(w.url), headers: (w.headers as Record<string, string>) ?? {}, events: (w.events as string[]) ?? [], byEvents: w.byEvents === true, base64: w.base64 === true };
      return sendJson(res, 201, { id: randomBytes(8).toString('hex'), ...inst.webhook });
    }
    if (req.method === 'POST' && group === 'message' && action?.startsWith('send')) return send(inst, action, b, res);
    if (req.method === 'POST' && group === 'chat' && action === 'getBase64FromMediaMessage') {
      const id = (((b.message as Obj | undefined)?.key as Obj | undefined)?.id as string | undefined) ?? '';
      const media = inst.media.get(id);
      if (!media) return sendJson(res, 400, errorBody(400, ['Message not found']));
      const mediaType = media.mimetype.startsWith('image/') ? 'imageMessage' : media.mimetype.startsWith('audio/') ? 'audioMessage' : 'documentMessage';
      return sendJson(res, 201, { mediaType, fileName: media.fileName ?? `${id}.bin`, caption: undefined, size: { fileLength: String(media.bytes.length) }, mimetype: media.mimetype, base64: media.bytes.toString('base64'), buffer: null });
    }
    return sendJson(res, 404, errorBody(404, [`Cannot ${req.method} ${req.path}`]));
  }

  const files = new Map<string, { bytes: Buffer; type: string }>();
  const base = await startFake(route, files);
  const { scenario: _scenario, nextScenario: _next, ...rest } = base;
  return {
    ...rest,
    globalKey,
    instances,
    notOnWhatsApp,
    addInstance,
    failNext: (f) => void failures.push(f),
    sends: () => base.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/message/')),
    addMedia: (instance, keyId, media) => {
      const inst = instances.get(instance);
      if (!inst) throw new Error(`no fake instance ${instance}`);
      inst.media.set(keyId, media);
    },
    serveFile: (name, bytes, type) => {
      files.set(name, { bytes, type });
      return `${base.url}/files/${name}`;
    },
    pair: (instance) => {
      const inst = instances.get(instance);
      if (!inst) throw new Error(`no fake instance ${instance}`);
      inst.state = 'open';
      inst.qr = undefined;
    },
    deliver: async (instance, event, data) => {
      const inst = instances.get(instance);
      if (!inst?.webhook?.enabled) throw new Error(`fake instance ${instance} has no webhook`);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      for (const [k, v] of Object.entries(inst.webhook.headers)) {
        if (k === 'jwt_key') headers.authorization = `Bearer ${evolutionJwt(v)}`;
        else headers[k] = v;
      }
      const url = inst.webhook.byEvents ? `${inst.webhook.url}/${event.replace(/\./g, '-')}` : inst.webhook.url;
      return fetch(url, { method: 'POST', headers, body: JSON.stringify(envelope(event, instance, data, { apikey: inst.token })) });
    },
  };
}
