import { useState } from 'preact/hooks';
import { call, type List } from '../api';
import { CursorPager, Badge, Empty, ErrorNote, Table, useLoad } from '../components';
import { ms, usd, when } from '../format';

type Tryon = {
  id: string;
  status: string;
  stage: string | null;
  provider: string | null;
  cached: boolean;
  garments: { product_id: string | null; category: string }[];
  result: { url: string } | null;
  error?: { code: string; message: string } | null;
  timings: { total_ms: number | null };
  cost_usd?: number;
  created_at: string;
};

const tone = (s: string) => (s === 'succeeded' ? 'ok' : s === 'failed' ? 'bad' : s === 'expired' || s === 'canceled' ? 'muted' : 'warn');

export function RecentTryons(props: { tenant: string }) {
  const [status, setStatus] = useState('');
  const [cursors, setCursors] = useState<string[]>([]);
  const after = cursors[cursors.length - 1];
  const { data, error } = useLoad(
    () => call<List<Tryon>>(`/v1/analytics/recent-tryons?limit=20${status ? `&status=${status}` : ''}${after ? `&starting_after=${after}` : ''}`, { tenant: props.tenant }),
    [props.tenant, status, after],
  );
  return (
    <>
      <h1>Recent try-ons</h1>
      <div class="toolbar">
        <label>
          Status{' '}
          <select
            value={status}
            onChange={(e) => {
              setStatus((e.target as HTMLSelectElement).value);
              setCursors([]);
            }}
          >
            <option value="">all</option>
            {['queued', 'processing', 'succeeded', 'failed', 'canceled', 'expired'].map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNote error={error} />
      {data && (
        <>
          <Table
            label="Try-ons"
            rows={data.data}
            pageSize={20}
            rowKey={(r) => r.id}
            empty={<Empty title="No try-ons yet">Try-ons made through the widget or <code>POST /v1/tryons</code> appear here, with their result while your retention setting keeps it.</Empty>}
            columns={[
              {
                key: 'result',
                label: 'Result',
                sort: false,
                render: (r) => (r.result ? <img class="thumb" src={r.result.url} alt={`Result of ${r.id}`} loading="lazy" /> : <span class="thumb none">{r.status === 'expired' ? 'deleted (retention)' : '—'}</span>),
              },
              { key: 'id', label: 'Try-on', render: (r) => <code>{r.id}</code> },
              { key: 'created_at', label: 'Created', render: (r) => when(r.created_at) },
              { key: 'status', label: 'Status', render: (r) => <Badge tone={tone(r.status)}>{r.status}{r.cached ? ' · cache' : ''}</Badge> },
              { key: 'product', label: 'Products', sort: (r) => r.garments.map((g) => g.product_id ?? '').join(','), render: (r) => r.garments.map((g) => g.product_id ?? g.category).join(', ') },
              { key: 'provider', label: 'Provider' },
              { key: 'total', label: 'Time', numeric: true, sort: (r) => r.timings.total_ms, render: (r) => ms(r.timings.total_ms) },
              { key: 'cost', label: 'Cost', numeric: true, sort: (r) => r.cost_usd ?? 0, render: (r) => (r.cost_usd === undefined ? '—' : usd(r.cost_usd)) },
              { key: 'error', label: 'Error', sort: (r) => r.error?.code ?? null, render: (r) => (r.error ? <span title={r.error.message}>{r.error.code}</span> : '') },
            ]}
          />
          <CursorPager cursors={cursors} setCursors={setCursors} page={data} label="Try-on pages" newer="‹ Newer" older="Older ›" />
        </>
      )}
    </>
  );
}
