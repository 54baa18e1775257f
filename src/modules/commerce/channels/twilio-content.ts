/**
 * The platform's outbound content as the form fields of Twilio's Messages API
 * (POST /2010-04-01/Accounts/{sid}/Messages.json). What Twilio can carry without a Content
 * template it gets; what it cannot is degraded or refused, so a send never silently loses meaning:
 * - text → Body (Twilio has no preview_url switch; WhatsApp decides).
 * - media → MediaUrl (+ Body as the caption). Twilio fetches media by URL: bytes without a url
 *   → ChannelError('unsupported').
 * - buttons / list → a numbered text menu (header in bold, rows numbered across sections, footer
 *   in italics): reply buttons and list pickers need a Content template per menu on Twilio.
 *   capabilities() says buttons: false, lists: false so the sender prefers another provider.
 * - cta_url → text with the link on its own line.
 * - product / product_list → ChannelError('unsupported'): Twilio has no catalog messages without a
 *   Content template and the content carries no link to degrade to (capabilities: products false).
 * - template → ContentSid + ContentVariables ({"1": params[0], …}), no Body; a template without
 *   `twilioContentSid` → ChannelError('template').
 */
import { ChannelError, type ListSection, type OutboundContent } from './types.js';

/** Body is at most 1,600 characters on Twilio (error 21617 otherwise). */
export const MAX_BODY = 1600;

export type TwilioContentFields = { Body?: string; MediaUrl?: string; ContentSid?: string; ContentVariables?: string };

const unsupported = (message: string) => new ChannelError('twilio', 'unsupported', `twilio: ${message}`);

function numbered(lines: string[], header?: string, body?: string, footer?: string): string {
  const parts: string[] = [];
  if (header?.trim()) parts.push(`*${header.trim()}*`);
  if (body?.trim()) parts.push(body.trim());
  if (lines.length) parts.push(lines.join('\n'));
  if (footer?.trim()) parts.push(`_${footer.trim()}_`);
  return parts.join('\n\n');
}

function listLines(sections: ListSection[]): string[] {
  const out: string[] = [];
  let n = 0;
  for (const s of sections) {
    if (s.title?.trim() && sections.length > 1) out.push(`*${s.title.trim()}*`);
    for (const r of s.rows) {
      n += 1;
      out.push(`${n}. ${r.title}${r.description ? ` — ${r.description}` : ''}`);
    }
  }
  return out;
}

function checkBody(text: string): string {
  if (!text.trim()) throw new ChannelError('twilio', 'bad_request', 'twilio: the message text is empty');
  if (text.length > MAX_BODY) throw new ChannelError('twilio', 'bad_request', `twilio: the message text is longer than ${MAX_BODY} characters`);
  return text;
}

/** The Body / MediaUrl / ContentSid fields for one piece of content. */
export function contentFields(content: OutboundContent): TwilioContentFields {
  switch (content.type) {
    case 'text':
      return { Body: checkBody(content.text) };
    case 'media': {
      const m = content.media;
      if (!m.url) throw unsupported('media must have a URL (Twilio fetches it; bytes cannot be uploaded)');
      if (!/^https?:\/\//i.test(m.url)) throw new ChannelError('twilio', 'bad_request', 'twilio: the media URL must be http(s)');
      const caption = m.caption?.trim();
      return { MediaUrl: m.url, ...(caption ? { Body: checkBody(caption) } : {}) };
    }
    case 'buttons':
      return { Body: checkBody(numbered(content.buttons.map((b, i) => `${i + 1}. ${b.title}`), content.header, content.body, content.footer)) };
    case 'list':
      return { Body: checkBody(numbered(listLines(content.sections), content.header, content.body, content.footer)) };
    case 'cta_url':
      return { Body: checkBody(numbered([`${content.displayText}: ${content.url}`], content.header, content.body, content.footer)) };
    case 'product':
    case 'product_list':
      throw unsupported(`${content.type} messages need a catalog Content template on Twilio`);
    case 'template': {
      const t = content.template;
      if (!t.twilioContentSid) throw new ChannelError('twilio', 'template', `twilio: template ${t.name} (${t.language}) has no Twilio ContentSid`);
      const vars: Record<string, string> = {};
      t.params.forEach((p, i) => (vars[String(i + 1)] = p));
      return { ContentSid: t.twilioContentSid, ...(t.params.length ? { ContentVariables: JSON.stringify(vars) } : {}) };
    }
    default:
      throw unsupported(`unknown content type ${(content as { type?: unknown }).type as string}`);
  }
}
