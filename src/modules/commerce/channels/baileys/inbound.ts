/**
 * Pure mapping of what a Baileys socket emits to the platform's `InboundEvent`s:
 * `messages.upsert` (a `WAMessage`) → a `message` event, `messages.update` → `status` events,
 * `connection.update` → `connection` events. No socket, no I/O: unit-tested with protos built by
 * `proto.Message.fromObject`. Skipped (null): our own messages echoed back, groups, broadcasts,
 * status stories, newsletters, protocol messages (revokes, history sync, key distribution alone)
 * and decryption stubs (those are counted by the worker, not delivered).
 *
 * Addresses: `phone` is `+<digits>` from a `…@s.whatsapp.net` JID (or from `remoteJidAlt` when
 * WhatsApp addresses the chat by `…@lid`); `providerId` is the JID as WhatsApp gave it, `@lid`
 * kept as is (replies go back to it).
 */
import { getContentType, isJidBroadcast, isJidGroup, isJidNewsletter, isLidUser, isPnUser, normalizeMessageContent, proto, type WAMessage, type WAMessageKey, type WAMessageUpdate } from 'baileys';
import type { ContactAddress, DeliveryStatus, InboundContent, InboundEvent, MediaKind } from '../types.js';

type Long = { toNumber(): number };

/** A JID's `+E164` phone, when it is a phone-number JID (`5491122334455@s.whatsapp.net`, device suffix ignored). */
export function phoneOfJid(jid: string | null | undefined): string | undefined {
  if (typeof jid !== 'string' || !isPnUser(jid)) return undefined;
  const user = jid.slice(0, jid.indexOf('@')).split(':')[0]!;
  return /^\d{6,15}$/.test(user) ? `+${user}` : undefined;
}

/** The sender of a 1:1 message. */
export function addressOfKey(key: WAMessageKey, pushName?: string | null): ContactAddress {
  const jid = key.remoteJid ?? undefined;
  const phone = phoneOfJid(jid) ?? (isLidUser(jid) ? phoneOfJid(key.remoteJidAlt) : undefined);
  return { phone, providerId: jid, name: typeof pushName === 'string' && pushName.trim() ? pushName.trim().slice(0, 256) : undefined };
}

/** Seconds (number, Long or string) → Date; `fallback` when absent or absurd. */
export function toDate(ts: unknown, fallback: Date): Date {
  let s: number | undefined;
  if (typeof ts === 'number') s = ts;
  else if (typeof ts === 'string' && /^\d+$/.test(ts)) s = Number(ts);
  else if (ts && typeof (ts as Long).toNumber === 'function') s = (ts as Long).toNumber();
  return s !== undefined && Number.isFinite(s) && s > 0 && s < 1e11 ? new Date(s * 1000) : fallback;
}

const MEDIA: Record<string, MediaKind> = {
  imageMessage: 'image',
  videoMessage: 'video',
  ptvMessage: 'video',
  audioMessage: 'audio',
  documentMessage: 'document',
  stickerMessage: 'sticker',
};

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The content of a (normalised) message, or `undefined` when it is not something a contact said. */
export function contentOf(message: proto.IMessage): InboundContent | undefined {
  const type = getContentType(message);
  if (!type) return undefined;
  switch (type) {
    case 'conversation':
      return { type: 'text', text: message.conversation ?? '' };
    case 'extendedTextMessage':
      return { type: 'text', text: message.extendedTextMessage?.text ?? '' };
    case 'buttonsResponseMessage': {
      const r = message.buttonsResponseMessage!;
      return { type: 'button_reply', id: r.selectedButtonId ?? '', title: r.selectedDisplayText ?? '' };
    }
    case 'templateButtonReplyMessage': {
      const r = message.templateButtonReplyMessage!;
      return { type: 'button_reply', id: r.selectedId ?? '', title: r.selectedDisplayText ?? '' };
    }
    case 'listResponseMessage': {
      const r = message.listResponseMessage!;
      return { type: 'list_reply', id: r.singleSelectReply?.selectedRowId ?? '', title: r.title ?? '', description: str(r.description) };
    }
    case 'interactiveResponseMessage': {
      // A native-flow reply: `{ "id": "…" }` in paramsJson, the title in the body.
      const r = message.interactiveResponseMessage!;
      let id = '';
      try {
        const params = JSON.parse(r.nativeFlowResponseMessage?.paramsJson ?? '{}') as unknown;
        if (params && typeof params === 'object' && typeof (params as { id?: unknown }).id === 'string') id = (params as { id: string }).id;
      } catch {
        /* not JSON: no id */
      }
      return { type: 'button_reply', id, title: r.body?.text ?? '' };
    }
    case 'locationMessage':
    case 'liveLocationMessage': {
      const l = (message.locationMessage ?? message.liveLocationMessage)!;
      const latitude = num(l.degreesLatitude);
      const longitude = num(l.degreesLongitude);
      if (latitude === undefined || longitude === undefined) return { type: 'unsupported', providerType: type };
      const named = message.locationMessage;
      return { type: 'location', latitude, longitude, name: str(named?.name), address: str(named?.address) };
    }
    case 'orderMessage': {
      // Linked devices get the order's summary only; its items need the business API.
      const o = message.orderMessage!;
      return { type: 'order', text: str(o.message), items: [] };
    }
    case 'protocolMessage':
    case 'senderKeyDistributionMessage':
    case 'messageContextInfo':
      return undefined;
    default: {
      const kind = MEDIA[type];
      if (!kind) return { type: 'unsupported', providerType: type };
      const m = message[type as 'imageMessage'] as proto.Message.IImageMessage & proto.Message.IDocumentMessage;
      return {
        type: 'media',
        media: {
          kind,
          // The key id: the worker keeps recent media messages to download by it (downloadMedia).
          providerMediaId: undefined,
          contentType: str(m.mimetype),
          caption: str(m.caption),
          filename: str(m.fileName),
          sha256: m.fileSha256 && m.fileSha256.length > 0 ? Buffer.from(m.fileSha256).toString('hex') : undefined,
        },
      };
    }
  }
}

/** The message this one quotes, when it does. */
function quotedId(message: proto.IMessage): string | undefined {
  const type = getContentType(message);
  if (!type) return undefined;
  const inner = message[type] as { contextInfo?: proto.IContextInfo | null } | null | undefined;
  return inner && typeof inner === 'object' ? str(inner.contextInfo?.stanzaId) : undefined;
}

/** Is this a 1:1 chat with a person (not a group, broadcast, story or channel)? */
export function isDirectChat(jid: string | null | undefined): jid is string {
  if (typeof jid !== 'string' || !jid.includes('@')) return false;
  return !isJidGroup(jid) && !isJidBroadcast(jid) && !isJidNewsletter(jid) && (isPnUser(jid) === true || isLidUser(jid) === true);
}

/** A received message → one `message` event, or null when it is not one the platform handles. */
export function mapUpsert(msg: WAMessage, now: Date = new Date()): InboundEvent | null {
  const key = msg.key;
  if (!key || key.fromMe || typeof key.id !== 'string' || !key.id || !isDirectChat(key.remoteJid)) return null;
  if (msg.messageStubType === proto.WebMessageInfo.StubType.CIPHERTEXT) return null;
  const message = normalizeMessageContent(msg.message);
  if (!message) return null;
  const content = contentOf(message);
  if (!content) return null;
  if (content.type === 'media') content.media.providerMediaId = key.id;
  return {
    kind: 'message',
    providerMessageId: key.id,
    from: addressOfKey(key, msg.pushName),
    timestamp: toDate(msg.messageTimestamp, now),
    content,
    replyToProviderMessageId: quotedId(message),
  };
}

const STATUS: Partial<Record<number, DeliveryStatus>> = {
  [proto.WebMessageInfo.Status.ERROR]: 'failed',
  [proto.WebMessageInfo.Status.SERVER_ACK]: 'sent',
  [proto.WebMessageInfo.Status.DELIVERY_ACK]: 'delivered',
  [proto.WebMessageInfo.Status.READ]: 'read',
  [proto.WebMessageInfo.Status.PLAYED]: 'read',
};

/** A status change of a message we sent → a `status` event (other updates: edits, reactions… → null). */
export function mapUpdate(u: WAMessageUpdate, now: Date = new Date()): InboundEvent | null {
  const key = u.key;
  if (!key || !key.fromMe || typeof key.id !== 'string' || !key.id || !isDirectChat(key.remoteJid)) return null;
  const code = u.update?.status;
  if (typeof code !== 'number') return null;
  const status = STATUS[code];
  if (!status) return null;
  return {
    kind: 'status',
    providerMessageId: key.id,
    status,
    timestamp: toDate(u.update.messageTimestamp, now),
    recipient: addressOfKey(key),
    error: status === 'failed' ? { reason: 'undeliverable', message: 'WhatsApp reported the message as failed' } : undefined,
  };
}
