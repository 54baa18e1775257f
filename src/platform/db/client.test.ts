/**
 * node-postgres statements are named after their text (client.ts `namingClient`): a repeated
 * statement is parsed once per connection, and different statements never share a name.
 * PostgreSQL only (DATABASE_URL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/harness.js';
import { openDatabase, sql, type Database } from './client.js';

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
