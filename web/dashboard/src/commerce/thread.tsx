/**
 * One conversation in the inbox: the shopper, its state (bot, waiting for an agent, agent,
 * closed) and the 24-hour window, the messages as bubbles (oldest at the top) with their delivery
 * status, the handover buttons (take, release, hand back to the bot, close) and the agent's reply
 * box (POST /v1/messages). `version` changes when a live event concerns this conversation.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { call } from '../api';
import { Badge, ErrorNote, useLoad } from '../components';
import { when } from '../format';
import { ContentView, StatusMark } from './content';
import type { Conversation, ConversationStatus, Message, Seller } from './types';

type Props = { tenant: string; id: string; version: number; mySeller: string | null; sellers: Seller[]; canWrite: boolean; onChanged: () => void };

export const STATUS_LABEL: Record<ConversationStatus, string> = { bot: 'bot', waiting_agent: 'waiting for an agent', agent: 'agent', closed: 'closed' };
export const statusTone = (s: ConversationStatus) => (s === 'waiting_agent' ? 'warn' : s === 'agent' ? 'ok' : 'muted');

const time = (iso: string) => new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });

export function Thread(props: Props) {
  const t = props.tenant;
  const conv = useLoad(() => call<Conversation>(`/v1/conversations/${props.id}`, { tenant: t }), [t, props.id, props.version]);
  const msgs = useLoad(() => call<{ data: Message[] }>(`/v1/conversations/${props.id}/messages?limit=100`, { tenant: t }), [t, props.id, props.version]);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const bottom = useRef<HTMLDivElement>(null);
  // The API lists newest first; oldest at the top here (a stable sort keeps the API's order for equal times).
  const messages = [...(msgs.data?.data ?? [])].reverse().sort((a, b) => a.created_at.localeCompare(b.created_at));
  const last = messages[messages.length - 1];
  useEffect(() => bottom.current?.scrollIntoView({ block: 'end' }), [last?.id, last?.status]);
  useEffect(() => setError(undefined), [props.id]);

  const c = conv.data;
  // The agent has seen it: unread back to 0 (the list follows on the conversation.updated event).
  useEffect(() => {
    if (c && c.unread_count > 0) void call(`/v1/conversations/${c.id}/read`, { method: 'POST', tenant: t }).then(props.onChanged, () => undefined);
  }, [c?.id, c?.unread_count]);
  const handover = (to: 'agent' | 'bot' | 'waiting_agent' | 'closed') => {
    setError(undefined);
    const body = to === 'agent' ? { to, ...(props.mySeller ? { seller_id: props.mySeller } : {}) } : to === 'waiting_agent' ? { to, seller_id: null } : { to };
    void call(`/v1/conversations/${props.id}/handover`, { method: 'POST', tenant: t, body }).then(() => {
      conv.reload();
      props.onChanged();
    }, setError);
  };
  const seller = c?.assigned_seller_id ? props.sellers.find((s) => s.id === c.assigned_seller_id) : undefined;
  return (
    <section class="thread" aria-label="Conversation">
      {c && (
        <header class="thread-head">
          <div>
            <strong>{c.contact.name ?? c.contact.phone ?? c.contact.id}</strong> <span class="muted">{c.contact.name ? c.contact.phone : ''}</span>
            <div class="muted small">
              <Badge tone={statusTone(c.status)}>
                <span data-conversation-status={c.status}>{STATUS_LABEL[c.status]}</span>
              </Badge>{' '}
              {seller ? `· ${seller.name}` : c.assigned_seller_id ? `· ${c.assigned_seller_id}` : ''} ·{' '}
              {c.window.open ? `window open until ${when(c.window.expires_at)}` : 'outside the 24-hour window: only templates'}
            </div>
          </div>
          {props.canWrite && (
            <span class="row-actions">
              {(c.status === 'bot' || c.status === 'waiting_agent' || c.status === 'closed') && (
                <button type="button" class="primary" onClick={() => handover('agent')}>
                  Take
                </button>
              )}
              {c.status === 'agent' && (
                <>
                  <button type="button" onClick={() => handover('waiting_agent')}>
                    Release
                  </button>
                  <button type="button" onClick={() => handover('bot')}>
                    Hand back to bot
                  </button>
                </>
              )}
              {c.status !== 'closed' && (
                <button type="button" onClick={() => handover('closed')}>
                  Close
                </button>
              )}
            </span>
          )}
        </header>
      )}
      <ErrorNote error={error ?? conv.error ?? msgs.error} />
      <div class="bubbles" role="log" aria-label="Messages">
        {messages.length === 0 && msgs.data && <p class="muted">No messages yet.</p>}
        {messages.map((m) => (
          <div key={m.id} class={`bubble ${m.direction} ${m.status === 'failed' ? 'failed' : ''}`} data-message-id={m.id} data-direction={m.direction}>
            {m.source !== 'shopper' && m.source !== 'api' && m.direction === 'out' && <div class="bubble-source">{m.source}</div>}
            <ContentView content={m.content} media={m.media} />
            <div class="bubble-meta">
              <span>{time(m.created_at)}</span>
              <StatusMark m={m} />
            </div>
          </div>
        ))}
        <div ref={bottom} />
      </div>
      {props.canWrite && c && (
        <form
          class="reply"
          aria-label="Reply"
          onSubmit={async (e) => {
            e.preventDefault();
            if (!text.trim()) return;
            setBusy(true);
            setError(undefined);
            try {
              await call('/v1/messages', { method: 'POST', tenant: t, body: { conversation_id: props.id, content: { type: 'text', text: text.trim() } } });
              setText('');
              msgs.reload();
              props.onChanged();
            } catch (err) {
              setError(err);
            } finally {
              setBusy(false);
            }
          }}
        >
          <textarea
            name="reply"
            aria-label="Reply to the shopper"
            rows={2}
            placeholder={c.status === 'agent' ? 'Write a reply…' : 'Take the conversation to answer as an agent (the bot stays silent while you have it)'}
            value={text}
            onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey) {
                e.preventDefault();
                (e.currentTarget.form as HTMLFormElement).requestSubmit();
              }
            }}
          />
          <button type="submit" class="primary" disabled={busy || !text.trim()}>
            Send
          </button>
        </form>
      )}
    </section>
  );
}
