/**
 * Sellers: the store's people who take conversations and orders — list (with their open
 * conversations and orders), create, edit, deactivate (an inactive seller cannot be assigned) and
 * activate again.
 */
import { useState } from 'preact/hooks';
import { call, listAll } from '../api';
import { Badge, Empty, ErrorNote, Table, useLoad } from '../components';
import type { Seller } from '../commerce/types';

type Draft = { name: string; phone: string; email: string; max: string };
const blank: Draft = { name: '', phone: '', email: '', max: '' };
const draftOf = (s: Seller): Draft => ({ name: s.name, phone: s.phone, email: s.email ?? '', max: s.max_open_conversations === null ? '' : String(s.max_open_conversations) });

export function Sellers(props: { tenant: string; canWrite: boolean }) {
  const t = props.tenant;
  const sellers = useLoad(() => listAll<Seller>('/v1/sellers', { tenant: t }), [t]);
  const [editing, setEditing] = useState<string | null>(null);
  const [d, setD] = useState<Draft>(blank);
  const [error, setError] = useState<unknown>();
  const [note, setNote] = useState('');
  const input = (k: keyof Draft) => (e: Event) => setD((x) => ({ ...x, [k]: (e.target as HTMLInputElement).value }));
  const act = (p: Promise<unknown>, done: string) => {
    setError(undefined);
    setNote('');
    void p.then(() => {
      setNote(done);
      sellers.reload();
    }, setError);
  };
  return (
    <>
      <h1>Sellers</h1>
      <p class="muted">The people who answer in the inbox and follow orders up. An agent picks who they are in the inbox (“I am”) to see their own conversations.</p>
      {props.canWrite && (
        <form
          class="inline-form"
          aria-label={editing ? 'Edit seller' : 'New seller'}
          onSubmit={(e) => {
            e.preventDefault();
            const body = { name: d.name.trim(), phone: d.phone.trim(), email: d.email.trim() || null, max_open_conversations: d.max ? Number(d.max) : null };
            const p = editing ? call(`/v1/sellers/${editing}`, { method: 'PATCH', tenant: t, body }) : call('/v1/sellers', { method: 'POST', tenant: t, body });
            act(
              p.then(() => {
                setEditing(null);
                setD(blank);
              }),
              editing ? 'Seller saved.' : 'Seller added.',
            );
          }}
        >
          <label>
            Name <input name="seller_name" required maxLength={200} value={d.name} onInput={input('name')} />
          </label>
          <label>
            Phone <input name="seller_phone" required placeholder="+5491122334455" pattern="\+[1-9][0-9]{6,14}" value={d.phone} onInput={input('phone')} />
          </label>
          <label>
            Email <input name="seller_email" type="email" maxLength={254} value={d.email} onInput={input('email')} />
          </label>
          <label>
            Max open conversations <input name="seller_max" type="number" min={1} max={10000} placeholder="no limit" value={d.max} onInput={input('max')} />
          </label>
          <button type="submit" class="primary">
            {editing ? 'Save seller' : 'Add seller'}
          </button>
          {editing && (
            <button
              type="button"
              onClick={() => {
                setEditing(null);
                setD(blank);
              }}
            >
              Cancel
            </button>
          )}
          <span role="status">{note}</span>
        </form>
      )}
      <ErrorNote error={error ?? sellers.error} />
      {sellers.data && (
        <Table
          label="Sellers"
          rows={sellers.data.data}
          rowKey={(r) => r.id}
          initialSort={{ key: 'name', dir: 'asc' }}
          empty={<Empty title="No sellers yet">Add the people who answer customers: conversations and orders can then be assigned to them.</Empty>}
          columns={[
            { key: 'name', label: 'Name' },
            { key: 'phone', label: 'Phone' },
            { key: 'email', label: 'Email', render: (r) => r.email ?? '—' },
            { key: 'active', label: 'State', render: (r) => (r.active ? <Badge tone="ok">active</Badge> : <Badge tone="muted">inactive</Badge>) },
            { key: 'open_conversations', label: 'Open conversations', numeric: true, render: (r) => `${r.open_conversations}${r.max_open_conversations === null ? '' : ` / ${r.max_open_conversations}`}` },
            { key: 'open_orders', label: 'Open orders', numeric: true },
            {
              key: 'actions',
              label: '',
              sort: false,
              render: (r) =>
                props.canWrite ? (
                  <span class="row-actions" data-seller={r.id}>
                    <button
                      type="button"
                      onClick={() => {
                        setEditing(r.id);
                        setD(draftOf(r));
                        window.scrollTo({ top: 0 });
                      }}
                    >
                      Edit
                    </button>
                    <button type="button" class={r.active ? 'danger' : ''} onClick={() => act(call(`/v1/sellers/${r.id}`, { method: 'PATCH', tenant: t, body: { active: !r.active } }), r.active ? `${r.name} deactivated.` : `${r.name} active again.`)}>
                      {r.active ? 'Deactivate' : 'Activate'}
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
