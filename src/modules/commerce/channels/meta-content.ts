/**
 * Provider-neutral outbound content → the Cloud API's `POST /{phone_number_id}/messages` body
 * (developers.facebook.com/documentation/business-messaging/whatsapp/messages/…):
 *   text         {type:'text', text:{body, preview_url}}
 *   media        {type:'image'|'video'|'audio'|'document'|'sticker', <kind>:{link|id, caption?, filename?}}
 *                (captions only on image, video and document; filenames only on documents)
 *   buttons      interactive `button` — ≤ 3 reply buttons, titles ≤ 20, ids ≤ 256
 *   list         interactive `list` — button label ≤ 20, ≤ 10 sections, ≤ 10 rows in all,
 *                row titles ≤ 24, descriptions ≤ 72, ids ≤ 200
 *   product      interactive `product` {catalog_id, product_retailer_id}
 *   product_list interactive `product_list` — text header required, ≤ 10 sections, ≤ 30 items
 *   cta_url      interactive `cta_url` {name:'cta_url', parameters:{display_text ≤ 20, url}}
 *   template     {name, language:{code, policy:'deterministic'}, components:[{type:'body', parameters:[{type:'text', text}]}]}
 * The limits are checked here so a bad message fails at once with a clear `bad_request`
 * instead of a round trip ending in Meta's 131009. Every content type is supported: nothing
 * degrades on this provider.
 */
import { ChannelError, type ContactAddress, type OutboundContent, type OutboundMedia } from './types.js';

/** Header, body and footer text limits of interactive messages. */
const LIMITS = { text: 4096, body: 1024, header: 60, footer: 60, caption: 1024 } as const;

/** Meta's upload/link size limits per media kind (bytes). */
export const MEDIA_MAX_BYTES: Record<OutboundMedia['kind'], number> = {
  image: 5 * 1024 * 1024,
  video: 16 * 1024 * 1024,
  audio: 16 * 1024 * 1024,
  document: 100 * 1024 * 1024,
  sticker: 500 * 1024,
};

const bad = (message: string) => new ChannelError('meta', 'bad_request', `meta: ${message}`);

function check(ok: boolean, message: string): void {
  if (!ok) throw bad(message);
}

const len = (s: string) => [...s].length;

function text(value: string | undefined, max: number, what: string, required = false): string | undefined {
  if (value === undefined || value === '') {
    check(!required, `${what} is required`);
    return undefined;
  }
  check(len(value) <= max, `${what} is longer than ${max} characters`);
  return value;
}

/** A Business-scoped user id (`US.13491208655302741918`, parent ids `US.ENT.…`): sent as `recipient`, not `to`. */
export const isBsuid = (id: string) => /^[A-Z]{2}\.[A-Za-z0-9.]{1,140}$/.test(id);

/** `to` (phone digits / wa_id) or `recipient` (BSUID) for a contact address. */
export function recipientFields(to: ContactAddress): { to: string } | { recipient: string } {
  const phone = to.phone?.replace(/[^\d]/g, '');
  if (phone) return { to: phone };
  const id = to.providerId?.trim();
  if (id && isBsuid(id)) return { recipient: id };
  const digits = id?.replace(/^\+/, '');
  if (digits && /^\d{5,20}$/.test(digits)) return { to: digits };
  throw bad('the recipient has neither a phone number nor a WhatsApp id');
}

const optText = (t: string | undefined, max: number, what: string) => {
  const v = text(t, max, what);
  return v === undefined ? undefined : { text: v };
};

const header = (t: string | undefined) => {
  const v = text(t, LIMITS.header, 'header');
  return v === undefined ? undefined : { type: 'text', text: v };
};

/** The `<kind>` object of a media message, given a link or an uploaded media id. */
export function mediaObject(media: OutboundMedia, ref: { link: string } | { id: string }): Record<string, unknown> {
  const out: Record<string, unknown> = { ...ref };
  if (media.caption && (media.kind === 'image' || media.kind === 'video' || media.kind === 'document')) {
    out.caption = text(media.caption, LIMITS.caption, 'caption');
  }
  if (media.kind === 'document' && media.filename) out.filename = media.filename;
  return out;
}

function interactive(c: Exclude<OutboundContent, { type: 'text' | 'media' | 'template' }>): Record<string, unknown> {
  switch (c.type) {
    case 'buttons': {
      check(c.buttons.length >= 1 && c.buttons.length <= 3, 'reply buttons must number 1 to 3');
      const ids = new Set(c.buttons.map((b) => b.id));
      check(ids.size === c.buttons.length, 'reply button ids must be unique');
      return {
        type: 'button',
        header: header(c.header),
        body: { text: text(c.body, LIMITS.body, 'body', true) },
        footer: optText(c.footer, LIMITS.footer, 'footer'),
        action: {
          buttons: c.buttons.map((b) => {
            check(b.id.length >= 1 && b.id.length <= 256, 'a reply button id must be 1 to 256 characters');
            return { type: 'reply', reply: { id: b.id, title: text(b.title, 20, 'a reply button title', true) } };
          }),
        },
      };
    }
    case 'list': {
      const rows = c.sections.flatMap((s) => s.rows);
      check(c.sections.length >= 1 && c.sections.length <= 10, 'a list must have 1 to 10 sections');
      check(rows.length >= 1 && rows.length <= 10, 'a list must have 1 to 10 rows in all');
      check(new Set(rows.map((r) => r.id)).size === rows.length, 'list row ids must be unique');
      check(c.sections.length === 1 || c.sections.every((s) => !!s.title), 'every section needs a title when there are several');
      return {
        type: 'list',
        header: header(c.header),
        body: { text: text(c.body, 4096, 'body', true) },
        footer: optText(c.footer, LIMITS.footer, 'footer'),
        action: {
          button: text(c.button, 20, 'the list button label', true),
          sections: c.sections.map((s) => ({
            title: text(s.title, 24, 'a section title'),
            rows: s.rows.map((r) => {
              check(r.id.length >= 1 && r.id.length <= 200, 'a list row id must be 1 to 200 characters');
              return { id: r.id, title: text(r.title, 24, 'a list row title', true), description: text(r.description, 72, 'a list row description') };
            }),
          })),
        },
      };
    }
    case 'product':
      check(!!c.catalogId && !!c.productRetailerId, 'a product message needs a catalog id and a product retailer id');
      return {
        type: 'product',
        body: optText(c.body, LIMITS.body, 'body'),
        footer: optText(c.footer, LIMITS.footer, 'footer'),
        action: { catalog_id: c.catalogId, product_retailer_id: c.productRetailerId },
      };
    case 'product_list': {
      const items = c.sections.flatMap((s) => s.productRetailerIds);
      check(c.sections.length >= 1 && c.sections.length <= 10, 'a product list must have 1 to 10 sections');
      check(items.length >= 1 && items.length <= 30, 'a product list must have 1 to 30 products in all');
      check(!!c.catalogId, 'a product list needs a catalog id');
      return {
        type: 'product_list',
        header: header(text(c.header, LIMITS.header, 'header', true)),
        body: { text: text(c.body, LIMITS.body, 'body', true) },
        footer: optText(c.footer, LIMITS.footer, 'footer'),
        action: {
          catalog_id: c.catalogId,
          sections: c.sections.map((s) => ({
            title: text(s.title, 24, 'a section title', true),
            product_items: s.productRetailerIds.map((id) => ({ product_retailer_id: id })),
          })),
        },
      };
    }
    case 'cta_url': {
      let ok = false;
      try {
        ok = ['https:', 'http:'].includes(new URL(c.url).protocol);
      } catch {
        ok = false;
      }
      check(ok, 'a link button needs an http(s) URL');
      return {
        type: 'cta_url',
        header: header(c.header),
        body: { text: text(c.body, LIMITS.body, 'body', true) },
        footer: optText(c.footer, LIMITS.footer, 'footer'),
        action: { name: 'cta_url', parameters: { display_text: text(c.displayText, 20, 'the link button text', true), url: c.url } },
      };
    }
  }
}

/**
 * The type-specific part of the message body (`type` + its object). Media must already be
 * resolved to a link or an uploaded id (`mediaRef`).
 */
export function contentFields(c: OutboundContent, mediaRef?: { link: string } | { id: string }): Record<string, unknown> {
  switch (c.type) {
    case 'text':
      return { type: 'text', text: { body: text(c.text, LIMITS.text, 'text', true), preview_url: c.previewUrl ?? false } };
    case 'media':
      if (!mediaRef) throw bad('media needs a URL or bytes');
      return { type: c.media.kind, [c.media.kind]: mediaObject(c.media, mediaRef) };
    case 'template': {
      const t = c.template;
      check(/^[a-z0-9_]{1,512}$/.test(t.name), 'a template name is lower-case letters, digits and underscores');
      check(/^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})?$/.test(t.language), 'a template language is a code such as en_US');
      const parameters = t.params.map((p) => ({ type: 'text', text: text(p, 32_768, 'a template parameter', true) }));
      return {
        type: 'template',
        template: {
          name: t.name,
          language: { code: t.language, policy: 'deterministic' },
          ...(parameters.length ? { components: [{ type: 'body', parameters }] } : {}),
        },
      };
    }
    default:
      return { type: 'interactive', interactive: interactive(c) };
  }
}

/** Drop `undefined` members so the JSON carries only what was given. */
export function compact<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
