/**
 * Audit: who did what, newest first, in English or Spanish (a switch on the page, remembered in this
 * browser). A store's page reads its own trail (`GET /v1/audit`); the operator's platform page reads
 * every store's and the platform's (`GET /admin/v1/audit`, a store filter). Filters by action (one,
 * or a group such as every API key event), actor and days; pages with the API's cursor; CSV export
 * of every matching event.
 */
import { useState } from 'preact/hooks';
import { call, downloadCsv, listAll, type List } from '../api';
import { CursorPager, Badge, Empty, ErrorNote, Table, useLoad } from '../components';
import { ACTION_GROUPS, ACTIONS, ACTORS, REASONS, TEXT, when, type Lang } from './audit-text';
import type { Tenant } from './tenants';

type AuditEvent = {
  id: string;
  at: string;
  tenant_id: string | null;
  action: string;
  actor: { kind: string; id: string | null; label: string | null };
  target: { type: string; id: string } | null;
  request_id: string | null;
  ip: string | null;
  details: Record<string, unknown>;
};

type Filters = { action: string; actor: string; from: string; to: string; tenant: string };
const NO_FILTERS: Filters = { action: '', actor: '', from: '', to: '', tenant: '' };

function initialLang(): Lang {
  const saved = localStorage.getItem('pb.audit.lang');
  if (saved === 'en' || saved === 'es') return saved;
  return navigator.language.toLowerCase().startsWith('es') ? 'es' : 'en';
}

const DAY = 86_400_000;
function query(f: Filters, operator: boolean): URLSearchParams {
  const q = new URLSearchParams();
  if (f.action) q.set('action', f.action);
  if (f.actor) q.set('actor_kind', f.actor);
  if (f.from) q.set('from', new Date(`${f.from}T00:00:00Z`).toISOString());
  // "To" is a whole day: everything before the next midnight (UTC).
  if (f.to) q.set('to', new Date(Date.parse(`${f.to}T00:00:00Z`) + DAY).toISOString());
  if (operator && f.tenant) q.set('tenant_id', f.tenant);
  return q;
}

const tone = (action: string) => (action.endsWith('_failed') ? 'bad' : action.endsWith('.revoked') || action.endsWith('.erased') || action.endsWith('.disabled') || action.endsWith('.deactivated') ? 'warn' : 'muted');

/** The few facts of an event, in words. */
function Details(props: { e: AuditEvent; lang: Lang }) {
  const tx = TEXT[props.lang];
  const d = props.e.details;
  const parts: string[] = [];
  if (typeof d.reason === 'string') parts.push(`${tx.reason}: ${REASONS[d.reason]?.[props.lang] ?? d.reason}`);
  if (Array.isArray(d.sections)) parts.push(`${tx.sections}: ${d.sections.join(', ')}`);
  if (d.changes && typeof d.changes === 'object') {
    for (const [k, v] of Object.entries(d.changes as Record<string, { from: unknown; to: unknown }>)) parts.push(`${k}: ${JSON.stringify(v.from)} → ${JSON.stringify(v.to)}`);
  }
  for (const k of ['role', 'kind', 'environment', 'new_key_id', 'name', 'tier']) if (d[k] !== undefined && d[k] !== null) parts.push(`${k}: ${String(d[k])}`);
  return <span class="audit-details">{parts.join(' · ') || '—'}</span>;
}

export function AuditPage(props: { tenant?: string }) {
  const operator = props.tenant === undefined;
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = (l: Lang) => {
    localStorage.setItem('pb.audit.lang', l);
    setLangState(l);
  };
  const tx = TEXT[lang];
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [cursors, setCursors] = useState<string[]>([]);
  const after = cursors[cursors.length - 1];
  const set = (patch: Partial<Filters>) => {
    setFilters({ ...filters, ...patch });
    setCursors([]);
  };
  const path = operator ? '/admin/v1/audit' : '/v1/audit';
  const q = query(filters, operator);
  const page = useLoad(() => {
    const p = new URLSearchParams(q);
    p.set('limit', '25');
    if (after) p.set('starting_after', after);
    return call<List<AuditEvent>>(`${path}?${p.toString()}`, { tenant: props.tenant });
  }, [path, q.toString(), after, props.tenant]);
  const tenants = useLoad(() => (operator ? listAll<Tenant>('/admin/v1/tenants') : Promise.resolve({ data: [] as Tenant[], truncated: false })), [operator]);
  const tenantName = (id: string | null) => (id === null ? tx.platform : (tenants.data?.data.find((t) => t.id === id)?.name ?? id));
  const [error, setError] = useState<unknown>();
  const label = (m: Record<string, { en: string; es: string }>, k: string) => m[k]?.[lang] ?? k;

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
      <p class="muted">{tx.intro}</p>
      <form class="inline-form" aria-label={tx.title} onSubmit={(e) => e.preventDefault()}>
        <label>
          {tx.action}
          <select aria-label={tx.action} value={filters.action} onChange={(e) => set({ action: (e.target as HTMLSelectElement).value })}>
            <option value="">{tx.allActions}</option>
            {Object.keys(ACTION_GROUPS).map((a) => (
              <option value={a}>{label(ACTION_GROUPS, a)}</option>
            ))}
            {Object.keys(ACTIONS)
              .filter((a) => operator || !a.startsWith('operator.'))
              .map((a) => (
                <option value={a}>{label(ACTIONS, a)}</option>
              ))}
          </select>
        </label>
        <label>
          {tx.actor}
          <select aria-label={tx.actor} value={filters.actor} onChange={(e) => set({ actor: (e.target as HTMLSelectElement).value })}>
            <option value="">{tx.allActors}</option>
            {Object.keys(ACTORS).map((a) => (
              <option value={a}>{label(ACTORS, a)}</option>
            ))}
          </select>
        </label>
        {operator && (
          <label>
            {tx.tenant}
            <select aria-label={tx.tenant} value={filters.tenant} onChange={(e) => set({ tenant: (e.target as HTMLSelectElement).value })}>
              <option value="">{tx.allTenants}</option>
              {(tenants.data?.data ?? []).map((t) => (
                <option value={t.id}>{t.name}</option>
              ))}
            </select>
          </label>
        )}
        <label>
          {tx.from}
          <input type="date" aria-label={tx.from} value={filters.from} onChange={(e) => set({ from: (e.target as HTMLInputElement).value })} />
        </label>
        <label>
          {tx.to}
          <input type="date" aria-label={tx.to} value={filters.to} onChange={(e) => set({ to: (e.target as HTMLInputElement).value })} />
        </label>
        <button type="button" disabled={JSON.stringify(filters) === JSON.stringify(NO_FILTERS)} onClick={() => set(NO_FILTERS)}>
          {tx.clear}
        </button>
        <button
          type="button"
          onClick={() => {
            const p = new URLSearchParams(q);
            p.set('format', 'csv');
            setError(undefined);
            void downloadCsv(`${path}?${p.toString()}`, props.tenant, 'audit').catch(setError);
          }}
        >
          {tx.export}
        </button>
      </form>
      <ErrorNote error={page.error ?? error} />
      {page.data && (
        <>
          <Table
            label={tx.table}
            rows={page.data.data}
            pageSize={25}
            rowKey={(r) => r.id}
            empty={<Empty title={tx.empty}>{tx.emptyBody}</Empty>}
            columns={[
              { key: 'at', label: tx.when, render: (r) => <time dateTime={r.at}>{when(lang, r.at)}</time> },
              {
                key: 'action',
                label: tx.action,
                render: (r) => (
                  <span data-action={r.action} title={r.action}>
                    <Badge tone={tone(r.action)}>{label(ACTIONS, r.action)}</Badge>
                  </span>
                ),
              },
              {
                key: 'actor',
                label: tx.actor,
                sort: (r) => r.actor.label ?? r.actor.kind,
                render: (r) => (
                  <span data-actor={r.actor.kind}>
                    {r.actor.label ?? r.actor.id ?? label(ACTORS, r.actor.kind)}
                    {(r.actor.label ?? r.actor.id) && <span class="muted"> · {label(ACTORS, r.actor.kind)}</span>}
                  </span>
                ),
              },
              ...(operator ? [{ key: 'tenant', label: tx.tenant, sort: (r: AuditEvent) => tenantName(r.tenant_id), render: (r: AuditEvent) => tenantName(r.tenant_id) }] : []),
              { key: 'target', label: tx.target, sort: (r) => r.target?.id ?? null, render: (r) => (r.target ? <code>{r.target.id}</code> : '—') },
              { key: 'ip', label: tx.address, render: (r) => (r.ip ? <code>{r.ip}</code> : '—') },
              { key: 'details', label: tx.details, sort: false, render: (r) => <Details e={r} lang={lang} /> },
            ]}
          />
          <CursorPager cursors={cursors} setCursors={setCursors} page={page.data} label={tx.pages} newer={tx.newer} older={tx.older} />
        </>
      )}
    </div>
  );
}
