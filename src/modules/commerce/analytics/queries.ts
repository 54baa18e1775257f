/**
 * Bot analytics, read side: the 5-minute rollup rows before the live boundary plus the same
 * aggregations over the raw rows from it on (rollup.ts), summed in SQL per (hour or day, provider);
 * JavaScript only adds those few rows up into the summary, the providers and the points.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../../platform/db/client.js';
import { bucketStarts, percentile, presentRange, type Range } from '../../analytics/index.js';
import { conversationCounts, liveFrom, messageCounts, replySamples, type Scope } from './rollup.js';
import { botStats } from './tables.js';

type Row = { t: number; provider: string; messages_in: number; messages_out: number; out_failed: number; replies: number; reply_ms_sum: number; conversations: number; converted: number; hist: Record<string, number> | string };
type Acc = { in: number; out: number; failed: number; replies: number; msSum: number; hist: Map<number, number>; conversations: number; converted: number };

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
const emptyAcc = (): Acc => ({ in: 0, out: 0, failed: 0, replies: 0, msSum: 0, hist: new Map(), conversations: 0, converted: 0 });
/** How the rows name "no provider" ('') in the API. */
export const NO_PROVIDER = 'none';

function add(acc: Acc, r: Row, hist: Record<string, number>) {
  acc.in += r.messages_in;
  acc.out += r.messages_out;
  acc.failed += r.out_failed;
  acc.replies += r.replies;
  acc.msSum += r.reply_ms_sum;
  acc.conversations += r.conversations;
  acc.converted += r.converted;
  for (const [k, n] of Object.entries(hist)) acc.hist.set(Number(k), (acc.hist.get(Number(k)) ?? 0) + Number(n));
}

const messageFigures = (a: Acc) => ({
  messages_in: a.in,
  messages_out: a.out,
  out_failed: a.failed,
  error_rate: ratio(a.failed, a.out),
  replies: a.replies,
  response_p50_ms: percentile(a.hist, 0.5),
  response_p95_ms: percentile(a.hist, 0.95),
  response_avg_ms: a.replies > 0 ? Math.round(a.msSum / a.replies) : null,
});
const conversationFigures = (a: Acc) => ({ conversations: a.conversations, converted: a.converted, conversion_rate: ratio(a.converted, a.conversations) });

/** Rows (hour or day, provider) for a tenant (and optionally a bot) over the range: rollup rows, then live ones. */
async function rows(db: Db, tenantId: string, botId: string | null, r: Range): Promise<Row[]> {
  const scope: Scope = { tenantIds: [tenantId], botId };
  const boundary = Math.min(r.to, Math.max(r.from, await liveFrom(db)));
  const bot = botId ? sql` and bot_id = ${botId}` : sql``;
  const parts: SQL[] = [];
  if (r.from < boundary) {
    parts.push(sql`select bucket, provider, messages_in, messages_out, out_failed, replies, reply_ms_sum, reply_hist, conversations, converted
      from ${botStats} where tenant_id = ${tenantId}${bot} and bucket >= ${new Date(r.from)} and bucket < ${new Date(boundary)}`);
  }
  if (boundary < r.to) {
    const live = { from: new Date(boundary), to: new Date(r.to) };
    parts.push(
      sql`select bucket, provider, messages_in, messages_out, out_failed, 0, 0::float8, '{}'::jsonb, 0, 0 from (${messageCounts(live, scope)}) m`,
      sql`select bucket, provider, 0, 0, 0, replies, reply_ms_sum, reply_hist, 0, 0 from (${replySamples(live, scope)}) s`,
      sql`select bucket, provider, 0, 0, 0, 0, 0::float8, '{}'::jsonb, conversations, converted from (${conversationCounts(live, scope)}) c`,
    );
  }
  if (parts.length === 0) return [];
  const res = (await db.execute(sql`
    with src (bucket, provider, messages_in, messages_out, out_failed, replies, reply_ms_sum, reply_hist, conversations, converted) as (${sql.join(parts, sql` union all `)}),
    p as (select (extract(epoch from date_trunc(${r.granularity}, bucket, 'UTC')) * 1000)::float8 as t, src.* from src),
    nums as (
      select t, provider, sum(messages_in)::float8 as messages_in, sum(messages_out)::float8 as messages_out, sum(out_failed)::float8 as out_failed,
        sum(replies)::float8 as replies, sum(reply_ms_sum)::float8 as reply_ms_sum, sum(conversations)::float8 as conversations, sum(converted)::float8 as converted
      from p group by 1, 2
    ),
    h as (
      select t, provider, jsonb_object_agg(k, n) as hist from (
        select t, provider, e.key as k, sum(e.value::int)::int as n from p, jsonb_each_text(p.reply_hist) e group by 1, 2, 3
      ) x group by 1, 2
    )
    select nums.*, coalesce(h.hist, '{}'::jsonb) as hist from nums left join h using (t, provider)`)) as unknown as { rows: Row[] };
  return res.rows.map((x) => ({
    ...x,
    t: Number(x.t),
    messages_in: Number(x.messages_in),
    messages_out: Number(x.messages_out),
    out_failed: Number(x.out_failed),
    replies: Number(x.replies),
    reply_ms_sum: Number(x.reply_ms_sum),
    conversations: Number(x.conversations),
    converted: Number(x.converted),
  }));
}

export async function botAnalytics(db: Db, tenantId: string, botId: string | null, r: Range) {
  const all = emptyAcc();
  const perPoint = new Map<number, Acc>();
  const perProvider = new Map<string, Acc>();
  const perPointProvider = new Map<number, Map<string, Acc>>();
  const at = <K>(m: Map<K, Acc>, k: K) => m.get(k) ?? (m.set(k, emptyAcc()), m.get(k)!);
  for (const row of await rows(db, tenantId, botId, r)) {
    const hist = typeof row.hist === 'string' ? (JSON.parse(row.hist) as Record<string, number>) : row.hist;
    const provider = row.provider || NO_PROVIDER;
    add(all, row, hist);
    add(at(perPoint, row.t), row, hist);
    const hasMessages = row.messages_in + row.messages_out + row.replies > 0;
    if (hasMessages) {
      add(at(perProvider, provider), row, hist);
      let pp = perPointProvider.get(row.t);
      if (!pp) perPointProvider.set(row.t, (pp = new Map()));
      add(at(pp, provider), row, hist);
    }
  }
  const providers = [...perProvider.entries()]
    .map(([provider, a]) => ({ provider, ...messageFigures(a) }))
    .sort((x, y) => y.messages_out + y.messages_in - (x.messages_out + x.messages_in) || x.provider.localeCompare(y.provider));
  return {
    object: 'bot_analytics' as const,
    bot_id: botId,
    range: presentRange(r),
    summary: { ...messageFigures(all), ...conversationFigures(all) },
    providers,
    points: bucketStarts(r).map((t) => {
      const a = perPoint.get(t) ?? emptyAcc();
      const by = perPointProvider.get(t) ?? new Map<string, Acc>();
      return {
        t: new Date(t).toISOString(),
        ...messageFigures(a),
        ...conversationFigures(a),
        by_provider: Object.fromEntries([...by.entries()].map(([p, x]) => [p, { messages_out: x.out, out_failed: x.failed, error_rate: ratio(x.failed, x.out) }])),
      };
    }),
    /** Per (point, provider) for the CSV's provider breakdown (not part of the JSON answer). */
    byPointProvider: [...perPointProvider.entries()]
      .sort((a, b) => a[0] - b[0])
      .flatMap(([t, m]) => [...m.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([provider, a]) => ({ t: new Date(t).toISOString(), provider, ...messageFigures(a) }))),
  };
}

export type BotAnalyticsReport = Awaited<ReturnType<typeof botAnalytics>>;
