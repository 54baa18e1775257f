/**
 * "Does this colour suit me", opt-in: after the photo is accepted the shopper may tick "Show
 * whether this colour suits me"; only then is the same upload analysed for colour
 * (POST /v1/style/analyses, kinds: color). The analysis id is kept for the visit (sessionStorage,
 * like the photo) and sent on try-ons as `style: { analysis_id }`; the result shows a badge per
 * garment from its `color_match`. A retake answer is said briefly and the try-on carries on
 * without the badge. Unticking, replacing or deleting the photo erases the analysis.
 */
import { ApiError, type Api, type ColorMatch, type StyleAnalysis, type Tryon } from './api.js';
import { h, swatch } from './dom.js';
import type { Lang, T } from './i18n.js';
import { store, type Photo, type StyleRec } from './store.js';

type Text = Record<string, string> | undefined;
const FINAL = ['succeeded', 'failed'];

export function createColour(api: Api, t: T, lang: Lang) {
  const say = (v: Text) => v?.[lang] ?? v?.en ?? '';
  // "Deep Winter" → "Deep winter" (the API's names are title case in English).
  const sentence = (s: string) => s.charAt(0) + s.slice(1).toLowerCase();
  let pending: Promise<unknown> | undefined;
  /** Bumped on every tick and untick: an analysis that finishes after an untick is erased. */
  let wanted = 0;

  async function analyse(photo: Photo): Promise<StyleRec> {
    let a: StyleAnalysis = await api.analyse(photo.uploadId);
    // A provider that runs as a job: wait for it (up to ~30 s).
    for (let i = 0; i < 30 && !FINAL.includes(a.status); i++) {
      await new Promise((r) => setTimeout(r, 1000));
      a = await api.getAnalysis(a.id);
    }
    const color = a.color as { palette?: { name?: Record<string, string> } } | null;
    const issue = a.quality.issues.find((i) => i.severity === 'error' && i.message) ?? a.quality.issues[0];
    return { uploadId: photo.uploadId, analysisId: a.id, season: color?.palette?.name ?? null, why: color ? null : (issue?.message ?? null) };
  }

  function describe(rec: StyleRec | null, status: HTMLElement) {
    status.className = 'muted';
    if (!rec) status.textContent = '';
    else if (rec.season) status.textContent = t('styleSeason', { season: sentence(say(rec.season)) });
    else {
      status.className = 'note warn';
      status.textContent = t('styleRetake', { why: say(rec.why ?? undefined) });
    }
  }

  /** Erase the visit's analysis (the shopper unticked, or replaced or deleted the photo). */
  function forget(): Promise<void> {
    wanted++;
    const rec = store.style();
    store.setStyle(null);
    return rec ? api.deleteAnalysis(rec.analysisId).catch(() => undefined) : Promise.resolve();
  }

  return {
    forget,

    /** The opt-in for the pick view: off until ticked (ticked again only if the shopper chose it for this photo). */
    optIn(photo: Photo): HTMLElement {
      // Colours found with "Find my colours" serve every try-on: no opt-in needed for this photo.
      const kept = store.colours();
      if (kept) return h('p', { class: 'muted', role: 'status' }, t('cUsed', { season: sentence(say(kept.color.palette.name)) }));
      const rec = store.style();
      const mine = rec?.uploadId === photo.uploadId ? rec : null;
      const box = h('input', { type: 'checkbox', id: 'pb-style', 'aria-describedby': 'pb-style-text pb-style-status' });
      box.checked = Boolean(mine);
      const status = h('p', { class: 'muted', id: 'pb-style-status', role: 'status', 'aria-live': 'polite' });
      describe(mine, status);
      box.addEventListener('change', () => {
        if (!box.checked) {
          void forget();
          describe(null, status);
          return;
        }
        const mark = ++wanted;
        status.className = 'muted';
        status.textContent = t('styleReading');
        const run = analyse(photo).then(
          (r) => {
            if (mark !== wanted) return void api.deleteAnalysis(r.analysisId).catch(() => undefined);
            store.setStyle(r);
            describe(r, status);
          },
          (e: unknown) => {
            if (mark !== wanted) return;
            status.className = 'note warn';
            status.textContent = e instanceof ApiError && e.problem.status === 0 ? t('err_network') : t('styleOff');
          },
        );
        pending = run;
      });
      return h(
        'div',
        { class: 'consent opt' },
        h('label', { class: 'check' }, box, h('span', null, t('styleOpt'))),
        h('p', { class: 'muted', id: 'pb-style-text' }, t('styleOptText')),
        status,
      );
    },

    /**
     * The try-on's `style` when the shopper opted in and the analysis has a season (waits for one
     * under way), else their colours: by id when kept in this browser, by season when they are a
     * signed-in shopper's (their analyses are theirs, not the widget session's the try-on runs as).
     */
    async styleFor(photo: Photo): Promise<{ analysis_id: string } | { season: string } | undefined> {
      await pending;
      const rec = store.style();
      if (rec && rec.uploadId === photo.uploadId && rec.season) return { analysis_id: rec.analysisId };
      const mine = store.colours();
      if (!mine) return undefined;
      return mine.id && !mine.account ? { analysis_id: mine.id } : { season: mine.color.palette.season };
    },

    /** A badge per garment that has a colour match, labelled with its name when there are several. */
    badges(tryon: Tryon, names: string[]): HTMLElement | null {
      const items = (tryon.garments ?? []).map((g, i) => [g.color_match, names[i] ?? ''] as const).filter((x): x is [ColorMatch, string] => Boolean(x[0]));
      if (items.length === 0) return null;
      return h('div', { class: 'fits', role: 'group', 'aria-label': t('fitLabel') }, ...items.map(([m, name]) => badge(m, items.length > 1 ? name : '')));
    },
  };

  function badge(m: ColorMatch, name: string): HTMLElement {
    const verdict = (['flatters', 'neutral', 'avoid'] as const).includes(m.verdict) ? m.verdict : 'neutral';
    const nearest = say(m.nearest.name);
    return h(
      'div',
      { class: `fit ${verdict}`, 'data-verdict': verdict },
      h('span', { class: 'sws' }, swatch(m.color, t('swGarment')), swatch(m.nearest.hex, `${t('swPalette')}: ${nearest}`)),
      h(
        'div',
        null,
        h('p', null, name ? `${name}: ` : '', h('strong', null, t(`fit_${verdict}`)), ` · ${sentence(say(m.season_name))}`),
        h('p', { class: 'why' }, t(`why_${verdict}`, { name: nearest.toLowerCase() })),
      ),
    );
  }
}
export type Colour = ReturnType<typeof createColour>;
