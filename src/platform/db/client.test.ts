/**
 * node-postgres statements are named after their text (client.ts `namingClient`): a repeated
 * statement is parsed once per connection, and different statements never share a name.
 * PostgreSQL only (DATABASE_URL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/harness.js';
import { openDatabase, sql, type Database } from './client.js';
import { rawRows } from './raw.js';

const onPostgres = Boolean(process.env.DATABASE_URL);
let database: Database | undefined;
let cleanup: (() => Promise<void>) | undefined;

beforeAll(async () => {
  if (!onPostgres) return;
  const t = await testConfig();
  cleanup = t.cleanup;
  // One connection, so every statement below runs on the session whose prepared statements we read.
  if (t.config.database.driver !== 'postgres') throw new Error('expected PostgreSQL');
  database = await openDatabase({ driver: 'postgres', url: t.config.database.url, poolMax: 1 });
});
afterAll(async () => {
  await database?.close();
  await cleanup?.();
});

describe.skipIf(!onPostgres)('PostgreSQL statements are prepared once per connection', () => {
  it('runs a parameterised statement by name after its first run; another text gets another name', async () => {
    const db = database!.db;
    const named = async () =>
      ((await db.execute(sql`select name, statement from pg_prepared_statements where statement like ${'%probador-naming-test%'} and statement not like '%pg_prepared_statements%'`)) as unknown as { rows: { name: string; statement: string }[] }).rows;
    for (let i = 0; i < 3; i++) {
      const r = (await db.execute(sql`select ${i}::int + 1 as x, 'probador-naming-test-a' as tag`)) as unknown as { rows: unknown[] };
      expect(r.rows).toEqual([{ x: i + 1, tag: 'probador-naming-test-a' }]);
    }
    await db.execute(sql`select ${5}::int as x, 'probador-naming-test-b' as tag`);
    const rows = await named();
    expect(rows).toHaveLength(2);
    expect(new Set(rows.map((r) => r.name)).size).toBe(2);
    for (const r of rows) expect(r.name).toMatch(/^q_[A-Za-z0-9_-]{24}$/);
    // A statement without parameters runs unnamed (nothing kept for it).
    await db.execute(sql`select 'probador-naming-test-c' as tag`);
    expect(await named()).toHaveLength(2);
  });
});

describe.skipIf(!onPostgres)('relaxed statements commit asynchronously, on connections of their own', () => {
  it('a relaxed statement runs with synchronous_commit off; every other statement with the server’s setting', async () => {
    const db = database!.db;
    const setting = async (relaxed: boolean) => (await rawRows<{ v: string }>(db, `select current_setting('synchronous_commit') as v, $1::int as n`, [1], { relaxed }))[0]!.v;
    expect(await setting(true)).toBe('off');
    // The other pool keeps the session default the server gives (on, unless configured otherwise).
    const serverDefault = (await rawRows<{ v: string }>(db, `select reset_val as v from pg_settings where name = $1`, ['synchronous_commit']))[0]!.v;
    expect(await setting(false)).toBe(serverDefault);
    const viaDrizzle = (await db.execute(sql`select current_setting('synchronous_commit') as v`)) as unknown as { rows: { v: string }[] };
    expect(viaDrizzle.rows[0]!.v).toBe(serverDefault);
    // What a relaxed statement writes is at once visible to the others (only its flush is deferred).
    await rawRows(db, `create table if not exists probador_relaxed_probe_t (x int)`, []);
    await rawRows(db, `insert into probador_relaxed_probe_t (x) values ($1)`, [42], { relaxed: true });
    expect(await rawRows(db, `select x from probador_relaxed_probe_t where x = $1`, [42])).toEqual([{ x: 42 }]);
    await rawRows(db, `drop table probador_relaxed_probe_t`, []);
  });
});
