/**
 * The monthly generation quota: `usage.consumeGeneration` (called by the try-on pipeline before it
 * spends a provider call) counts atomically on the real database and refuses past the quota with
 * QUOTA_EXCEEDED (429) and Retry-After until the 1st of next month (UTC); /v1/me reports it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'drizzle-orm';
import { bearer, createTestApp, type TestApp } from '../../../test/harness.js';
import { AppError } from '../../platform/errors.js';
import type { TCreateTenantBody } from '../../../contracts/tenants.js';
import * as repo from './repository.js';

// Load shedding is tested on its own (load-shedding.test.ts); here it would only turn a slow start on a
// busy machine (schema compilation lagging the loop past 1 s) into 503s for the first requests.
const NO_LOAD_SHEDDING = { PROBADOR_MAX_EVENT_LOOP_DELAY_MS: '0' };
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: NO_LOAD_SHEDDING });
});
afterAll(async () => t?.close());

const usage = () => t.modules.tenants.usage;

async function newTenant(body: Partial<TCreateTenantBody> = {}) {
  const tn = await t.modules.tenants.tenants.createTenant({ name: 'Quota test', ...body });
  const key = await t.modules.tenants.tenants.createKey(tn.id, { kind: 'secret', environment: 'live' });
  return { id: tn.id, key: key.key };
}

/** The stored counter, straight from the table. */
async function counter(tenantId: string, period: string): Promise<number | undefined> {
  const res = (await t.deps.db.execute(sql`select value from usage_counters where tenant_id = ${tenantId} and period = ${period} and metric = 'generations'`)) as unknown as {
    rows: { value: string | number }[];
  };
  const row = res.rows[0];
  return row === undefined ? undefined : Number(row.value);
}

/** Run `fn`, expecting an AppError; return it. */
async function refusal(fn: () => Promise<unknown>): Promise<AppError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected a refusal');
}

async function me(key: string) {
  t.clock.advance(2_500); // past /v1/me's one-second usage cache and its second of grace
  const res = await t.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(key) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { limits: { monthly_generations: number | null }; usage: { period: string; generations: number; generations_remaining: number | null } };
}

describe('happy', () => {
  it('counts generations and reports usage and what remains on /v1/me', async () => {
    t.clock.set(Date.parse('2031-01-10T09:00:00Z'));
    const tn = await newTenant({ tier: 'free' });
    expect((await me(tn.key)).usage).toEqual({ period: '2031-01', generations: 0, generations_remaining: 100 });
    expect(await usage().consumeGeneration(tn.id, 3)).toEqual({ used: 3, quota: 100 });
    expect(await usage().consumeGeneration(tn.id)).toEqual({ used: 4, quota: 100 });
    expect(await counter(tn.id, '2031-01')).toBe(4);
    expect(await usage().generationsThisMonth(tn.id)).toBe(4);
    const body = await me(tn.key);
    expect(body.limits.monthly_generations).toBe(100);
    expect(body.usage).toEqual({ period: '2031-01', generations: 4, generations_remaining: 96 });
  });

  it('null is unlimited: enterprise by default, or any tier by override', async () => {
    t.clock.set(Date.parse('2031-01-11T09:00:00Z'));
    const ent = await newTenant({ tier: 'enterprise' });
    expect(await usage().consumeGeneration(ent.id, 1_000_000)).toEqual({ used: 1_000_000, quota: null });
    expect(await usage().consumeGeneration(ent.id, 1)).toEqual({ used: 1_000_001, quota: null });
    const body = await me(ent.key);
    expect(body.limits.monthly_generations).toBeNull();
    expect(body.usage).toEqual({ period: '2031-01', generations: 1_000_001, generations_remaining: null });

    const free = await newTenant({ tier: 'free', limits: { monthly_generations: null } });
    expect(await usage().consumeGeneration(free.id, 500)).toEqual({ used: 500, quota: null });
  });

  it('a new month starts from zero; the old month’s count is kept', async () => {
    t.clock.set(Date.parse('2031-01-31T23:59:00Z'));
    const tn = await newTenant({ limits: { monthly_generations: 2 } });
    await usage().consumeGeneration(tn.id, 2);
    expect((await refusal(() => usage().consumeGeneration(tn.id))).code).toBe('QUOTA_EXCEEDED');
    t.clock.advance(60_000); // 2031-02-01T00:00:00Z
    expect((await me(tn.key)).usage).toEqual({ period: '2031-02', generations: 0, generations_remaining: 2 });
    expect(await usage().consumeGeneration(tn.id)).toEqual({ used: 1, quota: 2 });
    expect(await counter(tn.id, '2031-01')).toBe(2);
    expect(await counter(tn.id, '2031-02')).toBe(1);
  });
});

describe('errors', () => {
  it('past the quota: QUOTA_EXCEEDED (429) with Retry-After until the 1st of next month, UTC', async () => {
    const now = Date.parse('2031-02-27T18:30:00Z');
    t.clock.set(now);
    const tn = await newTenant({ tier: 'basic', limits: { monthly_generations: 5 } });
    expect(await usage().consumeGeneration(tn.id, 4)).toEqual({ used: 4, quota: 5 });
    // Asking for more than remains refuses the whole amount: nothing is counted.
    const tooMany = await refusal(() => usage().consumeGeneration(tn.id, 2));
    expect(tooMany.code).toBe('QUOTA_EXCEEDED');
    expect(await counter(tn.id, '2031-02')).toBe(4);
    expect(await usage().consumeGeneration(tn.id, 1)).toEqual({ used: 5, quota: 5 });

    const err = await refusal(() => usage().consumeGeneration(tn.id));
    expect(err.code).toBe('QUOTA_EXCEEDED');
    expect(err.status).toBe(429);
    expect(err.title).toBe('The monthly generation quota is used up');
    expect(err.message).toBe('This would exceed the monthly quota of 5 generations; it renews on 2031-03-01 (UTC).');
    const untilMarch = (Date.parse('2031-03-01T00:00:00Z') - now) / 1000;
    expect(untilMarch).toBe(106_200); // 1 day 5 h 30 min
    expect(err.headers).toEqual({ 'retry-after': String(untilMarch) });
    expect(err.extra).toEqual({ quota: 5, period: '2031-02' });
    expect(await counter(tn.id, '2031-02')).toBe(5);
    expect((await me(tn.key)).usage).toEqual({ period: '2031-02', generations: 5, generations_remaining: 0 });
  });

  it('renews across the year end, and the tier default applies without an override', async () => {
    const now = Date.parse('2031-12-31T23:59:59.250Z');
    t.clock.set(now);
    const tn = await newTenant({ tier: 'free' });
    expect(await usage().consumeGeneration(tn.id, 100)).toEqual({ used: 100, quota: 100 });
    const err = await refusal(() => usage().consumeGeneration(tn.id));
    expect(err.message).toBe('This would exceed the monthly quota of 100 generations; it renews on 2032-01-01 (UTC).');
    expect(err.headers).toEqual({ 'retry-after': '1' }); // 0.75 s, rounded up
    t.clock.advance(750);
    expect(await usage().consumeGeneration(tn.id)).toEqual({ used: 1, quota: 100 });
    expect(await counter(tn.id, '2032-01')).toBe(1);
  });

  it('a quota of 0 refuses everything; an unknown tenant and a non-positive amount are refused', async () => {
    t.clock.set(Date.parse('2032-01-05T00:00:00Z'));
    const zero = await newTenant({ tier: 'pro', limits: { monthly_generations: 0 } });
    expect((await refusal(() => usage().consumeGeneration(zero.id))).code).toBe('QUOTA_EXCEEDED');
    expect(await counter(zero.id, '2032-01')).toBeUndefined();
    expect((await refusal(() => usage().consumeGeneration('ten_doesnotexist'))).code).toBe('TENANT_NOT_FOUND');

    const tn = await newTenant({ tier: 'free' });
    await usage().consumeGeneration(tn.id, 10);
    for (const bad of [0, -5, 1.5, Number.NaN]) await expect(usage().consumeGeneration(tn.id, bad)).rejects.toThrow(RangeError);
    expect(await counter(tn.id, '2032-01')).toBe(10);
  });
});

describe('usage events', () => {
  it('concurrent events are all written, each with its own fields', async () => {
    t.clock.set(Date.parse('2032-03-01T10:00:00Z'));
    const tn = await newTenant();
    await Promise.all([
      usage().record(tn.id, 'tryon.generation', { costUsd: 0.075, refId: 'try_1', meta: { provider: 'fal', model: 'm/1' } }),
      usage().record(tn.id, 'tryon.cache_hit', { refId: 'try_2' }),
      usage().record(tn.id, 'tryon.generation', { quantity: 3, meta: { quote: "it's \"x\"" } }),
    ]);
    const res = (await t.deps.db.execute(
      sql`select type, quantity, cost_usd, ref_id, meta, created_at from usage_events where tenant_id = ${tn.id} order by ref_id nulls last`,
    )) as unknown as { rows: { type: string; quantity: string | number; cost_usd: number; ref_id: string | null; meta: unknown; created_at: Date | string }[] };
    expect(res.rows.map((r) => ({ ...r, quantity: Number(r.quantity), created_at: new Date(r.created_at).toISOString() }))).toEqual([
      { type: 'tryon.generation', quantity: 1, cost_usd: 0.075, ref_id: 'try_1', meta: { provider: 'fal', model: 'm/1' }, created_at: '2032-03-01T10:00:00.000Z' },
      { type: 'tryon.cache_hit', quantity: 1, cost_usd: 0, ref_id: 'try_2', meta: {}, created_at: '2032-03-01T10:00:00.000Z' },
      { type: 'tryon.generation', quantity: 3, cost_usd: 0, ref_id: null, meta: { quote: 'it\'s "x"' }, created_at: '2032-03-01T10:00:00.000Z' },
    ]);
  });
});

describe('security', () => {
  it('20 parallel calls against a quota of 10: exactly 10 succeed and the counter is 10', async () => {
    t.clock.set(Date.parse('2032-01-06T00:00:00Z'));
    const tn = await newTenant({ tier: 'basic', limits: { monthly_generations: 10 } });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => usage().consumeGeneration(tn.id, 1)));
    const ok = results.filter((r) => r.status === 'fulfilled').map((r) => r.value.used);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as AppError).code);
    expect(ok.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(refused).toEqual(Array(10).fill('QUOTA_EXCEEDED'));
    expect(await counter(tn.id, '2032-01')).toBe(10);

    // Mixed sizes on a fresh tenant (the first inserts race too): never past the quota.
    const other = await newTenant({ tier: 'basic', limits: { monthly_generations: 10 } });
    const mixed = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => usage().consumeGeneration(other.id, (i % 3) + 1)));
    const amount = (i: number) => (i % 3) + 1;
    const granted = mixed.reduce((sum, r, i) => sum + (r.status === 'fulfilled' ? amount(i) : 0), 0);
    const final = (await counter(other.id, '2032-01'))!;
    expect(final).toBe(granted); // every granted amount counted, no refused one
    expect(final).toBeLessThanOrEqual(10);
    // 24 were asked for, so something was refused, and a refusal means less than its amount (≤ 3) remained.
    expect(final).toBeGreaterThanOrEqual(8);
    expect(mixed.filter((r) => r.status === 'rejected').every((r) => (r.reason as AppError).code === 'QUOTA_EXCEEDED')).toBe(true);
  });

  it('many increments in one statement (concurrent submits): each counter its items’ sum, a batch past a cap retried one by one', async () => {
    const db = t.deps.db;
    const a = await newTenant({ limits: { monthly_generations: 10 } });
    const b = await newTenant({ limits: { monthly_generations: 3 } });
    const c = await newTenant({ tier: 'enterprise' });
    const p = '2032-02';
    await repo.addUsage(db, b.id, p, 'generations', 2, 3); // b has 1 left
    const add = (tenantId: string, amount: number, max: number | null) => ({ tenantId, period: p, metric: 'generations', amount, max });
    const out = await repo.addUsageMany(db, [add(a.id, 2, 10), add(b.id, 1, 3), add(a.id, 3, 10), add(b.id, 1, 3), add(c.id, 5, null), add(b.id, 1, 3), add(c.id, 1, null)]);
    // a: 2 then 3 (values after each, in order); b: its 3 do not fit together, one by one only the first does; c: no cap.
    expect(out).toEqual([2, 3, 5, undefined, 5, undefined, 6]);
    expect(await counter(a.id, p)).toBe(5);
    expect(await counter(b.id, p)).toBe(3);
    expect(await counter(c.id, p)).toBe(6);
    // A new counter whose items together pass the cap is never inserted whole.
    const d = await newTenant({ limits: { monthly_generations: 4 } });
    expect(await repo.addUsageMany(db, [add(d.id, 3, 4), add(d.id, 3, 4), add(d.id, 1, 4)])).toEqual([3, undefined, 4]);
    expect(await counter(d.id, p)).toBe(4);
  });

  it('one tenant’s usage never counts against another’s', async () => {
    t.clock.set(Date.parse('2032-01-07T00:00:00Z'));
    const a = await newTenant({ limits: { monthly_generations: 1 } });
    const b = await newTenant({ limits: { monthly_generations: 1 } });
    await usage().consumeGeneration(a.id);
    expect((await refusal(() => usage().consumeGeneration(a.id))).code).toBe('QUOTA_EXCEEDED');
    expect(await usage().consumeGeneration(b.id)).toEqual({ used: 1, quota: 1 });
    expect((await me(a.key)).usage.generations).toBe(1);
    expect((await me(b.key)).usage.generations).toBe(1);
  });
});

describe('caching', () => {
  it('an expired usage figure is answered while one shared read refreshes it; the next requests see the new value', async () => {
    t.clock.set(Date.parse('2032-03-03T00:00:00Z'));
    const tn = await newTenant({ limits: { monthly_generations: 50 } });
    expect((await me(tn.key)).usage.generations).toBe(0); // cached for a second
    await usage().consumeGeneration(tn.id, 7);
    t.clock.advance(1_500);
    const reads = vi.spyOn(usage(), 'generationsThisMonth'); // counts the calls; the real read runs
    try {
      // Expired: answered at once with the figure held (no request waits on the database), one read started.
      const answers = await Promise.all(Array.from({ length: 6 }, () => t.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(tn.key) })));
      for (const res of answers) {
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json().usage.generations).toBe(0);
      }
      expect(reads).toHaveBeenCalledTimes(1);
      await reads.mock.results[0]!.value;
      // The refreshed figure, fresh for a second: no further read.
      const now = async () => (await t.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(tn.key) })).json().usage.generations;
      expect(await now()).toBe(7);
      expect(await now()).toBe(7);
      expect(reads).toHaveBeenCalledTimes(1);
    } finally {
      reads.mockRestore();
    }
  });

  it('with nothing cached, the first requests of a tenant share one read', async () => {
    const tn = await newTenant({ limits: { monthly_generations: 50 } });
    await usage().consumeGeneration(tn.id, 3);
    const reads = vi.spyOn(usage(), 'generationsThisMonth');
    try {
      const answers = await Promise.all(Array.from({ length: 6 }, () => t.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(tn.key) })));
      for (const res of answers) expect(res.json().usage.generations).toBe(3);
      expect(reads).toHaveBeenCalledTimes(1);
    } finally {
      reads.mockRestore();
    }
  });
});
