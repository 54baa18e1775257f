/**
 * A question's answer from what the shopper sent: the value to save, or why it is not valid.
 * Text answers are read from the text; a choice from a reply button or list row id (or the
 * option's label or number typed as text); a product from a list row or an id typed; an image
 * from a photo (its stored blob); a location from a shared location.
 */
import type { StepOf } from '../../../../contracts/flows.js';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { normalise } from './template.js';

/** What a flow sees of an inbound message. */
export type FlowAnswer =
  | { type: 'text'; text: string }
  | { type: 'button_reply' | 'list_reply'; id: string; title: string }
  | { type: 'media'; kind: string; key?: string | undefined; contentType?: string | undefined; caption?: string | undefined }
  | { type: 'location'; latitude: number; longitude: number; name?: string | undefined; address?: string | undefined }
  | { type: 'other'; providerType: string };

export type Parsed = { ok: true; value: unknown; optionId?: string | undefined } | { ok: false; reason: string };

/** The text of an answer (a button's title, a caption) — `last_input`. */
export function textOf(a: FlowAnswer): string {
  if (a.type === 'text') return a.text;
  if (a.type === 'button_reply' || a.type === 'list_reply') return a.title;
  if (a.type === 'media') return a.caption ?? '';
  if (a.type === 'location') return a.name ?? `${a.latitude},${a.longitude}`;
  return '';
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{2,63}$/;

function parseDate(s: string): string | undefined {
  const t = s.trim();
  let y: number, m: number, d: number;
  let g = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t);
  if (g) [y, m, d] = [Number(g[1]), Number(g[2]), Number(g[3])];
  else if ((g = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(t))) [d, m, y] = [Number(g[1]), Number(g[2]), Number(g[3])];
  else return undefined;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return undefined;
  return date.toISOString().slice(0, 10);
}

type Question = StepOf<'question'>;

export function parseAnswer(q: Question['input'], a: FlowAnswer, products?: { id: string; name: string }[]): Parsed {
  const text = a.type === 'text' ? a.text.trim() : '';
  switch (q.kind) {
    case 'text': {
      if (a.type !== 'text' || text === '') return { ok: false, reason: 'a text answer' };
      const len = [...text].length;
      if (q.min !== undefined && len < q.min) return { ok: false, reason: `at least ${q.min} characters` };
      if (q.max !== undefined && len > q.max) return { ok: false, reason: `at most ${q.max} characters` };
      if (q.pattern) {
        let re: RegExp | undefined;
        try {
          re = new RegExp(q.pattern, 'u');
        } catch {
          re = undefined;
        }
        if (re && !re.test(text.slice(0, 4096))) return { ok: false, reason: 'the expected format' };
      }
      return { ok: true, value: text };
    }
    case 'number': {
      const n = Number(text.replace(',', '.'));
      if (a.type !== 'text' || text === '' || !Number.isFinite(n)) return { ok: false, reason: 'a number' };
      if (q.min !== undefined && n < q.min) return { ok: false, reason: `a number from ${q.min}` };
      if (q.max !== undefined && n > q.max) return { ok: false, reason: `a number up to ${q.max}` };
      return { ok: true, value: n };
    }
    case 'email':
      return EMAIL.test(text) ? { ok: true, value: text.toLowerCase() } : { ok: false, reason: 'an email address' };
    case 'phone': {
      const p = parsePhoneNumberFromString(text.startsWith('+') ? text : `+${text.replace(/^00/, '')}`);
      return p?.isValid() ? { ok: true, value: p.number } : { ok: false, reason: 'a phone number with its country code' };
    }
    case 'date': {
      const d = parseDate(text);
      return d ? { ok: true, value: d } : { ok: false, reason: 'a date (YYYY-MM-DD or DD/MM/YYYY)' };
    }
    case 'choice': {
      const options = q.options ?? [];
      let hit: (typeof options)[number] | undefined;
      if (a.type === 'button_reply' || a.type === 'list_reply') hit = options.find((o) => o.id === a.id);
      else if (a.type === 'text') {
        const n = Number(text);
        hit = Number.isInteger(n) && n >= 1 && n <= options.length ? options[n - 1] : options.find((o) => normalise(o.label) === normalise(text) || normalise(o.id) === normalise(text));
      }
      return hit ? { ok: true, value: hit.id, optionId: hit.id } : { ok: false, reason: 'one of the options' };
    }
    case 'product': {
      const list = products ?? [];
      let id: string | undefined;
      if (a.type === 'button_reply' || a.type === 'list_reply') id = a.id;
      else if (a.type === 'text') {
        const n = Number(text);
        id = Number.isInteger(n) && n >= 1 && n <= list.length ? list[n - 1]!.id : list.find((p) => p.id === text || normalise(p.name) === normalise(text))?.id;
      }
      return id && (list.length === 0 || list.some((p) => p.id === id)) ? { ok: true, value: id } : { ok: false, reason: 'a product from the list' };
    }
    case 'image':
      return a.type === 'media' && a.kind === 'image' && a.key ? { ok: true, value: { key: a.key, content_type: a.contentType ?? 'image/jpeg' } } : { ok: false, reason: 'a photo' };
    case 'location':
      return a.type === 'location' ? { ok: true, value: { latitude: a.latitude, longitude: a.longitude, name: a.name ?? null, address: a.address ?? null } } : { ok: false, reason: 'a location (share it from the attachment menu)' };
  }
}
