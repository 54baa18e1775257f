/**
 * The platform's outbound content → what Baileys' `sendMessage` takes, and the recipient's JID.
 *
 * Degradations (a linked device is not the Business API): reply buttons and lists become a
 * numbered text menu ("1. Red", "2. Blue") — WhatsApp no longer shows native buttons or lists
 * sent from linked devices reliably (they arrive blank or not at all) — and the driver remembers
 * the menu per chat so a reply "2" comes back as a `button_reply`/`list_reply` (menu.ts);
 * `cta_url` becomes the body plus "label: url"; templates are rendered from their body as plain
 * text (marketing ones are refused: unofficial channels never send marketing). Catalog products
 * (`product`, `product_list`) are `unsupported` (a linked personal device has no catalog).
 */
import { ChannelError, type ContactAddress, type ListSection, type OutboundContent, type OutboundMedia, type ReplyButton } from '../types.js';

/** A `…@lid` JID (kept local: importing Baileys here would load it on the main thread, where only the worker needs it). */
const isLid = (jid: string | undefined | null): boolean => typeof jid === 'string' && jid.endsWith('@lid');

/** What crosses to the worker: plain data only (structured clone; bytes as Uint8Array). */
export type WireContent =
  | { text: string }
  | { image: Uint8Array | { url: string }; caption?: string | undefined; mimetype?: string | undefined }
  | { video: Uint8Array | { url: string }; caption?: string | undefined; mimetype?: string | undefined }
  | { audio: Uint8Array | { url: string }; mimetype: string }
  | { document: Uint8Array | { url: string }; mimetype: string; fileName?: string | undefined; caption?: string | undefined }
  | { sticker: Uint8Array | { url: string } };

/** A numbered option of a degraded menu. */
export type MenuOption = { id: string; title: string; description?: string | undefined; kind: 'button_reply' | 'list_reply' };

const bad = (reason: 'bad_request' | 'unsupported' | 'template', message: string) => new ChannelError('baileys', reason, `baileys: ${message}`);

/** The JID to send to: a JID given as `providerId` is kept as is (`…@lid` too); else the phone's digits. */
export function jidOf(to: ContactAddress): string {
  const id = to.providerId?.trim();
  if (id && /^[\w.:-]+@(s\.whatsapp\.net|lid|c\.us)$/.test(id)) return isLid(id) ? id : id.replace('@c.us', '@s.whatsapp.net');
  const digits = (to.phone ?? id ?? '').replace(/^whatsapp:/, '').replace(/[\s()+.-]/g, '');
  if (!/^\d{6,15}$/.test(digits)) throw bad('bad_request', 'the recipient has no phone number or WhatsApp JID');
  return `${digits}@s.whatsapp.net`;
}

function media(m: OutboundMedia): WireContent {
  const src = m.bytes && m.bytes.length > 0 ? new Uint8Array(m.bytes) : m.url ? { url: m.url } : undefined;
  if (!src) throw bad('bad_request', 'media needs bytes or a url');
  if (m.url && !m.bytes && !/^https:\/\//i.test(m.url)) throw bad('bad_request', 'media urls must be https');
  switch (m.kind) {
    case 'image':
      return { image: src, caption: m.caption, mimetype: m.contentType };
    case 'video':
      return { video: src, caption: m.caption, mimetype: m.contentType };
    case 'audio':
      return { audio: src, mimetype: m.contentType ?? 'audio/ogg; codecs=opus' };
    case 'document':
      return { document: src, mimetype: m.contentType ?? 'application/octet-stream', fileName: m.filename, caption: m.caption };
    case 'sticker':
      return { sticker: src };
  }
}

/** `body` + numbered options + footer, as one text. */
export function numberedMenu(parts: { header?: string | undefined; body: string; footer?: string | undefined }, lines: string[]): string {
  const out: string[] = [];
  if (parts.header) out.push(`*${parts.header}*`);
  out.push(parts.body, '', ...lines);
  if (parts.footer) out.push('', `_${parts.footer}_`);
  return out.join('\n');
}

function buttonsMenu(buttons: ReplyButton[]): MenuOption[] {
  return buttons.map((b) => ({ id: b.id, title: b.title, kind: 'button_reply' }));
}

function listMenu(sections: ListSection[]): { options: MenuOption[]; lines: string[] } {
  const options: MenuOption[] = [];
  const lines: string[] = [];
  for (const s of sections) {
    if (s.title && sections.length > 1) lines.push(`*${s.title}*`);
    for (const r of s.rows) {
      options.push({ id: r.id, title: r.title, description: r.description, kind: 'list_reply' });
      lines.push(`${options.length}. ${r.title}${r.description ? ` — ${r.description}` : ''}`);
    }
  }
  return { options, lines };
}

/** Render a template's body: {{n}} → params[n-1]. */
export function renderTemplate(body: string, params: string[]): string {
  return body.replace(/\{\{\s*(\d+)\s*\}\}/g, (all, n: string) => params[Number(n) - 1] ?? all);
}

/** The content to send and, for a degraded menu, its options in order. */
export function toWire(content: OutboundContent): { wire: WireContent; menu?: MenuOption[] | undefined } {
  switch (content.type) {
    case 'text':
      if (!content.text) throw bad('bad_request', 'empty text');
      return { wire: { text: content.text } };
    case 'media':
      return { wire: media(content.media) };
    case 'buttons': {
      if (content.buttons.length === 0) throw bad('bad_request', 'buttons need at least one button');
      const menu = buttonsMenu(content.buttons);
      return { wire: { text: numberedMenu(content, menu.map((o, i) => `${i + 1}. ${o.title}`)) }, menu };
    }
    case 'list': {
      const { options, lines } = listMenu(content.sections);
      if (options.length === 0) throw bad('bad_request', 'a list needs at least one row');
      return { wire: { text: numberedMenu(content, lines) }, menu: options };
    }
    case 'cta_url':
      return { wire: { text: numberedMenu(content, [`${content.displayText}: ${content.url}`]) } };
    case 'template': {
      const t = content.template;
      if (t.category === 'marketing') throw bad('unsupported', 'marketing templates are never sent over an unofficial channel');
      if (!t.body) throw bad('template', `template ${t.name} has no body to render as text`);
      return { wire: { text: renderTemplate(t.body, t.params) } };
    }
    case 'product':
    case 'product_list':
      throw bad('unsupported', `${content.type} messages need a WhatsApp Business catalog`);
  }
}
