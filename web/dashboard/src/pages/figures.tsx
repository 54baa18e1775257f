/** Try-on figures for a period: stats, charts, CSV. Shared by the store overview and the platform page. */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { call, downloadCsv } from '../api';
import { Chart, ErrorNote, PeriodPicker, Stat, periodQuery, useLoad, type Period } from '../components';
import { int, ms, pct, usd } from '../format';

export type TryonSeries = {
  range: { from: string; to: string; granularity: 'hour' | 'day' };
  summary: { tryons: number; succeeded: number; failed: number; canceled: number; in_progress: number; cached: number; success_rate: number | null; cache_hit_ratio: number | null; p50_ms: number | null; p95_ms: number | null; cost_usd: number };
  points: { t: string; tryons: number; succeeded: number; failed: number; cached: number; success_rate: number | null; p50_ms: number | null; p95_ms: number | null; cost_usd: number }[];
};

export function usePeriod(initial: Period['period'] = '7d') {
  return useState<Period>({ period: initial });
}

export function TryonFigures(props: { path: string; tenant?: string | undefined; extra?: string; period: Period; onPeriod: (p: Period) => void; empty?: ComponentChildren }) {
  const q = `${periodQuery(props.period)}${props.extra ? `&${props.extra}` : ''}`;
  const { data, error, loading } = useLoad(() => call<TryonSeries>(`${props.path}?${q}`, { tenant: props.tenant }), [props.path, props.tenant, q]);
  const s = data?.summary;
  const x = data?.points.map((p) => p.t) ?? [];
  return (
    <section aria-busy={loading}>
      <div class="toolbar">
        <PeriodPicker value={props.period} onChange={props.onPeriod} />
        <button type="button" onClick={() => void downloadCsv(`${props.path}?${q}`, props.tenant, 'tryons')}>
          Export CSV
        </button>
      </div>
      <ErrorNote error={error} />
      {s && (
        <>
          <div class="stats" data-range-from={data!.range.from} data-range-to={data!.range.to}>
            <Stat id="tryons" label="Try-ons" value={int(s.tryons)} hint={`${int(s.succeeded)} succeeded · ${int(s.failed)} failed${s.in_progress ? ` · ${int(s.in_progress)} running` : ''}`} />
            <Stat id="success_rate" label="Success rate" value={pct(s.success_rate)} />
            <Stat id="cache_hit_ratio" label="Cache hits" value={pct(s.cache_hit_ratio)} hint={`${int(s.cached)} answered from cache`} />
            <Stat id="p50" label="Latency p50" value={ms(s.p50_ms)} />
            <Stat id="p95" label="Latency p95" value={ms(s.p95_ms)} />
            <Stat id="cost" label="Provider cost" value={usd(s.cost_usd)} />
          </div>
          {s.tryons === 0 && props.empty}
          <div class="charts">
            <Chart
              title={`Try-ons per ${data!.range.granularity}`}
              x={x}
              bars
              series={[
                { label: 'Succeeded', color: '#16a34a', values: data!.points.map((p) => p.succeeded) },
                { label: 'Failed', color: '#dc2626', values: data!.points.map((p) => p.failed) },
                { label: 'From cache', color: '#2563eb', values: data!.points.map((p) => p.cached) },
              ]}
            />
            <Chart
              title="Latency (queued → result)"
              x={x}
              series={[
                { label: 'p50', color: '#7c3aed', values: data!.points.map((p) => p.p50_ms), format: (v) => ms(v) },
                { label: 'p95', color: '#f59e0b', values: data!.points.map((p) => p.p95_ms), format: (v) => ms(v) },
              ]}
            />
            <Chart
              title="Success rate and cost"
              x={x}
              series={[
                { label: 'Success rate', color: '#16a34a', values: data!.points.map((p) => p.success_rate), format: (v) => pct(v) },
                { label: 'Cost', color: '#0f766e', axis: 'right', values: data!.points.map((p) => p.cost_usd), format: (v) => usd(v) },
              ]}
            />
          </div>
        </>
      )}
    </section>
  );
}
