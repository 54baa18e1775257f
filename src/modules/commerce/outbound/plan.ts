/**
 * What a send may do, decided from WhatsApp's rules before any provider is called: inside the
 * 24-hour window any content; outside it only a template (a text becomes the bot's
 * `window_template` when it has one, else OUTSIDE_WINDOW); business-initiated sends (no open
 * window) and marketing refused to opted-out contacts (OPTED_OUT) and never given to an
 * unofficial connection (Baileys); templates only through connections that have templates (on Twilio,
 * only those the bot gives a Content SID).
 */
import type { OutboundContent, TemplateRef, ChannelCapabilities } from '../channels/index.js';
import { blockedBy } from '../opt-outs.js';
import type { BotRow, ConnectionRow, OptOutCategory } from '../tables.js';

export type Category = 'service' | 'utility' | 'marketing' | 'authentication';
export type PlanFailure = { code: 'OUTSIDE_WINDOW' | 'OPTED_OUT' | 'NO_CHANNEL_AVAILABLE' | 'MESSAGE_CONTENT_INVALID'; message: string };
export type Plan = { ok: true; content: OutboundContent; businessInitiated: boolean; candidates: ConnectionRow[] } | ({ ok: false } & PlanFailure);

/** A template the API named (name, language, params) made whole from the bot's own (category, body, Twilio SID). */
export function resolveTemplate(bot: Pick<BotRow, 'templates'>, t: { name: string; language: string; params?: string[] | undefined }): TemplateRef | undefined {
  const known = bot.templates.find((k) => k.name === t.name && k.language === t.language);
  if (!known) return undefined;
  return { name: known.name, language: known.language, category: known.category, params: t.params ?? [], body: known.body, twilioContentSid: known.twilio_content_sid };
}

export function planSend(input: {
  bot: Pick<BotRow, 'templates' | 'windowTemplate'>;
  content: OutboundContent;
  category: Category;
  windowOpen: boolean;
  optOuts: OptOutCategory[];
  connections: { row: ConnectionRow; caps: ChannelCapabilities | undefined }[];
}): Plan {
  let content = input.content;
  if (!input.windowOpen && content.type !== 'template') {
    const wt = input.bot.windowTemplate ? input.bot.templates.find((t) => t.name === input.bot.windowTemplate) : undefined;
    if (content.type === 'text' && wt) {
      content = { type: 'template', template: { name: wt.name, language: wt.language, category: wt.category, params: [content.text.replace(/[\n\t]+/g, ' ').replace(/ {5,}/g, '    ')], body: wt.body, twilioContentSid: wt.twilio_content_sid } };
    } else {
      return { ok: false, code: 'OUTSIDE_WINDOW', message: 'More than 24 hours since the contact’s last message (or none): only a template may be sent, and the bot has no window_template for a text.' };
    }
  }
  const businessInitiated = !input.windowOpen || input.category === 'marketing';
  const category = content.type === 'template' && input.category === 'service' ? content.template.category : input.category;
  if (businessInitiated && blockedBy(input.optOuts, category)) return { ok: false, code: 'OPTED_OUT', message: `The contact opted out of ${category} messages.` };
  const candidates = input.connections
    .filter((c) => c.row.enabled && c.caps)
    .filter((c) => !(businessInitiated || category === 'marketing') || c.caps!.official)
    .filter((c) => content.type !== 'template' || c.caps!.templates)
    // Twilio sends a template by its Content SID: without one for this template it cannot (another connection may).
    .filter((c) => content.type !== 'template' || c.row.provider !== 'twilio' || content.template.twilioContentSid)
    .map((c) => c.row);
  if (candidates.length === 0) {
    return { ok: false, code: 'NO_CHANNEL_AVAILABLE', message: businessInitiated ? 'No enabled official connection may carry a business-initiated or marketing message (unofficial connections never do).' : 'The bot has no enabled connection that can carry this message.' };
  }
  return { ok: true, content, businessInitiated, candidates };
}
