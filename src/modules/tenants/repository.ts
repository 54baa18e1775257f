/**
 * Drizzle queries for tenants, keys and usage. Tenant-owned rows are always read and written
 * with the tenant id as the first argument, so no query can cross tenants by mistake.
 */
import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/client.js';
import { rawRows, unnestInsertSql, unnestParams, unnestSql, type ArrayColumn } from '../../platform/db/raw.js';
import { apiKeys, tenants, usageCounters, type usageEvents, type ApiKeyRow, type TenantRow } from './tables.js';

export type NewTenant = typeof tenants.$inferInsert;
export type NewApiKey = typeof apiKeys.$inferInsert;

export async function insertTenant(db: Db, row: NewTenant): Promise<TenantRow> {
  const [t] = await db.insert(tenants).values(row).returning();
  return t!;
}

/** `forUpdate`: lock the row until the transaction ends (an update that records what it changed). */
export async function findTenant(db: Db, tenantId: string, opts: { forUpdate?: boolean } = {}): Promise<TenantRow | undefined> {
  const q = db.select().from(tenants).where(eq(tenants.id, tenantId));
  const [t] = opts.forUpdate ? await q.for('update') : await q;
  return t;
}

/** Newest first; `startingAfter` is the id of the last item of the previous page. */
export async function listTenants(db: Db, opts: { limit: number; startingAfter?: string | undefined; active?: boolean | undefined }) {
  const conds = [];
  if (opts.startingAfter) conds.push(lt(tenants.id, opts.startingAfter));
  if (opts.active !== undefined) conds.push(eq(tenants.active, opts.active));
  const rows = await db
    .select()
    .from(tenants)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(tenants.id))
    .limit(opts.limit + 1);
  return { data: rows.slice(0, opts.limit), hasMore: rows.length > opts.limit };
}

export async function updateTenant(db: Db, tenantId: string, patch: Partial<NewTenant>): Promise<TenantRow | undefined> {
  const [t] = await db
    .update(tenants)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(tenants.id, tenantId))
    .returning();
  return t;
}

export async function allAllowedOrigins(db: Db): Promise<string[]> {
  const rows = await db.select({ origins: tenants.allowedOrigins }).from(tenants).where(eq(tenants.active, true));
  return rows.flatMap((r) => r.origins);
}

export async function insertKey(db: Db, tenantId: string, row: Omit<NewApiKey, 'tenantId'>): Promise<ApiKeyRow> {
  const [k] = await db
    .insert(apiKeys)
    .values({ ...row, tenantId })
    .returning();
  return k!;
}

export async function findKey(db: Db, tenantId: string, keyId: string): Promise<ApiKeyRow | undefined> {
  const [k] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, keyId)));
  return k;
}

export async function listKeys(db: Db, tenantId: string, opts: { limit: number; startingAfter?: string | undefined }) {
  const conds = [eq(apiKeys.tenantId, tenantId)];
  if (opts.startingAfter) conds.push(lt(apiKeys.id, opts.startingAfter));
  const rows = await db
    .select()
    .from(apiKeys)
    .where(and(...conds))
    .orderBy(desc(apiKeys.id))
    .limit(opts.limit + 1);
  return { data: rows.slice(0, opts.limit), hasMore: rows.length > opts.limit };
}

export async function updateKey(db: Db, tenantId: string, keyId: string, patch: Partial<NewApiKey>): Promise<ApiKeyRow | undefined> {
  const [k] = await db
    .update(apiKeys)
    .set(patch)
    .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, keyId)))
    .returning();
  return k;
}

/** The one lookup that is not tenant-scoped: finding which tenant a presented key belongs to. */
export async function findKeyByHash(db: Db, hash: string): Promise<{ key: ApiKeyRow; tenant: TenantRow } | undefined> {
  const [row] = await db.select().from(apiKeys).innerJoin(tenants, eq(apiKeys.tenantId, tenants.id)).where(eq(apiKeys.hash, hash));
  return row ? { key: row.api_keys, tenant: row.tenants } : undefined;
}

export async function touchKeys(db: Db, touches: { id: string; at: Date }[]) {
  for (const t of touches) {
    await db
      .update(apiKeys)
      .set({ lastUsedAt: t.at })
      .where(and(eq(apiKeys.id, t.id), sql`(${apiKeys.lastUsedAt} is null or ${apiKeys.lastUsedAt} < ${t.at})`));
  }
}

export async function readUsage(db: Db, tenantId: string, period: string, metric: string): Promise<number> {
  const [row] = await db
    .select({ value: usageCounters.value })
    .from(usageCounters)
    .where(and(eq(usageCounters.tenantId, tenantId), eq(usageCounters.period, period), eq(usageCounters.metric, metric)));
  return row?.value ?? 0;
}

/**
 * Add `amount` to a counter unless that passes `max` (null = no cap), atomically: the new value, or
 * undefined when refused. A constant text run on the driver (platform/db/raw.ts).
 */
/**
 * Counters and usage events commit asynchronously (platform/db/raw.ts): a quota increment is
 * followed by its try-on's insert, whose synchronous commit makes it durable too, and the events
 * are figures for the dashboard. See docs/adr/0003-asynchronous-commit.md.
 */
const RELAXED = { relaxed: true };

const ADD_USAGE = `insert into usage_counters as c (tenant_id, period, metric, value, updated_at) values ($1, $2, $3, $4, now())
on conflict (tenant_id, period, metric) do update set value = c.value + excluded.value, updated_at = now()
where $5::bigint is null or c.value + excluded.value <= $5::bigint
returning value`;

export async function addUsage(db: Db, tenantId: string, period: string, metric: string, amount: number, max: number | null): Promise<number | undefined> {
  if (max !== null && amount > max) return undefined;
  const rows = await rawRows<{ value: string | number }>(db, ADD_USAGE, [tenantId, period, metric, amount, max], RELAXED);
  return rows[0] === undefined ? undefined : Number(rows[0].value);
}

/** One counter increment of addUsageMany: `amount` onto (tenant, period, metric), refused past `max`. */
export type UsageAdd = { tenantId: string; period: string; metric: string; amount: number; max: number | null };

/**
 * Several counters' increments in one statement: each counter gets the sum of its items, under the
 * same cap rule as addUsage (the cap of a counter is the smallest its items name). The rows come in
 * as one array parameter per column (platform/db/raw.ts `unnestSql`), so the text is constant.
 */
const USAGE_ADD_COLUMNS: ArrayColumn<UsageAdd>[] = [
  ['tenant_id', 'text', (i) => i.tenantId],
  ['period', 'text', (i) => i.period],
  ['metric', 'text', (i) => i.metric],
  ['amount', 'bigint', (i) => i.amount],
  ['max', 'bigint', (i) => i.max],
];
const ADD_USAGE_MANY = `with r as (
  select tenant_id, period, metric, sum(amount)::bigint as amount, min(max)::bigint as max
  from ${unnestSql(USAGE_ADD_COLUMNS, 1, 'x')}
  group by tenant_id, period, metric
)
insert into usage_counters as c (tenant_id, period, metric, value, updated_at)
select tenant_id, period, metric, amount, now() from r
on conflict (tenant_id, period, metric) do update set value = c.value + excluded.value, updated_at = now()
where c.value + excluded.value <= coalesce((select r.max from r where r.tenant_id = c.tenant_id and r.period = c.period and r.metric = c.metric), c.value + excluded.value)
returning tenant_id, period, metric, value`;

/**
 * addUsage for many items at once (the quota of concurrent try-on submits, see usage.ts): one
 * statement adds each counter's total. Where a counter's total does not fit under its cap, its
 * items are retried one at a time in order, so exactly those that fit are counted, as if each had
 * been added alone. Returns, per item in order, the counter's value after it, undefined when
 * refused, or the error of its own retry (never thrown once the batch statement is in: a caller
 * retrying the whole batch would count its items twice).
 */
export async function addUsageMany(db: Db, items: readonly UsageAdd[]): Promise<(number | undefined | Error)[]> {
  const key = (i: { tenantId: string; period: string; metric: string }) => `${i.tenantId}\u0000${i.period}\u0000${i.metric}`;
  const total = new Map<string, { amount: number; max: number | null }>();
  for (const i of items) {
    const t = total.get(key(i));
    if (!t) total.set(key(i), { amount: i.amount, max: i.max });
    else {
      t.amount += i.amount;
      if (i.max !== null) t.max = t.max === null ? i.max : Math.min(t.max, i.max);
    }
  }
  // A total already past its cap would be inserted whole for a new counter: those go one at a time.
  const fits = items.filter((i) => {
    const t = total.get(key(i))!;
    return t.max === null || t.amount <= t.max;
  });
  const rows =
    fits.length === 0
      ? []
      : await rawRows<{ tenant_id: string; period: string; metric: string; value: string | number }>(db, ADD_USAGE_MANY, unnestParams(fits, USAGE_ADD_COLUMNS), RELAXED);
  const after = new Map(rows.map((r) => [key({ tenantId: r.tenant_id, period: r.period, metric: r.metric }), Number(r.value)]));
  // An added counter's value after each of its items, as if they had gone in order: its final value
  // less what its later items added.
  const laterSum = new Map<string, number>();
  const out: (number | undefined | Error)[] = new Array(items.length);
  for (let i = items.length - 1; i >= 0; i--) {
    const it = items[i]!;
    const final = after.get(key(it));
    if (final === undefined) continue;
    const later = laterSum.get(key(it)) ?? 0;
    out[i] = final - later;
    laterSum.set(key(it), later + it.amount);
  }
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    if (after.has(key(it))) continue;
    try {
      out[i] = await addUsage(db, it.tenantId, it.period, it.metric, it.amount, it.max);
    } catch (err) {
      out[i] = err instanceof Error ? err : new Error(String(err));
    }
  }
  return out;
}

/** Give back `amount` (never below zero): a generation that failed or was canceled does not count. */
export async function subtractUsage(db: Db, tenantId: string, period: string, metric: string, amount: number) {
  await db
    .update(usageCounters)
    .set({ value: sql`greatest(${usageCounters.value} - ${amount}, 0)`, updatedAt: new Date() })
    .where(and(eq(usageCounters.tenantId, tenantId), eq(usageCounters.period, period), eq(usageCounters.metric, metric)));
}

type UsageEventRow = typeof usageEvents.$inferInsert;
const USAGE_EVENT_COLUMNS: ArrayColumn<UsageEventRow>[] = [
  ['id', 'text', (r) => r.id],
  ['tenant_id', 'text', (r) => r.tenantId],
  ['type', 'text', (r) => r.type],
  ['quantity', 'bigint', (r) => r.quantity ?? 1],
  ['cost_usd', 'float8', (r) => r.costUsd ?? 0],
  ['ref_id', 'text', (r) => r.refId],
  ['meta', 'jsonb', (r) => r.meta ?? {}],
  ['created_at', 'timestamptz', (r) => r.createdAt],
];
/** Constant text, the rows as one array per column (platform/db/raw.ts): every try-on writes an event. */
const INSERT_USAGE_EVENTS = unnestInsertSql('usage_events', USAGE_EVENT_COLUMNS);

export async function insertUsageEvents(db: Db, rows: UsageEventRow[]) {
  if (rows.length === 0) return;
  await rawRows(db, INSERT_USAGE_EVENTS, unnestParams(rows, USAGE_EVENT_COLUMNS), RELAXED);
}

/** Keys by id, within one tenant or (operators: null) any (the audit trail's labels): never the hash. */
export async function findKeysByIds(db: Db, tenantId: string | null, ids: string[]) {
  if (ids.length === 0) return [];
  const cond = tenantId === null ? inArray(apiKeys.id, ids) : and(eq(apiKeys.tenantId, tenantId), inArray(apiKeys.id, ids));
  return db.select({ id: apiKeys.id, tenantId: apiKeys.tenantId, prefix: apiKeys.prefix, name: apiKeys.name }).from(apiKeys).where(cond);
}
