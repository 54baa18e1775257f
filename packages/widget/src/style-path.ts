/**
 * "Find my colours": a selfie (face shape + colour season) or the quiz → the season, its palette
 * as swatches (best, neutrals, to avoid), metals, the face shape with its tips. The answer is kept
 * in this browser (localStorage) until the shopper forgets it; while kept, try-ons show whether a
 * garment's colour suits them and products on the page get a badge (index.ts). A selfie that
 * cannot be read says why, with its tips, and offers another selfie or the quiz. A shopper unsure
 * of a selfie's answer (two seasons close) can refine it with the quiz (the two are fused).
 * A signed-in shopper (store.signedIn()): the selfie goes with the analysis itself and the analysis
 * or quiz result is made with their token, so it lands in their history; the answer found becomes
 * their chosen palette on the account (PUT /v1/account/style/palette), and forgetting it removes
 * that choice. Nothing is kept in localStorage then.
 */
import { ApiError, type Api, type ColourAnswer, type FaceAnswer, type Quiz, type StyleAnalysis } from './api.js';
import { h, swatch, type Child } from './dom.js';
import type { Key, Lang, T } from './i18n.js';
import { PhotoError, preparePhoto } from './image.js';
import { store, type Colours } from './store.js';
import type { Emit } from './events.js';

export type StylePathUi = {
  view: (title: string, ...children: Child[]) => void;
  button: (label: string, onclick: () => void, cls?: string, extra?: Record<string, unknown>) => HTMLButtonElement;
  busy: (label: string) => void;
  close: () => void;
  /** The shopper's colours changed (found, or forgotten): badges on the page follow. */
  changed: (c: Colours | null) => void;
  emit: Emit;
  track: (type: string, properties?: Record<string, unknown>) => void;
  retention: string;
  /** The tenant's retention setting (`24h` …), as the `consent` event reports it. */
  retentionCode: string;
  store: string;
};

const FINAL = ['succeeded', 'failed'];

export function createStylePath(api: Api, t: T, lang: Lang, ui: StylePathUi) {
  const say = (v: Record<string, string> | undefined) => v?.[lang] ?? v?.en ?? '';
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
  const { view, button } = ui;

  function start() {
    const mine = store.colours();
    view(
      t('cTitle'),
      h('p', null, t('cIntro')),
      h('div', { class: 'row' }, button(t('cSelfie'), () => selfieStep(), 'primary', { 'data-autofocus': true }), button(t('cQuiz'), () => void quiz(), 'secondary')),
      mine ? button(t('cSeeMine'), () => result(mine), 'link') : null,
    );
  }

  function selfieStep(note?: string) {
    const check = h('input', { type: 'checkbox', id: 'pb-cconsent', 'aria-describedby': 'pb-cconsent-text' });
    const pick = (capture: boolean) => {
      const input = h('input', { type: 'file', accept: 'image/*', hidden: true, tabindex: '-1', 'aria-hidden': 'true', ...(capture ? { capture: 'user' } : {}) });
      input.addEventListener('change', () => {
        const f = input.files?.[0];
        input.value = '';
        if (f) void analyse(f);
      });
      return input;
    };
    const file = pick(false);
    const camera = pick(true);
    const choose = button(t('choosePhoto'), () => file.click(), 'primary', { disabled: true });
    const take = button(t('cTakeSelfie'), () => camera.click(), 'secondary', { disabled: true });
    check.addEventListener('change', () => {
      choose.disabled = take.disabled = !check.checked;
      if (check.checked) ui.emit('consent', { purpose: 'colours', retention: ui.retentionCode });
    });
    view(
      t('cSelfieTitle'),
      note ? h('p', { class: 'note', role: 'alert' }, note) : null,
      h('ul', null, h('li', null, t('cTip1')), h('li', null, t('cTip2')), h('li', null, t('cTip3'))),
      h('div', { class: 'consent' }, h('p', { id: 'pb-cconsent-text' }, t('cConsentText', { store: ui.store, retention: ui.retention })), h('label', { class: 'check' }, check, h('span', null, t('cConsent')))),
      h('div', { class: 'row' }, choose, take),
      file,
      camera,
      button(t('back'), start, 'link'),
    );
    check.focus();
  }

  async function analyse(f: File) {
    ui.busy(t('preparing'));
    const mine = store.signedIn();
    try {
      const prepared = await preparePhoto(f);
      ui.busy(t('uploading'));
      let a: StyleAnalysis;
      if (mine) {
        a = await api.analyseFile(prepared.upload, ['face', 'color']);
        ui.emit('upload', { purpose: 'colours', upload_id: null, width: null, height: null });
      } else {
        const up = await api.upload(prepared.upload, 'person', 'selfie.jpg');
        ui.emit('upload', { purpose: 'colours', upload_id: up.id, width: up.width, height: up.height });
        ui.busy(t('styleReading'));
        a = await api.analyse(up.id, ['face', 'color']);
      }
      for (let i = 0; i < 30 && !FINAL.includes(a.status); i++) {
        await new Promise((r) => setTimeout(r, 1000));
        a = await api.getAnalysis(a.id, mine);
      }
      const color = a.color as ColourAnswer | null;
      if (!color) {
        ui.track('colours_retake', { reasons: a.quality.issues.map((i) => i.code).join(',') });
        void api.deleteAnalysis(a.id, mine).catch(() => undefined);
        return retake(a.quality.issues);
      }
      await found({ id: a.id, source: 'selfie', color, face: (a.face as FaceAnswer | null) ?? null });
    } catch (e) {
      const key: Key = e instanceof PhotoError ? (e.kind === 'too_big' ? 'err_too_big' : 'err_not_image') : e instanceof ApiError && e.problem.status === 0 ? 'err_network' : 'cFailed';
      ui.emit('error', { step: 'colours', code: e instanceof ApiError ? e.problem.code : key });
      selfieStep(t(key));
    }
  }

  function retake(issues: { message: Record<string, string>; tip: Record<string, string> }[]) {
    view(
      t('cRetakeTitle'),
      ...issues.map((i) => h('div', { class: 'alert', role: 'alert' }, h('strong', null, say(i.message)), i.tip ? h('p', { class: 'tip' }, say(i.tip)) : null)),
      h('div', { class: 'row' }, button(t('cAnother'), () => selfieStep(), 'primary', { 'data-autofocus': true }), button(t('cQuiz'), () => void quiz(), 'secondary')),
    );
  }

  async function quiz(fuseWith?: string) {
    ui.busy(t('cLoading'));
    let q: Quiz;
    try {
      q = await api.quiz();
    } catch {
      return fail();
    }
    const answers = new Map<string, string>();
    const ask = (i: number) => {
      const question = q.questions[i]!;
      const name = `pb-q-${question.id}`;
      const next = button(i === q.questions.length - 1 ? t('cSeeResult') : t('cNext'), () => (i === q.questions.length - 1 ? void score() : ask(i + 1)), 'primary', { disabled: !answers.has(question.id) });
      const options = question.options.map((o) => {
        const radio = h('input', { type: 'radio', name, value: o.id, checked: answers.get(question.id) === o.id });
        radio.addEventListener('change', () => {
          answers.set(question.id, o.id);
          next.disabled = false;
        });
        return h('label', { class: 'check opt' }, radio, h('span', null, say(o.text)));
      });
      view(
        t('cQuestionOf', { n: i + 1, of: q.questions.length }),
        h('fieldset', { class: 'quiz' }, h('legend', null, say(question.text)), ...options),
        next,
        button(t('back'), () => (i === 0 ? start() : ask(i - 1)), 'link'),
      );
      (options.find((l) => l.querySelector('input')!.checked) ?? options[0])?.querySelector('input')?.focus();
    };
    const score = async () => {
      ui.busy(t('cScoring'));
      try {
        const r = await api.quizResult([...answers].map(([question, option]) => ({ question, option })), fuseWith, store.signedIn());
        const before = store.colours();
        await found({ id: r.id, source: r.source === 'fused' ? 'fused' : 'quiz', color: r.color, face: before && fuseWith === before.id ? before.face : null });
      } catch {
        fail();
      }
    };
    ask(0);
  }

  async function found(c: Colours) {
    const old = store.colours();
    store.setColours(c);
    ui.track('colours_found', { source: c.source, season: c.color.season12.season });
    if (store.signedIn() && c.id) {
      // Signed in: this answer becomes the palette chosen on the account (the history keeps the earlier ones).
      await api.choosePalette(c.id.startsWith('sta_') ? { analysis_id: c.id } : { quiz_result_id: c.id }).catch(() => undefined);
    } else if (old?.id && old.id !== c.id && old.id.startsWith('sta_') && c.source !== 'fused') {
      // An earlier selfie analysis that this one replaces is erased (a fused quiz keeps what it was made of).
      void api.deleteAnalysis(old.id).catch(() => undefined);
    }
    ui.changed(store.colours());
    result(c);
  }

  function swatches(label: string, colors: { name: Record<string, string>; hex: string }[]) {
    if (!colors.length) return null;
    return h(
      'div',
      { class: 'pal' },
      h('p', { class: 'muted' }, label),
      h('ul', { class: 'chips', 'aria-label': label }, ...colors.map((c) => h('li', null, swatch(c.hex), h('span', null, say(c.name))))),
    );
  }

  function result(c: Colours) {
    const p = c.color.palette;
    const conf = c.color.season12.confidence;
    const level = conf >= 0.6 ? 'cConfHigh' : conf >= 0.35 ? 'cConfMid' : 'cConfLow';
    const close = c.source === 'selfie' && c.color.margin < 0.1;
    const face = c.face;
    const tips = face ? [...face.advice.necklines.slice(0, 2), ...face.advice.glasses.slice(0, 1)].map(say) : [];
    view(
      t('cResult', { season: cap(say(p.name)) }),
      h('p', { class: 'muted' }, t(level), close ? ` ${t('cClose')}` : ''),
      swatches(t('cBest'), p.best),
      swatches(t('cNeutrals'), p.neutrals),
      swatches(t('cAvoid'), p.avoid),
      p.metals.length ? h('p', null, t('cMetals'), ' ', p.metals.map((m) => t(`m_${m}` as Key)).join(', ')) : null,
      face ? h('div', { class: 'pal' }, h('p', null, t('cFace', { shape: t(`f_${face.shape}` as Key) })), tips.length ? h('ul', null, ...tips.map((x) => h('li', null, x))) : null) : null,
      h('p', { class: 'muted' }, t(store.signedIn() ? 'cKeptAccount' : 'cKept')),
      close && c.id ? button(t('cRefine'), () => void quiz(c.id ?? undefined), 'secondary') : null,
      button(t('close'), ui.close, 'primary', { 'data-autofocus': true }),
      h('div', { class: 'row' }, button(t('cAgain'), start, 'link'), button(t('cForget'), () => void forget(), 'link')),
    );
  }

  async function forget() {
    const c = store.colours();
    const mine = store.signedIn();
    store.setColours(null);
    ui.changed(null);
    if (mine) await api.forgetPalette().catch(() => undefined);
    if (c?.id?.startsWith('sta_')) await api.deleteAnalysis(c.id, mine).catch(() => undefined);
    ui.track('colours_forgotten');
    view(t('cForgotten'), h('p', null, t(mine ? 'cForgottenAccount' : 'cForgottenText')), button(t('close'), ui.close, 'primary', { 'data-autofocus': true }), button(t('cAgain'), start, 'link'));
  }

  function fail() {
    ui.emit('error', { step: 'colours', code: 'cFailed' });
    view(t('errorTitle'), h('div', { class: 'alert', role: 'alert' }, h('strong', null, t('cFailed'))), button(t('retry'), start, 'primary', { 'data-autofocus': true }));
  }

  return { start };
}
