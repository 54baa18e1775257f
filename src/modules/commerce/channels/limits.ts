/**
 * WhatsApp's limits on what a business may send, checked before anything is sent whatever the
 * provider (POST /v1/messages answers 422 naming the field) and enforced by the simulator like
 * WhatsApp would: ≤ 3 reply buttons with titles ≤ 20; a list of ≤ 10 sections and ≤ 10 rows in
 * all, row titles ≤ 24, descriptions ≤ 72, its button ≤ 20; bodies ≤ 1024 (interactive) or 4096
 * (text, list); ≤ 30 products in a product list; a template the bot has, with its placeholders filled.
 */
import type { OutboundContent, TemplateRef } from './types.js';

export type LimitViolation = { path: string; message: string };

export const LIMITS = {
  textBody: 4096,
  interactiveBody: 1024,
  listBody: 4096,
  headerText: 60,
  footer: 60,
  buttons: 3,
  buttonTitle: 20,
  buttonId: 256,
  listButton: 20,
  sections: 10,
  rows: 10,
  rowTitle: 24,
  rowDescription: 72,
  rowId: 200,
  sectionTitle: 24,
  products: 30,
  caption: 1024,
  ctaDisplayText: 20,
} as const;

/** A template as a bot knows it (what `template` content must match). */
export type KnownTemplate = { name: string; language: string; body: string };

/** How many {{n}} placeholders a template body has (the highest n). */
export function placeholderCount(body: string): number {
  let max = 0;
  for (const m of body.matchAll(/\{\{\s*(\d+)\s*\}\}/g)) max = Math.max(max, Number(m[1]));
  return max;
}

/** The template's body with its values in place (for providers without templates, and the simulator). */
export function renderTemplate(t: Pick<TemplateRef, 'body' | 'params' | 'name'>): string {
  const body = t.body ?? t.name;
  return body.replace(/\{\{\s*(\d+)\s*\}\}/g, (_m, n: string) => t.params[Number(n) - 1] ?? '');
}

/**
 * Every limit the content breaks (empty when it may be sent). `templates`: the bot's templates
 * (a template message must name one of them); `base`: the JSON pointer of the content in the request.
 */
export function checkContent(content: OutboundContent, opts: { templates?: KnownTemplate[] | undefined; base?: string } = {}): LimitViolation[] {
  const out: LimitViolation[] = [];
  const base = opts.base ?? '/content';
  const max = (path: string, value: string | undefined, n: number, what = 'characters') => {
    if (value !== undefined && [...value].length > n) out.push({ path: `${base}${path}`, message: `at most ${n} ${what} (has ${[...value].length})` });
  };
  const nonEmpty = (path: string, value: string | undefined) => {
    if (value === undefined || value.trim() === '') out.push({ path: `${base}${path}`, message: 'must not be empty' });
  };
  switch (content.type) {
    case 'text':
      nonEmpty('/text', content.text);
      max('/text', content.text, LIMITS.textBody);
      break;
    case 'media':
      max('/media/caption', content.media.caption, LIMITS.caption);
      if (!content.media.url && !content.media.bytes) out.push({ path: `${base}/media/url`, message: 'a media message needs a url' });
      if (content.media.caption !== undefined && (content.media.kind === 'audio' || content.media.kind === 'sticker')) out.push({ path: `${base}/media/caption`, message: `${content.media.kind} cannot have a caption` });
      break;
    case 'buttons': {
      nonEmpty('/body', content.body);
      max('/body', content.body, LIMITS.interactiveBody);
      max('/header', content.header, LIMITS.headerText);
      max('/footer', content.footer, LIMITS.footer);
      if (content.buttons.length < 1 || content.buttons.length > LIMITS.buttons) out.push({ path: `${base}/buttons`, message: `1 to ${LIMITS.buttons} buttons (has ${content.buttons.length})` });
      const ids = new Set<string>();
      content.buttons.forEach((b, i) => {
        nonEmpty(`/buttons/${i}/title`, b.title);
        max(`/buttons/${i}/title`, b.title, LIMITS.buttonTitle);
        max(`/buttons/${i}/id`, b.id, LIMITS.buttonId);
        if (ids.has(b.id)) out.push({ path: `${base}/buttons/${i}/id`, message: 'button ids must be unique' });
        ids.add(b.id);
      });
      break;
    }
    case 'list': {
      nonEmpty('/body', content.body);
      max('/body', content.body, LIMITS.listBody);
      max('/header', content.header, LIMITS.headerText);
      max('/footer', content.footer, LIMITS.footer);
      nonEmpty('/button', content.button);
      max('/button', content.button, LIMITS.listButton);
      if (content.sections.length < 1 || content.sections.length > LIMITS.sections) out.push({ path: `${base}/sections`, message: `1 to ${LIMITS.sections} sections (has ${content.sections.length})` });
      const rows = content.sections.reduce((n, s) => n + s.rows.length, 0);
      if (rows < 1 || rows > LIMITS.rows) out.push({ path: `${base}/sections`, message: `1 to ${LIMITS.rows} rows in all (has ${rows})` });
      if (content.sections.length > 1) content.sections.forEach((s, i) => s.title === undefined && out.push({ path: `${base}/sections/${i}/title`, message: 'a list with several sections needs a title for each' }));
      const ids = new Set<string>();
      content.sections.forEach((s, i) => {
        max(`/sections/${i}/title`, s.title, LIMITS.sectionTitle);
        s.rows.forEach((r, j) => {
          nonEmpty(`/sections/${i}/rows/${j}/title`, r.title);
          max(`/sections/${i}/rows/${j}/title`, r.title, LIMITS.rowTitle);
          max(`/sections/${i}/rows/${j}/description`, r.description, LIMITS.rowDescription);
          max(`/sections/${i}/rows/${j}/id`, r.id, LIMITS.rowId);
          if (ids.has(r.id)) out.push({ path: `${base}/sections/${i}/rows/${j}/id`, message: 'row ids must be unique' });
          ids.add(r.id);
        });
      });
      break;
    }
    case 'product':
      max('/body', content.body, LIMITS.interactiveBody);
      max('/footer', content.footer, LIMITS.footer);
      break;
    case 'product_list': {
      nonEmpty('/header', content.header);
      max('/header', content.header, LIMITS.headerText);
      nonEmpty('/body', content.body);
      max('/body', content.body, LIMITS.interactiveBody);
      max('/footer', content.footer, LIMITS.footer);
      if (content.sections.length < 1 || content.sections.length > LIMITS.sections) out.push({ path: `${base}/sections`, message: `1 to ${LIMITS.sections} sections (has ${content.sections.length})` });
      const n = content.sections.reduce((k, s) => k + s.productRetailerIds.length, 0);
      if (n < 1 || n > LIMITS.products) out.push({ path: `${base}/sections`, message: `1 to ${LIMITS.products} products in all (has ${n})` });
      content.sections.forEach((s, i) => max(`/sections/${i}/title`, s.title, LIMITS.sectionTitle));
      break;
    }
    case 'cta_url':
      nonEmpty('/body', content.body);
      max('/body', content.body, LIMITS.interactiveBody);
      max('/header', content.header, LIMITS.headerText);
      max('/footer', content.footer, LIMITS.footer);
      nonEmpty('/displayText', content.displayText);
      max('/displayText', content.displayText, LIMITS.ctaDisplayText);
      if (!/^https?:\/\/\S+$/.test(content.url)) out.push({ path: `${base}/url`, message: 'must be an http(s) URL' });
      break;
    case 'template': {
      const t = content.template;
      if (opts.templates) {
        const known = opts.templates.find((k) => k.name === t.name && k.language === t.language);
        if (!known) out.push({ path: `${base}/template/name`, message: `the bot has no template ${t.name} (${t.language})` });
        else {
          const n = placeholderCount(known.body);
          if (t.params.length !== n) out.push({ path: `${base}/template/params`, message: `template ${t.name} has ${n} placeholder(s); ${t.params.length} value(s) given` });
        }
      }
      t.params.forEach((p, i) => {
        if (p.trim() === '') out.push({ path: `${base}/template/params/${i}`, message: 'must not be empty' });
        if (/[\n\t]| {5,}/.test(p)) out.push({ path: `${base}/template/params/${i}`, message: 'a template value cannot contain new lines, tabs or more than 4 spaces in a row' });
      });
      break;
    }
  }
  return out;
}
