/**
 * Style: a store's style figures for a period, in English or Spanish (a switch on the page,
 * remembered in this browser) — analyses per hour/day, the seasons and Monk skin-tone levels of
 * the analyses, and agreement from shoppers' feedback per season and Monk level with the most
 * common corrections (`GET /v1/style/analytics`, `GET /v1/style/feedback/summary`). CSV export.
 */
import { useState } from 'preact/hooks';
import { call, downloadCsv } from '../api';
import { Chart, Empty, ErrorNote, Stat, Table, useLoad } from '../components';

type Lang = 'en' | 'es';
type PeriodName = '24h' | '7d' | '30d';
type Agreement = { feedback: number; yes: number; no: number; unsure: number; agreement: number | null; rated: number; mean_rating: number | null; corrected: number };
type Figures = {
  range: { from: string; to: string; granularity: 'hour' | 'day' };
  summary: Agreement & { analyses: number; succeeded: number; failed: number; retakes: number; cached: number; quiz_fused: number };
  points: { t: string; analyses: number; succeeded: number; failed: number; retakes: number; feedback: number; yes: number; agreement: number | null }[];
  seasons: { season: string; analyses: number; share: number }[];
  monk: { monk: number; analyses: number }[];
};
type Summary = {
  by_season: (Agreement & { season: string; top_correction: { season: string; count: number } | null })[];
  by_monk: (Agreement & { monk: number | null })[];
  confusion: { predicted: string; corrected: string; count: number }[];
};

const SEASONS: Record<string, { en: string; es: string; color: string }> = {
  light_spring: { en: 'Light Spring', es: 'Primavera clara', color: '#f7c59f' },
  true_spring: { en: 'True Spring', es: 'Primavera cálida', color: '#f59e0b' },
  bright_spring: { en: 'Bright Spring', es: 'Primavera brillante', color: '#f43f5e' },
  light_summer: { en: 'Light Summer', es: 'Verano claro', color: '#a5b4fc' },
  true_summer: { en: 'True Summer', es: 'Verano frío', color: '#6366f1' },
  soft_summer: { en: 'Soft Summer', es: 'Verano suave', color: '#94a3b8' },
  soft_autumn: { en: 'Soft Autumn', es: 'Otoño suave', color: '#b5a27a' },
  true_autumn: { en: 'True Autumn', es: 'Otoño cálido', color: '#c2410c' },
  deep_autumn: { en: 'Deep Autumn', es: 'Otoño profundo', color: '#7c2d12' },
  deep_winter: { en: 'Deep Winter', es: 'Invierno profundo', color: '#1e1b4b' },
  true_winter: { en: 'True Winter', es: 'Invierno frío', color: '#1d4ed8' },
  bright_winter: { en: 'Bright Winter', es: 'Invierno brillante', color: '#db2777' },
};
/** The Monk Skin Tone scale's reference colours, 1–10. */
const MONK_HEX = ['#f6ede4', '#f3e7db', '#f7ead0', '#eadaba', '#d7bd96', '#a07e56', '#825c43', '#604134', '#3a312a', '#292420'];

const TEXT = {
  en: {
    title: 'Style',
    language: 'Language',
    period: 'Period',
    last: (p: string) => `Last ${p}`,
    export: 'Export CSV',
    analyses: 'Analyses',
    analysesHint: (s: number, f: number, r: number) => `${int('en', s)} succeeded · ${int('en', f)} failed · ${int('en', r)} asked for a retake`,
    feedback: 'Feedback',
    feedbackHint: (y: number, n: number, u: number) => `${int('en', y)} yes · ${int('en', n)} no · ${int('en', u)} unsure`,
    agreement: 'Feels right',
    agreementHint: 'Share of feedback answering “yes”',
    rating: 'Mean rating',
    ratingHint: (n: number) => `of ${int('en', n)} rated, 1–5`,
    corrected: 'Corrected',
    correctedHint: 'Feedback naming another season',
    perBucket: (g: string) => `Analyses per ${g}`,
    failed: 'Failed',
    retakes: 'Retakes',
    agreementChart: 'Feedback, and how much of it feels right',
    feels: 'Feels right (yes)',
    seasons: 'Seasons of the analyses',
    season: 'Season',
    share: 'Share',
    bySeason: 'Agreement per season',
    topCorrection: 'Most common correction',
    byMonk: 'Per skin tone (Monk scale)',
    monk: 'Monk level',
    notMeasured: 'Not measured (quiz)',
    withFeedback: 'Feedback',
    confusion: 'Corrections: predicted → corrected',
    predicted: 'Predicted',
    correctedTo: 'Corrected to',
    times: 'Times',
    noneYet: 'No style analyses in this period',
    noneYetBody: 'Figures appear once shoppers analyse a selfie or take the colour quiz in the widget (or your server calls POST /v1/style/analyses).',
    noFeedback: 'No feedback in this period.',
    noCorrections: 'No corrections in this period.',
  },
  es: {
    title: 'Estilo',
    language: 'Idioma',
    period: 'Periodo',
    last: (p: string) => (p === '24h' ? 'Últimas 24 h' : p === '7d' ? 'Últimos 7 días' : 'Últimos 30 días'),
    export: 'Exportar CSV',
    analyses: 'Análisis',
    analysesHint: (s: number, f: number, r: number) => `${int('es', s)} ${s === 1 ? 'correcto' : 'correctos'} · ${int('es', f)} ${f === 1 ? 'fallido' : 'fallidos'} · ${int('es', r)} ${r === 1 ? 'pidió' : 'pidieron'} otra foto`,
    feedback: 'Opiniones',
    feedbackHint: (y: number, n: number, u: number) => `${int('es', y)} sí · ${int('es', n)} no · ${int('es', u)} no sé`,
    agreement: 'Les parece acertado',
    agreementHint: 'Parte de las opiniones que responden «sí»',
    rating: 'Valoración media',
    ratingHint: (n: number) => `de ${int('es', n)} valoradas, 1–5`,
    corrected: 'Corregidos',
    correctedHint: 'Opiniones que indican otra estación',
    perBucket: (g: string) => `Análisis por ${g === 'hour' ? 'hora' : 'día'}`,
    failed: 'Fallidos',
    retakes: 'Otra foto',
    agreementChart: 'Opiniones, y cuántas lo ven acertado',
    feels: 'Acertado (sí)',
    seasons: 'Estaciones de los análisis',
    season: 'Estación',
    share: 'Parte',
    bySeason: 'Acuerdo por estación',
    topCorrection: 'Corrección más frecuente',
    byMonk: 'Por tono de piel (escala Monk)',
    monk: 'Nivel Monk',
    notMeasured: 'Sin medir (test)',
    withFeedback: 'Opiniones',
    confusion: 'Correcciones: estimada → corregida',
    predicted: 'Estimada',
    correctedTo: 'Corregida a',
    times: 'Veces',
    noneYet: 'No hay análisis de estilo en este periodo',
    noneYetBody: 'Las cifras aparecen cuando los compradores analizan un selfie o hacen el test de color en el widget (o tu servidor llama a POST /v1/style/analyses).',
    noFeedback: 'No hay opiniones en este periodo.',
    noCorrections: 'No hay correcciones en este periodo.',
  },
} as const;

const locale = (lang: Lang) => (lang === 'es' ? 'es-ES' : 'en-US');
const int = (lang: Lang, v: number) => v.toLocaleString(locale(lang));
/** 40.0% in English, 40,0 % in Spanish. */
const pct = (lang: Lang, v: number | null) => (v === null ? '—' : `${(v * 100).toLocaleString(locale(lang), { minimumFractionDigits: 1, maximumFractionDigits: 1 })}${lang === 'es' ? ' %' : '%'}`);
const dec = (lang: Lang, v: number | null) => (v === null ? '—' : v.toLocaleString(locale(lang), { minimumFractionDigits: 1, maximumFractionDigits: 2 }));

function initialLang(): Lang {
  const saved = localStorage.getItem('pb.style.lang');
  if (saved === 'en' || saved === 'es') return saved;
  return navigator.language.toLowerCase().startsWith('es') ? 'es' : 'en';
}

function SeasonName(props: { season: string; lang: Lang }) {
  const s = SEASONS[props.season];
  return (
    <span class="season-name" data-season={props.season}>
      <span class="swatch" style={{ background: s?.color ?? '#e5e7eb' }} aria-hidden="true" />
      {s ? s[props.lang] : props.season}
    </span>
  );
}

export function StylePage(props: { tenant: string }) {
  const t = props.tenant;
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = (l: Lang) => {
    localStorage.setItem('pb.style.lang', l);
    setLangState(l);
  };
  const [period, setPeriod] = useState<PeriodName>('30d');
  const tx = TEXT[lang];
  const q = `period=${period}`;
  const figures = useLoad(() => call<Figures>(`/v1/style/analytics?${q}`, { tenant: t }), [t, q]);
  const summary = useLoad(() => call<Summary>(`/v1/style/feedback/summary?${q}`, { tenant: t }), [t, q]);
  const f = figures.data;
  const s = f?.summary;
  const x = f?.points.map((p) => p.t) ?? [];
  const maxSeason = Math.max(1, ...(f?.seasons.map((r) => r.analyses) ?? [1]));
  // Every Monk level with analyses or feedback in the period, then the quiz answers' feedback (no skin measured).
  const byMonk = new Map((summary.data?.by_monk ?? []).map((m) => [m.monk, m]));
  const none: Agreement = { feedback: 0, yes: 0, no: 0, unsure: 0, agreement: null, rated: 0, mean_rating: null, corrected: 0 };
  const monkRows = [
    ...(f?.monk ?? [])
      .filter((m) => m.analyses > 0 || byMonk.has(m.monk))
      .map((m) => ({ ...none, ...byMonk.get(m.monk), monk: m.monk as number | null, key: String(m.monk), analyses: m.analyses as number | null })),
    ...(byMonk.has(null) ? [{ ...byMonk.get(null)!, key: 'none', analyses: null }] : []),
  ];
  return (
    <div lang={lang} data-lang={lang}>
      <div class="toolbar">
        <h1>{tx.title}</h1>
        <div class="period" role="group" aria-label={tx.language}>
          {(['en', 'es'] as const).map((l) => (
            <button type="button" class={lang === l ? 'on' : ''} aria-pressed={lang === l} lang={l} onClick={() => setLang(l)}>
              {l === 'en' ? 'English' : 'Español'}
            </button>
          ))}
        </div>
      </div>
      <div class="toolbar">
        <div class="period" role="group" aria-label={tx.period}>
          {(['24h', '7d', '30d'] as const).map((p) => (
            <button type="button" class={period === p ? 'on' : ''} aria-pressed={period === p} onClick={() => setPeriod(p)}>
              {tx.last(p)}
            </button>
          ))}
        </div>
        <button type="button" onClick={() => void downloadCsv(`/v1/style/analytics?${q}`, t, 'style')}>
          {tx.export}
        </button>
      </div>
      <ErrorNote error={figures.error ?? summary.error} />
      {f && s && (
        <>
          <div class="stats" data-range-from={f.range.from} data-range-to={f.range.to}>
            <Stat id="analyses" label={tx.analyses} value={int(lang, s.analyses)} hint={tx.analysesHint(s.succeeded, s.failed, s.retakes)} />
            <Stat id="feedback" label={tx.feedback} value={int(lang, s.feedback)} hint={tx.feedbackHint(s.yes, s.no, s.unsure)} />
            <Stat id="agreement" label={tx.agreement} value={pct(lang, s.agreement)} hint={tx.agreementHint} />
            <Stat id="mean_rating" label={tx.rating} value={dec(lang, s.mean_rating)} hint={tx.ratingHint(s.rated)} />
            <Stat id="corrected" label={tx.corrected} value={int(lang, s.corrected)} hint={tx.correctedHint} />
          </div>
          {s.analyses === 0 && <Empty title={tx.noneYet}>{tx.noneYetBody}</Empty>}
          <div class="charts">
            <Chart
              title={tx.perBucket(f.range.granularity)}
              x={x}
              series={[
                { label: tx.analyses, color: '#2563eb', values: f.points.map((p) => p.analyses) },
                { label: tx.failed, color: '#dc2626', values: f.points.map((p) => p.failed) },
                { label: tx.retakes, color: '#f59e0b', values: f.points.map((p) => p.retakes) },
              ]}
            />
            <Chart
              title={tx.agreementChart}
              x={x}
              series={[
                { label: tx.feedback, color: '#2563eb', values: f.points.map((p) => p.feedback) },
                { label: tx.feels, color: '#16a34a', values: f.points.map((p) => p.yes) },
              ]}
            />
          </div>
          <h2>{tx.seasons}</h2>
          <Table
            label={tx.seasons}
            pageSize={12}
            rows={f.seasons}
            rowKey={(r) => r.season}
            columns={[
              { key: 'season', label: tx.season, sort: false, render: (r) => <SeasonName season={r.season} lang={lang} /> },
              {
                key: 'analyses',
                label: tx.analyses,
                numeric: true,
                render: (r) => (
                  <span class="step-bar">
                    <span class="step-bar-fill" style={{ width: `${(100 * r.analyses) / maxSeason}%` }} />
                    <span data-analyses>{int(lang, r.analyses)}</span>
                  </span>
                ),
              },
              { key: 'share', label: tx.share, numeric: true, render: (r) => <span data-share>{pct(lang, r.analyses ? r.share : 0)}</span> },
            ]}
          />
        </>
      )}
      {summary.data && (
        <>
          <h2>{tx.bySeason}</h2>
          <Table
            label={tx.bySeason}
            pageSize={12}
            rows={summary.data.by_season}
            rowKey={(r) => r.season}
            empty={<span class="muted">{tx.noFeedback}</span>}
            columns={[
              { key: 'season', label: tx.season, sort: false, render: (r) => <SeasonName season={r.season} lang={lang} /> },
              { key: 'feedback', label: tx.withFeedback, numeric: true, render: (r) => <span data-feedback>{int(lang, r.feedback)}</span> },
              { key: 'agreement', label: tx.agreement, numeric: true, render: (r) => <span data-agreement>{pct(lang, r.agreement)}</span> },
              { key: 'mean_rating', label: tx.rating, numeric: true, render: (r) => <span data-rating>{dec(lang, r.mean_rating)}</span> },
              { key: 'corrected', label: tx.corrected, numeric: true, render: (r) => int(lang, r.corrected) },
              {
                key: 'top_correction',
                label: tx.topCorrection,
                sort: false,
                render: (r) =>
                  r.top_correction ? (
                    <span data-top-correction={r.top_correction.season}>
                      <SeasonName season={r.top_correction.season} lang={lang} /> <span class="muted">×{r.top_correction.count}</span>
                    </span>
                  ) : (
                    '—'
                  ),
              },
            ]}
          />
          <h2>{tx.byMonk}</h2>
          <Table
            label={tx.byMonk}
            pageSize={11}
            rows={monkRows}
            rowKey={(r) => r.key}
            empty={<span class="muted">{tx.noFeedback}</span>}
            columns={[
              {
                key: 'monk',
                label: tx.monk,
                sort: false,
                render: (r) => (
                  <span class="season-name" data-monk={r.key}>
                    {r.monk !== null && <span class="swatch" style={{ background: MONK_HEX[r.monk - 1] }} aria-hidden="true" />}
                    {r.monk === null ? tx.notMeasured : String(r.monk)}
                  </span>
                ),
              },
              { key: 'analyses', label: tx.analyses, numeric: true, render: (r) => (r.analyses === null ? '—' : int(lang, r.analyses)) },
              { key: 'feedback', label: tx.withFeedback, numeric: true, render: (r) => int(lang, r.feedback) },
              { key: 'agreement', label: tx.agreement, numeric: true, render: (r) => <span data-agreement>{pct(lang, r.agreement)}</span> },
              { key: 'mean_rating', label: tx.rating, numeric: true, render: (r) => dec(lang, r.mean_rating) },
            ]}
          />
          <h2>{tx.confusion}</h2>
          <Table
            label={tx.confusion}
            rows={summary.data.confusion}
            rowKey={(r) => `${r.predicted}>${r.corrected}`}
            empty={<span class="muted">{tx.noCorrections}</span>}
            columns={[
              { key: 'predicted', label: tx.predicted, sort: false, render: (r) => <SeasonName season={r.predicted} lang={lang} /> },
              { key: 'corrected', label: tx.correctedTo, sort: false, render: (r) => <SeasonName season={r.corrected} lang={lang} /> },
              { key: 'count', label: tx.times, numeric: true, render: (r) => <span data-count>{int(lang, r.count)}</span> },
            ]}
          />
        </>
      )}
    </div>
  );
}
