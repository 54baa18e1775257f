/**
 * `mount(element, options)`: the widget on a page, without globals. A shadow host inside `element`
 * holds the "Try it on" button for `options.product` (with its colour badge), an optional "Find my
 * colours" button and floating launcher, and the dialog. With `scan`, products and style buttons
 * marked with data attributes anywhere in the page get their buttons too (the script tag's way).
 * Returns a handle: open / close / findColours / update / destroy and typed events (`on`).
 */
import { ApiError, createApi, sessionId, type AccountColours, type Api, type WidgetConfig } from './api.js';
import { adoptCss, h } from './dom.js';
import { createEmitter, type Relay } from './events.js';
import { pickLang, translator } from './i18n.js';
import { createPanel } from './panel.js';
import { findProducts, readProduct, type Product } from './products.js';
import { store, type Colours } from './store.js';
import { css } from './styles.js';
import type { Verdict, WidgetHandle, WidgetOptions, WidgetProduct, WidgetState } from './types.js';

const COLOR = /^#[0-9a-f]{3,8}$|^rgb\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\)$/i;
const CATEGORIES = new Set(['auto', 'tops', 'bottoms', 'one-pieces']);

/** A product given in options, as the panel knows products (`el`: the element it belongs to, if any). */
function toProduct(p: WidgetProduct, el: HTMLElement | null): Product {
  return {
    el,
    image: new URL(p.image, document.baseURI).href,
    category: p.category && CATEGORIES.has(p.category) ? p.category : undefined,
    productId: p.id || undefined,
    name: p.name ?? p.id ?? 'Product',
  };
}

/** An account's colours as the widget holds them (null: nothing yet). */
function fromAccount(a: AccountColours): Colours | null {
  if (a.source === 'none' || !a.season || !a.palette) return null;
  // The chosen season's palette; the fused answer's confidence and margin when there is one (a choice is certain).
  const color = { ...(a.color ?? {}), season12: { season: a.season, confidence: a.source === 'chosen' ? 1 : (a.color?.season12.confidence ?? 1) }, margin: a.color?.margin ?? 1, palette: a.palette };
  return { id: a.source === 'single' ? (a.from[0] ?? null) : null, source: 'account', color, face: null, account: true };
}

/** Internal: the script tag relays every event as a DOM event. */
export type MountHooks = { relay?: Relay };

export function mount(element: HTMLElement, options: WidgetOptions, hooks: MountHooks = {}): WidgetHandle {
  if (!(element instanceof HTMLElement)) throw new TypeError('mount(element, options): element must be an HTMLElement');
  let opts: WidgetOptions = { ...options };
  const events = createEmitter(hooks.relay);
  const host = h('div', { 'data-probador-widget': '', 'data-state': 'loading' });
  const root = host.attachShadow({ mode: 'open' });
  adoptCss(root, css);
  element.append(host);

  let state: WidgetState = 'loading';
  let api: Api | undefined;
  let cfg: WidgetConfig | undefined;
  /** The rendered UI (buttons, panel), replaced on update. */
  let ui: ReturnType<typeof render> | undefined;
  /** Bumped on every (re)load: a config that answers after a newer load or destroy is ignored. */
  let generation = 0;
  let settle: (s: WidgetState) => void = () => undefined;
  let ready = new Promise<WidgetState>((r) => (settle = r));

  const setState = (s: WidgetState, reason?: string) => {
    state = s;
    host.setAttribute('data-state', s);
    events.emit('state', reason ? { state: s, reason } : { state: s });
    if (s !== 'loading') settle(s);
  };

  async function load() {
    const mine = ++generation;
    ui?.teardown();
    ui = undefined;
    api?.events.dispose();
    cfg = undefined;
    if (state !== 'loading') {
      ready = new Promise<WidgetState>((r) => (settle = r));
      setState('loading');
    }
    const key = opts.key ?? '';
    // Read on every call made for the shopper, so a later update({ userToken }) or a refreshing function is followed.
    const token = async () => {
      const tk = opts.userToken;
      const v = typeof tk === 'function' ? await tk() : tk;
      return v || null;
    };
    const a = (api = createApi(String(opts.api ?? '').replace(/\/+$/, ''), key, sessionId(), token));
    let config: WidgetConfig;
    await null; // events of this load reach listeners added right after mount() returned
    try {
      if (!/^pk_(live|test)_/.test(key)) throw new ApiError({ status: 401, code: 'INVALID_API_KEY' });
      if (!/^https?:\/\//.test(opts.api ?? '')) throw new ApiError({ status: 0, code: 'INVALID_API_ORIGIN' });
      config = await a.config();
    } catch (e) {
      if (mine !== generation) return;
      const code = e instanceof ApiError ? e.problem.code : 'NETWORK';
      // Refused (origin not allowed, bad key) or unreachable: show nothing on the page.
      console.warn(`[probador] try-on is unavailable on this page (${code === 'NETWORK' ? 'the service refused this origin or could not be reached' : code}).`);
      setState('unavailable', code);
      return;
    }
    if (mine !== generation) return;
    cfg = config;
    ui = render(a, config);
    setState('ready');
    ui.start();
  }

  /** Everything the widget shows for this config and these options; `teardown` removes it all. */
  function render(api: Api, cfg: WidgetConfig) {
    const theme = cfg.theme;
    const lang = pickLang(opts.lang, theme.language, document.documentElement.lang, navigator.language);
    const t = translator(lang);
    // Checked again here: a colour reaches CSS only if it looks like one.
    const vars: string[] = [];
    if (COLOR.test(theme.primary_color)) vars.push(`--pb:${theme.primary_color}`);
    if (COLOR.test(theme.text_color)) vars.push(`--pb-text:${theme.text_color}`);
    const themed = vars.length ? `:host{${vars.map((v) => `${v}!important`).join(';')}}` : '';
    adoptCss(root, css, themed);
    const left = theme.position === 'bottom-left';
    const signedIn = Boolean(opts.userToken);
    store.useAccount(signedIn);
    const cleanups: Array<() => void> = [];
    const listen = (el: HTMLElement, fn: () => void) => {
      el.addEventListener('click', fn);
      cleanups.push(() => el.removeEventListener('click', fn));
    };

    const own = opts.product ? toProduct(opts.product, element) : undefined;
    const products = [...(own ? [own] : []), ...(opts.products ?? []).map((p) => toProduct(p, null)), ...(opts.scan ? findProducts() : [])];
    /** The colour badge beside each product's button. */
    const verdictOf = new Map<Product, HTMLElement>();
    let shown = 0;
    let live = true;
    async function onColours(c: Colours | null) {
      const mark = ++shown;
      const ids = [...new Set(products.map((p) => p.productId).filter((x): x is string => Boolean(x)))];
      let matches: { product_id: string; verdict: Verdict }[] = [];
      if (c && ids.length) {
        try {
          // A signed-in shopper's colours by season (their analyses are not the widget session's).
          matches = (await api.productMatches(c.id && !c.account ? { analysis_id: c.id } : { season: c.color.palette.season }, ids)).data;
        } catch (e) {
          // Gone (retention, erased elsewhere): forgotten here too.
          if (e instanceof ApiError && e.problem.status === 404 && store.colours()?.id === c.id) store.setColours(null);
          if (e instanceof ApiError && e.problem.status === 404) c = null;
        }
      }
      if (mark !== shown || !live) return;
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
      events.emit('colours', c ? { analysis_id: c.id, season: c.color.palette.season, season_name: c.color.palette.name, best: c.color.palette.best.map((x) => x.hex), from: c.account ? 'account' : 'browser', products: matches } : null);
    }
    const panel = createPanel({ root, api, cfg, t, lang, products, left, onColours: (c) => void onColours(c), emit: events.emit });
    const openFor = (p: Product | undefined, from: HTMLElement | null) => p && panel.open(p, from);

    /** A button in its own small shadow root inside a page element (the page's CSS cannot reach it). */
    const slotted = (el: HTMLElement, ...children: HTMLElement[]) => {
      const slot = h('span', { 'data-probador-button': '' });
      const sr = slot.attachShadow({ mode: 'open' });
      adoptCss(sr, css, themed);
      sr.append(...children);
      el.append(slot);
      cleanups.push(() => slot.remove());
    };
    const tryButton = (p: Product, into: (b: HTMLElement, badge: HTMLElement) => void) => {
      const b = h('button', { type: 'button', class: 'primary inline root', 'aria-haspopup': 'dialog' }, t('tryThis'));
      listen(b, () => openFor((p.el && p.el !== element && readProduct(p.el)) || p, b));
      const badge = h('span', { class: 'vb', hidden: true });
      verdictOf.set(p, badge);
      into(b, badge);
    };
    const coloursButton = () => {
      const b = h('button', { type: 'button', class: 'primary inline root', 'aria-haspopup': 'dialog' }, t('cFind'));
      listen(b, () => panel.openColours(b));
      return b;
    };

    // Inside the mount element's own shadow root: the product's button and the colours button.
    const inline: HTMLElement[] = [];
    if (own && opts.tryButton !== false) tryButton(own, (b, badge) => inline.push(b, badge));
    if (opts.coloursButton) inline.push(coloursButton());
    // Products and style buttons marked up in the page.
    for (const p of products) {
      const el = p.el;
      if (!el || el === element) continue;
      if (el.tagName === 'BUTTON') {
        listen(el, () => openFor(readProduct(el) ?? p, el));
        continue;
      }
      tryButton(p, (b, badge) => slotted(el, b, badge));
    }
    if (opts.scan) {
      for (const el of document.querySelectorAll<HTMLElement>('[data-probador-style]')) {
        if (el.tagName === 'BUTTON') listen(el, () => panel.openColours(el));
        else slotted(el, coloursButton());
      }
    }
    if (products.length && opts.launcher && cfg.widget.launcher !== false) {
      const main = products.find((p) => p.el?.hasAttribute('data-primary')) ?? products[0];
      const launcher = h('button', { type: 'button', class: `launcher primary root${left ? ' left' : ''}`, 'aria-haspopup': 'dialog', 'aria-label': `${t('launcher')} – ${main?.name ?? ''}` }, t('launcher'));
      listen(launcher, () => openFor(main, launcher));
      inline.push(launcher);
    }
    root.append(...inline);
    cleanups.push(() => inline.forEach((el) => el.remove()));

    return {
      open: (p?: WidgetProduct) => openFor(p ? toProduct(p, null) : products[0], null),
      openElement: (el: HTMLElement) => openFor(readProduct(el) ?? products[0], null),
      close: () => panel.close(),
      findColours: () => panel.openColours(null),
      start() {
        if (!signedIn) {
          const kept = store.colours();
          if (kept) void onColours(kept);
          return;
        }
        // Signed in: the shopper's colours come from their account, not this browser.
        void api.accountColours().then(
          (a) => {
            if (!live) return;
            const c = fromAccount(a);
            store.setColours(c);
            if (c) void onColours(store.colours());
          },
          () => undefined, // signed out or the token expired: nothing known yet
        );
      },
      teardown() {
        live = false;
        panel.destroy();
        for (const c of cleanups.splice(0)) c();
        for (const p of products) p.el?.removeAttribute('data-probador-verdict');
      },
    };
  }

  const handle: WidgetHandle & { openElement(el: HTMLElement): void } = {
    open: (p) => ui?.open(p),
    openElement: (el) => ui?.openElement(el),
    close: () => ui?.close(),
    findColours: () => ui?.findColours(),
    update(next) {
      if (state === 'destroyed') return;
      const reload = (next.key !== undefined && next.key !== opts.key) || (next.api !== undefined && next.api !== opts.api);
      opts = { ...opts, ...next };
      if (reload || !api || !cfg) return void load();
      ui?.teardown();
      ui = render(api, cfg);
      ui.start();
    },
    destroy() {
      if (state === 'destroyed') return;
      generation++;
      ui?.teardown();
      ui = undefined;
      api?.events.dispose();
      host.remove();
      setState('destroyed');
      events.clear();
    },
    on: (type, listener) => events.on(type, listener),
    get ready() {
      return ready;
    },
    get state() {
      return state;
    },
  };
  void load();
  return handle;
}
