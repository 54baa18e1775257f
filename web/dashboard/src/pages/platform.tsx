/** Operator: platform-wide figures and the busiest tenants. */
import { useState } from 'preact/hooks';
import { call, downloadCsv, listAll } from '../api';
import { ErrorNote, Table, periodQuery, useLoad, type Period } from '../components';
import { int, pct, usd } from '../format';
import { TryonFigures } from './figures';
import type { Tenant } from './tenants';

type Breakdown = { data: { tenant_id: string; tryons: number; succeeded: number; failed: number; cached: number; success_rate: number | null; cost_usd: number }[] };

export function Platform() {
  const [period, setPeriod] = useState<Period>({ period: '7d' });
  const q = periodQuery(period);
  const b = useLoad(() => call<Breakdown>(`/admin/v1/metrics/tenants?${q}`), [q]);
  const names = useLoad(() => listAll<Tenant>('/admin/v1/tenants'), []);
  const nameOf = (id: string) => names.data?.data.find((t) => t.id === id)?.name ?? id;
  return (
    <>
      <h1>Platform</h1>
      <TryonFigures path="/admin/v1/metrics/tryons" period={period} onPeriod={setPeriod} />
      <h2>Tenants by try-ons</h2>
      <div class="toolbar">
        <button type="button" onClick={() => void downloadCsv(`/admin/v1/metrics/tenants?${q}`, undefined, 'tenants')}>
          Export CSV
        </button>
      </div>
      <ErrorNote error={b.error} />
      {b.data && (
        <Table
          label="Tenants by try-ons"
          rows={b.data.data.map((d) => ({ ...d, name: nameOf(d.tenant_id) }))}
          rowKey={(r) => r.tenant_id}
          initialSort={{ key: 'tryons', dir: 'desc' }}
          empty={<p class="muted">No try-ons on the platform in this period.</p>}
          columns={[
            { key: 'name', label: 'Tenant', render: (r) => <a href={`/dashboard/t/${r.tenant_id}/overview`}>{r.name}</a> },
            { key: 'tryons', label: 'Try-ons', numeric: true, render: (r) => int(r.tryons) },
            { key: 'success_rate', label: 'Success', numeric: true, render: (r) => pct(r.success_rate) },
            { key: 'cached', label: 'Cached', numeric: true, render: (r) => int(r.cached) },
            { key: 'cost_usd', label: 'Cost', numeric: true, render: (r) => usd(r.cost_usd) },
          ]}
        />
      )}
    </>
  );
}
