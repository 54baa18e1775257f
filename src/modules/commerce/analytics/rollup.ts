/**
 * The bot analytics rollup: raw messages, conversations and orders → 5-minute rows of
 * `commerce_bot_stats`. The same aggregations serve the rollup (every bucket it rewrites) and the
 * read path (buckets from the live boundary on, straight from the raw rows), so figures are exact
 * and current. A bucket's figures are a function of the raw rows alone: rolling a bucket again
 * gives the same numbers.
 *
 * What a run rewrites, incrementally: every bucket from REWRITE_MS before the previous run (new
 * rows, rows committed late), plus the older buckets whose inputs changed since — messages sent or
 * failed since the last run (at most STATUS_LOOKBACK_MS old; a failed reply can make a later one
 * the first, so later buckets of that conversation too), and conversations an order was made or
 * changed for since (their start bucket, for conversion). Buckets are rewritten only while their
 * messages are kept (message logs are cleaned after the tenant's days; see cleanup.ts).
 *
 * Definitions. A message counts in the bucket it was created in, under its provider ('' when no
 * provider took it). Response time: a shopper turn is one or more inbound messages with no reply
 * between them; its first reply is the next outgoing message that did not fail (bot, agent, API or
 * automatic); the sample is (reply created − first message of the turn), in the reply's bucket
 * and under the reply's provider. A conversation counts in the bucket it started in, and as
 * converted when an order names it (orders.conversation_id).
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../../platform/db/client.js';
import { latencyBucketSql } from '../../analytics/index.js';
import { ordersTable } from '../orders/index.js';
import { bots, conversations, messages } from '../tables.js';
import { botStats, botStatsState } from './tables.js';

export const BUCKET_MS = 5 * 60_000;
/** Each run rewrites from this long before the previous one (rows committed late, node clocks apart). */
export const REWRITE_MS = 10 * 60_000;
/** A message sent or failed since the last run re-counts its bucket when it is at most this old. */
export const STATUS_LOOKBACK_MS = 24 * 3600_000;
const STATE = 'bot_stats';
const LOCK = 72017123;

export const floorBucket = (ms: number) => Math.floor(ms / BUCKET_MS) * BUCKET_MS;
const bucketOf = (col: SQL) => sql`date_bin('5 minutes', ${col}, timestamptz '1970-01-01 00:00:00+00')`;
const pgArray = (values: string[]) => `{${values.join(',')}}`;

/** Buckets to aggregate: a range of bucket starts [from, to), or a list of bucket starts. */
export type Buckets = { from: Date; to: Date } | { starts: Date[] };
/** Whose rows: tenants (their bots' messages), optionally one bot. */
export type Scope = { tenantIds: string[]; botId?: string | null | undefined };

function inBuckets(col: SQL, b: Buckets): SQL {
  if ('from' in b) return sql`${col} >= ${b.from} and ${col} < ${b.to}`;
  const ms = b.starts.map((d) => d.getTime());
  const min = new Date(Math.min(...ms));
  const max = new Date(Math.max(...ms) + BUCKET_MS);
  return sql`${col} >= ${min} and ${col} < ${max} and ${bucketOf(col)} = any(${pgArray(b.starts.map((d) => d.toISOString()))}::timestamptz[])`;
}

function inScope(alias: string, s: Scope): SQL {
  const a = sql.raw(alias ? `${alias}.` : '');
  const bot = s.botId ? sql` and ${a}bot_id = ${s.botId}` : sql``;
  return sql`${a}tenant_id = any(${pgArray(s.tenantIds)}::text[])${bot}`;
}

/** (tenant_id, bot_id, bucket, provider, messages_in, messages_out, out_failed) per bucket. */
export function messageCounts(b: Buckets, s: Scope): SQL {
  return sql`
    select tenant_id, bot_id, ${bucketOf(sql`created_at`)} as bucket, coalesce(provider, '') as provider,
      (count(*) filter (where direction = 'in'))::int as messages_in,
      (count(*) filter (where direction = 'out'))::int as messages_out,
      (count(*) filter (where direction = 'out' and status = 'failed'))::int as out_failed
    from ${messages} where ${inScope('', s)} and ${inBuckets(sql`created_at`, b)}
    group by 1, 2, 3, 4`;
}

/** (tenant_id, bot_id, bucket, provider, replies, reply_ms_sum, reply_hist) of the first replies made in the buckets. */
export function replySamples(b: Buckets, s: Scope): SQL {
  return sql`
    with conv as (
      select distinct conversation_id from ${messages}
      where ${inScope('', s)} and direction = 'out' and status <> 'failed' and ${inBuckets(sql`created_at`, b)}
    ), seq as (
      select m.tenant_id, m.bot_id, m.conversation_id, m.direction, m.provider, m.created_at,
        sum(case when m.direction = 'out' then 1 else 0 end) over (partition by m.conversation_id order by m.created_at, m.direction = 'out', m.id) as outs
      from ${messages} m join conv on conv.conversation_id = m.conversation_id
      where ${inScope('m', { tenantIds: s.tenantIds })} and not (m.direction = 'out' and m.status = 'failed')
    ), turns as (
      select conversation_id, outs as g, min(created_at) as start from seq where direction = 'in' group by 1, 2
    ), samples as (
      select r.tenant_id, r.bot_id, ${bucketOf(sql`r.created_at`)} as bucket, coalesce(r.provider, '') as provider,
        (extract(epoch from (r.created_at - t.start)) * 1000)::float8 as ms
      from seq r join turns t on t.conversation_id = r.conversation_id and t.g = r.outs - 1
      where r.direction = 'out' and ${inBuckets(sql`r.created_at`, b)}
    ), hist as (
      select tenant_id, bot_id, bucket, provider, ${latencyBucketSql(sql`ms`)} as lb, count(*)::int as n from samples group by 1, 2, 3, 4, 5
    )
    select s.tenant_id, s.bot_id, s.bucket, s.provider, s.replies, s.reply_ms_sum, h.reply_hist
    from (select tenant_id, bot_id, bucket, provider, count(*)::int as replies, sum(ms)::float8 as reply_ms_sum from samples group by 1, 2, 3, 4) s
    join (select tenant_id, bot_id, bucket, provider, jsonb_object_agg(lb, n) as reply_hist from hist group by 1, 2, 3, 4) h
      using (tenant_id, bot_id, bucket, provider)`;
}

/** (tenant_id, bot_id, bucket, provider '', conversations, converted) of the conversations started in the buckets. */
export function conversationCounts(b: Buckets, s: Scope): SQL {
  return sql`
    select c.tenant_id, c.bot_id, ${bucketOf(sql`c.created_at`)} as bucket, '' as provider,
      count(*)::int as conversations,
      (count(*) filter (where exists (select 1 from ${ordersTable} o where o.tenant_id = c.tenant_id and o.conversation_id = c.id)))::int as converted
    from ${conversations} c where ${inScope('c', s)} and ${inBuckets(sql`c.created_at`, b)}
    group by 1, 2, 3`;
}

type Rows<T> = { rows: T[] };
const rowsOf = async <T>(q: Promise<unknown>) => ((await q) as Rows<T>).rows;
const readState = async (db: Pick<Db, 'execute'>) =>
  (await rowsOf<{ ms: number }>(db.execute(sql`select (extract(epoch from up_to) * 1000)::float8 as ms from ${botStatsState} where name = ${STATE}`)))[0]?.ms;

/** The first bucket read live (the next run rewrites from there; earlier buckets are final in the rollup). */
export async function liveFrom(db: Db): Promise<number> {
  const last = await readState(db);
  return last === undefined ? 0 : rewriteFrom(Number(last));
}
const rewriteFrom = (lastRun: number) => Math.max(0, floorBucket(lastRun) - REWRITE_MS);

const statsIn = (b: Buckets) => ('from' in b ? sql`bucket >= ${b.from} and bucket < ${b.to}` : sql`bucket = any(${pgArray(b.starts.map((d) => d.toISOString()))}::timestamptz[])`);
const MESSAGE_ZERO = sql`messages_in = 0, messages_out = 0, out_failed = 0, replies = 0, reply_ms_sum = 0, reply_hist = '{}'::jsonb`;

export type RollupResult = { from: Date; to: Date; messageBuckets: number; conversationBuckets: number };

/**
 * Roll up to `now`: the buckets described above, in one transaction, one run at a time across
 * processes. With `ifDue`, nothing is done (null) unless a 5-minute bucket began since the last run
 * (checked under the lock, so workers running maintenance together roll up once).
 */
export async function runBotRollup(db: Db, now: number, opts: { ifDue?: boolean } = {}): Promise<RollupResult | null> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${LOCK})`);
    const stored = await readState(tx);
    if (opts.ifDue && stored !== undefined && floorBucket(now) <= floorBucket(Number(stored))) return null;
    const last = stored === undefined ? undefined : Math.min(Number(stored), now);
    const range = { from: new Date(last === undefined ? 0 : rewriteFrom(last)), to: new Date(floorBucket(now) + BUCKET_MS) };
    const tenantIds = (await rowsOf<{ tenant_id: string }>(tx.execute(sql`select distinct tenant_id from ${bots}`))).map((r) => r.tenant_id);
    const scope: Scope = { tenantIds };
    let statusExtra: Date[] = [];
    let orderExtra: Date[] = [];
    if (last !== undefined && tenantIds.length > 0) {
      const since = new Date(last - REWRITE_MS);
      statusExtra = (
        await rowsOf<{ b: string | Date }>(
          tx.execute(sql`
            select distinct ${bucketOf(sql`m2.created_at`)} as b from ${messages} m
            join ${messages} m2 on m2.conversation_id = m.conversation_id and m2.created_at >= m.created_at and m2.created_at < ${range.from}
            where ${inScope('m', scope)} and m.created_at >= ${new Date(now - STATUS_LOOKBACK_MS)} and m.created_at < ${range.from}
              and (m.sent_at >= ${since} or m.failed_at >= ${since})`),
        )
      ).map((r) => new Date(r.b));
      orderExtra = (
        await rowsOf<{ b: string | Date }>(
          tx.execute(sql`
            select distinct ${bucketOf(sql`c.created_at`)} as b from ${ordersTable} o
            join ${conversations} c on c.id = o.conversation_id and c.tenant_id = o.tenant_id
            where o.conversation_id is not null and (o.created_at >= ${since} or o.updated_at >= ${since}) and c.created_at < ${range.from}`),
        )
      ).map((r) => new Date(r.b));
    }
    const messageSets: Buckets[] = [range, ...(statusExtra.length ? [{ starts: statusExtra }] : [])];
    const conversationSets: Buckets[] = [range, ...(orderExtra.length ? [{ starts: orderExtra }] : [])];
    for (const b of messageSets) {
      await tx.execute(sql`update ${botStats} set ${MESSAGE_ZERO} where ${statsIn(b)}`);
      if (tenantIds.length === 0) continue;
      await tx.execute(sql`
        insert into ${botStats} (tenant_id, bot_id, bucket, provider, messages_in, messages_out, out_failed)
        select tenant_id, bot_id, bucket, provider, messages_in, messages_out, out_failed from (${messageCounts(b, scope)}) x
        on conflict (tenant_id, bucket, bot_id, provider) do update
          set messages_in = excluded.messages_in, messages_out = excluded.messages_out, out_failed = excluded.out_failed`);
      await tx.execute(sql`
        insert into ${botStats} (tenant_id, bot_id, bucket, provider, replies, reply_ms_sum, reply_hist)
        select tenant_id, bot_id, bucket, provider, replies, reply_ms_sum, reply_hist from (${replySamples(b, scope)}) x
        on conflict (tenant_id, bucket, bot_id, provider) do update
          set replies = excluded.replies, reply_ms_sum = excluded.reply_ms_sum, reply_hist = excluded.reply_hist`);
    }
    for (const b of conversationSets) {
      await tx.execute(sql`update ${botStats} set conversations = 0, converted = 0 where ${statsIn(b)}`);
      if (tenantIds.length === 0) continue;
      await tx.execute(sql`
        insert into ${botStats} (tenant_id, bot_id, bucket, provider, conversations, converted)
        select tenant_id, bot_id, bucket, provider, conversations, converted from (${conversationCounts(b, scope)}) x
        on conflict (tenant_id, bucket, bot_id, provider) do update set conversations = excluded.conversations, converted = excluded.converted`);
    }
    // Rows left with nothing (a message deleted with its bot, a bucket re-counted to zero).
    for (const b of [...messageSets, ...conversationSets.slice(1)]) {
      await tx.execute(sql`delete from ${botStats} where ${statsIn(b)} and messages_in = 0 and messages_out = 0 and replies = 0 and conversations = 0`);
    }
    await tx.execute(sql`
      insert into ${botStatsState} (name, up_to, runs) values (${STATE}, ${new Date(now)}, 1)
      on conflict (name) do update set up_to = excluded.up_to, runs = ${botStatsState}.runs + 1`);
    return { ...range, messageBuckets: statusExtra.length, conversationBuckets: orderExtra.length };
  });
}
