/** Operator: providers — health, breaker state, p50/p95, error rate, cost per day. */
import { useState } from 'preact/hooks';
import { call, downloadCsv } from '../api';
import { Badge, Chart, ErrorNote, PeriodPicker, Table, periodQuery, useLoad, type Period } from '../components';
import { int, ms, pct, usd } from '../format';

type Report = {
  data: { provider: string; attempts: number; succeeded: number; failed: number; error_rate: number | null; p50_ms: number | null; p95_ms: number | null; cost_usd: number; cost_per_day: { day: string; cost_usd: number; attempts: number }[]; breaker: string; healthy: boolean }[];
};
const COLORS = ['#2563eb', '#16a34a', '#f59e0b', '#7c3aed', '#dc2626', '#0f766e'];

export function Providers() {
  const [period, setPeriod] = useState<Period>({ period: '7d' });
  const q = periodQuery({ ...period, granularity: 'day' });
  const r = useLoad(() => call<Report>(`/admin/v1/metrics/providers?${q}`), [q]);
  const days = r.data?.data[0]?.cost_per_day.map((d) => `${d.day}T00:00:00Z`) ?? [];
  return (
    <>
      <h1>Providers</h1>
      <div class="toolbar">
        <PeriodPicker value={period} onChange={setPeriod} />
        <button type="button" onClick={() => void downloadCsv(`/admin/v1/metrics/providers?${q}`, undefined, 'providers')}>
          Export CSV
        </button>
      </div>
      <ErrorNote error={r.error} />
      {r.data && (
        <>
          <Table
            label="Providers"
            rows={r.data.data}
            rowKey={(p) => p.provider}
            initialSort={{ key: 'attempts', dir: 'desc' }}
            columns={[
              { key: 'provider', label: 'Provider' },
              { key: 'healthy', label: 'Health', render: (p) => (p.healthy ? <Badge tone="ok">healthy</Badge> : <Badge tone="bad">unhealthy</Badge>) },
              { key: 'breaker', label: 'Breaker', render: (p) => <Badge tone={p.breaker === 'closed' ? 'ok' : p.breaker === 'open' ? 'bad' : 'warn'}>{p.breaker}</Badge> },
              { key: 'attempts', label: 'Calls', numeric: true, render: (p) => int(p.attempts) },
              { key: 'error_rate', label: 'Error rate', numeric: true, render: (p) => pct(p.error_rate) },
              { key: 'p50_ms', label: 'p50', numeric: true, render: (p) => ms(p.p50_ms) },
              { key: 'p95_ms', label: 'p95', numeric: true, render: (p) => ms(p.p95_ms) },
              { key: 'cost_usd', label: 'Cost', numeric: true, render: (p) => usd(p.cost_usd) },
            ]}
          />
          <p class="muted">Breaker state is this server's view; each worker keeps its own breakers.</p>
          {days.length > 0 && (
            <Chart title="Cost per day" x={days} bars series={r.data.data.map((p, i) => ({ label: p.provider, color: COLORS[i % COLORS.length]!, values: p.cost_per_day.map((d) => d.cost_usd), format: (v: number) => usd(v) }))} />
          )}
        </>
      )}
    </>
  );
}
