/**
 * Rows passed as one array per column (`unnestSql` / `unnestParams`) come back from the database
 * exactly as sent, whatever the text holds, on the database of the run (PGlite, or PostgreSQL with
 * DATABASE_URL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/harness.js';
import { openDatabase, type Database } from './client.js';
import { rawRows, unnestParams, unnestSql, type ArrayColumn } from './raw.js';

let database: Database;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const t = await testConfig();
  cleanup = t.cleanup;
  const c = t.config.database;
  database = await openDatabase(c.driver === 'postgres' ? { driver: 'postgres', url: c.url, poolMax: 2 } : { driver: 'pglite', dataDir: `${t.dataDir}/raw-test-db` });
});
afterAll(async () => {
  await database?.close();
  await cleanup?.();
});

type Row = { s: string | null; n: number | null; b: boolean; at: Date | null; j: unknown };
const COLS: ArrayColumn<Row>[] = [
  ['s', 'text', (r) => r.s],
  ['n', 'float8', (r) => r.n],
  ['b', 'boolean', (r) => r.b],
  ['at', 'timestamptz', (r) => r.at],
  ['j', 'jsonb', (r) => r.j],
];

describe('rows as arrays (unnest)', () => {
  it('round-trips quotes, backslashes, braces, commas, NULLs, unicode, JSON arrays and objects, dates', async () => {
    const rows: Row[] = [
      { s: 'plain', n: 1.5, b: true, at: new Date('2026-12-03T10:00:00.123Z'), j: { a: 'x"y', b: [1, 2] } },
      { s: 'q"uo\\te, {braces} NULL', n: null, b: false, at: null, j: [{ product_id: 'p_1' }, 'two'] },
      { s: null, n: -0.25, b: true, at: new Date(0), j: null },
      { s: 'ünïcødé 👗 \n tab\t', n: 1e6, b: false, at: new Date('2030-01-01T00:00:00Z'), j: 'just text' },
      { s: '', n: 0, b: true, at: new Date('2026-01-01T00:00:00Z'), j: [] },
    ];
    const text = `select row_number() over () as i, * from ${unnestSql(COLS, 1, 'v')}`;
    const got = await rawRows<{ i: string | number; s: string | null; n: number | null; b: boolean; at: Date | string | null; j: unknown }>(database.db, text, unnestParams(rows, COLS));
    expect(got).toHaveLength(rows.length);
    got.forEach((g, k) => {
      const r = rows[k]!;
      expect(g.s).toBe(r.s);
      expect(g.n === null ? null : Number(g.n)).toBe(r.n);
      expect(g.b).toBe(r.b);
      expect(g.at === null ? null : new Date(g.at).toISOString()).toBe(r.at?.toISOString() ?? null);
      expect(g.j).toEqual(r.j);
    });
  });

  it('no rows: an empty set, the same text', async () => {
    const got = await rawRows(database.db, `select * from ${unnestSql(COLS, 1, 'v')}`, unnestParams([], COLS));
    expect(got).toEqual([]);
  });
});
