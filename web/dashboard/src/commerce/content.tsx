/**
 * A message's content as a chat bubble shows it: text, media, buttons, lists, products,
 * templates, a shopper's button/list reply, a cart (order), a location — and its delivery status
 * (sent ✓, delivered ✓✓, read ✓✓ in blue, failed with its reason).
 */
import type { Message } from './types';

type C = Record<string, unknown>;
const s = (v: unknown) => (typeof v === 'string' ? v : '');

export function ContentView(props: { content: C; media?: Message['media'] }) {
  const c = props.content;
  switch (c.type) {
    case 'text':
      return <div class="text">{s(c.text)}</div>;
    case 'media': {
      const m = (c.media ?? {}) as C;
      const url = props.media?.url ?? s(m.url);
      return (
        <div class="text">
          {s(m.kind) === 'image' && url ? <img class="bubble-img" src={url} alt={s(m.caption) || 'image'} /> : <span class="chip">{s(m.kind) || 'media'}</span>}
          {url && s(m.kind) !== 'image' && (
            <a href={url} target="_blank" rel="noopener">
              {' '}
              open
            </a>
          )}
          {s(m.caption) && <div>{s(m.caption)}</div>}
        </div>
      );
    }
    case 'buttons':
      return (
        <div class="text">
          {s(c.header) && <strong>{s(c.header)}</strong>}
          <div>{s(c.body)}</div>
          <div class="chips">
            {((c.buttons ?? []) as C[]).map((b) => (
              <span class="chip">{s(b.title)}</span>
            ))}
          </div>
        </div>
      );
    case 'list':
      return (
        <div class="text">
          <div>{s(c.body)}</div>
          <span class="chip">☰ {s(c.button)}</span>
        </div>
      );
    case 'cta_url':
      return (
        <div class="text">
          <div>{s(c.body)}</div>
          <a class="chip" href={s(c.url)} target="_blank" rel="noopener">
            {s(c.displayText)} ↗
          </a>
        </div>
      );
    case 'product':
    case 'product_list':
      return (
        <div class="text">
          <span class="chip">🛍 {c.type === 'product' ? `product ${s(c.productRetailerId)}` : s(c.header) || 'products'}</span>
          {s(c.body) && <div>{s(c.body)}</div>}
        </div>
      );
    case 'template': {
      const t = (c.template ?? {}) as C;
      return (
        <div class="text">
          <span class="chip">template {s(t.name)}</span> {((t.params ?? []) as string[]).join(' · ')}
        </div>
      );
    }
    case 'button_reply':
    case 'list_reply':
      return (
        <div class="text">
          <span class="chip">↩ {s(c.title)}</span>
        </div>
      );
    case 'order': {
      const items = (c.items ?? []) as C[];
      return (
        <div class="text">
          <strong>🛒 Cart · {items.length} {items.length === 1 ? 'item' : 'items'}</strong>
          <ul class="cart">
            {items.map((i) => (
              <li>
                {String(i.quantity)} × {s(i.productRetailerId) || s(i.product_retailer_id)}
              </li>
            ))}
          </ul>
          {s(c.text) && <div>{s(c.text)}</div>}
        </div>
      );
    }
    case 'location':
      return <div class="text">📍 {s(c.name) || `${String(c.latitude)}, ${String(c.longitude)}`}</div>;
    default:
      return <div class="text muted">({s(c.type) || 'message'}{s(c.providerType) ? `: ${s(c.providerType)}` : ''})</div>;
  }
}

const TICKS: Record<string, string> = { queued: '🕓', sent: '✓', delivered: '✓✓', read: '✓✓', failed: '⚠', received: '' };

export function StatusMark(props: { m: Message }) {
  const m = props.m;
  if (m.direction === 'in') return null;
  const reason = m.error ? `${m.error.code}${m.error.reason ? `: ${m.error.reason}` : ''}` : '';
  return (
    <span class={`status ${m.status}`} data-status={m.status} title={reason || m.status}>
      <span aria-hidden="true">{TICKS[m.status] ?? ''}</span> {m.status}
      {m.status === 'failed' && reason && <span class="fail-reason"> — {reason}</span>}
    </span>
  );
}

/** A one-line preview of a content (for lists). */
export function preview(c: C): string {
  if (c.type === 'text') return s(c.text);
  if (c.type === 'media') return `[${s((c.media as C | undefined)?.kind) || 'media'}] ${s((c.media as C | undefined)?.caption)}`;
  if (c.type === 'buttons' || c.type === 'list' || c.type === 'cta_url') return s(c.body);
  if (c.type === 'button_reply' || c.type === 'list_reply') return s(c.title);
  if (c.type === 'order') return '[cart]';
  if (c.type === 'template') return `[template ${s((c.template as C | undefined)?.name)}]`;
  return `[${s(c.type)}]`;
}
