/**
 * Style: a store's style figures for a period, in English or Spanish (a switch on the page,
 * remembered in this browser) — analyses per hour/day, the seasons and Monk skin-tone levels of
 * the analyses, and agreement from shoppers' feedback per season and Monk level with the most
 * common corrections (`GET /v1/style/analytics`, `GET /v1/style/feedback/summary`). CSV export.
 */
import { useState } from 'preact/hooks';
import { call, downloadCsv } from '../api';
import { Chart, Empty, ErrorNote, Stat, Table, useLoad } from '../components';
import { MONK_HEX, SEASONS, TEXT, dec, int, pct, type Lang } from './style-text';
import { LangSwitch, useLang } from './lang';

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
  const [lang, setLang] = useLang();
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
        <LangSwitch lang={lang} onChange={setLang} label={tx.language} />
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
