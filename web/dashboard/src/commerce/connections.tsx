/**
 * A bot's channel connections in priority order (the first healthy one sends): add one with its
 * provider's credential fields (write-only: the API answers which are set, never their values),
 * move up/down, enable/disable, replace credentials, remove; each with its state and health from
 * GET /v1/bots/:id/status (breaker, traffic of the last minutes, last error, a probe on demand).
 */
import { useState } from 'preact/hooks';
import { call } from '../api';
import { Badge, ErrorNote } from '../components';
import { when } from '../format';
import { PROVIDERS, type Bot, type BotStatus, type Connection, type ConnectionHealth } from './types';
import { providerInfo, stateTone, type Field } from './providers';

type Props = { tenant: string; bot: Bot; status: BotStatus | undefined; canWrite: boolean; onChange: () => void; onProbe: () => void };

export function Connections(props: Props) {
  const { tenant: t, bot } = props;
  const [error, setError] = useState<unknown>();
  const [editing, setEditing] = useState<string | null>(null);
  const conns = [...bot.connections].sort((a, b) => a.priority - b.priority);
  const act = (p: Promise<unknown>) => {
    setError(undefined);
    void p.then(props.onChange, setError);
  };
  const move = (i: number, by: -1 | 1) => {
    const ids = conns.map((c) => c.id);
    const [id] = ids.splice(i, 1);
    ids.splice(i + by, 0, id!);
    act(call(`/v1/bots/${bot.id}/connections/order`, { method: 'PUT', tenant: t, body: { order: ids } }));
  };
  const health = (id: string) => props.status?.connections.find((c) => c.id === id);
  return (
    <section aria-label="Connections">
      <div class="toolbar">
        <h2>Connections</h2>
        <button type="button" onClick={props.onProbe}>
          Check health now
        </button>
      </div>
      <p class="muted">Tried in this order: the first healthy connection sends; outside the 24-hour window only a template goes out, and marketing never goes through an unofficial one.</p>
      <ErrorNote error={error} />
      <ol class="conn-list">
        {conns.map((c, i) => (
          <li key={c.id} class={`conn ${c.enabled ? '' : 'off'}`} data-connection={c.id} data-provider={c.provider}>
            <div class="conn-head">
              <span class="conn-rank">{i + 1}</span>
              <strong>{providerInfo(c.provider).label}</strong>
              {c.unofficial && <Badge tone="warn">unofficial</Badge>}
              <Badge tone={c.enabled ? stateTone(c.state) : 'muted'}>{c.enabled ? c.state : 'disabled'}</Badge>
              <HealthLine h={health(c.id)} />
              {props.canWrite && (
                <span class="row-actions">
                  <button type="button" aria-label={`Move ${c.provider} up`} disabled={i === 0} onClick={() => move(i, -1)}>
                    ↑
                  </button>
                  <button type="button" aria-label={`Move ${c.provider} down`} disabled={i === conns.length - 1} onClick={() => move(i, 1)}>
                    ↓
                  </button>
                  <button type="button" onClick={() => act(call(`/v1/bots/${bot.id}/connections/${c.id}`, { method: 'PATCH', tenant: t, body: { enabled: !c.enabled } }))}>
                    {c.enabled ? 'Disable' : 'Enable'}
                  </button>
                  {providerInfo(c.provider).fields.length > 0 && (
                    <button type="button" onClick={() => setEditing(editing === c.id ? null : c.id)}>
                      Credentials
                    </button>
                  )}
                  <button type="button" class="danger" onClick={() => confirm(`Remove the ${c.provider} connection?`) && act(call(`/v1/bots/${bot.id}/connections/${c.id}`, { method: 'DELETE', tenant: t }))}>
                    Remove
                  </button>
                </span>
              )}
            </div>
            <div class="conn-meta muted">
              {c.provider !== 'simulator' && (
                <span>
                  Webhook URL <code>{c.webhook_url}</code>
                </span>
              )}
              <CredentialsSet c={c} />
              {c.last_error && (
                <span class="bad-text">
                  Last error {when(c.last_error_at)}: {c.last_error}
                </span>
              )}
            </div>
            {editing === c.id && (
              <CredentialForm
                fields={providerInfo(c.provider).fields}
                existing={c.credentials_set}
                submitLabel="Save credentials"
                onSubmit={(credentials) => {
                  setEditing(null);
                  act(call(`/v1/bots/${bot.id}/connections/${c.id}`, { method: 'PATCH', tenant: t, body: { credentials } }));
                }}
              />
            )}
          </li>
        ))}
      </ol>
      {props.canWrite && <AddConnection tenant={t} botId={bot.id} onAdded={props.onChange} />}
    </section>
  );
}

function HealthLine(props: { h: ConnectionHealth | undefined }) {
  const h = props.h;
  if (!h) return null;
  const breaker = h.breaker === 'closed' ? null : <Badge tone={h.breaker === 'half_open' ? 'warn' : 'bad'}>breaker {h.breaker.replace('_', '-')}</Badge>;
  return (
    <span class="conn-health" data-health={h.id}>
      {breaker}
      <span class="muted">
        {h.traffic.sent} sent · {h.traffic.failed} failed in {h.traffic.window_minutes} min
      </span>
      {h.probe && <Badge tone={h.probe.ok ? 'ok' : 'bad'}>{h.probe.ok ? `probe ok ${Math.round(h.probe.latency_ms)} ms` : `probe failed${h.probe.detail ? `: ${h.probe.detail}` : ''}`}</Badge>}
    </span>
  );
}

function CredentialsSet(props: { c: Connection }) {
  const fields = providerInfo(props.c.provider).fields;
  if (fields.length === 0) return null;
  return (
    <span class="cred-set">
      {fields.map((f) => (
        <span key={f.key} data-credential={f.key}>
          {f.key}: {props.c.credentials_set.includes(f.key) ? <Badge tone="ok">set</Badge> : <Badge tone="muted">not set</Badge>}
        </span>
      ))}
    </span>
  );
}

/** Write-only credential inputs: empty fields are left as they are (on an existing connection). */
function CredentialForm(props: { fields: Field[]; existing?: string[]; submitLabel: string; onSubmit: (creds: Record<string, string>) => void }) {
  const [values, setValues] = useState<Record<string, string>>({});
  return (
    <form
      class="inline-form cred-form"
      aria-label={props.submitLabel}
      onSubmit={(e) => {
        e.preventDefault();
        const creds = Object.fromEntries(Object.entries(values).filter(([, v]) => v.trim() !== '').map(([k, v]) => [k, v.trim()]));
        props.onSubmit(creds);
      }}
    >
      {props.fields.map((f) => {
        const isSet = props.existing?.includes(f.key);
        const set = (v: string) => setValues((x) => ({ ...x, [f.key]: v }));
        return (
          <label key={f.key}>
            {f.label}
            {f.options ? (
              <select name={f.key} value={values[f.key] ?? ''} onChange={(e) => set((e.target as HTMLSelectElement).value)}>
                <option value="">{isSet ? '(unchanged)' : '—'}</option>
                {f.options.map((o) => (
                  <option value={o}>{o}</option>
                ))}
              </select>
            ) : (
              <input
                name={f.key}
                type={(f.secret ? 'password' : 'text') as 'text'}
                autocomplete="off"
                required={f.required && !isSet}
                placeholder={isSet ? 'set — type to replace' : f.placeholder}
                value={values[f.key] ?? ''}
                onInput={(e) => set((e.target as HTMLInputElement).value)}
              />
            )}
          </label>
        );
      })}
      <button type="submit" class="primary">
        {props.submitLabel}
      </button>
    </form>
  );
}

function AddConnection(props: { tenant: string; botId: string; onAdded: () => void }) {
  const [provider, setProvider] = useState<string>('simulator');
  const [error, setError] = useState<unknown>();
  const info = providerInfo(provider);
  const add = (credentials: Record<string, string>) => {
    setError(undefined);
    const body = { provider, ...(Object.keys(credentials).length > 0 ? { credentials } : {}) };
    void call(`/v1/bots/${props.botId}/connections`, { method: 'POST', tenant: props.tenant, body }).then(props.onAdded, setError);
  };
  return (
    <div class="add-conn" role="group" aria-label="Add a connection">
      <h3>Add a connection</h3>
      <label>
        Provider{' '}
        <select
          name="provider"
          value={provider}
          onChange={(e) => {
            setProvider((e.target as HTMLSelectElement).value);
            setError(undefined);
          }}
        >
          {PROVIDERS.map((p) => (
            <option value={p}>{providerInfo(p).label}</option>
          ))}
        </select>
      </label>
      <p class="muted">{info.note}</p>
      <CredentialForm key={provider} fields={info.fields} submitLabel="Add connection" onSubmit={add} />
      <ErrorNote error={error} />
    </div>
  );
}
