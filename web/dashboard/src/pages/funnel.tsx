import { call, downloadCsv } from '../api';
import { Chart, Empty, ErrorNote, PeriodPicker, Table, periodQuery, useLoad } from '../components';
import { int, pct } from '../format';
import { usePeriod } from './figures';

type Funnel = { steps: { type: string; sessions: number; events: number; conversion_from_previous: number | null; conversion_from_start: number | null }[] };
type Events = { range: { granularity: string }; totals: Record<string, number>; points: { t: string; counts: Record<string, number> }[] };
const LABELS: Record<string, string> = { opened: 'Opened', consented: 'Consented', uploaded: 'Uploaded a photo', generated: 'Saw a result', added_to_cart: 'Added to cart' };

export function FunnelPage(props: { tenant: string }) {
  const [period, setPeriod] = usePeriod('7d');
  const q = periodQuery(period);
  const f = useLoad(() => call<Funnel>(`/v1/analytics/funnel?${q}`, { tenant: props.tenant }), [props.tenant, q]);
  const e = useLoad(() => call<Events>(`/v1/analytics/events?${q}`, { tenant: props.tenant }), [props.tenant, q]);
  const max = Math.max(1, ...(f.data?.steps.map((s) => s.sessions) ?? [1]));
  const other = e.data ? ['precheck_failed', 'viewed', 'downloaded', 'shared'].map((t) => ({ id: t, type: t, count: e.data!.totals[t] ?? 0 })) : [];
  return (
    <>
      <h1>Widget funnel</h1>
      <div class="toolbar">
        <PeriodPicker value={period} onChange={setPeriod} />
        <button type="button" onClick={() => void downloadCsv(`/v1/analytics/funnel?${q}`, props.tenant, 'funnel')}>
          Export CSV
        </button>
      </div>
      <ErrorNote error={f.error ?? e.error} />
      {f.data && f.data.steps[0]!.sessions === 0 && f.data.steps[0]!.events === 0 && (
        <Empty title="No widget activity in this period">
          Shoppers' steps appear here once the widget is on your product pages (see <a href={`/dashboard/t/${props.tenant}/overview`}>Overview</a> for how to install it).
        </Empty>
      )}
      {f.data && <p class="stat-hint">Shopper sessions that reached each step (each session once), and the events sent for it.</p>}
      {f.data && (
        <ol class="funnel" aria-label="Funnel">
          {f.data.steps.map((s) => (
            <li data-step={s.type}>
              <div class="funnel-label">{LABELS[s.type] ?? s.type}</div>
              <div class="funnel-bar">
                <span style={{ width: `${(100 * s.sessions) / max}%` }} />
              </div>
              <div class="funnel-count" data-count title="sessions">
                {int(s.sessions)}
              </div>
              <div class="funnel-events" data-events>
                {`${int(s.events)} ${s.events === 1 ? 'event' : 'events'}`}
              </div>
              <div class="funnel-conv" data-conversion>
                {s.conversion_from_previous === null ? '' : `${pct(s.conversion_from_previous)} of previous`}
              </div>
            </li>
          ))}
        </ol>
      )}
      {e.data && (
        <>
          <Chart
            title={`Widget events per ${e.data.range.granularity}`}
            x={e.data.points.map((p) => p.t)}
            series={[
              { label: 'Opened', color: '#2563eb', values: e.data.points.map((p) => p.counts.opened ?? 0) },
              { label: 'Uploaded', color: '#7c3aed', values: e.data.points.map((p) => p.counts.uploaded ?? 0) },
              { label: 'Generated', color: '#16a34a', values: e.data.points.map((p) => p.counts.generated ?? 0) },
              { label: 'Added to cart', color: '#f59e0b', values: e.data.points.map((p) => p.counts.added_to_cart ?? 0) },
            ]}
          />
          <h2>Other events</h2>
          <Table label="Other events" rows={other} columns={[{ key: 'type', label: 'Event' }, { key: 'count', label: 'Count', numeric: true, render: (r) => int(r.count) }]} />
        </>
      )}
    </>
  );
}
