/**
 * Evolution API v2 webhook bodies, built the way Evolution builds them
 * (webhook.controller.ts `{event, instance, data, destination, date_time, sender, server_url,
 * apikey}`; `data` is whatsapp.baileys.service.ts's messageRaw for messages.upsert/send.message,
 * `{keyId, remoteJid, fromMe, participant, status, instanceId, messageId}` for messages.update,
 * `{instance, state, statusReason}` for connection.update, `{qrcode: {instance, pairingCode, code,
 * base64}}` for qrcode.updated), and the HS256 token Evolution ≥ 2.3 sends for a `jwt_key` header.
 */
import { createHmac, randomBytes } from 'node:crypto';

type Obj = Record<string, unknown>;

export const messageId = () => `3EB0${randomBytes(8).toString('hex').toUpperCase()}`;

/** `5491122334455` → `5491122334455@s.whatsapp.net`; JIDs (`…@lid`, `…@g.us`) stay as they are. */
export const jidOf = (who: string) => (who.includes('@') ? who : `${who.replace(/\D/g, '')}@s.whatsapp.net`);

/** The envelope Evolution posts for every event. */
export function envelope(event: string, instance: string, data: unknown, opts: { apikey?: string | null; serverUrl?: string; sender?: string } = {}): Obj {
  return {
    event,
    instance,
    data,
    destination: 'https://example.invalid/hooks',
    // Evolution's "local time written with a Z" (channel.service.ts).
    date_time: new Date().toISOString(),
    sender: opts.sender ?? '5491100000000@s.whatsapp.net',
    server_url: opts.serverUrl ?? 'http://evolution.local',
    apikey: opts.apikey === undefined ? 'INSTANCE-TOKEN' : opts.apikey,
  };
}

export type UpsertOptions = {
  id?: string;
  fromMe?: boolean;
  pushName?: string;
  /** `…@s.whatsapp.net` form of the sender when `from` is a `@lid` (Baileys 7). */
  remoteJidAlt?: string;
  /** The older Evolution builds' name for the same. */
  senderPn?: string;
  /** The id of the message this one quotes. */
  quotedId?: string;
  timestamp?: number;
  /** Evolution's S3 copy of the media, when S3 is enabled. */
  mediaUrl?: string;
};

/** A `messages.upsert` data object (prepareMessage's messageRaw). */
export function upsert(from: string, messageType: string, content: unknown, o: UpsertOptions = {}): Obj {
  const key: Obj = { remoteJid: jidOf(from), fromMe: o.fromMe ?? false, id: o.id ?? messageId() };
  if (o.remoteJidAlt) Object.assign(key, { remoteJidAlt: o.remoteJidAlt, addressingMode: 'lid' });
  if (o.senderPn) key.senderPn = o.senderPn;
  const message: Obj = { [messageType]: content, messageContextInfo: { deviceListMetadataVersion: 2 } };
  if (o.mediaUrl) message.mediaUrl = o.mediaUrl;
  return {
    key,
    pushName: o.pushName ?? 'Ana',
    status: 'DELIVERY_ACK',
    message,
    contextInfo: o.quotedId ? { stanzaId: o.quotedId, participant: jidOf(from), quotedMessage: { conversation: 'earlier' } } : null,
    messageType,
    messageTimestamp: o.timestamp ?? Math.floor(Date.now() / 1000),
    instanceId: '4a1b7c9e-0000-4000-8000-000000000000',
    source: 'android',
  };
}

const mediaFields = (mimetype: string, extra: Obj) => ({
  url: 'https://mmg.whatsapp.net/o1/v/t62.7118-24/f1/m232/enc-file?ccb=9-4',
  mimetype,
  fileSha256: 'n3XyT1kq4sUq1wG3Y9nqg8CqJb3i5Jq8o3iQbS4mS2E=',
  fileLength: '1234',
  mediaKey: 'kq4sUq1wG3Y9nqg8CqJb3i5Jq8o3iQbS4mS2E1234=',
  directPath: '/o1/v/t62.7118-24/f1/m232/enc-file',
  ...extra,
});

/** Inbound messages of each kind Evolution forwards from Baileys. */
export const inbound = {
  text: (from: string, text: string, o?: UpsertOptions) => upsert(from, 'conversation', text, o),
  /** What older builds forwarded unconverted (prepareMessage now folds it into `conversation`). */
  extendedText: (from: string, text: string, o?: UpsertOptions) => upsert(from, 'extendedTextMessage', { text }, o),
  image: (from: string, o: UpsertOptions & { caption?: string; mimetype?: string } = {}) => upsert(from, 'imageMessage', mediaFields(o.mimetype ?? 'image/jpeg', o.caption ? { caption: o.caption } : {}), o),
  video: (from: string, o: UpsertOptions = {}) => upsert(from, 'videoMessage', mediaFields('video/mp4', { seconds: 3 }), o),
  audio: (from: string, o: UpsertOptions = {}) => upsert(from, 'audioMessage', mediaFields('audio/ogg; codecs=opus', { ptt: true, seconds: 4 }), o),
  document: (from: string, fileName: string, o: UpsertOptions = {}) => upsert(from, 'documentMessage', mediaFields('application/pdf', { fileName, title: fileName }), o),
  sticker: (from: string, o: UpsertOptions = {}) => upsert(from, 'stickerMessage', mediaFields('image/webp', { isAnimated: false }), o),
  buttonReply: (from: string, id: string, title: string, o?: UpsertOptions) => upsert(from, 'buttonsResponseMessage', { selectedButtonId: id, selectedDisplayText: title, type: 1 }, o),
  templateButtonReply: (from: string, id: string, title: string, o?: UpsertOptions) => upsert(from, 'templateButtonReplyMessage', { selectedId: id, selectedDisplayText: title, selectedIndex: 0 }, o),
  nativeFlowReply: (from: string, id: string, title: string, o?: UpsertOptions) =>
    upsert(from, 'interactiveResponseMessage', { body: { text: title, format: 'DEFAULT' }, nativeFlowResponseMessage: { name: 'quick_reply', paramsJson: JSON.stringify({ id }), version: 3 } }, o),
  listReply: (from: string, id: string, title: string, description?: string, o?: UpsertOptions) =>
    upsert(from, 'listResponseMessage', { title, listType: 1, singleSelectReply: { selectedRowId: id }, ...(description ? { description } : {}) }, o),
  location: (from: string, latitude: number, longitude: number, o: UpsertOptions & { name?: string; address?: string } = {}) =>
    upsert(from, 'locationMessage', { degreesLatitude: latitude, degreesLongitude: longitude, name: o.name, address: o.address }, o),
  reaction: (from: string, targetId: string, emoji: string, o?: UpsertOptions) => upsert(from, 'reactionMessage', { key: { remoteJid: jidOf(from), fromMe: true, id: targetId }, text: emoji }, o),
};

export type EvolutionStatus = 'ERROR' | 'PENDING' | 'SERVER_ACK' | 'DELIVERY_ACK' | 'READ' | 'PLAYED' | 'DELETED';

/** A `messages.update` data object (the Baileys service's `message` in its messages.update handler). */
export function statusUpdate(keyId: string, status: EvolutionStatus, to: string, fromMe = true): Obj {
  return { keyId, remoteJid: jidOf(to), fromMe, participant: null, status, instanceId: '4a1b7c9e-0000-4000-8000-000000000000', messageId: 'cm0000000000000000000000' };
}

export const connectionUpdate = (instance: string, state: 'open' | 'connecting' | 'close' | 'refused', statusReason = 200): Obj => ({ instance, state, statusReason });

export const qrcodeUpdated = (instance: string, code: string, pairingCode: string | null = null): Obj => ({
  qrcode: { instance, pairingCode, code, base64: 'data:image/png;base64,iVBORw0KGgo=' },
});

/** The token Evolution ≥ 2.3 puts in `Authorization: Bearer` when the webhook headers hold `jwt_key`. */
export function evolutionJwt(secret: string, nowS = Math.floor(Date.now() / 1000), overrides: Obj = {}, alg = 'HS256'): string {
  const part = (o: Obj) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = part({ alg, typ: 'JWT' });
  const body = part({ iat: nowS, exp: nowS + 600, app: 'evolution', action: 'webhook', ...overrides });
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}
