/**
 * Probador try-on widget. One tag on the store's page:
 *   <script src="https://probador.example/widget/v1/widget.js" data-key="pk_live_…" async></script>
 * Options (attributes of the tag): data-lang ("en" | "es"), data-api (API origin, default the
 * script's own), data-launcher="false" (no floating button).
 * Products: any element with data-probador-garment="<image URL>" (+ data-category, data-product-id,
 * data-name) gets a "Try it on" button (a <button> carrying the attributes is used as it is).
 * Events on the product element (bubbling to document): `probador:add-to-cart` with
 * { product_id, tryon_id, result_url, … }. API: window.Probador.open(el?) / .close() / .findColours().
 * "Find my colours": any element with data-probador-style gets a button that opens it (a <button>
 * carrying the attribute is used as it is). While the shopper's colours are known, each product
 * with a data-product-id in the store's catalog gets a colour badge (and the attribute
 * data-probador-verdict = flatters | neutral | avoid), and `probador:colours` fires on document
 * with { analysis_id, season, season_name, best, products: [{ product_id, verdict }] } (null when forgotten).
 */
import { ApiError, createApi, sessionId, type WidgetConfig } from './api.js';
import { adoptCss, h } from './dom.js';
import { pickLang, translator } from './i18n.js';
import { createPanel } from './panel.js';
import { findProducts, readProduct, type Product } from './products.js';
import { store, type Colours } from './store.js';
import { css } from './styles.js';

type ProbadorGlobal = { open: (el?: HTMLElement) => void; close: () => void; findColours: () => void; state: string; version: string };
declare global {
  interface Window {
    Probador?: ProbadorGlobal;
  }
}

const COLOR = /^#[0-9a-f]{3,8}$|^rgb\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\)$/i;

function currentScript(): HTMLScriptElement | null {
  return (document.currentScript as HTMLScriptElement | null) ?? document.querySelector<HTMLScriptElement>('script[data-key][src*="widget"]');
}

async function boot(script: HTMLScriptElement) {
  const key = script.dataset.key ?? '';
  const api = createApi(script.dataset.api ?? new URL(script.src, location.href).origin, key, sessionId());
  const host = h('div', { 'data-probador-widget': '', 'data-state': 'loading' });
  const root = host.attachShadow({ mode: 'open' });
  adoptCss(root, css);
  document.body.append(host);
  const global: ProbadorGlobal = { open: () => undefined, close: () => undefined, findColours: () => undefined, state: 'loading', version: '1' };
  window.Probador = global;
  const setState = (s: string) => {
    global.state = s;
    host.setAttribute('data-state', s);
    document.dispatchEvent(new CustomEvent('probador:state', { detail: { state: s } }));
  };

  let cfg: WidgetConfig;
  try {
    if (!/^pk_(live|test)_/.test(key)) throw new ApiError({ status: 401, code: 'INVALID_API_KEY' });
    cfg = await api.config();
  } catch (e) {
    const code = e instanceof ApiError ? e.problem.code : 'NETWORK';
    // Refused (origin not allowed, bad key) or unreachable: show nothing on the page.
    console.warn(`[probador] try-on is unavailable on this page (${code === 'NETWORK' ? 'the service refused this origin or could not be reached' : code}).`);
    setState('unavailable');
    return;
  }

  const theme = cfg.theme;
  const lang = pickLang(script.dataset.lang, theme.language, document.documentElement.lang, navigator.language);
  const t = translator(lang);
  const w = cfg.widget;
  // Checked again here: a colour reaches CSS only if it looks like one.
  const vars: string[] = [];
  if (COLOR.test(theme.primary_color)) vars.push(`--pb:${theme.primary_color}`);
  if (COLOR.test(theme.text_color)) vars.push(`--pb-text:${theme.text_color}`);
  const themed = vars.length ? `:host{${vars.map((v) => `${v}!important`).join(';')}}` : '';
  if (themed) adoptCss(root, css, themed);
  const left = theme.position === 'bottom-left';

  const products = findProducts();
  /** The colour badge beside each product's button (in its own shadow root). */
  const verdictOf = new Map<Product, HTMLElement>();
  let shown = 0;
  async function onColours(c: Colours | null) {
    const mark = ++shown;
    const ids = [...new Set(products.map((p) => p.productId).filter((x): x is string => Boolean(x)))];
    let matches: { product_id: string; verdict: 'flatters' | 'neutral' | 'avoid' }[] = [];
    if (c && ids.length) {
      try {
        matches = (await api.productMatches(c.id, ids)).data;
      } catch (e) {
        // Gone (retention, erased elsewhere): forgotten here too.
        if (e instanceof ApiError && e.problem.status === 404 && store.colours()?.id === c.id) store.setColours(null);
        if (e instanceof ApiError && e.problem.status === 404) c = null;
      }
    }
    if (mark !== shown) return;
    const byId = new Map(matches.map((m) => [m.product_id, m.verdict]));
    for (const p of products) {
      const v = c && p.productId ? byId.get(p.productId) : undefined;
      if (v) p.el?.setAttribute('data-probador-verdict', v);
      else p.el?.removeAttribute('data-probador-verdict');
      const badge = verdictOf.get(p);
      if (!badge) continue;
      badge.hidden = !v;
      badge.className = `vb ${v ?? ''}`;
      badge.textContent = v ? t(`fit_${v}`) : '';
    }
    const detail = c ? { analysis_id: c.id, season: c.color.palette.season, season_name: c.color.palette.name, best: c.color.palette.best.map((x) => x.hex), products: matches } : null;
    document.dispatchEvent(new CustomEvent('probador:colours', { detail }));
  }
  const panel = createPanel({ root, api, cfg, t, lang, products, left, onColours: (c) => void onColours(c) });
  const openFor = (p: Product | undefined, from: HTMLElement | null) => p && panel.open(p, from);

  for (const p of products) {
    const el = p.el!;
    if (el.tagName === 'BUTTON') {
      el.addEventListener('click', () => openFor(readProduct(el) ?? p, el));
      continue;
    }
    // A small shadow host per product, so the page's CSS cannot reach the button either.
    const slot = h('span', { 'data-probador-button': '' });
    const sr = slot.attachShadow({ mode: 'open' });
    adoptCss(sr, css, themed);
    const b = h('button', { type: 'button', class: 'primary inline root', 'aria-haspopup': 'dialog' }, t('tryThis'));
    b.addEventListener('click', () => openFor(readProduct(el) ?? p, b));
    const badge = h('span', { class: 'vb', hidden: true });
    verdictOf.set(p, badge);
    sr.append(b, badge);
    el.append(slot);
  }
  for (const el of document.querySelectorAll<HTMLElement>('[data-probador-style]')) {
    if (el.tagName === 'BUTTON') {
      el.addEventListener('click', () => panel.openColours(el));
      continue;
    }
    const slot = h('span', { 'data-probador-button': '' });
    const sr = slot.attachShadow({ mode: 'open' });
    adoptCss(sr, css, themed);
    const b = h('button', { type: 'button', class: 'primary inline root', 'aria-haspopup': 'dialog' }, t('cFind'));
    b.addEventListener('click', () => panel.openColours(b));
    sr.append(b);
    el.append(slot);
  }
  if (products.length && script.dataset.launcher !== 'false' && w.launcher !== false) {
    const main = products.find((p) => p.el?.hasAttribute('data-primary')) ?? products[0];
    const launcher = h('button', { type: 'button', class: `launcher primary root${left ? ' left' : ''}`, 'aria-haspopup': 'dialog', 'aria-label': `${t('launcher')} – ${main?.name ?? ''}` }, t('launcher'));
    launcher.addEventListener('click', () => openFor(main, launcher));
    root.append(launcher);
  }
  global.open = (el?: HTMLElement) => openFor((el && readProduct(el)) || products[0], null);
  global.close = () => panel.close();
  global.findColours = () => panel.openColours(null);
  setState('ready');
  const kept = store.colours();
  if (kept) void onColours(kept);
}

const script = currentScript();
if (script && !window.Probador) {
  const go = () => void boot(script);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', go, { once: true });
  else go();
}
