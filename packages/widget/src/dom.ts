/** A tiny element builder (no framework): h('button', { class: 'primary', onclick }, 'Text'). */
type Props = Record<string, unknown> | null;
export type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
    else if (k === 'class') el.className = String(v);
    else if (k in el && k !== 'list' && typeof v !== 'string') (el as unknown as Record<string, unknown>)[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

const FOCUSABLE = 'button:not([disabled]),input:not([disabled]):not([type=hidden]):not([tabindex="-1"]),a[href],[tabindex]:not([tabindex="-1"])';

/** Keeps Tab and Shift+Tab inside `box` (a dialog in a shadow root). */
export function trapFocus(root: ShadowRoot, box: HTMLElement, e: KeyboardEvent) {
  if (e.key !== 'Tab') return;
  const items = [...box.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.offsetParent !== null || el === root.activeElement);
  if (items.length === 0) return;
  const first = items[0]!;
  const last = items[items.length - 1]!;
  const active = root.activeElement;
  if (e.shiftKey && (active === first || !box.contains(active))) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && (active === last || !box.contains(active))) {
    e.preventDefault();
    first.focus();
  }
}

/**
 * Shares one constructed stylesheet across the widget's shadow roots, plus the tenant's theme
 * sheet. Constructed sheets are not inline styles, so a host page's strict CSP (no
 * 'unsafe-inline' styles) does not block them; a <style> element is the fallback.
 */
const sheets = new Map<string, CSSStyleSheet>();
export function adoptCss(root: ShadowRoot, ...texts: string[]) {
  const wanted = texts.filter(Boolean);
  try {
    root.adoptedStyleSheets = wanted.map((text) => {
      let sheet = sheets.get(text);
      if (!sheet) {
        sheet = new CSSStyleSheet();
        sheet.replaceSync(text);
        sheets.set(text, sheet);
      }
      return sheet;
    });
  } catch {
    root.querySelectorAll('style[data-probador]').forEach((el) => el.remove());
    root.prepend(...wanted.map((text) => h('style', { 'data-probador': '' }, text)));
  }
}

const HEX = /^#[0-9a-f]{6}$/i;

/** A colour swatch (`.sw`), painted through CSSOM (no inline style attribute: a strict CSP holds); a value that is not #rrggbb stays grey. */
export function swatch(hex: string, title?: string): HTMLSpanElement {
  const s = h('span', { class: 'sw', 'aria-hidden': 'true', title });
  if (HEX.test(hex)) s.style.setProperty('--c', hex);
  return s;
}
