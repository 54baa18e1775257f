/**
 * The job queue on the driver of the current mode: the database table (embedded / PostgreSQL)
 * or BullMQ (REDIS_URL). Same behaviour expected from both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import { dbJobQueue } from './db-queue.js';
import { bullJobQueue } from './bullmq-queue.js';
import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { defineJob, PermanentJobError, type JobQueue } from './types.js';

let t: TestApp;
let q: JobQueue;
const seen: { name: string; payload: unknown; attempt: number }[] = [];
const failedFinally: string[] = [];
let concurrentNow = 0;
let concurrentMax = 0;

const until = async (check: () => boolean | Promise<boolean>, ms = 8000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
};

/** The real database, with the queue's claim statements counted on the way. */
function countingClaims() {
  let claims = 0;
  const dialect = new PgDialect();
  const db = new Proxy(t.deps.db, {
    get(target, prop, receiver) {
      if (prop !== 'execute') return Reflect.get(target, prop, receiver);
      return (q: Parameters<typeof target.execute>[0]) => {
        if (/set status = 'active'/.test(dialect.sqlToQuery(q as never).sql)) claims++;
        return target.execute(q);
      };
    },
  });
  return { db, claims: () => claims };
}

beforeAll(async () => {
  t = await createTestApp({ seed: false });
  q = t.deps.redis
    ? bullJobQueue({ redis: t.deps.redis, prefix: `${t.config.redis!.prefix}jobs-test:`, log: t.deps.log, stalledIntervalMs: 1000 })
    : dbJobQueue({ db: t.deps.db, clock: { now: () => Date.now() }, log: t.deps.log, singleProcess: true, pollMs: 50 });
  q.register(
    defineJob<{ n: number }>({
      name: 'test.ok',
      attempts: 3,
      timeoutMs: 5000,
      handler: async (p, ctx) => void seen.push({ name: 'test.ok', payload: p, attempt: ctx.attempt }),
    }) as never,
  );
  q.register(
    defineJob<{ id: string; failTimes: number }>({
      name: 'test.flaky',
      attempts: 3,
      timeoutMs: 5000,
      backoffMs: () => 50,
      handler: async (p, ctx) => {
        seen.push({ name: 'test.flaky', payload: p, attempt: ctx.attempt });
        if (ctx.attempt <= p.failTimes) throw new Error(`flaky failure ${ctx.attempt}`);
      },
      onFailed: async (p) => void failedFinally.push(p.id),
    }) as never,
  );
  q.register(
    defineJob<{ id: string }>({
      name: 'test.permanent',
      attempts: 5,
      timeoutMs: 5000,
      backoffMs: () => 50,
      handler: async (p, ctx) => {
        seen.push({ name: 'test.permanent', payload: p, attempt: ctx.attempt });
        throw new PermanentJobError('bad input');
      },
      onFailed: async (p) => void failedFinally.push(p.id),
    }) as never,
  );
  q.register(
    defineJob<{ id: string }>({
      name: 'test.slow',
      attempts: 2,
      timeoutMs: 150,
      backoffMs: () => 50,
      handler: async (p, ctx) => {
        seen.push({ name: 'test.slow', payload: p, attempt: ctx.attempt });
        await new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, 10_000);
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(ctx.signal.reason);
          });
        });
      },
      onFailed: async (p) => void failedFinally.push(p.id),
    }) as never,
  );
  q.register(
    defineJob<{ i: number }>({
      name: 'test.parallel',
      attempts: 1,
      timeoutMs: 5000,
      concurrency: 3,
      handler: async () => {
        concurrentNow++;
        concurrentMax = Math.max(concurrentMax, concurrentNow);
        await new Promise((r) => setTimeout(r, 60));
        concurrentNow--;
        seen.push({ name: 'test.parallel', payload: {}, attempt: 1 });
      },
    }) as never,
  );
  await q.startWorker();
});
afterAll(async () => {
  await q?.close();
  await t?.close();
});

describe(`job queue (${process.env.REDIS_URL ? 'BullMQ' : 'database'})`, () => {
  it('runs an enqueued job with its payload', async () => {
    await q.enqueue('test.ok', { n: 42 });
    expect(await until(() => seen.some((s) => s.name === 'test.ok' && (s.payload as { n: number }).n === 42))).toBe(true);
  });

  it('retries a failing job with backoff until it succeeds', async () => {
    await q.enqueue('test.flaky', { id: 'f1', failTimes: 2 });
    expect(await until(() => seen.filter((s) => (s.payload as { id?: string }).id === 'f1').length === 3)).toBe(true);
    expect(seen.filter((s) => (s.payload as { id?: string }).id === 'f1').map((s) => s.attempt)).toEqual([1, 2, 3]);
    await new Promise((r) => setTimeout(r, 200));
    expect(failedFinally).not.toContain('f1');
  });

  it('gives up after the last attempt and calls onFailed once', async () => {
    await q.enqueue('test.flaky', { id: 'f2', failTimes: 99 });
    expect(await until(() => failedFinally.includes('f2'))).toBe(true);
    expect(seen.filter((s) => (s.payload as { id?: string }).id === 'f2')).toHaveLength(3);
  });

  it('a permanent error fails at once without retries', async () => {
    await q.enqueue('test.permanent', { id: 'p1' });
    expect(await until(() => failedFinally.includes('p1'))).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.filter((s) => (s.payload as { id?: string }).id === 'p1')).toHaveLength(1);
  });

  it('aborts a job that runs past its timeout, and retries it', async () => {
    await q.enqueue('test.slow', { id: 's1' });
    expect(await until(() => failedFinally.includes('s1'))).toBe(true);
    expect(seen.filter((s) => (s.payload as { id?: string }).id === 's1').map((s) => s.attempt)).toEqual([1, 2]);
  });

  it('a dedupe key adds the job once', async () => {
    const a = await q.enqueue('test.ok', { n: 7 }, { dedupeKey: 'once-7', delayMs: 300 });
    const b = await q.enqueue('test.ok', { n: 7 }, { dedupeKey: 'once-7', delayMs: 300 });
    expect(b).toBe(a);
    await until(() => seen.some((s) => s.name === 'test.ok' && (s.payload as { n: number }).n === 7));
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.filter((s) => s.name === 'test.ok' && (s.payload as { n: number }).n === 7)).toHaveLength(1);
  });

  // The database queue frees a key when its finished job is deleted (BullMQ keeps a completed job,
  // and so its id, for an hour: there the key stays taken).
  it.skipIf(Boolean(process.env.REDIS_URL))('database queue: a dedupe key is free again once its job finished, the same key runs again', async () => {
    const first = await q.enqueue('test.ok', { n: 8 }, { dedupeKey: 'again-8' });
    expect(await until(() => seen.filter((s) => s.name === 'test.ok' && (s.payload as { n: number }).n === 8).length === 1)).toBe(true);
    await new Promise((r) => setTimeout(r, 100)); // the first run's completion is recorded
    const second = await q.enqueue('test.ok', { n: 8 }, { dedupeKey: 'again-8' });
    expect(second).not.toBe(first);
    expect(await until(() => seen.filter((s) => s.name === 'test.ok' && (s.payload as { n: number }).n === 8).length === 2)).toBe(true);
  });

  it('respects per-job concurrency', async () => {
    await Promise.all(Array.from({ length: 9 }, (_, i) => q.enqueue('test.parallel', { i })));
    expect(await until(() => seen.filter((s) => s.name === 'test.parallel').length === 9)).toBe(true);
    expect(concurrentMax).toBeGreaterThan(1);
    expect(concurrentMax).toBeLessThanOrEqual(3);
  });

  it('counts jobs by state', async () => {
    await q.enqueue('test.ok', { n: 1000 }, { delayMs: 60_000 });
    const counts = await q.counts();
    expect(counts['test.ok']!.delayed).toBeGreaterThanOrEqual(1);
  });
});

// The database driver frees a slot and claims the next job at once, not on the next poll: jobs
// queued before the worker starts drain at the pace of the work (the try-on bench's "processing
// alone" ran at one claim per poll interval while another job name had free slots).
describe.skipIf(Boolean(process.env.REDIS_URL))('database job queue: a freed slot claims the next job without waiting for the poll', () => {
  it('drains 12 queued jobs through 2 slots with the poll 60 s away', async () => {
    const dq = dbJobQueue({ db: t.deps.db, clock: { now: () => Date.now() }, log: t.deps.log, singleProcess: false, pollMs: 60_000 });
    const ran: number[] = [];
    dq.register(defineJob<{ i: number }>({ name: 'drain.a', attempts: 1, timeoutMs: 5000, concurrency: 2, handler: async (p) => void ran.push(p.i) }) as never);
    // Another job name with free slots and nothing to do.
    dq.register(defineJob<{ i: number }>({ name: 'drain.b', attempts: 1, timeoutMs: 5000, concurrency: 4, handler: async () => undefined }) as never);
    try {
      for (let i = 0; i < 12; i++) await dq.enqueue('drain.a', { i });
      const t0 = Date.now();
      await dq.startWorker();
      expect(await until(() => ran.length === 12, 5000)).toBe(true);
      expect(Date.now() - t0).toBeLessThan(5000);
      expect([...ran].sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    } finally {
      await dq.close();
    }
  });
});

describe.skipIf(Boolean(process.env.REDIS_URL))('database job queue: claims', () => {
  it('runs a job whose lease lapsed in another process (its row still says active)', async () => {
    const dq = dbJobQueue({ db: t.deps.db, clock: { now: () => Date.now() }, log: t.deps.log, singleProcess: false, pollMs: 50 });
    const ran: string[] = [];
    dq.register(defineJob<{ id: string }>({ name: 'lapsed.a', attempts: 3, timeoutMs: 5000, handler: async (p, ctx) => void ran.push(`${p.id}@${ctx.attempt}`) }) as never);
    try {
      // A process took this job (attempt 1) and died: its lease ended a second ago.
      await t.deps.db.execute(
        sql`insert into jobs (id, name, payload, status, attempts, max_attempts, run_at, locked_until) values ('job_lapsed1', 'lapsed.a', '{"id":"x"}', 'active', 1, 3, now() - interval '1 min', now() - interval '1 s')`,
      );
      // And another process holds this one, its lease still running: it must not run here.
      await t.deps.db.execute(
        sql`insert into jobs (id, name, payload, status, attempts, max_attempts, run_at, locked_until) values ('job_leased1', 'lapsed.a', '{"id":"y"}', 'active', 1, 3, now() - interval '1 min', now() + interval '1 h')`,
      );
      await dq.startWorker();
      expect(await until(() => ran.length === 1, 5000)).toBe(true);
      await new Promise((r) => setTimeout(r, 300)); // a few more polls
      expect(ran).toEqual(['x@2']);
    } finally {
      await dq.close();
      await t.deps.db.execute(sql`delete from jobs where id in ('job_lapsed1', 'job_leased1')`);
    }
  });

  it('a busy queue claims several jobs per statement, not one per freed slot', async () => {
    const counting = countingClaims();
    const dq = dbJobQueue({ db: counting.db, clock: { now: () => Date.now() }, log: t.deps.log, singleProcess: false, pollMs: 60_000 });
    const ran: number[] = [];
    dq.register(
      defineJob<{ i: number }>({
        name: 'batch.a',
        attempts: 1,
        timeoutMs: 5000,
        concurrency: 16,
        handler: async (p) => {
          await new Promise((r) => setTimeout(r, 2 + (p.i % 5)));
          ran.push(p.i);
        },
      }) as never,
    );
    try {
      for (let i = 0; i < 80; i++) await dq.enqueue('batch.a', { i });
      await dq.startWorker();
      expect(await until(() => ran.length === 80, 8000)).toBe(true);
      expect([...ran].sort((x, y) => x - y)).toEqual(Array.from({ length: 80 }, (_, i) => i));
      // 80 jobs through 16 slots: one claim per freed slot would be ~65 statements (the first claim
      // fills all 16); claiming when a quarter of the slots is free takes about 80 / 4 = 20.
      expect(counting.claims()).toBeLessThanOrEqual(35);
      expect(counting.claims()).toBeGreaterThanOrEqual(5);
    } finally {
      await dq.close();
    }
  });
});

describe.skipIf(Boolean(process.env.REDIS_URL))('database job queue in a single process: no polling while idle', () => {
  it('an idle queue does not poll on its schedule; a delayed job and a retry still run on time', async () => {
    const counting = countingClaims();
    const claims = counting.claims;
    // idlePollMs 100: the safety-net poll while a job runs, so that 700 ms tell it from no poll at all.
    const dq = dbJobQueue({ db: counting.db, clock: { now: () => Date.now() }, log: t.deps.log, singleProcess: true, pollMs: 50, idlePollMs: 100 });
    const ran: { i: number; attempt: number; at: number }[] = [];
    let release: (() => void) | undefined;
    dq.register(
      defineJob<{ i: number; failFirst?: boolean }>({
        name: 'idle.a',
        attempts: 2,
        timeoutMs: 5000,
        backoffMs: () => 300,
        handler: async (p, ctx) => {
          ran.push({ i: p.i, attempt: ctx.attempt, at: Date.now() });
          if (p.failFirst && ctx.attempt === 1) throw new Error('first attempt fails');
          if (p.i === 3) await new Promise<void>((r) => (release = r)); // runs until released
        },
      }) as never,
    );
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    try {
      await dq.startWorker();
      await sleep(150); // the start's poll has claimed (nothing)
      const idle = claims();
      await sleep(700); // 14 polls at 50 ms before this change
      expect(claims() - idle).toBe(0);

      const t0 = Date.now();
      await dq.enqueue('idle.a', { i: 1 }, { delayMs: 200 });
      expect(await until(() => ran.some((r) => r.i === 1), 5000)).toBe(true);
      const late = ran.find((r) => r.i === 1)!.at - t0;
      expect(late).toBeGreaterThanOrEqual(190);
      expect(late).toBeLessThan(3000); // on the usual poll schedule, not the idle one (10 s)

      // A retry is known to the queue too: attempt 2 runs after its 300 ms backoff.
      await dq.enqueue('idle.a', { i: 2, failFirst: true });
      expect(await until(() => ran.some((r) => r.i === 2 && r.attempt === 2), 5000)).toBe(true);

      // Nothing queued any more: idle again.
      await sleep(300);
      const after = claims();
      await sleep(700);
      expect(claims() - after).toBe(0);

      // While a job runs, its lease could lapse (a handler that ignores its abort): the queue looks
      // every idlePollMs, and stops again once nothing runs.
      await dq.enqueue('idle.a', { i: 3 });
      expect(await until(() => release !== undefined, 5000)).toBe(true);
      const running = claims();
      await sleep(700);
      expect(claims() - running).toBeGreaterThanOrEqual(3);
      release!();
      await sleep(300);
      const finished = claims();
      await sleep(700);
      expect(claims() - finished).toBe(0);
    } finally {
      await dq.close();
    }
  });
});
