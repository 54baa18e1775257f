/** Operator: tenants (list, create) and one tenant's settings, keys and users. */
import { useEffect, useState } from 'preact/hooks';
import { call, listAll } from '../api';
import { navigate } from '../router';
import { Badge, Empty, ErrorNote, Table, useLoad } from '../components';
import { when } from '../format';
import { Keys, Users } from './access';

export type Tenant = {
  id: string;
  name: string;
  website: string | null;
  tier: 'free' | 'basic' | 'pro' | 'enterprise';
  active: boolean;
  allowed_origins: string[];
  retention: string;
  settings: Record<string, unknown>;
  limits: { requests_per_minute_per_key?: number; requests_per_minute_per_tenant?: number; monthly_generations?: number | null };
  created_at: string;
};

export function Tenants() {
  const list = useLoad(() => listAll<Tenant>('/admin/v1/tenants'), []);
  const [name, setName] = useState('');
  const [tier, setTier] = useState('free');
  const [error, setError] = useState<unknown>();
  return (
    <>
      <h1>Tenants</h1>
      <form
        class="inline-form"
        aria-label="New tenant"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(undefined);
          try {
            const t = await call<Tenant>('/admin/v1/tenants', { method: 'POST', body: { name, tier } });
            navigate(`/tenants/${t.id}`);
          } catch (err) {
            setError(err);
          }
        }}
      >
        <label>
          Store name <input name="tenant_name" required maxLength={200} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Tier
          <select name="tier" value={tier} onChange={(e) => setTier((e.target as HTMLSelectElement).value)}>
            {['free', 'basic', 'pro', 'enterprise'].map((x) => (
              <option value={x}>{x}</option>
            ))}
          </select>
        </label>
        <button type="submit" class="primary">
          Create tenant
        </button>
      </form>
      <ErrorNote error={error ?? list.error} />
      {list.data && (
        <Table
          label="Tenants"
          rows={list.data.data}
          rowKey={(r) => r.id}
          pageSize={15}
          initialSort={{ key: 'created_at', dir: 'desc' }}
          empty={<Empty title="No tenants yet">Create the first store above; then give it a publishable key and its allowed origins.</Empty>}
          columns={[
            { key: 'name', label: 'Name', render: (r) => <a href={`/dashboard/tenants/${r.id}`}>{r.name}</a> },
            { key: 'id', label: 'Id', render: (r) => <code>{r.id}</code> },
            { key: 'tier', label: 'Tier' },
            { key: 'active', label: 'State', render: (r) => (r.active ? <Badge tone="ok">active</Badge> : <Badge tone="muted">deactivated</Badge>) },
            { key: 'origins', label: 'Origins', sort: (r) => r.allowed_origins.length, render: (r) => r.allowed_origins.join(', ') || '—' },
            { key: 'created_at', label: 'Created', render: (r) => when(r.created_at) },
          ]}
        />
      )}
    </>
  );
}

const lines = (s: string) => s.split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);
const numOrUndef = (s: string) => (s.trim() === '' ? undefined : Number(s));

export function TenantDetail(props: { id: string }) {
  const t = useLoad(() => call<Tenant>(`/admin/v1/tenants/${props.id}`), [props.id]);
  const providers = useLoad(() => call<{ data: { provider: string }[] }>('/admin/v1/metrics/providers?period=24h'), []);
  const [f, setF] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState('');
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    const x = t.data;
    if (!x) return;
    const tryon = (x.settings.tryon as { providers?: string[] } | undefined) ?? {};
    setF({
      name: x.name,
      website: x.website ?? '',
      tier: x.tier,
      retention: x.retention,
      origins: x.allowed_origins.join('\n'),
      per_key: x.limits.requests_per_minute_per_key?.toString() ?? '',
      per_tenant: x.limits.requests_per_minute_per_tenant?.toString() ?? '',
      monthly: x.limits.monthly_generations === null ? 'unlimited' : (x.limits.monthly_generations?.toString() ?? ''),
      providers: (tryon.providers ?? []).join(', '),
    });
  }, [t.data]);
  const set = (k: string) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement).value });
  const x = t.data;
  return (
    <>
      <p>
        <a href="/dashboard/tenants">‹ Tenants</a>
      </p>
      <ErrorNote error={error ?? t.error} />
      {x && (
        <>
          <h1>
            {x.name} {x.active ? <Badge tone="ok">active</Badge> : <Badge tone="muted">deactivated</Badge>}
          </h1>
          <p>
            <code>{x.id}</code> · <a href={`/dashboard/t/${x.id}/overview`}>Open the store's dashboard ›</a>
          </p>
          <form
            class="grid-form"
            aria-label="Tenant settings"
            onSubmit={async (e) => {
              e.preventDefault();
              setError(undefined);
              setSaved('');
              const limits: Tenant['limits'] = {};
              if (numOrUndef(f.per_key!) !== undefined) limits.requests_per_minute_per_key = numOrUndef(f.per_key!);
              if (numOrUndef(f.per_tenant!) !== undefined) limits.requests_per_minute_per_tenant = numOrUndef(f.per_tenant!);
              if (f.monthly === 'unlimited') limits.monthly_generations = null;
              else if (numOrUndef(f.monthly!) !== undefined) limits.monthly_generations = numOrUndef(f.monthly!);
              const order = lines(f.providers ?? '');
              const tryon = { ...((x.settings.tryon as object) ?? {}), providers: order };
              if (!order.length) delete (tryon as { providers?: string[] }).providers;
              try {
                await call(`/admin/v1/tenants/${x.id}`, {
                  method: 'PATCH',
                  body: { name: f.name, website: f.website || null, tier: f.tier, retention: f.retention, allowed_origins: lines(f.origins ?? ''), limits, settings: { ...x.settings, tryon } },
                });
                setSaved('Saved.');
                t.reload();
              } catch (err) {
                setError(err);
              }
            }}
          >
            <label>
              Name <input name="name" required value={f.name} onInput={set('name')} />
            </label>
            <label>
              Website <input name="website" type="url" value={f.website} onInput={set('website')} />
            </label>
            <label>
              Tier
              <select name="tier" value={f.tier} onChange={set('tier')}>
                {['free', 'basic', 'pro', 'enterprise'].map((v) => (
                  <option value={v}>{v}</option>
                ))}
              </select>
            </label>
            <label>
              Photo retention
              <select name="retention" value={f.retention} onChange={set('retention')}>
                {['process-only', '1h', '24h', '7d'].map((v) => (
                  <option value={v}>{v}</option>
                ))}
              </select>
            </label>
            <label class="wide">
              Allowed origins (one per line, scheme://host[:port])
              <textarea name="allowed_origins" rows={3} value={f.origins} onInput={set('origins')} placeholder="https://shop.example" />
            </label>
            <label>
              Requests/min per key <input name="per_key" inputMode="numeric" placeholder="tier default" value={f.per_key} onInput={set('per_key')} />
            </label>
            <label>
              Requests/min per tenant <input name="per_tenant" inputMode="numeric" placeholder="tier default" value={f.per_tenant} onInput={set('per_tenant')} />
            </label>
            <label>
              Generations/month <input name="monthly" placeholder="tier default, a number or unlimited" value={f.monthly} onInput={set('monthly')} />
            </label>
            <label class="wide">
              Provider order (comma separated; <code>local</code> is always last){providers.data ? ` — available: ${providers.data.data.map((p) => p.provider).join(', ')}` : ''}
              <input name="providers" value={f.providers} onInput={set('providers')} placeholder="platform default" />
            </label>
            <div class="wide actions">
              <button type="submit" class="primary">
                Save tenant
              </button>
              <span role="status">{saved}</span>
              {x.active && (
                <button type="button" class="danger" onClick={() => confirm(`Deactivate ${x.name}? Its keys and users stop working at once.`) && void call(`/admin/v1/tenants/${x.id}/deactivate`, { method: 'POST' }).then(t.reload, setError)}>
                  Deactivate
                </button>
              )}
              {!x.active && (
                <button type="button" onClick={() => void call(`/admin/v1/tenants/${x.id}`, { method: 'PATCH', body: { active: true } }).then(t.reload, setError)}>
                  Reactivate
                </button>
              )}
            </div>
          </form>
          <Keys tenant={x.id} canWrite />
          <Users tenant={x.id} canWrite />
        </>
      )}
    </>
  );
}
