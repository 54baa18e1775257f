/**
 * The try-on dialog: onboarding (once) → consent + photo → pre-check → garments → progress (SSE)
 * → result. One view at a time, rendered into a focus-trapped modal inside the shadow root.
 */
import { ApiError, type Api, type PhotoCheck, type Tryon, type WidgetConfig } from './api.js';
import { h, trapFocus, type Child } from './dom.js';
import { retentionKey, type Key, type Lang, type T } from './i18n.js';
import { PhotoError, preparePhoto } from './image.js';
import { garmentRef, type Product } from './products.js';
import { createColour } from './colour.js';
import { createStylePath } from './style-path.js';
import { store, type Colours } from './store.js';
import type { Emit } from './events.js';

export type PanelDeps = { root: ShadowRoot; api: Api; cfg: WidgetConfig; t: T; lang: Lang; products: Product[]; left: boolean; onColours: (c: Colours | null) => void; emit: Emit };
/** `code`: the API's error code (or the widget's message key), reported by the `error` event. */
type Fail = { message: Key; tip: Key; retry?: () => void; code?: string };

export function createPanel(d: PanelDeps) {
  const { root, api, cfg, t, lang } = d;
  const colour = createColour(api, t, lang);
  let backdrop: HTMLElement | undefined;
  let title: HTMLElement;
  let body: HTMLElement;
  let live: HTMLElement;
  let opener: HTMLElement | null = null;
  let mode: 'tryon' | 'colours' = 'tryon';
  let product: Product;
  let second: Product | null = null;
  let running: AbortController | undefined;
  let note: string | undefined;
  /** Pre-check warnings (the photo is usable): shown as tips above the garments. */
  let warnings: PhotoCheck['issues'] = [];
  const track = (type: string, fields: { tryon_id?: string; properties?: Record<string, unknown> } = {}) =>
    api.events.track(type, { ...(product?.productId ? { product_id: product.productId } : {}), ...fields });

  function open(p: Product, from: HTMLElement | null) {
    product = p;
    second = null;
    opener = from;
    note = undefined;
    if (!backdrop) mount();
    title.textContent = t('dialogTitle');
    mode = 'tryon';
    track('opened');
    d.emit('open', { view: 'tryon', product_id: p.productId ?? null });
    if (!store.get('onboarded', 'local')) onboarding();
    else photoStep();
  }

  const stylePath = createStylePath(api, t, lang, {
    view: (title, ...children) => view(title, ...children),
    button: (...a) => button(...a),
    busy: (label) => busy(label),
    close: () => close(),
    changed: d.onColours,
    emit: d.emit,
    track: (type, properties) => api.events.track(type, properties ? { properties } : {}),
    retention: t(retentionKey(cfg.retention)),
    retentionCode: cfg.retention,
    store: cfg.tenant.name,
  });

  /** "Find my colours" (a page's style button, or window.Probador.findColours()). */
  function openColours(from: HTMLElement | null) {
    opener = from;
    if (!backdrop) mount();
    title.textContent = t('cDialog');
    mode = 'colours';
    api.events.track('colours_opened');
    d.emit('open', { view: 'colours', product_id: null });
    stylePath.start();
  }

  function close() {
    running?.abort();
    const was = backdrop;
    backdrop?.remove();
    backdrop = undefined;
    api.events.flush();
    if (!was) return;
    opener?.focus();
    d.emit('close', { view: mode });
  }

  function mount() {
    const logo = cfg.theme.logo_url?.startsWith('https://') ? h('img', { src: cfg.theme.logo_url, alt: cfg.tenant.name }) : null;
    body = h('div', { class: 'body' });
    live = h('div', { class: 'sr', role: 'status', 'aria-live': 'polite' });
    const panel = h(
      'div',
      { class: 'panel', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'pb-title', lang },
      h('header', null, logo, (title = h('h2', { id: 'pb-title' }, t('dialogTitle'))), h('button', { class: 'x', type: 'button', 'aria-label': t('close'), onclick: close }, '×')),
      body,
      live,
      h('footer', null, `${cfg.tenant.name} · ${t('poweredBy')}`),
    );
    backdrop = h('div', {
      class: `backdrop root${d.left ? ' left' : ''}`,
      onclick: (e: Event) => e.target === backdrop && close(),
      onkeydown: (e: KeyboardEvent) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          close();
        } else trapFocus(root, panel, e);
      },
    }, panel);
    root.append(backdrop);
  }

  /** Replaces the view; focuses the element marked autofocus (else the heading) and announces the heading. */
  function view(title: string, ...children: Child[]) {
    const heading = h('h3', { tabindex: '-1' }, title);
    body.replaceChildren(heading, ...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
    live.textContent = title;
    const target = body.querySelector<HTMLElement>('[data-autofocus]') ?? heading;
    target.focus();
  }

  const button = (label: string, onclick: () => void, cls = 'primary', extra: Record<string, unknown> = {}) => h('button', { type: 'button', class: cls, onclick, ...extra }, label);

  function onboarding() {
    view(
      t('onboardTitle'),
      h('ul', null, h('li', null, t('onboard1')), h('li', null, t('onboard2')), h('li', null, t('onboard3'))),
      button(t('onboardStart'), () => {
        store.set('onboarded', '1', 'local');
        photoStep();
      }, 'primary', { 'data-autofocus': true }),
    );
  }

  function photoStep() {
    const photo = store.photo();
    const notice = note ? h('p', { class: 'note', role: 'status' }, note) : null;
    note = undefined;
    if (photo) {
      view(
        t('previousPhoto'),
        notice,
        h('img', { class: 'thumb', src: photo.preview, alt: t('previousPhoto') }),
        h('div', { class: 'row' }, button(t('usePrevious'), () => pickStep(), 'primary', { 'data-autofocus': true }), button(t('useAnother'), () => photoInput(true), 'secondary')),
        button(t('deletePhoto'), () => void deletePhoto(), 'link'),
      );
      return;
    }
    photoInput(false);
  }

  function photoInput(replacing: boolean) {
    const retention = t(retentionKey(cfg.retention));
    const check = h('input', { type: 'checkbox', id: 'pb-consent', 'aria-describedby': 'pb-consent-text' });
    const file = h('input', { type: 'file', accept: 'image/*', hidden: true, tabindex: '-1', 'aria-hidden': 'true', 'data-input': 'file' });
    const camera = h('input', { type: 'file', accept: 'image/*', capture: 'user', hidden: true, tabindex: '-1', 'aria-hidden': 'true', 'data-input': 'camera' });
    const choose = button(t('choosePhoto'), () => file.click(), 'primary', { disabled: true });
    const take = button(t('takePhoto'), () => camera.click(), 'secondary', { disabled: true });
    const hint = h('p', { class: 'muted', id: 'pb-hint' }, t('consentNeeded'));
    check.addEventListener('change', () => {
      choose.disabled = take.disabled = !check.checked;
      hint.hidden = check.checked;
      if (check.checked) {
        track('consented', { properties: { retention: cfg.retention } });
        d.emit('consent', { purpose: 'tryon', retention: cfg.retention });
      }
    });
    const onFile = (input: HTMLInputElement) => () => {
      const f = input.files?.[0];
      input.value = '';
      if (f) void usePhoto(f, replacing);
    };
    file.addEventListener('change', onFile(file));
    camera.addEventListener('change', onFile(camera));
    view(
      t('consentTitle'),
      note ? h('p', { class: 'note' }, note) : null,
      h('div', { class: 'consent' }, h('p', { id: 'pb-consent-text' }, t('consentText', { store: cfg.tenant.name, retention })), h('label', { class: 'check' }, check, h('span', null, t('consentCheck')))),
      hint,
      h('div', { class: 'row' }, choose, take),
      file,
      camera,
    );
    note = undefined;
    check.setAttribute('data-autofocus', '');
    check.focus();
  }

  function busy(label: string) {
    view(label, h('div', { class: 'bar', role: 'progressbar', 'aria-label': label }, h('i')));
  }

  async function usePhoto(file: File, replacing: boolean) {
    busy(t('preparing'));
    let prepared: Awaited<ReturnType<typeof preparePhoto>>;
    try {
      prepared = await preparePhoto(file);
    } catch (e) {
      const kind = e instanceof PhotoError ? e.kind : 'not_image';
      track('precheck_failed', { properties: { reason: kind, where: 'browser' } });
      return fail({ message: kind === 'too_big' ? 'err_too_big' : 'err_not_image', tip: kind === 'too_big' ? 'tip_too_big' : 'tip_not_image', retry: () => photoInput(replacing) }, 'photo');
    }
    busy(t('uploading'));
    try {
      const old = store.photo();
      const up = await api.upload(prepared.upload, 'person', 'photo.jpg');
      if (replacing && old) void api.deleteUpload(old.uploadId).catch(() => undefined);
      // A colour analysis belongs to the photo it was made of.
      void colour.forget();
      store.setPhoto({ uploadId: up.id, preview: prepared.preview });
      track('uploaded', { properties: { width: up.width, height: up.height } });
      d.emit('upload', { purpose: 'tryon', upload_id: up.id, width: up.width, height: up.height });
    } catch (e) {
      if (e instanceof ApiError && ['UNSUPPORTED_IMAGE_TYPE', 'IMAGE_UNREADABLE', 'UNSUPPORTED_MEDIA_TYPE'].includes(e.problem.code)) {
        track('precheck_failed', { properties: { reason: e.problem.code, where: 'server' } });
      }
      return fail({ ...problemFail(e), retry: () => photoInput(replacing) }, 'photo');
    }
    busy(t('checking'));
    let check: PhotoCheck | undefined;
    try {
      check = await api.photoCheck(store.photo()!.uploadId, [product.category ?? 'tops']);
    } catch {
      check = undefined; // no pre-check on this server (or it failed): carry on, the try-on itself reports problems
    }
    if (check && !check.ok && check.issues.length) {
      track('precheck_failed', { properties: { reason: check.issues.map((i) => i.code).join(','), where: 'check' } });
      // A refused photo is not kept: erased on the server and forgotten here.
      void api.deleteUpload(store.photo()!.uploadId).catch(() => undefined);
      store.setPhoto(null);
      return checkFailed(check, prepared.preview);
    }
    warnings = check?.issues ?? [];
    pickStep();
  }

  const localized = (v: Record<string, string> | string | undefined): string => (typeof v === 'string' ? v : (v?.[lang] ?? v?.en ?? ''));

  function checkFailed(check: PhotoCheck, preview: string | undefined) {
    view(
      t('checkFailedTitle'),
      preview ? h('img', { class: 'thumb', src: preview, alt: t('consentTitle') }) : null,
      ...check.issues.map((i) => h('div', { class: 'alert', role: 'alert' }, h('strong', null, localized(i.message)), i.tip ? h('p', { class: 'tip' }, localized(i.tip)) : null)),
      button(t('tryAnother'), () => photoInput(true), 'primary', { 'data-autofocus': true }),
    );
  }

  function pickStep() {
    const photo = store.photo();
    const others = d.products.filter((p) => p !== product && p.image !== product.image);
    const tile = (p: Product, fixed: boolean) => {
      const b = h('button', { type: 'button', class: `garment${fixed ? ' fixed' : ''}`, 'aria-pressed': String(fixed || second === p), 'aria-label': p.name, disabled: fixed }, h('img', { src: p.image, alt: '' }), h('span', null, p.name));
      if (!fixed)
        b.addEventListener('click', () => {
          second = second === p ? null : p;
          for (const el of body.querySelectorAll('.extra .garment')) el.setAttribute('aria-pressed', 'false');
          b.setAttribute('aria-pressed', String(second === p));
        });
      return b;
    };
    view(
      t('pickTitle'),
      ...warnings.map((i) => h('p', { class: 'note' }, `${localized(i.message)} ${localized(i.tip)}`)),
      h('p', { class: 'muted' }, t('thisProduct')),
      h('div', { class: 'garments' }, tile(product, true)),
      others.length ? h('p', { class: 'muted', id: 'pb-second' }, t('addSecond')) : null,
      others.length ? h('div', { class: 'garments extra', role: 'group', 'aria-labelledby': 'pb-second' }, ...others.map((p) => tile(p, false))) : null,
      photo ? colour.optIn(photo) : null,
      button(t('start'), () => void generate(), 'primary', { 'data-autofocus': true }),
      button(t('back'), photoStep, 'link'),
    );
  }

  async function generate(retried = false) {
    const photo = store.photo();
    if (!photo) return photoStep();
    running?.abort();
    const ctl = new AbortController();
    running = ctl;
    const label = h('p', null, t('queued'));
    const pos = h('p', { class: 'muted' });
    view(
      t('progressTitle'),
      h('div', { class: 'bar', role: 'progressbar', 'aria-label': t('progressTitle') }, h('i')),
      label,
      pos,
      button(t('cancel'), () => {
        ctl.abort();
        if (current) void api.cancelTryon(current).catch(() => undefined);
        pickStep();
      }, 'secondary', { 'data-autofocus': true }),
    );
    let current: string | undefined;
    let usedStyle: string | undefined;
    try {
      const garments = await Promise.all([product, ...(second ? [second] : [])].map((g) => garmentRef(api, g)));
      const style = await colour.styleFor(photo);
      usedStyle = style && 'analysis_id' in style ? style.analysis_id : undefined;
      let tryon = await api.createTryon({ person: photo.uploadId, garments, ...(style ? { style } : {}) });
      current = tryon.id;
      if (!['succeeded', 'failed', 'canceled', 'expired'].includes(tryon.status)) tryon = await follow(tryon.id, ctl.signal, label, pos);
      if (ctl.signal.aborted) return;
      if (tryon.status !== 'succeeded' || !tryon.result) return fail({ message: 'err_failed', tip: 'tip_failed', retry: () => void generate() });
      track('generated', { tryon_id: tryon.id });
      d.emit('result', { tryon_id: tryon.id, result_url: tryon.result.url, product_id: product.productId ?? null, second_product_id: second?.productId ?? null });
      result(tryon, photo.preview);
    } catch (e) {
      if (ctl.signal.aborted) return;
      if (e instanceof ApiError && (e.problem.code === 'STYLE_ANALYSIS_NOT_FOUND' || e.problem.code === 'STYLE_ANALYSIS_NO_COLOR')) {
        // The colour analysis is gone (retention, another tab): try on without the badge.
        void colour.forget();
        if (usedStyle && usedStyle === store.colours()?.id) {
          store.setColours(null);
          d.onColours(null);
        }
        return generate(retried);
      }
      if (e instanceof ApiError && e.problem.code === 'PHOTO_REJECTED' && e.problem.issues?.length) {
        // The store's pre-check refused the photo at try-on time: its tips, and another photo.
        track('precheck_failed', { properties: { reason: e.problem.issues.map((i) => i.code).join(','), where: 'tryon' } });
        const preview = photo.preview;
        void api.deleteUpload(photo.uploadId).catch(() => undefined);
        store.setPhoto(null);
        void colour.forget();
        return checkFailed({ ok: false, issues: e.problem.issues }, preview);
      }
      if (e instanceof ApiError && (e.problem.code === 'UPLOAD_NOT_FOUND' || e.problem.code === 'UPLOAD_GONE')) {
        // The photo or a stored garment expired (retention): garments are uploaded again; a gone photo is asked for again.
        for (const g of [product, second]) if (g) store.set(`garment:${g.image}`, null);
        const photoAlive = await api.getUpload(photo.uploadId).then(() => true, () => false);
        if (photoAlive && !retried) return generate(true);
        store.setPhoto(null);
        void colour.forget();
        return fail({ message: 'err_expired', tip: 'tip_expired', retry: photoStep });
      }
      fail({ ...problemFail(e), retry: () => void generate() });
    }
  }

  /** Follows the try-on's Server-Sent Events; falls back to polling if the stream breaks. */
  async function follow(id: string, signal: AbortSignal, label: HTMLElement, pos: HTMLElement): Promise<Tryon> {
    let final: Tryon | undefined;
    const show = (s: { status: string; stage?: string | null; queue_position?: number }) => {
      const stageKey = `stage_${s.stage ?? ''}` as Key;
      const text = s.status === 'queued' ? t('queued') : s.stage && stageKey in STAGES ? t(stageKey) : s.stage?.startsWith('provider_') ? t('stage_provider_running') : t('working');
      if (label.textContent !== text) {
        label.textContent = text;
        live.textContent = text;
      }
      pos.textContent = s.status === 'queued' && typeof s.queue_position === 'number' ? t('queuePos', { n: s.queue_position + 1 }) : '';
    };
    try {
      await api.stream(`/v1/tryons/${encodeURIComponent(id)}/events`, (event, data) => {
        if (event === 'status') show(data as { status: string });
        if (event === 'tryon') final = data as Tryon;
      }, signal);
    } catch {
      if (signal.aborted) throw new Error('aborted');
    }
    while (!final || !['succeeded', 'failed', 'canceled', 'expired'].includes(final.status)) {
      if (signal.aborted) throw new Error('aborted');
      if (final) {
        show(final);
        await new Promise((r) => setTimeout(r, 1000));
      }
      final = await api.getTryon(id);
    }
    return final;
  }

  function result(tryon: Tryon, before: string) {
    const res = tryon.result!;
    const after = h('img', { src: res.url, alt: t('after'), width: res.width, height: res.height });
    after.addEventListener('load', () => track('viewed', { tryon_id: tryon.id }), { once: true });
    const compare = h('div', { class: 'compare' }, after, h('img', { class: 'before', src: before, alt: t('before') }), h('span', { class: 'divider' }), h('span', { class: 'tag b' }, t('before')), h('span', { class: 'tag a' }, t('after')));
    const slider = h('input', { type: 'range', min: '0', max: '100', value: '50', 'aria-label': t('compare') });
    slider.addEventListener('input', () => compare.style.setProperty('--split', `${slider.value}%`));
    const status = h('p', { class: 'muted', role: 'status' });
    const cart = button(t('addToCart'), () => {
      const detail = { product_id: product.productId ?? null, garment: product.image, second_product_id: second?.productId ?? null, tryon_id: tryon.id, result_url: res.url };
      d.emit('add-to-cart', detail, product.el);
      track('added_to_cart', { tryon_id: tryon.id });
      status.textContent = t('addedToCart');
    }, 'primary', { 'data-autofocus': true });
    view(
      t('resultTitle'),
      compare,
      slider,
      colour.badges(tryon, [product.name, second?.name ?? '']),
      cart,
      h('div', { class: 'row' }, button(t('download'), () => void download(res.url, tryon.id, status), 'secondary'), button(t('share'), () => void share(res.url, tryon.id, status), 'secondary')),
      status,
      h('div', { class: 'row' }, button(t('retry'), pickStep, 'link'), button(t('deletePhoto'), () => void deletePhoto(), 'link')),
    );
  }

  async function download(url: string, id: string, status: HTMLElement) {
    const a = h('a', { download: `tryon-${id}.jpg`, hidden: true });
    try {
      const blob = await (await fetch(url, { mode: 'cors', credentials: 'omit' })).blob();
      a.href = URL.createObjectURL(blob);
      a.download = `tryon-${id}.${blob.type === 'image/png' ? 'png' : blob.type === 'image/webp' ? 'webp' : 'jpg'}`;
    } catch {
      a.href = url; // cross-origin without CORS: the browser opens it instead
      a.target = '_blank';
      a.rel = 'noopener';
    }
    root.append(a);
    a.click();
    a.remove();
    setTimeout(() => a.href.startsWith('blob:') && URL.revokeObjectURL(a.href), 10_000);
    track('downloaded', { tryon_id: id });
    status.textContent = '';
  }

  async function share(url: string, id: string, status: HTMLElement) {
    const canShare = typeof (navigator as { share?: unknown }).share === 'function';
    try {
      if (canShare) await navigator.share({ title: cfg.tenant.name, url });
      else {
        await navigator.clipboard.writeText(url);
        status.textContent = t('linkCopied');
      }
      track('shared', { tryon_id: id, properties: { via: canShare ? 'share' : 'clipboard' } });
    } catch {
      status.replaceChildren(h('a', { href: url, target: '_blank', rel: 'noopener' }, url));
    }
  }

  async function deletePhoto() {
    const photo = store.photo();
    if (photo) await api.deleteUpload(photo.uploadId).catch((e: unknown) => {
      if (!(e instanceof ApiError && e.problem.status === 404)) throw e;
    }).catch(() => undefined);
    store.setPhoto(null);
    await colour.forget();
    note = t('photoDeleted');
    live.textContent = note;
    photoInput(false);
  }

  function fail(f: Fail, step: 'photo' | 'tryon' = 'tryon') {
    d.emit('error', { step, code: f.code ?? f.message });
    view(
      t('errorTitle'),
      h('div', { class: 'alert', role: 'alert' }, h('strong', null, t(f.message)), h('p', { class: 'tip' }, t(f.tip))),
      f.retry ? button(t('retry'), f.retry, 'primary', { 'data-autofocus': true }) : null,
    );
  }

  return { open, openColours, close, isOpen: () => Boolean(backdrop), destroy: () => {
    opener = null;
    close();
  } };
}

const STAGES: Partial<Record<Key, true>> = { stage_preparing: true, stage_generating: true, stage_provider_queued: true, stage_provider_running: true, stage_saving: true };

export function problemFail(e: unknown): Fail {
  if (!(e instanceof ApiError)) return { message: 'err_failed', tip: 'tip_failed' };
  const { code, status } = e.problem;
  return { ...problemKeys(code, status), code };
}

function problemKeys(code: string, status: number): Fail {
  if (status === 0) return { message: 'err_network', tip: 'tip_network' };
  if (['UNSUPPORTED_IMAGE_TYPE', 'IMAGE_UNREADABLE', 'UNSUPPORTED_MEDIA_TYPE', 'INVALID_DATA_URL'].includes(code)) return { message: 'err_not_image', tip: 'tip_not_image' };
  if (['IMAGE_TOO_LARGE', 'IMAGE_TOO_MANY_PIXELS', 'BODY_TOO_LARGE'].includes(code)) return { message: 'err_too_big', tip: 'tip_too_big' };
  if (['RATE_LIMITED', 'QUOTA_EXCEEDED', 'OVERLOADED'].includes(code)) return { message: 'err_busy', tip: 'tip_busy' };
  if (['ORIGIN_NOT_ALLOWED', 'INVALID_API_KEY', 'API_KEY_REVOKED', 'API_KEY_EXPIRED', 'TENANT_INACTIVE'].includes(code)) return { message: 'err_refused', tip: 'tip_refused' };
  if (['FETCH_FAILED', 'FETCH_TIMEOUT', 'URL_NOT_ALLOWED', 'GARMENT_FETCH'].includes(code)) return { message: 'err_garment', tip: 'tip_garment' };
  return { message: 'err_failed', tip: 'tip_failed' };
}
