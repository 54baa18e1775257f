/**
 * One inbound Baileys message as Evolution API v2 posts it in `messages.upsert` (the "messageRaw"
 * of whatsapp.baileys.service.ts `prepareMessage`: `{key, pushName, message, contextInfo,
 * messageType, messageTimestamp}`) → a provider-neutral message event. Pure and defensive: any
 * field may be missing or of the wrong type; nothing here throws on hostile input.
 *
 * Addresses: `<digits>@s.whatsapp.net` (optionally `:<device>`) gives the phone; `…@lid` is kept
 * as `providerId` and the phone comes from `key.remoteJidAlt` (Baileys 7) or `key.senderPn`
 * (older Evolution builds) when present. Groups, broadcasts, status and newsletters are ignored.
 */
import { isRecord, str } from '../../../platform/providers/http.js';
import type { ContactAddress, InboundContent, InboundEvent, MediaKind } from './types.js';

type Obj = Record<string, unknown>;

const MEDIA: Record<string, MediaKind> = {
  imageMessage: 'image',
  videoMessage: 'video',
  ptvMessage: 'video',
  audioMessage: 'audio',
  documentMessage: 'document',
  stickerMessage: 'sticker',
};

/** Keys of `message` that are not the content itself (Evolution and WhatsApp add these). */
const NOT_CONTENT = new Set(['messageContextInfo', 'base64', 'mediaUrl', 'speechToText', 'contextInfo', 'senderKeyDistributionMessage']);
/** Wrappers whose `.message` holds the real content. */
const WRAPPERS = ['ephemeralMessage', 'viewOnceMessage', 'viewOnceMessageV2', 'viewOnceMessageV2Extension', 'documentWithCaptionMessage'];
/** Messages that are not something a person said (edits, deletions, key exchanges): no event. */
const SILENT = new Set(['protocolMessage', 'editedMessage', 'pollUpdateMessage', 'senderKeyDistributionMessage', 'messageContextInfo']);

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined);

/** The JID's user part without the device suffix (`5491122334455:12@s.whatsapp.net` → `5491122334455`). */
const userOf = (jid: string) => (jid.split('@')[0] ?? '').split(':')[0] ?? '';
const phoneOfJid = (jid: unknown): string | undefined => {
  if (typeof jid !== 'string' || !/@(s\.whatsapp\.net|c\.us)$/.test(jid)) return undefined;
  const user = userOf(jid);
  return /^\d{6,15}$/.test(user) ? `+${user}` : undefined;
};

/** Who wrote, or null when the chat is not a one-to-one chat with a person. */
export function addressOf(key: Obj, pushName?: unknown): ContactAddress | null {
  const jid = str(key.remoteJid);
  if (!jid || !jid.includes('@')) return null;
  if (/@(g\.us|broadcast|newsletter)$/.test(jid)) return null;
  const name = typeof pushName === 'string' && pushName.trim() && pushName !== 'Você' ? pushName.slice(0, 200) : undefined;
  if (jid.endsWith('@lid')) {
    const phone = phoneOfJid(key.remoteJidAlt) ?? phoneOfJid(key.senderPn) ?? phoneOfJid(key.participantAlt);
    return { providerId: jid, phone, name };
  }
  const phone = phoneOfJid(jid);
  if (!phone) return null;
  return { providerId: `${userOf(jid)}@s.whatsapp.net`, phone, name };
}

/** Seconds (number, numeric string or a protobuf Long `{low, high}`) → Date; milliseconds accepted too. */
export function timestampOf(v: unknown, now: Date): Date {
  let n = num(v);
  if (n === undefined && isRecord(v)) {
    const low = num(v.low);
    const high = num(v.high) ?? 0;
    if (low !== undefined) n = high * 2 ** 32 + (low >>> 0);
  }
  if (n === undefined || n <= 0) return now;
  const d = new Date(n > 1e12 ? n : n * 1000);
  return Number.isNaN(d.getTime()) ? now : d;
}

/** The content key of a message: `messageType` when it names one, else the first content-looking key. */
function contentKey(message: Obj, messageType: unknown): string | undefined {
  if (typeof messageType === 'string' && messageType in message) return messageType;
  return Object.keys(message).find((k) => !NOT_CONTENT.has(k));
}

function unwrap(message: Obj, messageType: unknown): { key: string | undefined; value: unknown; message: Obj } {
  let current = message;
  let type = messageType;
  for (let depth = 0; depth < 4; depth++) {
    const key = contentKey(current, type);
    if (key && WRAPPERS.includes(key)) {
      const inner = current[key];
      if (isRecord(inner) && isRecord(inner.message)) {
        current = inner.message;
        type = undefined;
        continue;
      }
    }
    return { key, value: key ? current[key] : undefined, message: current };
  }
  return { key: undefined, value: undefined, message: current };
}

function parseParams(json: unknown): Obj {
  if (typeof json !== 'string' || json.length > 10_000) return {};
  try {
    const v: unknown = JSON.parse(json);
    return isRecord(v) ? v : {};
  } catch {
    return {};
  }
}

/** The content of a message, or null when it is not one to deliver (protocol messages, reaction removals…). */
export function contentOf(message: Obj, messageType: unknown, keyId: string): InboundContent | null {
  const { key, value, message: m } = unwrap(message, messageType);
  if (!key) return null;
  if (SILENT.has(key)) return null;
  const v: Obj = isRecord(value) ? value : {};
  if (key === 'conversation') return typeof value === 'string' ? { type: 'text', text: value } : null;
  if (key === 'extendedTextMessage') return typeof v.text === 'string' ? { type: 'text', text: v.text } : null;
  const kind = MEDIA[key];
  if (kind) {
    const caption = str(v.caption);
    const mediaUrl = str(m.mediaUrl);
    return {
      type: 'media',
      media: {
        kind,
        providerMediaId: keyId,
        url: mediaUrl && /^https?:\/\//i.test(mediaUrl) ? mediaUrl : undefined,
        contentType: str(v.mimetype),
        caption: caption || undefined,
        filename: str(v.fileName),
        sha256: str(v.fileSha256),
      },
    };
  }
  if (key === 'buttonsResponseMessage') {
    const id = str(v.selectedButtonId);
    return id !== undefined ? { type: 'button_reply', id, title: str(v.selectedDisplayText) ?? '' } : { type: 'unsupported', providerType: key };
  }
  if (key === 'templateButtonReplyMessage') {
    const id = str(v.selectedId);
    return id !== undefined ? { type: 'button_reply', id, title: str(v.selectedDisplayText) ?? '' } : { type: 'unsupported', providerType: key };
  }
  if (key === 'interactiveResponseMessage') {
    const flow = isRecord(v.nativeFlowResponseMessage) ? v.nativeFlowResponseMessage : {};
    const id = str(parseParams(flow.paramsJson).id);
    const title = isRecord(v.body) ? (str(v.body.text) ?? '') : '';
    return id !== undefined ? { type: 'button_reply', id, title } : { type: 'unsupported', providerType: key };
  }
  if (key === 'listResponseMessage') {
    const id = isRecord(v.singleSelectReply) ? str(v.singleSelectReply.selectedRowId) : undefined;
    return id !== undefined ? { type: 'list_reply', id, title: str(v.title) ?? '', description: str(v.description) || undefined } : { type: 'unsupported', providerType: key };
  }
  if (key === 'locationMessage' || key === 'liveLocationMessage') {
    const latitude = num(v.degreesLatitude);
    const longitude = num(v.degreesLongitude);
    if (latitude === undefined || longitude === undefined || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return { type: 'unsupported', providerType: key };
    return { type: 'location', latitude, longitude, name: str(v.name) || undefined, address: str(v.address) || undefined };
  }
  return { type: 'unsupported', providerType: key.slice(0, 64) };
}

/** `contextInfo.stanzaId`: the id of the message this one quotes. */
function replyToOf(data: Obj, message: Obj): string | undefined {
  const top = isRecord(data.contextInfo) ? str(data.contextInfo.stanzaId) : undefined;
  if (top) return top;
  for (const v of Object.values(message)) if (isRecord(v) && isRecord(v.contextInfo) && str(v.contextInfo.stanzaId)) return str(v.contextInfo.stanzaId);
  return undefined;
}

/** One `messages.upsert` data object → a message event, or null (echo of our own, group, protocol, malformed). */
export function messageEvent(data: unknown, now: Date): InboundEvent | null {
  if (!isRecord(data) || !isRecord(data.key) || !isRecord(data.message)) return null;
  const key = data.key;
  if (key.fromMe === true) return null;
  const id = str(key.id);
  if (!id || id.length > 200) return null;
  const from = addressOf(key, data.pushName);
  if (!from) return null;
  const content = contentOf(data.message, data.messageType, id);
  if (!content) return null;
  return {
    kind: 'message',
    providerMessageId: id,
    from,
    timestamp: timestampOf(data.messageTimestamp, now),
    content,
    replyToProviderMessageId: replyToOf(data, data.message),
  };
}
