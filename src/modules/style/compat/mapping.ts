/**
 * The new API's answers (a style analysis, a quiz result) in the older Style API's flat shapes
 * (contracts/style-compat.ts; docs/compat/style-api.md lists field by field what maps to what).
 * Texts meant for people come in the language asked for (`es` or `en`).
 */
import type { TColorAnswer, TQuality, TQuizResult, TStyleAnalysis } from '../../../../contracts/style.js';
import type { TCompatChromaticAnalysis, TCompatFacialAnalysis } from '../../../../contracts/style-compat.js';

export type Lang = 'en' | 'es';
type Meta = { imageHash: string | null; tookMs: number; now: number };

/** `lang` when given, else the Accept-Language header's first of es/en, else English. */
export function langOf(query: string | undefined, acceptLanguage: string | undefined): Lang {
  if (query === 'es' || query === 'en') return query;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^q=([0-9.]+)$/.exec(p.trim())?.[1]).find(Boolean);
      return { base: (tag ?? '').split('-')[0], q: q === undefined ? 1 : Number(q), i };
    })
    .filter((l) => (l.base === 'es' || l.base === 'en') && l.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return ranked[0]?.base === 'es' ? 'es' : 'en';
}

const quality = (q: TQuality, lang: Lang) => ({
  score: q.score,
  retake: q.retake,
  issues: q.issues.map((i) => ({ code: i.code, severity: i.severity, message: i.message[lang], tip: i.tip[lang] })),
});

const common = (a: { id: string; cached: boolean }, provider: 'local' | 'gemini' | 'quiz', m: Meta) => ({
  success: true,
  analysis_id: a.id,
  image_hash: m.imageHash,
  provider,
  cached: a.cached,
  processing_time: Math.round(m.tookMs) / 1000,
  timestamp: new Date(m.now).toISOString(),
});

export function facialAnswer(a: TStyleAnalysis, lang: Lang, m: Meta): TCompatFacialAnalysis {
  const f = a.face;
  const t = (xs: { en: string; es: string }[] | undefined) => (xs ?? []).map((x) => x[lang]);
  return {
    ...common(a, a.analyser.name, m),
    face_shape: f?.shape ?? null,
    confidence: f?.confidence ?? null,
    alternatives: (f?.scores ?? []).filter((s) => s.shape !== f?.shape).slice(0, 2),
    measurements: f
      ? {
          length_to_cheek: f.measurements.length_to_cheek,
          forehead_to_cheek: f.measurements.forehead_to_cheek,
          jaw_to_cheek: f.measurements.jaw_to_cheek,
          jaw_angle_deg: f.measurements.jaw_angle_deg,
          chin_angle_deg: f.measurements.chin_angle_deg,
        }
      : null,
    recommendations: { hairstyles: t(f?.advice.hairstyles), glasses: t(f?.advice.glasses), necklines: t(f?.advice.necklines), avoid: t(f?.advice.avoid) },
    quality: quality(a.quality, lang),
  };
}

function colorFields(c: TColorAnswer | null, lang: Lang) {
  const named = (xs: { name: { en: string; es: string }; hex: string }[]) => xs.map((x) => ({ name: x.name[lang], hex: x.hex }));
  return {
    season: c?.season4.season ?? null,
    subseason: c?.season12.season ?? null,
    undertone: c?.undertone ?? null,
    depth: c?.depth ?? null,
    intensity: c?.chroma ?? null,
    contrast: c?.contrast ?? null,
    confidence: c?.season12.confidence ?? null,
    alternatives: (c?.top3 ?? []).slice(1).map((s) => ({ season: s.season, confidence: s.confidence })),
    palette: c
      ? { name: c.palette.name[lang], best_colors: named(c.palette.best), neutrals: named(c.palette.neutrals), avoid_colors: named(c.palette.avoid), metals: [...c.palette.metals] }
      : null,
    skin_tone: c?.measured ? { hex: c.measured.skin.hex, monk: c.measured.skin.monk, ita_category: c.measured.skin.ita_category } : null,
  };
}

export function chromaticAnswer(a: TStyleAnalysis, lang: Lang, m: Meta): TCompatChromaticAnalysis {
  return { ...common(a, a.analyser.name, m), ...colorFields(a.color, lang), quality: quality(a.quality, lang) };
}

export function chromaticQuizAnswer(r: TQuizResult, lang: Lang, m: Omit<Meta, 'imageHash'>): TCompatChromaticAnalysis {
  return { ...common({ id: r.id, cached: false }, 'quiz', { ...m, imageHash: null }), ...colorFields(r.color, lang), quality: null };
}
