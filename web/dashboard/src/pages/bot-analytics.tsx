/**
 * Bot analytics: for a period and one bot or all, messages in/out/failed, error rate per provider,
 * response time (p50/p95) and conversion to orders, as stats and charts (`GET /v1/bots/analytics`);
 * then every flow with its sessions and, for the chosen flow and version, reached / dropped off /
 * completed per step (`GET /v1/flows/analytics`, `GET /v1/flows/:id/analytics`). CSV exports.
 */
import { useState } from 'preact/hooks';
import { call, downloadCsv, listAll } from '../api';
import { Chart, Empty, ErrorNote, PeriodPicker, Stat, Table, periodQuery, useLoad, type Period } from '../components';
import { int, ms, pct } from '../format';
import { providerInfo } from '../commerce/providers';
import type { Bot } from '../commerce/types';
import { usePeriod } from './figures';

type MessageFigures = { messages_in: number; messages_out: number; out_failed: number; error_rate: number | null; replies: number; response_p50_ms: number | null; response_p95_ms: number | null; response_avg_ms: number | null };
type ConversationFigures = { conversations: number; converted: number; conversion_rate: number | null };
type BotReport = {
  range: { from: string; to: string; granularity: 'hour' | 'day' };
  summary: MessageFigures & ConversationFigures;
  providers: (MessageFigures & { provider: string })[];
  points: (MessageFigures & ConversationFigures & { t: string; by_provider: Record<string, { messages_out: number; out_failed: number; error_rate: number | null }> })[];
};
type SessionFigures = { sessions: number; completed: number; dropped_off: number; handed_over: number; active: number; completion_rate: number | null };
type FlowRow = SessionFigures & { flow_id: string; name: string; bot_id: string | null; published_version: number | null; version: number | null };
type FlowStep = { step_id: string; type: string | null; title: string | null; reached: number; dropped_off: number; drop_off_rate: number | null; handed_over: number; active: number; completed: number; completion_rate: number | null };
type FlowReport = { flow_id: string; name: string; version: number | null; published_version: number | null; versions: number[]; summary: SessionFigures; steps: FlowStep[] };

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#f59e0b', '#7c3aed', '#0f766e'];
const providerLabel = (p: string) => (p === 'none' ? 'No provider' : providerInfo(p).label);
/** Short labels for the charts' axes (they have room for about five characters). */
const pct0 = (v: number) => `${Math.round(v * 100)}%`;
const dur = (v: number) => (v < 1000 ? `${Math.round(v)} ms` : v < 120_000 ? `${Math.round(v / 1000)} s` : `${Math.round(v / 60_000)} min`);
/** Flow figures take a rolling period or all time (no custom range). */
const flowPeriod = (p: Period) => (p.period === 'custom' ? 'all' : p.period);

export function BotAnalyticsPage(props: { tenant: string }) {
  const t = props.tenant;
  const [period, setPeriod] = usePeriod('7d');
  const [botId, setBotId] = useState('');
  const bots = useLoad(() => listAll<Bot>('/v1/bots', { tenant: t }), [t]);
  const q = `${periodQuery(period)}${botId ? `&bot_id=${botId}` : ''}`;
  const report = useLoad(() => call<BotReport>(`/v1/bots/analytics?${q}`, { tenant: t }), [t, q]);
  const r = report.data;
  const s = r?.summary;
  const x = r?.points.map((p) => p.t) ?? [];
  const providers = r?.providers.map((p) => p.provider) ?? [];
  return (
    <>
      <h1>Bot analytics</h1>
      <div class="toolbar">
        <PeriodPicker value={period} onChange={setPeriod} />
        <span class="row-actions">
          <label>
            Bot{' '}
            <select name="bot" value={botId} onChange={(e) => setBotId((e.target as HTMLSelectElement).value)}>
              <option value="">All bots</option>
              {bots.data?.data.map((b) => (
                <option value={b.id}>{b.name}</option>
              ))}
            </select>
          </label>
          <button type="button" onClick={() => void downloadCsv(`/v1/bots/analytics?${q}`, t, 'bot-analytics')}>
            Export CSV
          </button>
          <button type="button" onClick={() => void downloadCsv(`/v1/bots/analytics?${q}&breakdown=provider`, t, 'bot-analytics-providers')}>
            CSV by provider
          </button>
        </span>
      </div>
      <ErrorNote error={report.error ?? bots.error} />
      {s && r && (
        <>
          <div class="stats" data-range-from={r.range.from} data-range-to={r.range.to}>
            <Stat id="messages_in" label="Messages in" value={int(s.messages_in)} />
            <Stat id="messages_out" label="Messages out" value={int(s.messages_out)} hint={`${int(s.out_failed)} failed`} />
            <Stat id="error_rate" label="Error rate" value={pct(s.error_rate)} />
            <Stat id="response_p50" label="Response p50" value={ms(s.response_p50_ms)} hint={`${int(s.replies)} turns answered`} />
            <Stat id="response_p95" label="Response p95" value={ms(s.response_p95_ms)} />
            <Stat id="conversion" label="Conversion" value={pct(s.conversion_rate)} hint={`${int(s.converted)} of ${int(s.conversations)} conversations ordered`} />
          </div>
          {s.messages_in + s.messages_out === 0 && (
            <Empty title="No messages in this period">
              Figures appear once shoppers write to a bot (try one on its simulator from <a href={`/dashboard/t/${t}/bots`}>Bots</a>). They are rolled up every 5 minutes; the newest minutes are read live.
            </Empty>
          )}
          <div class="charts">
            <Chart
              title={`Messages per ${r.range.granularity}`}
              x={x}
              series={[
                { label: 'In', color: '#2563eb', values: r.points.map((p) => p.messages_in) },
                { label: 'Out', color: '#16a34a', values: r.points.map((p) => p.messages_out) },
                { label: 'Failed', color: '#dc2626', values: r.points.map((p) => p.out_failed) },
              ]}
            />
            <Chart
              title="Error rate per provider"
              x={x}
              series={
                providers.length
                  ? providers.map((p, i) => ({ label: providerLabel(p), color: COLORS[i % COLORS.length]!, values: r.points.map((pt) => pt.by_provider[p]?.error_rate ?? null), format: pct0 }))
                  : [{ label: 'Error rate', color: COLORS[0]!, values: r.points.map((p) => p.error_rate), format: pct0 }]
              }
            />
            <Chart
              title="Response time (shopper → first reply)"
              x={x}
              series={[
                { label: 'p50', color: '#7c3aed', values: r.points.map((p) => p.response_p50_ms), format: dur },
                { label: 'p95', color: '#f59e0b', values: r.points.map((p) => p.response_p95_ms), format: dur },
              ]}
            />
            <Chart
              title="Conversations and conversion to orders"
              x={x}
              series={[
                { label: 'Conversations', color: '#2563eb', values: r.points.map((p) => p.conversations) },
                { label: 'With an order', color: '#16a34a', values: r.points.map((p) => p.converted) },
                { label: 'Conversion', color: '#f59e0b', axis: 'right', values: r.points.map((p) => p.conversion_rate), format: pct0 },
              ]}
            />
          </div>
          <h2>Providers</h2>
          <Table
            label="Providers"
            rows={r.providers}
            rowKey={(p) => p.provider}
            empty={<span class="muted">No messages in this period.</span>}
            columns={[
              { key: 'provider', label: 'Provider', render: (p) => <span data-provider={p.provider}>{providerLabel(p.provider)}</span> },
              { key: 'messages_in', label: 'In', numeric: true, render: (p) => int(p.messages_in) },
              { key: 'messages_out', label: 'Out', numeric: true, render: (p) => int(p.messages_out) },
              { key: 'out_failed', label: 'Failed', numeric: true, render: (p) => int(p.out_failed) },
              { key: 'error_rate', label: 'Error rate', numeric: true, render: (p) => <span data-error-rate>{pct(p.error_rate)}</span> },
              { key: 'response_p50_ms', label: 'Response p50', numeric: true, render: (p) => ms(p.response_p50_ms) },
              { key: 'response_p95_ms', label: 'Response p95', numeric: true, render: (p) => ms(p.response_p95_ms) },
            ]}
          />
        </>
      )}
      <FlowFigures tenant={t} botId={botId} period={flowPeriod(period)} />
    </>
  );
}

function FlowFigures(props: { tenant: string; botId: string; period: string }) {
  const t = props.tenant;
  const q = `period=${props.period}${props.botId ? `&bot_id=${props.botId}` : ''}`;
  const list = useLoad(() => call<{ data: FlowRow[] }>(`/v1/flows/analytics?${q}`, { tenant: t }), [t, q]);
  const [chosen, setChosen] = useState<string>('');
  const flows = list.data?.data ?? [];
  const flowId = flows.some((f) => f.flow_id === chosen) ? chosen : (flows[0]?.flow_id ?? '');
  return (
    <>
      <h2>Flows</h2>
      <p class="stat-hint">{props.period === 'all' ? 'Sessions of all time' : `Sessions started in the last ${props.period}`}; each flow’s published version (or the newest one sessions ran).</p>
      <ErrorNote error={list.error} />
      {list.data && (
        <Table
          label="Flows"
          rows={flows}
          rowKey={(f) => f.flow_id}
          empty={<span class="muted">No flows yet.</span>}
          columns={[
            {
              key: 'name',
              label: 'Flow',
              render: (f) => (
                <button type="button" class="link" aria-pressed={f.flow_id === flowId} onClick={() => setChosen(f.flow_id)}>
                  {f.name}
                </button>
              ),
            },
            { key: 'version', label: 'Version', numeric: true, render: (f) => (f.version === null ? '—' : `v${f.version}`) },
            { key: 'sessions', label: 'Sessions', numeric: true, render: (f) => int(f.sessions) },
            { key: 'completed', label: 'Completed', numeric: true, render: (f) => int(f.completed) },
            { key: 'dropped_off', label: 'Dropped off', numeric: true, render: (f) => int(f.dropped_off) },
            { key: 'handed_over', label: 'Handed over', numeric: true, render: (f) => int(f.handed_over) },
            { key: 'completion_rate', label: 'Completion', numeric: true, render: (f) => pct(f.completion_rate) },
          ]}
        />
      )}
      {flowId && <FlowStepsTable key={flowId} tenant={t} flowId={flowId} period={props.period} />}
    </>
  );
}

function FlowStepsTable(props: { tenant: string; flowId: string; period: string }) {
  const [version, setVersion] = useState<number | null>(null);
  const q = `period=${props.period}${version ? `&version=${version}` : ''}`;
  const path = `/v1/flows/${props.flowId}/analytics?${q}`;
  const report = useLoad(() => call<FlowReport>(path, { tenant: props.tenant }), [props.tenant, path]);
  const r = report.data;
  const max = Math.max(1, ...(r?.steps.map((s) => s.reached) ?? [1]));
  return (
    <section aria-label="Flow steps">
      <ErrorNote error={report.error} />
      {r && (
        <>
          <div class="toolbar">
            <h3>
              {r.name} <span class="muted">{r.version === null ? 'no version yet' : `v${r.version}${r.version === r.published_version ? ' (published)' : ''}`}</span>
            </h3>
            <span class="row-actions">
              {r.versions.length > 1 && (
                <label>
                  Version{' '}
                  <select name="version" value={String(r.version ?? '')} onChange={(e) => setVersion(Number((e.target as HTMLSelectElement).value))}>
                    {r.versions.map((v) => (
                      <option value={String(v)}>{`v${v}${v === r.published_version ? ' (published)' : ''}`}</option>
                    ))}
                  </select>
                </label>
              )}
              <button type="button" onClick={() => void downloadCsv(path, props.tenant, `flow-${r.flow_id}-v${r.version ?? 0}`)}>
                Export steps CSV
              </button>
            </span>
          </div>
          <Table
            label="Steps"
            pageSize={50}
            rows={r.steps}
            rowKey={(s) => s.step_id}
            empty={<span class="muted">This version has no steps yet.</span>}
            columns={[
              { key: 'step_id', label: 'Step', sort: false, render: (s) => <span data-step={s.step_id} title={s.title ?? undefined}>{s.step_id}</span> },
              { key: 'type', label: 'Type', sort: false, render: (s) => s.type ?? <span class="muted">removed</span> },
              {
                key: 'reached',
                label: 'Reached',
                numeric: true,
                render: (s) => (
                  <span class="step-bar">
                    <span class="step-bar-fill" style={{ width: `${(100 * s.reached) / max}%` }} />
                    <span data-reached>{int(s.reached)}</span>
                  </span>
                ),
              },
              { key: 'dropped_off', label: 'Dropped off', numeric: true, render: (s) => <span data-dropped>{`${int(s.dropped_off)}${s.drop_off_rate ? ` · ${pct(s.drop_off_rate)}` : ''}`}</span> },
              { key: 'handed_over', label: 'Handed over', numeric: true, render: (s) => int(s.handed_over) },
              { key: 'active', label: 'Waiting', numeric: true, render: (s) => int(s.active) },
              { key: 'completed', label: 'Completed', numeric: true, render: (s) => <span data-completed>{int(s.completed)}</span> },
              { key: 'completion_rate', label: 'Completion', numeric: true, render: (s) => pct(s.completion_rate) },
            ]}
          />
        </>
      )}
    </section>
  );
}
