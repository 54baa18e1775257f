/**
 * The live inbox: conversations (filters: bot, state, unread, mine) beside the open thread. It
 * keeps a realtime WebSocket open (commerce/live.ts): new messages, statuses and handovers update
 * the list and the open thread as they happen, without a reload. "Mine" is the conversations
 * assigned to the seller this person acts as (chosen here, remembered in this browser).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { listAll } from '../api';
import { Badge, Empty, ErrorNote, useLoad } from '../components';
import { useLive } from '../commerce/live';
import { STATUS_LABEL, Thread, statusTone } from '../commerce/thread';
import { CONVERSATION_STATUSES, type Bot, type Conversation, type ConversationStatus, type LiveEvent, type Seller } from '../commerce/types';

type Filters = { bot: string; status: '' | ConversationStatus; unread: boolean; mine: boolean };

/** The last message's time as a chat list shows it: the time today, the date before. */
const stamp = (iso: string | null) => {
  if (!iso) return '';
  const d = new Date(iso);
  return d.toDateString() === new Date().toDateString() ? d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' }) : d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short' });
};

function useMySeller(tenant: string): [string | null, (s: string | null) => void] {
  const key = `pb.seller.${tenant}`;
  const [v, setV] = useState<string | null>(localStorage.getItem(key));
  useEffect(() => setV(localStorage.getItem(key)), [key]);
  return [v, (s) => (s ? localStorage.setItem(key, s) : localStorage.removeItem(key), setV(s))];
}

export function Inbox(props: { tenant: string; sub?: string | undefined; canWrite: boolean }) {
  const t = props.tenant;
  const open = props.sub;
  const [f, setF] = useState<Filters>(() => ({ bot: new URLSearchParams(location.search).get('bot') ?? '', status: '', unread: false, mine: false }));
  const [mySeller, setMySeller] = useMySeller(t);
  const bots = useLoad(() => listAll<Bot>('/v1/bots', { tenant: t }), [t]);
  const sellers = useLoad(() => listAll<Seller>('/v1/sellers', { tenant: t }).catch(() => ({ data: [] as Seller[], truncated: false })), [t]);
  const q = new URLSearchParams();
  if (f.bot) q.set('bot_id', f.bot);
  if (f.status) q.set('status', f.status);
  if (f.unread) q.set('unread', 'true');
  if (f.mine && mySeller) q.set('assigned_seller_id', mySeller);
  const qs = q.toString();
  const list = useLoad(() => listAll<Conversation>(`/v1/conversations${qs ? `?${qs}` : ''}`, { tenant: t }, 300), [t, qs]);
  const [version, setVersion] = useState(0);

  // Live: refetch the list and, when an event names it, the open thread — debounced, so a burst of
  // events (a message, then its sent/delivered/read statuses) is one fetch of each.
  const pending = useRef<{ timer?: ReturnType<typeof setTimeout>; thread: boolean }>({ thread: false });
  const reloadList = useRef(list.reload);
  reloadList.current = list.reload;
  const live = useLive(t, (e: LiveEvent) => {
    const all = e.type === 'realtime.resumed';
    if (!all && !/^(message|conversation|handover)\./.test(e.type)) return;
    const about = [e.data.conversation_id, (e.data.conversation as { id?: unknown } | undefined)?.id, e.data.id];
    const p = pending.current;
    if (open && (all || e.topics.includes(`conversation:${open}`) || about.includes(open))) p.thread = true;
    clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      reloadList.current();
      if (p.thread) setVersion((v) => v + 1);
      p.thread = false;
    }, 150);
  });
  useEffect(() => () => clearTimeout(pending.current.timer), []);

  const botName = (id: string) => bots.data?.data.find((b) => b.id === id)?.name ?? id;
  const rows = [...(list.data?.data ?? [])].sort((a, b) => (b.last_message_at ?? b.created_at).localeCompare(a.last_message_at ?? a.created_at));
  const set = (patch: Partial<Filters>) => setF((x) => ({ ...x, ...patch }));
  return (
    <>
      <div class="toolbar">
        <h1>Inbox</h1>
        <span class="live" data-live={live}>
          <span class={`dot ${live}`} aria-hidden="true" /> {live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
        </span>
      </div>
      <div class="inbox-filters" role="group" aria-label="Filters">
        <select aria-label="Bot" value={f.bot} onChange={(e) => set({ bot: (e.target as HTMLSelectElement).value })}>
          <option value="">All bots</option>
          {bots.data?.data.map((b) => (
            <option value={b.id}>{b.name}</option>
          ))}
        </select>
        <select aria-label="State" value={f.status} onChange={(e) => set({ status: (e.target as HTMLSelectElement).value as Filters['status'] })}>
          <option value="">Any state</option>
          {CONVERSATION_STATUSES.map((s) => (
            <option value={s}>{STATUS_LABEL[s]}</option>
          ))}
        </select>
        <label class="check">
          <input type="checkbox" checked={f.unread} onChange={(e) => set({ unread: (e.target as HTMLInputElement).checked })} /> Unread
        </label>
        <label class="check" title={mySeller ? '' : 'Choose the seller you act as'}>
          <input type="checkbox" disabled={!mySeller} checked={f.mine && !!mySeller} onChange={(e) => set({ mine: (e.target as HTMLInputElement).checked })} /> Mine
        </label>
        <label class="acting">
          I am{' '}
          <select aria-label="I am" value={mySeller ?? ''} onChange={(e) => setMySeller((e.target as HTMLSelectElement).value || null)}>
            <option value="">(no seller)</option>
            {sellers.data?.data
              .filter((s) => s.active || s.id === mySeller)
              .map((s) => (
                <option value={s.id}>{s.name}</option>
              ))}
          </select>
        </label>
      </div>
      <ErrorNote error={list.error} />
      <div class="inbox">
        <nav class="conv-list" aria-label="Conversations">
          {list.data && rows.length === 0 && <Empty title="No conversations">Messages to your bots appear here as they arrive. Try one from a bot’s simulator chat.</Empty>}
          {rows.map((c) => (
            <a key={c.id} href={`/dashboard/t/${t}/inbox/${c.id}`} class={`conv ${c.id === open ? 'on' : ''}`} aria-current={c.id === open ? 'true' : undefined} data-conversation={c.id}>
              <span class="conv-top">
                <strong>{c.contact.name ?? c.contact.phone ?? c.contact.id}</strong>
                <span class="muted small">{stamp(c.last_message_at)}</span>
              </span>
              <span class="conv-bottom">
                <span class="muted small">{botName(c.bot_id)}</span>
                <Badge tone={statusTone(c.status)}>{STATUS_LABEL[c.status]}</Badge>
                {c.unread_count > 0 && (
                  <span class="unread" data-unread={c.unread_count} aria-label={`${c.unread_count} unread`}>
                    {c.unread_count}
                  </span>
                )}
              </span>
            </a>
          ))}
        </nav>
        {open ? (
          <Thread
            key={open}
            tenant={t}
            id={open}
            version={version}
            mySeller={mySeller}
            sellers={sellers.data?.data ?? []}
            canWrite={props.canWrite}
            onChanged={list.reload}
          />
        ) : (
          <div class="thread empty-thread muted">Choose a conversation.</div>
        )}
      </div>
    </>
  );
}

