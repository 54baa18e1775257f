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

/** Shares one stylesheet across the widget's shadow roots (falls back to a <style> element). */
export function adoptCss(root: ShadowRoot, css: string) {
  try {
    const sheet = (adoptCss as { sheet?: CSSStyleSheet }).sheet ?? new CSSStyleSheet();
    if (!(adoptCss as { sheet?: CSSStyleSheet }).sheet) {
      sheet.replaceSync(css);
      (adoptCss as { sheet?: CSSStyleSheet }).sheet = sheet;
    }
    root.adoptedStyleSheets = [sheet];
  } catch {
    root.append(h('style', null, css));
  }
}
