/**
 * The one-call PGlite query path (pglite-fast.ts) against a real PGlite: values arrive as PGlite's
 * own `query` would send them, rows come back the same, statements are prepared once and stay
 * bounded, and a failing statement leaves nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as pgliteModule from '@electric-sql/pglite';
import { PGlite } from '@electric-sql/pglite';
import { fastPgliteClient, paramText, type PgliteQueryClient } from './pglite-fast.js';

let pg: PGlite;
let fast: PgliteQueryClient;
const preparedCount = async () => (await pg.query<{ n: number }>('select count(*)::int as n from pg_prepared_statements')).rows[0]!.n;

beforeAll(async () => {
  pg = await PGlite.create();
  await pg.exec(`create table t (id text primary key, n int, ok boolean, at timestamptz, doc jsonb, tags text[], raw bytea)`);
  fast = fastPgliteClient(pg, pgliteModule, { maxPrepared: 5 });
});
afterAll(async () => {
  await pg?.close();
});

describe('fast PGlite client', () => {
  it('writes every kind of value Drizzle passes, and reads rows back as PGlite.query does', async () => {
    const at = new Date('2026-11-24T06:00:00.123Z');
    const tags = ['plain', 'with,comma', 'with "quotes"', 'back\\slash', '{braces}', '', ' spaced '];
    const raw = Buffer.from([0, 1, 2, 254, 255]);
    await fast.query('insert into t values ($1, $2, $3, $4, $5, $6, $7)', ['a', 42, true, at, JSON.stringify({ k: 'v', n: [1, 2] }), tags, raw]);
    await fast.query('insert into t values ($1, $2, $3, $4, $5, $6, $7)', ['b', null, false, at.toISOString(), { k: 'object' }, [null, 'x'], null]);
    const viaFast = await fast.query('select * from t order by id');
    const viaPglite = await pg.query('select * from t order by id');
    expect(viaFast.rows).toEqual(viaPglite.rows);
    const [a, b] = viaFast.rows as Record<string, unknown>[];
    expect(a).toMatchObject({ id: 'a', n: 42, ok: true, doc: { k: 'v', n: [1, 2] }, tags });
    expect((a!.at as Date).toISOString()).toBe(at.toISOString());
    expect(Buffer.from(a!.raw as Uint8Array)).toEqual(raw);
    expect(b).toMatchObject({ id: 'b', n: null, ok: false, doc: { k: 'object' }, tags: [null, 'x'], raw: null });
    // Row mode and parsers given per query (as Drizzle does: dates left as text).
    const arr = await fast.query<unknown[]>('select id, at from t where id = $1', ['a'], { rowMode: 'array', parsers: { [pgliteModule.types.TIMESTAMPTZ]: (v: string) => v } });
    expect(arr.rows).toEqual([['a', '2026-11-24 06:00:00.123+00']]);
    expect(arr.fields.map((f) => f.name)).toEqual(['id', 'at']);
  });

  it('reports affected rows, and the server error of a bad statement; the session goes on', async () => {
    const r = await fast.query('update t set n = coalesce(n, 0) + 1 where id = any($1::text[])', [['a', 'b', 'zz']]);
    expect(r.affectedRows).toBe(2);
    await expect(fast.query('insert into t (id) values ($1)', ['a'])).rejects.toMatchObject({ code: '23505' });
    await expect(fast.query('select nope from t')).rejects.toMatchObject({ code: '42703' });
    expect((await fast.query('select count(*)::int as n from t')).rows).toEqual([{ n: 2 }]);
  });

  it('prepares a statement once, keeps at most maxPrepared, and leaves none behind when the first run fails', async () => {
    await pg.exec('deallocate all');
    for (let i = 0; i < 3; i++) await fast.query('select $1::int + 1 as x', [i]);
    expect(await preparedCount()).toBe(1);
    for (let i = 0; i < 8; i++) await fast.query(`select $1::int + ${i + 10} as x`, [i]);
    expect(await preparedCount()).toBeLessThanOrEqual(5);
    const before = await preparedCount();
    // Parses fine, fails when it runs: the new statement is closed again.
    await expect(fast.query('insert into t (id) values ($1) returning 1 as brand_new', ['b'])).rejects.toMatchObject({ code: '23505' });
    expect(await preparedCount()).toBe(before);
  });

  it('runs statements of a transaction on its session; a rollback undoes them, a commit keeps them', async () => {
    await expect(
      fast.transaction(async (tx) => {
        await tx.query('insert into t (id) values ($1)', ['tx1']);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await fast.transaction(async (tx) => {
      await tx.query('insert into t (id) values ($1)', ['tx2']);
      expect((await tx.query('select id from t where id = any($1::text[]) order by id', [['tx1', 'tx2']])).rows).toEqual([{ id: 'tx2' }]);
    });
    expect((await fast.query('select id from t where id like $1 order by id', ['tx%'])).rows).toEqual([{ id: 'tx2' }]);
  });

  it('turns values into PostgreSQL text the way PGlite does', () => {
    expect(paramText(null)).toBeNull();
    expect(paramText(undefined)).toBeNull();
    expect(paramText(1.5)).toBe('1.5');
    expect(paramText(10n)).toBe('10');
    expect(paramText(false)).toBe('false');
    expect(paramText(new Date(0))).toBe('1970-01-01T00:00:00.000Z');
    expect(paramText(Buffer.from('hi'))).toBe('\\x6869');
    expect(paramText({ a: 1n })).toBe('{"a":"1"}');
    expect(paramText([['a'], ['b"c']])).toBe('{{"a"},{"b\\"c"}}');
  });
});
