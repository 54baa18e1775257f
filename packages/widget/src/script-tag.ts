/**
 * Probador try-on widget, the script-tag build (dist/widget.js, an IIFE the server serves). One tag
 * on the store's page:
 *   <script src="https://probador.example/widget/v1/widget.js" data-key="pk_live_…" async></script>
 * Options (attributes of the tag): data-lang ("en" | "es"), data-api (API origin, default the
 * script's own), data-launcher="false" (no floating button).
 * Products: any element with data-probador-garment="<image URL>" (+ data-category, data-product-id,
 * data-name) gets a "Try it on" button (a <button> carrying the attributes is used as it is).
 * "Find my colours": any element with data-probador-style gets a button that opens it.
 * A thin wrapper over the ES module: the tag's attributes become mount(document.body, { …, scan:
 * true }), and its events are dispatched on the page: `probador:add-to-cart` bubbling from the
 * product element, the others (`probador:state`, `probador:colours`, `probador:consent`,
 * `probador:upload`, `probador:result`, `probador:open`, `probador:close`, `probador:error`) on
 * document. API: window.Probador.open(el?) / .close() / .findColours().
 */
import { mount } from './mount.js';
import type { Lang } from './i18n.js';
import type { WidgetHandle } from './types.js';

type ProbadorGlobal = { open: (el?: HTMLElement) => void; close: () => void; findColours: () => void; state: string; version: string };
declare global {
  interface Window {
    Probador?: ProbadorGlobal;
  }
}

function currentScript(): HTMLScriptElement | null {
  return (document.currentScript as HTMLScriptElement | null) ?? document.querySelector<HTMLScriptElement>('script[data-key][src*="widget"]');
}

function boot(script: HTMLScriptElement) {
  const lang = script.dataset.lang === 'en' || script.dataset.lang === 'es' ? (script.dataset.lang as Lang) : undefined;
  const global: ProbadorGlobal = { open: () => undefined, close: () => undefined, findColours: () => undefined, state: 'loading', version: '1' };
  window.Probador = global;
  const handle = mount(
    document.body,
    { key: script.dataset.key ?? '', api: script.dataset.api ?? new URL(script.src, location.href).origin, ...(lang ? { lang } : {}), scan: true, launcher: script.dataset.launcher !== 'false' },
    {
      relay: (type, detail, el) => {
        if (type === 'state') global.state = (detail as { state: string }).state;
        (type === 'add-to-cart' && el ? el : document).dispatchEvent(new CustomEvent(`probador:${type}`, { bubbles: true, composed: true, detail }));
      },
    },
  ) as WidgetHandle & { openElement(el: HTMLElement): void };
  global.open = (el?: HTMLElement) => (el ? handle.openElement(el) : handle.open());
  global.close = () => handle.close();
  global.findColours = () => handle.findColours();
}

const script = currentScript();
if (script && !window.Probador) {
  const go = () => boot(script);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', go, { once: true });
  else go();
}
