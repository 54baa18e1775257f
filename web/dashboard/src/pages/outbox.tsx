/**
 * Outbox (operators): the mail the platform kept in the local outbox while no SMTP server is
 * configured (`GET /admin/v1/outbox`, newest first, cursor pages) — subject, recipient, time and
 * the body as plain text with its links clickable (a password reset's). With SMTP the page says
 * that nothing is kept here. English and Spanish.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { call, type List } from '../api';
import { CursorPager, Empty, ErrorNote, useLoad } from '../components';
import { LangSwitch, useLang, whenIn } from './lang';
import { OUTBOX_TEXT } from './end-users-text';

type Mail = { id: string; tenant_id: string | null; to: string; subject: string; text: string; kind: string; created_at: string };

const LINK = /\bhttps?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]]/g;

/** Plain text with its http(s) links as links; everything else stays text (Preact escapes it). */
export function Linked(props: { text: string }) {
  const out: (string | JSX.Element)[] = [];
  let at = 0;
  for (const m of props.text.matchAll(LINK)) {
    out.push(props.text.slice(at, m.index));
    out.push(
      <a href={m[0]} target="_blank" rel="noopener noreferrer">
        {m[0]}
      </a>,
    );
    at = m.index + m[0].length;
  }
  out.push(props.text.slice(at));
  return <>{out}</>;
}

export function Outbox() {
  const [lang, setLang] = useLang();
  const tx = OUTBOX_TEXT[lang];
  const [cursors, setCursors] = useState<string[]>([]);
  const after = cursors[cursors.length - 1];
  const mail = useLoad(() => call<List<Mail> & { driver: 'smtp' | 'outbox' }>(`/admin/v1/outbox?limit=20${after ? `&starting_after=${after}` : ''}`), [after]);
  const data = mail.data;
  return (
    <div lang={lang} data-lang={lang}>
      <div class="toolbar">
        <h1>{tx.title}</h1>
        <LangSwitch lang={lang} onChange={setLang} label={tx.language} />
      </div>
      <ErrorNote error={mail.error} />
      {data?.driver === 'smtp' && (
        <p class="notice" role="note" data-driver="smtp">
          {tx.smtp}
        </p>
      )}
      {data && data.driver === 'outbox' && (
        <>
          <p class="muted">{tx.intro}</p>
          {data.data.length === 0 && <Empty title={tx.none}>{tx.noneBody}</Empty>}
          <ol class="mail-list" aria-label={tx.title}>
            {data.data.map((m) => (
              <li key={m.id}>
                <article class="mail" aria-labelledby={`mail-${m.id}`} data-mail={m.id}>
                  <h2 id={`mail-${m.id}`}>{m.subject}</h2>
                  <dl class="mail-meta">
                    <div>
                      <dt>{tx.to}</dt>
                      <dd data-to>{m.to}</dd>
                    </div>
                    <div>
                      <dt>{tx.sent}</dt>
                      <dd>
                        <time dateTime={m.created_at}>{whenIn(lang, m.created_at)}</time>
                      </dd>
                    </div>
                    <div>
                      <dt>{tx.kind}</dt>
                      <dd>{m.kind}</dd>
                    </div>
                    <div>
                      <dt>{tx.store}</dt>
                      <dd>{m.tenant_id ? <code>{m.tenant_id}</code> : tx.platform}</dd>
                    </div>
                  </dl>
                  <div class="mail-body" data-body>
                    <Linked text={m.text} />
                  </div>
                </article>
              </li>
            ))}
          </ol>
          <CursorPager cursors={cursors} setCursors={setCursors} page={data} label={tx.pages} newer={tx.newer} older={tx.older} />
        </>
      )}
    </div>
  );
}
