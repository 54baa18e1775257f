/**
 * End users: a store's people with accounts (`GET /v1/end-users`, newest first, cursor pages; an
 * exact email finds one), when each signed up and last signed in, and their erasure on request
 * (`DELETE /v1/end-users/:id`, owners and operators; a confirm first). English and Spanish.
 */
import { useState } from 'preact/hooks';
import { call, type List } from '../api';
import { CursorPager, Empty, ErrorNote, Table, useLoad } from '../components';
import { LangSwitch, useLang, whenIn } from './lang';
import { TEXT } from './end-users-text';

type EndUser = { id: string; email: string; name: string | null; language: string; last_login_at: string | null; created_at: string };

export function EndUsers(props: { tenant: string; canWrite: boolean }) {
  const t = props.tenant;
  const [lang, setLang] = useLang();
  const tx = TEXT[lang];
  const [cursors, setCursors] = useState<string[]>([]);
  const [draft, setDraft] = useState('');
  const [email, setEmail] = useState('');
  const [error, setError] = useState<unknown>();
  // The one just deleted (its notice follows the language switch).
  const [deleted, setDeleted] = useState('');
  const after = cursors[cursors.length - 1];
  const q = `limit=20${email ? `&email=${encodeURIComponent(email)}` : ''}${after ? `&starting_after=${after}` : ''}`;
  const users = useLoad(() => call<List<EndUser>>(`/v1/end-users?${q}`, { tenant: t }), [t, q]);
  const data = users.data;

  async function remove(u: EndUser) {
    if (!confirm(tx.confirm(u.email))) return;
    setError(undefined);
    try {
      await call(`/v1/end-users/${u.id}`, { method: 'DELETE', tenant: t });
      setDeleted(u.email);
      // The page may now be empty: back to the first.
      if (data && data.data.length === 1 && cursors.length > 0) setCursors(cursors.slice(0, -1));
      else users.reload();
    } catch (err) {
      setError(err);
    }
  }

  return (
    <div lang={lang} data-lang={lang}>
      <div class="toolbar">
        <h1>{tx.title}</h1>
        <LangSwitch lang={lang} onChange={setLang} label={tx.language} />
      </div>
      <p class="muted">{tx.intro}</p>
      <form
        class="inline-form"
        role="search"
        aria-label={tx.findLabel}
        onSubmit={(e) => {
          e.preventDefault();
          setDeleted('');
          setCursors([]);
          setEmail(draft.trim());
        }}
      >
        <label>
          {tx.search} <input type="email" name="email" value={draft} placeholder={tx.searchHint} maxLength={254} onInput={(e) => setDraft((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit">{tx.find}</button>
        {email && (
          <button
            type="button"
            onClick={() => {
              setDeleted('');
              setDraft('');
              setEmail('');
              setCursors([]);
            }}
          >
            {tx.clear}
          </button>
        )}
      </form>
      {deleted && (
        <p class="notice" role="status">
          {tx.deleted(deleted)}
        </p>
      )}
      <ErrorNote error={error ?? users.error} />
      {data && (
        <>
          <Table
            label={tx.table}
            rows={data.data}
            pageSize={20}
            rowKey={(r) => r.id}
            empty={email ? <span class="muted">{tx.noMatch(email)}</span> : <Empty title={tx.none}>{tx.noneBody}</Empty>}
            columns={[
              { key: 'email', label: tx.email, render: (r) => <span data-email>{r.email}</span> },
              { key: 'name', label: tx.name, render: (r) => r.name ?? '—' },
              { key: 'language', label: tx.lang, render: (r) => tx.languages[r.language] ?? r.language },
              { key: 'created_at', label: tx.created, render: (r) => <span data-created>{whenIn(lang, r.created_at)}</span> },
              { key: 'last_login_at', label: tx.lastLogin, render: (r) => <span data-last-login>{r.last_login_at ? whenIn(lang, r.last_login_at) : tx.never}</span> },
              ...(props.canWrite
                ? [
                    {
                      key: 'actions',
                      label: tx.actions,
                      sort: false as const,
                      render: (r: EndUser) => (
                        <button type="button" class="danger" aria-label={tx.deleteLabel(r.email)} onClick={() => void remove(r)}>
                          {tx.delete}
                        </button>
                      ),
                    },
                  ]
                : []),
            ]}
          />
          <CursorPager cursors={cursors} setCursors={setCursors} page={data} label={tx.pages} newer={tx.newer} older={tx.older} />
        </>
      )}
    </div>
  );
}
