/**
 * Provider-neutral outbound content → the Evolution API v2 send endpoint and body
 * (src/api/routes/sendMessage.router.ts, src/api/dto/sendMessage.dto.ts, src/validate/message.schema.ts).
 * The driver adds `number` and `quoted`.
 *
 *   text          sendText {text, linkPreview?}
 *   media         sendMedia {mediatype, mimetype, caption, media (URL, or the bytes as base64), fileName};
 *                 stickers go to sendSticker {sticker}
 *   buttons       sendButtons {title, description, footer, buttons: [{type: 'reply', displayText, id}]}
 *   list          sendList {title, description, buttonText, footerText, sections: [{title, rows: [{title, description, rowId}]}]}
 *   cta_url       sendButtons with one `{type: 'url', displayText, url}` button (Baileys instance);
 *                 on a Cloud API instance Evolution turns every button into a reply button, so the
 *                 link goes as text there
 *   template      sendTemplate {name, language, components} on a Cloud API instance; on a Baileys
 *                 instance (which has no templates: Evolution answers "Method not available") the
 *                 template's `body` is rendered with its values and sent as plain text
 *   product, product_list   refused (`unsupported`): Evolution has no catalog messages
 *
 * Baileys' interactive messages (native-flow buttons and lists) do not render on every WhatsApp
 * client. A connection setting `interactive: 'text'` sends buttons, lists and links as a numbered
 * text menu instead (the shopper answers with the number or the title, which arrives as text).
 */
import { ChannelError, type OutboundContent, type OutboundMedia, type TemplateRef } from './types.js';

export type EvolutionEndpoint = 'sendText' | 'sendMedia' | 'sendSticker' | 'sendButtons' | 'sendList' | 'sendTemplate';
export type EvolutionRequest = { endpoint: EvolutionEndpoint; body: Record<string, unknown> };
export type ContentOptions = { official: boolean; interactive: 'native' | 'text' };

/** Bytes larger than this are refused rather than inlined as base64 (WhatsApp's own cap is 100 MB for documents). */
export const MAX_INLINE_MEDIA_BYTES = 64 * 1024 * 1024;

const fail = (reason: 'bad_request' | 'unsupported' | 'template', message: string) => new ChannelError('evolution', reason, `evolution: ${message}`);

/** A numbered text menu: what buttons and lists degrade to. */
export function textMenu(parts: { header?: string | undefined; body: string; footer?: string | undefined; options: string[] }): string {
  const blocks = [parts.header ? `*${parts.header}*` : '', parts.body, parts.options.map((o, i) => `${i + 1}. ${o}`).join('\n'), parts.footer ? `_${parts.footer}_` : ''];
  return blocks.filter((b) => b.length > 0).join('\n\n');
}

/** `{{1}}`, `{{2}}`… replaced by the template's values; a placeholder without a value is an error. */
export function renderTemplate(t: TemplateRef): string {
  if (!t.body) throw fail('template', `template "${t.name}" has no body to render as text on a Baileys instance`);
  return t.body.replace(/\{\{\s*(\d+)\s*\}\}/g, (_m, n: string) => {
    const v = t.params[Number(n) - 1];
    if (v === undefined) throw fail('template', `template "${t.name}" needs a value for {{${n}}}`);
    return v;
  });
}

function mediaRequest(m: OutboundMedia): EvolutionRequest {
  let media: string;
  if (m.url) media = m.url;
  else if (m.bytes) {
    if (m.bytes.length > MAX_INLINE_MEDIA_BYTES) throw fail('unsupported', `media of ${m.bytes.length} bytes is too large to send inline; give a URL`);
    media = m.bytes.toString('base64');
  } else throw fail('bad_request', 'media needs a url or bytes');
  if (m.kind === 'sticker') return { endpoint: 'sendSticker', body: { sticker: media } };
  const body: Record<string, unknown> = { mediatype: m.kind, media };
  if (m.contentType) body.mimetype = m.contentType;
  if (m.caption && m.kind !== 'audio') body.caption = m.caption;
  if (m.filename) body.fileName = m.filename;
  else if (m.kind === 'document') body.fileName = 'document';
  return { endpoint: 'sendMedia', body };
}

const text = (t: string): EvolutionRequest => ({ endpoint: 'sendText', body: { text: t } });

/** The endpoint and body for one outbound content on this instance. */
export function toEvolution(content: OutboundContent, opts: ContentOptions): EvolutionRequest {
  switch (content.type) {
    case 'text': {
      if (!content.text.trim()) throw fail('bad_request', 'text is empty');
      const body: Record<string, unknown> = { text: content.text };
      if (content.previewUrl !== undefined) body.linkPreview = content.previewUrl;
      return { endpoint: 'sendText', body };
    }
    case 'media':
      return mediaRequest(content.media);
    case 'buttons': {
      const { buttons } = content;
      if (buttons.length === 0 || buttons.length > 3) throw fail('bad_request', `reply buttons must be 1 to 3, got ${buttons.length}`);
      if (opts.interactive === 'text') return text(textMenu({ ...content, options: buttons.map((b) => b.title) }));
      const body: Record<string, unknown> = opts.official
        ? { title: content.header ? `${content.header}\n\n${content.body}` : content.body }
        : { title: content.header ?? content.body, ...(content.header ? { description: content.body } : {}) };
      if (content.footer && !opts.official) body.footer = content.footer;
      body.buttons = buttons.map((b) => ({ type: 'reply', displayText: b.title, id: b.id }));
      return { endpoint: 'sendButtons', body };
    }
    case 'list': {
      const rows = content.sections.flatMap((s) => s.rows);
      if (rows.length === 0) throw fail('bad_request', 'a list needs at least one row');
      if (opts.interactive === 'text') return text(textMenu({ ...content, options: rows.map((r) => (r.description ? `${r.title} — ${r.description}` : r.title)) }));
      return {
        endpoint: 'sendList',
        body: {
          // Evolution's Cloud path always sends `title` as a text header: never leave it empty there.
          title: content.header ?? (opts.official ? content.button : ''),
          description: content.body,
          buttonText: content.button,
          footerText: content.footer ?? '',
          sections: content.sections
            .filter((s) => s.rows.length > 0)
            .map((s) => ({
              title: s.title || content.button,
              // Evolution's Cloud path reads `description` unconditionally; Baileys' schema refuses an empty one.
              rows: s.rows.map((r) => ({ title: r.title, rowId: r.id, ...(r.description ? { description: r.description } : opts.official ? { description: ' ' } : {}) })),
            })),
        },
      };
    }
    case 'cta_url': {
      if (opts.official || opts.interactive === 'text') {
        return text([content.header ? `*${content.header}*` : '', content.body, `${content.displayText}: ${content.url}`, content.footer ? `_${content.footer}_` : ''].filter(Boolean).join('\n\n'));
      }
      const body: Record<string, unknown> = { title: content.header ?? content.body, ...(content.header ? { description: content.body } : {}) };
      if (content.footer) body.footer = content.footer;
      body.buttons = [{ type: 'url', displayText: content.displayText, url: content.url }];
      return { endpoint: 'sendButtons', body };
    }
    case 'template': {
      const t = content.template;
      if (!opts.official) return text(renderTemplate(t));
      const body: Record<string, unknown> = { name: t.name, language: t.language };
      if (t.params.length > 0) body.components = [{ type: 'body', parameters: t.params.map((p) => ({ type: 'text', text: p })) }];
      return { endpoint: 'sendTemplate', body };
    }
    case 'product':
    case 'product_list':
      throw fail('unsupported', `${content.type} messages are not available through Evolution API (no catalog messages)`);
  }
}
