/**
 * The flow editor's simulator pane: the operator plays the shopper. Each input (a message, a click
 * on a button or list row the bot offered, a photo, "the question times out") is added to the
 * script and the whole script runs again through POST /v1/flows/:id/test on the current draft
 * (saved first when it changed), so an edit to the flow shows in the next answer. The transcript
 * is drawn as a WhatsApp chat: the shopper on the right, the bot's bubbles on the left with their
 * buttons, lists, links and products, and system lines for what a test does not really do
 * (handover, order, tag, opt-out). Nothing is sent to anyone; no order is stored.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { call } from '../api';
import { ErrorNote } from '../components';
import type { TestInput, TestResult, TranscriptEntry } from './flow-types';

type C = Record<string, unknown>;
const s = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const arr = (v: unknown) => (Array.isArray(v) ? (v as C[]) : []);

type Props = {
  tenant: string;
  flowId: string;
  /** Saves the draft when it changed; false when it cannot (not JSON). */
  ensureSaved: () => Promise<boolean>;
  onResult: (r: TestResult | undefined) => void;
  onStep: (stepId: string) => void;
  canRun: boolean;
};

/** An image URL the dashboard may show (its CSP allows this origin, data: and blob: only). */
const showable = (url: string) => url.startsWith('data:') || url.startsWith('blob:') || url.startsWith('/') || url.startsWith(location.origin + '/');

function BotContent(props: { c: C; busy: boolean; onReply: (id: string, title: string) => void }) {
  const c = props.c;
  const [open, setOpen] = useState(false);
  const head = s(c.header) && <strong class="flow-sim-header">{s(c.header)}</strong>;
  const foot = s(c.footer) && <div class="muted small">{s(c.footer)}</div>;
  switch (c.type) {
    case 'text':
      return <div class="text">{s(c.text)}</div>;
    case 'media': {
      const m = (c.media ?? {}) as C;
      const url = s(m.url);
      return (
        <div class="text">
          {s(m.kind) === 'image' && url && showable(url) ? <img class="bubble-img" src={url} alt={s(m.caption) || 'image'} /> : <span class="chip">{s(m.kind) || 'media'}</span>}
          {url && !showable(url) && (
            <a href={url} target="_blank" rel="noopener">
              {' '}
              {url.length > 48 ? `${url.slice(0, 47)}…` : url}
            </a>
          )}
          {s(m.caption) && <div>{s(m.caption)}</div>}
        </div>
      );
    }
    case 'buttons':
      return (
        <div class="text">
          {head}
          <div>{s(c.body)}</div>
          {foot}
          <div class="flow-sim-buttons" role="group" aria-label="Reply buttons">
            {arr(c.buttons).map((b) => (
              <button type="button" disabled={props.busy} data-reply={s(b.id)} onClick={() => props.onReply(s(b.id), s(b.title))}>
                {s(b.title)}
              </button>
            ))}
          </div>
        </div>
      );
    case 'list':
      return (
        <div class="text">
          {head}
          <div>{s(c.body)}</div>
          {foot}
          <div class="flow-sim-buttons">
            <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
              ☰ {s(c.button)}
            </button>
          </div>
          {open && (
            <div class="flow-sim-list" role="group" aria-label={s(c.button) || 'List'}>
              {arr(c.sections).map((sec) => (
                <>
                  {s(sec.title) && <div class="flow-sim-section">{s(sec.title)}</div>}
                  {arr(sec.rows).map((r) => (
                    <button type="button" class="flow-sim-row" disabled={props.busy} data-reply={s(r.id)} onClick={() => props.onReply(s(r.id), s(r.title))}>
                      <span>{s(r.title)}</span>
                      {s(r.description) && <span class="muted small">{s(r.description)}</span>}
                    </button>
                  ))}
                </>
              ))}
            </div>
          )}
        </div>
      );
    case 'cta_url':
      return (
        <div class="text">
          {head}
          <div>{s(c.body)}</div>
          {foot}
          <div class="flow-sim-buttons">
            <a class="button" href={s(c.url)} target="_blank" rel="noopener" data-link={s(c.url)}>
              ↗ {s(c.displayText)}
            </a>
          </div>
        </div>
      );
    case 'product':
      return (
        <div class="text">
          <span class="chip">product {s(c.productRetailerId)}</span>
          {s(c.body) && <div>{s(c.body)}</div>}
        </div>
      );
    case 'product_list':
      return (
        <div class="text">
          {head}
          <div>{s(c.body)}</div>
          {arr(c.sections).map((sec) => (
            <div>
              {s(sec.title) && <div class="flow-sim-section">{s(sec.title)}</div>}
              <span class="chips">
                {((sec.productRetailerIds ?? []) as string[]).map((id) => (
                  <span class="chip">{id}</span>
                ))}
              </span>
            </div>
          ))}
        </div>
      );
    default:
      return <div class="text muted">({s(c.type) || 'message'})</div>;
  }
}

/** What a system line says. */
function systemText(c: C): string {
  switch (c.event) {
    case 'handover':
      return `Handed over to ${c.to === 'agent' ? `an agent${c.seller_id ? ` (${s(c.seller_id)})` : ''}` : 'the inbox: waiting for an agent'}${c.note ? ` — ${s(c.note)}` : ''}`;
    case 'order.create': {
      const items = arr(c.items)
        .map((i) => `${s(i.quantity)} × ${s(i.product_id)}`)
        .join(', ');
      const total = typeof c.total === 'number' && s(c.currency) ? new Intl.NumberFormat('en', { style: 'currency', currency: s(c.currency) }).format(c.total / 100) : s(c.total);
      return `Order created (test: not stored): ${items || 'empty cart'}${total ? ` — ${total}` : ''}`;
    }
    case 'timeout':
      return 'The question timed out';
    case 'tag':
      return `Contact tagged “${s(c.tag)}”`;
    case 'opt_out':
      return `Contact opted out (${s(c.category)})`;
    default:
      return s(c.event) || 'system';
  }
}

const SESSION_TEXT: Record<string, string> = { active: 'running', completed: 'completed', expired: 'expired', exited: 'exited', handed_over: 'handed over', failed: 'failed' };

export function FlowSimulator(props: Props) {
  const [script, setScript] = useState<TestInput[]>([]);
  const [result, setResult] = useState<TestResult>();
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const titles = useRef(new Map<string, string>());
  const bottom = useRef<HTMLDivElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  useEffect(() => bottom.current?.scrollIntoView({ block: 'end' }), [result]);

  const run = async (inputs: TestInput[]) => {
    setBusy(true);
    setError(undefined);
    try {
      if (!(await props.ensureSaved())) throw new Error('Fix the JSON first: the test runs the saved draft.');
      const r = inputs.length === 0 ? undefined : await call<TestResult>(`/v1/flows/${props.flowId}/test`, { method: 'POST', tenant: props.tenant, body: { inputs } });
      setScript(inputs);
      setResult(r);
      props.onResult(r);
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(false);
    }
  };
  const send = (input: TestInput) => run([...script, input]);
  const reset = () => {
    setScript([]);
    setResult(undefined);
    setError(undefined);
    titles.current.clear();
    props.onResult(undefined);
  };

  const shopperText = (c: C) => {
    if (c.type === 'text') return s(c.text);
    if (c.type === 'button_reply') return `↩ ${titles.current.get(s(c.id)) ?? s(c.id)}`;
    if (c.type === 'image') return '[photo]';
    if (c.type === 'location') return '[location]';
    return s(c.type);
  };
  const entry = (e: TranscriptEntry, i: number) => {
    if (e.from === 'system')
      return (
        <div key={i} class="flow-sim-system" data-from="system" data-event={s(e.content.event)}>
          {systemText(e.content)}
        </div>
      );
    if (e.from === 'shopper')
      return (
        <div key={i} class="bubble out" data-from="shopper">
          <div class="text">{shopperText(e.content)}</div>
        </div>
      );
    return (
      <div key={i} class="bubble in" data-from="bot" data-bot-step={e.step_id ?? ''}>
        <BotContent
          c={e.content}
          busy={busy || !props.canRun}
          onReply={(id, title) => {
            titles.current.set(id, title);
            void send({ reply: id });
          }}
        />
        {e.step_id && (
          <div class="bubble-meta">
            <button type="button" class="link small" title="Show this step" onClick={() => props.onStep(e.step_id!)}>
              {e.step_id}
            </button>
          </div>
        )}
      </div>
    );
  };

  const session = result?.session;
  return (
    <div class="flow-sim">
      <div class="bubbles" role="log" aria-label="Test conversation">
        {!result && <p class="muted small flow-sim-hint">Write as the shopper would (“hi”) to start the flow. Each message runs the whole conversation again on the draft; nothing is sent to anyone.</p>}
        {result?.transcript.map(entry)}
        {session && (
          <div class="flow-sim-system session" data-session-status={session.status} data-session-step={session.step_id}>
            {session.status === 'active' ? (session.waiting ? `Waiting for the shopper at “${session.step_id}”` : `With an agent now: the flow resumes at “${session.step_id}” when handed back`) : `Session ${SESSION_TEXT[session.status] ?? session.status}${session.end_reason ? ` (${session.end_reason})` : ''}`}
          </div>
        )}
        <div ref={bottom} />
      </div>
      <ErrorNote error={error} />
      <form
        class="reply flow-sim-input"
        aria-label="Shopper message"
        onSubmit={async (e) => {
          e.preventDefault();
          const t = text.trim();
          if (t && (await send(t))) setText('');
        }}
      >
        <input name="shopper_text" aria-label="Message as the shopper" placeholder="Message as the shopper…" maxLength={4096} value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} disabled={!props.canRun} />
        <button type="submit" class="primary" disabled={busy || !text.trim() || !props.canRun}>
          Send
        </button>
      </form>
      <div class="flow-sim-actions">
        <button type="button" disabled={busy || !session?.waiting || !props.canRun} onClick={() => void send({ timeout: true })} title="The question waiting for an answer times out">
          Time out
        </button>
        <button type="button" disabled={busy || !session?.waiting || !props.canRun} onClick={() => fileInput.current?.click()} title="Send a photo (try-on, style)">
          Send a photo
        </button>
        <input
          ref={fileInput}
          type="file"
          accept="image/*"
          hidden
          onChange={(e) => {
            const f = (e.target as HTMLInputElement).files?.[0];
            (e.target as HTMLInputElement).value = '';
            if (!f) return;
            const reader = new FileReader();
            reader.onload = () => void send({ image: String(reader.result) });
            reader.readAsDataURL(f);
          }}
        />
        <button type="button" disabled={busy || script.length === 0 || !props.canRun} onClick={() => void run(script)} title="Run the same messages again on the current draft">
          ↻ Run again
        </button>
        <button type="button" disabled={busy || (script.length === 0 && !error)} onClick={reset}>
          Reset
        </button>
        <span class="muted small" aria-live="polite">
          {busy ? 'Running…' : script.length ? `${script.length} ${script.length === 1 ? 'input' : 'inputs'}` : ''}
        </span>
      </div>
    </div>
  );
}
