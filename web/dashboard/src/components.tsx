import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/* ---------- tables with sorting and paging ---------- */

export type Column<T> = {
  key: string;
  label: string;
  render?: (row: T) => ComponentChildren;
  /** The value sorted on (default: row[key]); false: not sortable. */
  sort?: ((row: T) => string | number | null) | false;
  numeric?: boolean;
};

export function Table<T>(props: { columns: Column<T>[]; rows: T[]; pageSize?: number; initialSort?: { key: string; dir: 'asc' | 'desc' }; empty?: ComponentChildren; label: string; rowKey?: (r: T) => string }) {
  const [sort, setSort] = useState(props.initialSort ?? null);
  const [page, setPage] = useState(0);
  const size = props.pageSize ?? 10;
  const sorted = useMemo(() => {
    if (!sort) return props.rows;
    const col = props.columns.find((c) => c.key === sort.key);
    if (!col || col.sort === false) return props.rows;
    const val = col.sort ?? ((r: T) => (r as Record<string, unknown>)[col.key] as string | number | null);
    const out = [...props.rows].sort((a, b) => {
      const x = val(a);
      const y = val(b);
      if (x === y) return 0;
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      return (x < y ? -1 : 1) * (sort.dir === 'asc' ? 1 : -1);
    });
    return out;
  }, [props.rows, sort]);
  const pages = Math.max(1, Math.ceil(sorted.length / size));
  const p = Math.min(page, pages - 1);
  const rows = sorted.slice(p * size, p * size + size);
  if (props.rows.length === 0 && props.empty) return <div class="empty">{props.empty}</div>;
  const toggle = (key: string) => setSort((s) => (s?.key === key ? { key, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: 'desc' }));
  return (
    <div class="table-wrap">
      <table aria-label={props.label}>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th class={c.numeric ? 'num' : ''} aria-sort={sort?.key === c.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}>
                {c.sort === false ? (
                  c.label
                ) : (
                  <button type="button" class="sort" onClick={() => toggle(c.key)}>
                    {c.label}
                    <span aria-hidden="true">{sort?.key === c.key ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}</span>
                  </button>
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={props.rowKey ? props.rowKey(r) : i}>
              {props.columns.map((c) => (
                <td class={c.numeric ? 'num' : ''}>{c.render ? c.render(r) : String((r as Record<string, unknown>)[c.key] ?? '—')}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {pages > 1 && (
        <nav class="pager" aria-label={`${props.label} pages`}>
          <button type="button" disabled={p === 0} onClick={() => setPage(p - 1)}>
            ‹ Previous
          </button>
          <span>
            Page {p + 1} of {pages} · {sorted.length} rows
          </span>
          <button type="button" disabled={p >= pages - 1} onClick={() => setPage(p + 1)}>
            Next ›
          </button>
        </nav>
      )}
    </div>
  );
}

/* ---------- charts (uPlot) ---------- */

export type Series = { label: string; values: (number | null)[]; color: string; axis?: 'left' | 'right'; format?: (v: number) => string };

export function Chart(props: { title: string; x: string[]; series: Series[]; height?: number; bars?: boolean }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const xs = props.x.map((t) => Date.parse(t) / 1000);
    const right = props.series.find((s) => s.axis === 'right');
    const left = props.series.find((s) => s.axis !== 'right');
    const plot = new uPlot(
      {
        width: el.current.clientWidth || 600,
        height: props.height ?? 220,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] }, ...(right ? { r: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } } : {}) },
        axes: [
          { stroke: '#6b7280', grid: { stroke: '#eef0f3' } },
          { stroke: '#6b7280', grid: { stroke: '#eef0f3' }, ...(left?.format ? { values: (_u: uPlot, vs: number[]) => vs.map(left.format!) } : {}) },
          ...(right ? [{ scale: 'r', side: 1, stroke: '#6b7280', grid: { show: false }, ...(right.format ? { values: (_u: uPlot, vs: number[]) => vs.map(right.format!) } : {}) }] : []),
        ],
        series: [
          {},
          ...props.series.map((s) => ({
            label: s.label,
            stroke: s.color,
            fill: props.bars ? s.color + '55' : s.color + '18',
            width: 2,
            scale: s.axis === 'right' ? 'r' : 'y',
            spanGaps: false,
            ...(props.bars ? { paths: uPlot.paths.bars!({ size: [0.6, 40] }), points: { show: false } } : {}),
            ...(s.format ? { value: (_u: uPlot, v: number | null) => (v === null ? '—' : s.format!(v)) } : {}),
          })),
        ],
      },
      [xs, ...props.series.map((s) => s.values)] as uPlot.AlignedData,
      el.current,
    );
    const ro = new ResizeObserver(() => plot.setSize({ width: el.current?.clientWidth || 600, height: props.height ?? 220 }));
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [props.x, props.series]);
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <div ref={el} />
    </figure>
  );
}

/* ---------- period picker ---------- */

export type Period = { period: '24h' | '7d' | '30d' | 'custom'; from?: string; to?: string; granularity?: 'hour' | 'day' };

export const periodQuery = (p: Period) => {
  const q = new URLSearchParams({ period: p.period });
  if (p.period === 'custom') {
    if (p.from) q.set('from', new Date(p.from).toISOString());
    if (p.to) q.set('to', new Date(p.to).toISOString());
  }
  if (p.granularity) q.set('granularity', p.granularity);
  return q.toString();
};

export function PeriodPicker(props: { value: Period; onChange: (p: Period) => void }) {
  const v = props.value;
  const [from, setFrom] = useState(v.from ?? new Date(Date.now() - 14 * 86400_000).toISOString().slice(0, 10));
  const [to, setTo] = useState(v.to ?? new Date().toISOString().slice(0, 10));
  return (
    <div class="period" role="group" aria-label="Period">
      {(['24h', '7d', '30d', 'custom'] as const).map((p) => (
        <button type="button" class={v.period === p ? 'on' : ''} aria-pressed={v.period === p} onClick={() => props.onChange({ ...v, period: p, ...(p === 'custom' ? { from, to } : {}) })}>
          {p === 'custom' ? 'Custom' : `Last ${p}`}
        </button>
      ))}
      {v.period === 'custom' && (
        <>
          <label>
            From <input type="date" value={from} onChange={(e) => setFrom((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            To <input type="date" value={to} onChange={(e) => setTo((e.target as HTMLInputElement).value)} />
          </label>
          <button type="button" onClick={() => props.onChange({ ...v, from, to: new Date(Date.parse(to) + 86400_000).toISOString().slice(0, 10) })}>
            Apply
          </button>
        </>
      )}
      <label>
        By{' '}
        <select value={v.granularity ?? ''} onChange={(e) => props.onChange({ ...v, granularity: ((e.target as HTMLSelectElement).value || undefined) as Period['granularity'] })}>
          <option value="">auto</option>
          <option value="hour">hour</option>
          <option value="day">day</option>
        </select>
      </label>
    </div>
  );
}

/* ---------- small pieces ---------- */

export function Stat(props: { label: string; value: string; id: string; hint?: string }) {
  return (
    <div class="stat">
      <div class="stat-label">{props.label}</div>
      <div class="stat-value" data-stat={props.id}>
        {props.value}
      </div>
      {props.hint && <div class="stat-hint">{props.hint}</div>}
    </div>
  );
}

export function Empty(props: { title: string; children: ComponentChildren }) {
  return (
    <div class="empty" role="note">
      <strong>{props.title}</strong>
      <div>{props.children}</div>
    </div>
  );
}

export function ErrorNote(props: { error: unknown }) {
  if (!props.error) return null;
  const e = props.error as { message?: string; code?: string };
  return (
    <div class="error" role="alert">
      {e.message ?? String(props.error)}
      {e.code ? <code> {e.code}</code> : null}
    </div>
  );
}

export function Badge(props: { tone: 'ok' | 'bad' | 'warn' | 'muted'; children: ComponentChildren }) {
  return <span class={`badge ${props.tone}`}>{props.children}</span>;
}

export function Modal(props: { title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  return (
    <dialog ref={ref} aria-label={props.title} onClose={props.onClose} onCancel={props.onClose}>
      <h2>{props.title}</h2>
      {props.children}
      <div class="actions">
        <button type="button" onClick={() => ref.current?.close()}>
          Close
        </button>
      </div>
    </dialog>
  );
}

/** A secret the API shows only once. */
export function SecretOnce(props: { label: string; secret: string; onClose: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <Modal title={props.label} onClose={props.onClose}>
      <p>
        <strong>Copy it now: it will not be shown again.</strong> Store it in your server's secret store.
      </p>
      <code class="secret" data-secret>
        {props.secret}
      </code>
      <button
        type="button"
        onClick={() =>
          void navigator.clipboard?.writeText(props.secret).then(
            () => setCopied(true),
            () => setCopied(false),
          )
        }
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
    </Modal>
  );
}

/** Load data for a view; re-runs when `deps` change. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data: T | undefined; error: unknown; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, error: undefined, loading: false }),
      (error: unknown) => live && setState({ data: undefined, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, n]);
  return { ...state, reload: () => setN((x) => x + 1) };
}

/**
 * Newer / Older over a cursor list (`starting_after`): `cursors` is the stack of the pages' last
 * ids walked so far (the page shown starts after its top), `page` the list answer shown.
 */
export function CursorPager(props: { cursors: string[]; setCursors: (c: string[]) => void; page: { data: { id: string }[]; has_more: boolean }; label: string; newer: string; older: string }) {
  const { cursors, setCursors, page } = props;
  return (
    <nav class="pager" aria-label={props.label}>
      <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
        {props.newer}
      </button>
      <button type="button" disabled={!page.has_more} onClick={() => setCursors([...cursors, page.data[page.data.length - 1]!.id])}>
        {props.older}
      </button>
    </nav>
  );
}
