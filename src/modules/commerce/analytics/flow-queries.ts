/**
 * Flow analytics: per step of a flow version, exact counts from the sessions and their step visits
 * (no rollup: a version's sessions are few next to messages, and both tables are indexed by
 * (tenant, flow, version)). A session drops off at the step it ended on when it ended expired,
 * exited or failed, or when it is still active but idle past its expiry; completed and
 * handed-over sessions are not drop-offs. The flow tables (flows/tables.ts) are named in SQL here:
 * the flows part's index.ts does not export them.
 */
import { sql, type SQL } from 'drizzle-orm';
import { AppError } from '../../../platform/errors.js';
import type { Db } from '../../../platform/db/client.js';
import { resolveRange } from '../../analytics/index.js';

const flows = sql.raw('commerce_flows');
const flowVersions = sql.raw('commerce_flow_versions');
const flowSessions = sql.raw('commerce_flow_sessions');
const flowStepVisits = sql.raw('commerce_flow_step_visits');
type Rows<T> = { rows: T[] };
const rowsOf = async <T>(q: Promise<unknown>) => ((await q) as Rows<T>).rows;

export type FlowPeriod = '24h' | '7d' | '30d' | 'all';
type Outcome = 'completed' | 'dropped' | 'handed_over' | 'active';
type Counts = Record<Outcome, number>;

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
const zero = (): Counts => ({ completed: 0, dropped: 0, handed_over: 0, active: 0 });

/** What a session counts as now: the status, with idle active sessions past expiry as drop-offs. */
const outcomeOf = (now: Date) => sql`case
  when status = 'completed' then 'completed'
  when status = 'handed_over' then 'handed_over'
  when status = 'active' and expires_at > ${now} then 'active'
  else 'dropped' end`;

function startedIn(period: FlowPeriod, now: number): SQL {
  if (period === 'all') return sql``;
  const r = resolveRange({ period }, now);
  return sql` and started_at >= ${new Date(r.from)} and started_at < ${new Date(r.to)}`;
}

const summaryOf = (c: Counts) => {
  const sessions = c.completed + c.dropped + c.handed_over + c.active;
  return { sessions, completed: c.completed, dropped_off: c.dropped, handed_over: c.handed_over, active: c.active, completion_rate: ratio(c.completed, sessions) };
};

type StepDef = { id: string; type?: string; title?: string };

export async function flowAnalytics(db: Db, tenantId: string, flowId: string, q: { version?: number | undefined; period?: FlowPeriod | undefined }, now: number) {
  const [flow] = await rowsOf<{ id: string; name: string; published_version: number | null; latest_version: number | null }>(
    db.execute(sql`select id, name, published_version, latest_version from ${flows} where tenant_id = ${tenantId} and id = ${flowId}`),
  );
  if (!flow) throw new AppError('FLOW_NOT_FOUND');
  const period = q.period ?? 'all';
  const existing = await rowsOf<{ version: number; definition: { steps?: StepDef[] } | string }>(
    db.execute(sql`select version, definition from ${flowVersions} where tenant_id = ${tenantId} and flow_id = ${flowId} order by version desc`),
  );
  const seen = (await rowsOf<{ v: number }>(db.execute(sql`select distinct flow_version as v from ${flowSessions} where tenant_id = ${tenantId} and flow_id = ${flowId}`))).map((r) => Number(r.v));
  const versions = [...new Set([...existing.map((e) => Number(e.version)), ...seen])].sort((a, b) => b - a);
  const version = q.version ?? flow.published_version ?? (seen.length ? Math.max(...seen) : null) ?? flow.latest_version ?? null;
  if (q.version !== undefined && !versions.includes(q.version)) throw new AppError('FLOW_VERSION_NOT_FOUND', `Flow ${flowId} has no version ${q.version}.`);
  const base = { object: 'flow_analytics' as const, flow_id: flow.id, name: flow.name, version, published_version: flow.published_version, versions, period };
  if (version === null) return { ...base, summary: summaryOf(zero()), steps: [] };

  const res = (await db.execute(sql`
    with s as (
      select id, step_id, ${outcomeOf(new Date(now))} as outcome from ${flowSessions}
      where tenant_id = ${tenantId} and flow_id = ${flowId} and flow_version = ${version}${startedIn(period, now)}
    )
    select 'end' as kind, step_id, outcome, count(*)::int as n from s group by 2, 3
    union all
    select 'visit', v.step_id, s.outcome, count(*)::int from ${flowStepVisits} v join s on s.id = v.session_id
    where v.tenant_id = ${tenantId} and v.flow_id = ${flowId} and v.flow_version = ${version} group by 2, 3`)) as unknown as { rows: { kind: 'end' | 'visit'; step_id: string; outcome: Outcome; n: number }[] };

  const ends = new Map<string, Counts>();
  const visits = new Map<string, Counts>();
  const total = zero();
  for (const r of res.rows) {
    const m = r.kind === 'end' ? ends : visits;
    const c = m.get(r.step_id) ?? (m.set(r.step_id, zero()), m.get(r.step_id)!);
    c[r.outcome] += Number(r.n);
    if (r.kind === 'end') total[r.outcome] += Number(r.n);
  }
  // Steps in the version's order, then any step sessions were at that the version does not have.
  const def = existing.find((e) => Number(e.version) === version)?.definition;
  const defs = ((typeof def === 'string' ? (JSON.parse(def) as { steps?: StepDef[] }) : def)?.steps ?? []).map((s) => ({ id: s.id, type: s.type ?? null, title: s.title ?? null }));
  const known = new Set(defs.map((d) => d.id));
  const extra = [...new Set([...visits.keys(), ...ends.keys()])].filter((id) => !known.has(id)).sort();
  const steps = [...defs, ...extra.map((id) => ({ id, type: null, title: null }))].map((d) => {
    const v = visits.get(d.id) ?? zero();
    const e = ends.get(d.id) ?? zero();
    const reached = v.completed + v.dropped + v.handed_over + v.active;
    return {
      step_id: d.id,
      type: d.type,
      title: d.title,
      reached,
      dropped_off: e.dropped,
      drop_off_rate: ratio(e.dropped, reached),
      handed_over: e.handed_over,
      active: e.active,
      completed: v.completed,
      completion_rate: ratio(v.completed, reached),
    };
  });
  return { ...base, summary: summaryOf(total), steps };
}

export type FlowAnalyticsReport = Awaited<ReturnType<typeof flowAnalytics>>;

/** Every flow of the store (or of one bot) with the figures of the version its report defaults to. */
export async function flowAnalyticsList(db: Db, tenantId: string, q: { botId?: string | undefined; period?: FlowPeriod | undefined }, now: number) {
  const period = q.period ?? 'all';
  const bot = q.botId ? sql` and f.bot_id = ${q.botId}` : sql``;
  const res = (await db.execute(sql`
    with f as (
      select f.id, f.name, f.bot_id, f.published_version, f.created_at,
        coalesce(f.published_version, (select max(flow_version) from ${flowSessions} x where x.tenant_id = f.tenant_id and x.flow_id = f.id), f.latest_version) as version
      from ${flows} f where f.tenant_id = ${tenantId}${bot}
    ), s as (
      select flow_id, flow_version, ${outcomeOf(new Date(now))} as outcome from ${flowSessions}
      where tenant_id = ${tenantId}${startedIn(period, now)}
    )
    select f.id, f.name, f.bot_id, f.published_version, f.version, s.outcome, count(s.outcome)::int as n
    from f left join s on s.flow_id = f.id and s.flow_version = f.version
    group by f.id, f.name, f.bot_id, f.published_version, f.version, f.created_at, s.outcome
    order by f.created_at, f.id`)) as unknown as { rows: { id: string; name: string; bot_id: string | null; published_version: number | null; version: number | null; outcome: Outcome | null; n: number }[] };
  const by = new Map<string, { row: (typeof res.rows)[number]; counts: Counts }>();
  for (const r of res.rows) {
    const e = by.get(r.id) ?? (by.set(r.id, { row: r, counts: zero() }), by.get(r.id)!);
    if (r.outcome) e.counts[r.outcome] += Number(r.n);
  }
  return {
    object: 'flow_analytics_list' as const,
    period,
    data: [...by.values()].map(({ row, counts }) => ({
      flow_id: row.id,
      name: row.name,
      bot_id: row.bot_id,
      published_version: row.published_version === null ? null : Number(row.published_version),
      version: row.version === null ? null : Number(row.version),
      ...summaryOf(counts),
    })),
  };
}
