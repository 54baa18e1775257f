/** A tenant's API keys (create — shown once —, rotate, revoke) and its people. */
import { useState } from 'preact/hooks';
import { call, listAll } from '../api';
import { Badge, Empty, ErrorNote, SecretOnce, Table, useLoad } from '../components';
import { when } from '../format';

type Key = { id: string; name: string | null; kind: 'secret' | 'publishable'; environment: 'live' | 'test'; prefix: string; status: string; expires_at: string | null; last_used_at: string | null; created_at: string };
type Person = { id: string; email: string; name: string | null; role: string; active: boolean; last_login_at: string | null; created_at: string };

export function Keys(props: { tenant: string; canWrite: boolean }) {
  const t = props.tenant;
  const keys = useLoad(() => listAll<Key>(`/admin/v1/tenants/${t}/keys`), [t]);
  const [kind, setKind] = useState<'secret' | 'publishable'>('publishable');
  const [env, setEnv] = useState<'live' | 'test'>('live');
  const [name, setName] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const act = (p: Promise<unknown>) => void p.then(keys.reload, setError);
  return (
    <>
      <h1>API keys</h1>
      <p class="muted">Publishable keys (<code>pk_</code>) go in the widget tag and work only from your allowed origins; secret keys (<code>sk_</code>) are for your servers.</p>
      {props.canWrite && (
        <form
          class="inline-form"
          aria-label="New API key"
          onSubmit={async (e) => {
            e.preventDefault();
            setError(undefined);
            try {
              const k = await call<{ key: string }>(`/admin/v1/tenants/${t}/keys`, { method: 'POST', body: { kind, environment: env, ...(name ? { name } : {}) } });
              setSecret(k.key);
              setName('');
              keys.reload();
            } catch (err) {
              setError(err);
            }
          }}
        >
          <label>
            Kind
            <select name="kind" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value as typeof kind)}>
              <option value="publishable">publishable (widget)</option>
              <option value="secret">secret (server)</option>
            </select>
          </label>
          <label>
            Environment
            <select name="environment" value={env} onChange={(e) => setEnv((e.target as HTMLSelectElement).value as typeof env)}>
              <option value="live">live</option>
              <option value="test">test</option>
            </select>
          </label>
          <label>
            Name <input name="key_name" value={name} maxLength={100} placeholder="e.g. production widget" onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          </label>
          <button type="submit" class="primary">
            Create key
          </button>
        </form>
      )}
      <ErrorNote error={error ?? keys.error} />
      {secret && <SecretOnce label="Your new API key" secret={secret} onClose={() => setSecret(null)} />}
      {keys.data && (
        <Table
          label="API keys"
          rows={keys.data.data}
          rowKey={(r) => r.id}
          initialSort={{ key: 'created_at', dir: 'desc' }}
          empty={<Empty title="No API keys yet">Create a publishable key for the widget, and a secret key if your server calls the API.</Empty>}
          columns={[
            { key: 'prefix', label: 'Key', render: (r) => <code>{r.prefix}…</code> },
            { key: 'name', label: 'Name', render: (r) => r.name ?? '' },
            { key: 'kind', label: 'Kind' },
            { key: 'environment', label: 'Env' },
            { key: 'status', label: 'Status', render: (r) => <Badge tone={r.status === 'active' ? 'ok' : r.status === 'expiring' ? 'warn' : 'muted'}>{r.status}</Badge> },
            { key: 'last_used_at', label: 'Last used', render: (r) => when(r.last_used_at) },
            { key: 'created_at', label: 'Created', render: (r) => when(r.created_at) },
            {
              key: 'actions',
              label: '',
              sort: false,
              render: (r) =>
                props.canWrite && (r.status === 'active' || r.status === 'expiring') ? (
                  <span class="row-actions">
                    <button
                      type="button"
                      onClick={() =>
                        void call<{ key: { key: string } }>(`/admin/v1/tenants/${t}/keys/${r.id}/rotate`, { method: 'POST', body: {} }).then((x) => {
                          setSecret(x.key.key);
                          keys.reload();
                        }, setError)
                      }
                    >
                      Rotate
                    </button>
                    <button type="button" class="danger" onClick={() => confirm(`Revoke ${r.prefix}…? It stops working at once.`) && act(call(`/admin/v1/tenants/${t}/keys/${r.id}/revoke`, { method: 'POST' }))}>
                      Revoke
                    </button>
                  </span>
                ) : null,
            },
          ]}
        />
      )}
    </>
  );
}

export function Users(props: { tenant: string; canWrite: boolean }) {
  const t = props.tenant;
  const users = useLoad(() => call<{ data: Person[] }>(`/admin/v1/tenants/${t}/users`), [t]);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<'owner' | 'member'>('member');
  const [error, setError] = useState<unknown>();
  return (
    <>
      <h1>Users</h1>
      {props.canWrite && (
        <form
          class="inline-form"
          aria-label="New user"
          onSubmit={async (e) => {
            e.preventDefault();
            setError(undefined);
            try {
              // No password: the person is invited and signs in through single sign-on with this email.
              await call(`/admin/v1/tenants/${t}/users`, { method: 'POST', body: { email, ...(password ? { password } : {}), role } });
              setEmail('');
              setPassword('');
              users.reload();
            } catch (err) {
              setError(err);
            }
          }}
        >
          <label>
            Email <input type="email" name="user_email" required value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            Password <input type="password" name="user_password" placeholder="empty: invite (single sign-on)" autocomplete="new-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            Role
            <select name="role" value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value as typeof role)}>
              <option value="member">member (read only)</option>
              <option value="owner">owner</option>
            </select>
          </label>
          <button type="submit" class="primary">
            Add user
          </button>
        </form>
      )}
      <ErrorNote error={error ?? users.error} />
      {users.data && (
        <Table
          label="Users"
          rows={users.data.data}
          rowKey={(r) => r.id}
          empty={<Empty title="No users yet">Add the store's owner so they can sign in and see their figures.</Empty>}
          columns={[
            { key: 'email', label: 'Email' },
            { key: 'role', label: 'Role' },
            { key: 'active', label: 'State', render: (r) => (r.active ? <Badge tone="ok">active</Badge> : <Badge tone="muted">disabled</Badge>) },
            { key: 'last_login_at', label: 'Last sign-in', render: (r) => when(r.last_login_at) },
            {
              key: 'actions',
              label: '',
              sort: false,
              render: (r) =>
                props.canWrite ? (
                  <button type="button" onClick={() => void call(`/admin/v1/tenants/${t}/users/${r.id}`, { method: 'PATCH', body: { active: !r.active } }).then(users.reload, setError)}>
                    {r.active ? 'Disable' : 'Enable'}
                  </button>
                ) : null,
            },
          ]}
        />
      )}
    </>
  );
}
