/**
 * Flows: the store's bot conversations as flows (list; a new one with a name and a bot starts
 * from the API's greeting) and one flow's editor — three panes side by side: the graph (SVG, laid
 * out by dagre), the draft as JSON with live validation (and the published versions), and a
 * simulator chat that runs the draft as the operator types. "Save draft" keeps the draft even when
 * it has errors; "Publish" saves it and makes it the next version, or lists why it cannot.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { call, listAll } from '../api';
import { Badge, Empty, ErrorNote, Table, useLoad } from '../components';
import { when } from '../format';
import { navigate } from '../router';
import { FlowGraph } from '../commerce/flow-graph';
import { JsonPane, useLiveValidation } from '../commerce/flow-json';
import { stepOfIssue } from '../commerce/flow-layout';
import { FlowSimulator } from '../commerce/flow-simulator';
import { FlowVersions } from '../commerce/flow-versions';
import { parseJson } from '../commerce/json-text';
import type { Flow, FlowIssue } from '../commerce/flow-types';
import type { Bot } from '../commerce/types';

export function Flows(props: { tenant: string; sub?: string | undefined; canWrite: boolean }) {
  if (props.sub) return <FlowEditor key={props.sub} tenant={props.tenant} id={props.sub} canWrite={props.canWrite} />;
  return <FlowList tenant={props.tenant} canWrite={props.canWrite} />;
}

function FlowList(props: { tenant: string; canWrite: boolean }) {
  const t = props.tenant;
  const flows = useLoad(() => listAll<Flow>('/v1/flows', { tenant: t }), [t]);
  const bots = useLoad(() => listAll<Bot>('/v1/bots', { tenant: t }), [t]);
  const [name, setName] = useState('');
  const [bot, setBot] = useState('');
  const [error, setError] = useState<unknown>();
  const botName = (id: string | null) => (id ? (bots.data?.data.find((b) => b.id === id)?.name ?? id) : '—');
  const taken = new Set(flows.data?.data.map((f) => f.bot_id).filter(Boolean));
  return (
    <>
      <h1>Flows</h1>
      <p class="muted">A flow is the conversation a bot holds: messages, questions, decisions, actions, try-ons. Edit the draft, try it in the simulator beside it, and publish: new conversations with the bot run the published version.</p>
      {props.canWrite && (
        <form
          class="inline-form"
          aria-label="New flow"
          onSubmit={async (e) => {
            e.preventDefault();
            setError(undefined);
            try {
              const f = await call<Flow>('/v1/flows', { method: 'POST', tenant: t, body: { name: name.trim(), ...(bot ? { bot_id: bot } : {}) } });
              navigate(`/t/${t}/flows/${f.id}`);
            } catch (err) {
              setError(err);
            }
          }}
        >
          <label>
            Flow name <input name="new_flow_name" required maxLength={200} placeholder="Shop" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            Bot
            <select name="new_flow_bot" value={bot} onChange={(e) => setBot((e.target as HTMLSelectElement).value)}>
              <option value="">(none yet)</option>
              {bots.data?.data.map((b) => (
                <option value={b.id} disabled={taken.has(b.id)}>
                  {b.name}
                  {taken.has(b.id) ? ' (has a flow)' : ''}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" class="primary">
            New flow
          </button>
        </form>
      )}
      <ErrorNote error={error ?? flows.error} />
      {/* With the bots' names: the table waits for both lists (a bot that cannot be read shows its id). */}
      {flows.data && (bots.data || bots.error) && (
        <Table
          label="Flows"
          rows={flows.data.data}
          rowKey={(r) => r.id}
          empty={<Empty title="No flows yet">Create one above: it starts with a greeting you can build on, and runs once published.</Empty>}
          columns={[
            { key: 'name', label: 'Name', render: (r) => <a href={`/dashboard/t/${t}/flows/${r.id}`}>{r.name}</a> },
            { key: 'bot_id', label: 'Bot', sort: (r) => botName(r.bot_id), render: (r) => (r.bot_id ? <a href={`/dashboard/t/${t}/bots/${r.bot_id}`}>{botName(r.bot_id)}</a> : '—') },
            { key: 'published_version', label: 'Published', render: (r) => (r.published_version === null ? <Badge tone="muted">not published</Badge> : <Badge tone="ok">version {r.published_version}</Badge>) },
            {
              key: 'draft_valid',
              label: 'Draft',
              sort: (r) => (r.draft_valid ? 1 : 0),
              render: (r) => (r.draft_valid ? <Badge tone="ok">valid</Badge> : <Badge tone="bad">{r.draft_errors.length} {r.draft_errors.length === 1 ? 'error' : 'errors'}</Badge>),
            },
            { key: 'updated_at', label: 'Updated', render: (r) => when(r.updated_at) },
          ]}
        />
      )}
    </>
  );
}

const pretty = (v: unknown) => JSON.stringify(v, null, 2);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function FlowEditor(props: { tenant: string; id: string; canWrite: boolean }) {
  const t = props.tenant;
  const loaded = useLoad(() => call<Flow>(`/v1/flows/${props.id}`, { tenant: t }), [t, props.id]);
  const bots = useLoad(() => listAll<Bot>('/v1/bots', { tenant: t }), [t]);
  const [flow, setFlow] = useState<Flow>();
  const [text, setText] = useState<string>();
  const [saved, setSaved] = useState<string>();
  const [selected, setSelected] = useState<string | null>(null);
  const [reveal, setReveal] = useState<{ pointer: string } | null>(null);
  const [visited, setVisited] = useState<string[]>([]);
  const [tab, setTab] = useState<'draft' | 'versions'>('draft');
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!loaded.data) return;
    setFlow(loaded.data);
    const s = pretty(loaded.data.draft);
    setText(s);
    setSaved(s);
  }, [loaded.data]);

  const parsed = useMemo(() => (text === undefined ? undefined : parseJson(text)), [text]);
  const live = useLiveValidation(t, parsed, props.canWrite);
  // The graph and its outlines: the latest text the server has checked (so both always agree), else the draft as loaded.
  const shown = live.definition !== undefined ? { def: live.definition, v: live.result } : flow ? { def: flow.draft, v: { valid: flow.draft_valid, errors: flow.draft_errors, warnings: [] } } : undefined;
  const dirty = text !== undefined && text !== saved;

  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    addEventListener('beforeunload', warn);
    return () => removeEventListener('beforeunload', warn);
  }, [dirty]);

  const stepIndex = (id: string) => {
    const def = parsed?.ok ? parsed.value : undefined;
    return isRecord(def) && Array.isArray(def.steps) ? def.steps.findIndex((s) => isRecord(s) && s.id === id) : -1;
  };
  const showStep = (id: string, index = stepIndex(id)) => {
    setSelected(id);
    setTab('draft');
    if (index >= 0) setReveal({ pointer: `/steps/${index}` });
  };

  /** Saves the text as the draft when it changed; false when it is not JSON. */
  const ensureSaved = async (): Promise<boolean> => {
    if (!parsed?.ok || text === undefined) return false;
    if (text === saved) return true;
    const f = await call<Flow>(`/v1/flows/${props.id}`, { method: 'PATCH', tenant: t, body: { definition: parsed.value } });
    setFlow(f);
    setSaved(text);
    return true;
  };
  const act = async (what: () => Promise<string>) => {
    setBusy(true);
    setError(undefined);
    setNote('');
    try {
      setNote(await what());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const save = () =>
    act(async () => {
      if (!(await ensureSaved())) throw new Error('The draft is not valid JSON: fix it to save.');
      return 'Draft saved.';
    });
  const publish = () =>
    act(async () => {
      if (!(await ensureSaved())) throw new Error('The draft is not valid JSON: fix it to publish.');
      const f = await call<Flow>(`/v1/flows/${props.id}/publish`, { method: 'POST', tenant: t });
      setFlow(f);
      return `Published version ${f.published_version}.`;
    });
  const setBot = (botId: string) =>
    act(async () => {
      const f = await call<Flow>(`/v1/flows/${props.id}`, { method: 'PATCH', tenant: t, body: { bot_id: botId || null } });
      setFlow(f);
      return botId ? 'Bot changed.' : 'No bot drives this flow now.';
    });

  const f = flow;
  if (!f || text === undefined) return <ErrorNote error={loaded.error} />;
  const v = shown?.v;
  return (
    <>
      <p>
        <a href={`/dashboard/t/${t}/flows`}>← Flows</a>
      </p>
      <div class="toolbar">
        <h1>
          {f.name} <span class="muted small">{f.id}</span>
        </h1>
        <span class="row-actions flow-actions">
          <span role="status" class="flow-note">
            {note}
          </span>
          <label class="flow-bot">
            Bot{' '}
            <select aria-label="Bot" value={f.bot_id ?? ''} disabled={!props.canWrite || busy} onChange={(e) => void setBot((e.target as HTMLSelectElement).value)}>
              <option value="">(none)</option>
              {bots.data?.data.map((b) => (
                <option value={b.id}>{b.name}</option>
              ))}
            </select>
          </label>
          <span data-published={f.published_version ?? ''}>{f.published_version === null ? <Badge tone="muted">not published</Badge> : <Badge tone="ok">published: version {f.published_version}</Badge>}</span>
          {dirty && <span class="muted small">Unsaved changes</span>}
          {props.canWrite && (
            <>
              <button type="button" disabled={busy || !dirty || !parsed?.ok} onClick={() => void save()}>
                Save draft
              </button>
              <button type="button" class="primary" disabled={busy || !parsed?.ok} onClick={() => void publish()}>
                Publish
              </button>
              <button type="button" class="danger" disabled={busy} onClick={() => confirm(`Delete the flow ${f.name} and its versions?`) && void call(`/v1/flows/${f.id}`, { method: 'DELETE', tenant: t }).then(() => navigate(`/t/${t}/flows`), setError)}>
                Delete
              </button>
            </>
          )}
        </span>
      </div>
      <ErrorNote error={error} />
      <div class="flow-editor">
        <section class="flow-pane" aria-label="Graph">
          <header>
            <strong>Graph</strong>
            <span class="flow-legend muted small">
              <span class="key error" /> errors <span class="key visited" /> last test run <span class="key selected" /> selected
            </span>
          </header>
          <FlowGraph definition={shown?.def} errors={v?.errors ?? []} warnings={v?.warnings ?? []} visited={visited} selected={selected} onSelect={(id, index) => showStep(id, index)} stale={!parsed?.ok} />
        </section>
        <section class="flow-pane" aria-label="Definition">
          <header>
            <div role="tablist" aria-label="Definition views" class="flow-tabs">
              <button type="button" role="tab" aria-selected={tab === 'draft'} class={tab === 'draft' ? 'on' : ''} onClick={() => setTab('draft')}>
                Draft JSON
              </button>
              <button type="button" role="tab" aria-selected={tab === 'versions'} class={tab === 'versions' ? 'on' : ''} onClick={() => setTab('versions')}>
                Versions{f.latest_version ? ` (${f.latest_version})` : ''}
              </button>
            </div>
            {tab === 'draft' && parsed?.ok && props.canWrite && (
              <button type="button" class="link small" onClick={() => setText(pretty(parsed.value))} title="Indent the JSON">
                Format
              </button>
            )}
          </header>
          {tab === 'draft' ? (
            <JsonPane
              text={text}
              onText={setText}
              parsed={parsed}
              validation={live.result ?? (flow ? { valid: flow.draft_valid, errors: flow.draft_errors, warnings: [] } : undefined)}
              checking={live.checking}
              validateError={live.error}
              reveal={reveal}
              onCaretStep={setSelected}
              onIssue={(i: FlowIssue) => {
                setSelected(stepOfIssue(i, parsed?.ok ? parsed.value : undefined) ?? null);
                setReveal({ pointer: i.path });
              }}
              readOnly={!props.canWrite}
            />
          ) : (
            <FlowVersions
              tenant={t}
              flow={f}
              canWrite={props.canWrite}
              onChanged={(nf) => {
                setFlow(nf);
                setNote(`Version ${nf.published_version} is published again.`);
              }}
              onCopy={(d) => {
                setText(pretty(d));
                setTab('draft');
                setNote('Copied into the draft: save or publish to keep it.');
              }}
            />
          )}
        </section>
        <section class="flow-pane" aria-label="Test run">
          <header>
            <strong>Test run</strong>
            <span class="muted small">on the draft{dirty ? ' (saved first)' : ''}</span>
          </header>
          <FlowSimulator tenant={t} flowId={f.id} ensureSaved={ensureSaved} onResult={(r) => setVisited(r?.visited ?? [])} onStep={(id) => showStep(id)} canRun={props.canWrite} />
        </section>
      </div>
    </>
  );
}
