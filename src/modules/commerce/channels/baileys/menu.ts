/**
 * Numbered menus remembered per chat (outbound.ts sends buttons and lists as "1. …" text): when
 * the contact answers "2" (or the option's title), the text comes back as the `button_reply` /
 * `list_reply` the flow expects. Bounded: at most `max` chats per connection (least recently
 * used dropped) and each menu lives `ttlMs` (WhatsApp's 24 h window by default).
 */
import type { InboundContent } from '../types.js';
import type { MenuOption } from './outbound.js';

export class MenuMemory {
  private readonly menus = new Map<string, { options: MenuOption[]; at: number }>();
  constructor(
    private readonly max = 2000,
    private readonly ttlMs = 24 * 3600_000,
    private readonly now: () => number = Date.now,
  ) {}

  remember(jid: string, options: MenuOption[]): void {
    this.menus.delete(jid);
    this.menus.set(jid, { options, at: this.now() });
    while (this.menus.size > this.max) this.menus.delete(this.menus.keys().next().value!);
  }

  /** A text answer to the chat's last menu → the reply it stands for; other content unchanged. */
  resolve(jid: string | undefined, content: InboundContent): InboundContent {
    if (!jid || content.type !== 'text') return content;
    const m = this.menus.get(jid);
    if (!m) return content;
    if (this.now() - m.at > this.ttlMs) {
      this.menus.delete(jid);
      return content;
    }
    const answer = content.text.trim();
    const n = /^\d{1,2}\.?$/.test(answer) ? Number.parseInt(answer, 10) : NaN;
    const option = Number.isInteger(n) ? m.options[n - 1] : m.options.find((o) => o.title.trim().toLowerCase() === answer.toLowerCase());
    if (!option) return content;
    this.menus.delete(jid); // answered: a later "1" is just text
    return option.kind === 'list_reply'
      ? { type: 'list_reply', id: option.id, title: option.title, description: option.description }
      : { type: 'button_reply', id: option.id, title: option.title };
  }
}
