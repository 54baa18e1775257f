/**
 * A constant SQL text and its parameters straight to the driver, for the few statements on the
 * hot path of a job (tryon repository): Drizzle builds a query's text from its objects on every call
 * (~a third of a worker's CPU per try-on went to that), while here the text is a constant, so each
 * PostgreSQL connection parses and plans it once (client.ts names statements by text) and PGlite's
 * fast client prepares it once (pglite-fast.ts). Rows come back as the driver gives them:
 * snake_case columns, timestamps as Date, json/jsonb parsed.
 */
import { getTableColumns } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { relaxedClientOf, type Db } from './client.js';

type QueryClient = { query: (text: string, params?: unknown[]) => Promise<{ rows: unknown[] }> };

/**
 * `relaxed`: commit without waiting for the WAL to reach the disk (PostgreSQL's asynchronous
 * commit, on connections of its own), for a statement whose last fraction of a second may be lost
 * in a database crash without harm: no row is ever inconsistent (PostgreSQL replays its WAL in
 * order), only the newest relaxed commits can be missing, and every synchronous commit after them
 * flushes them too. Used for the job's start mark, the quota increment and the usage events (see
 * docs/adr/0003-asynchronous-commit.md); on this machine each synchronous commit was a large share
 * of PostgreSQL's CPU per try-on. PGlite ignores it.
 */
export async function rawRows<T>(db: Db, text: string, params: unknown[], opts?: { relaxed?: boolean }): Promise<T[]> {
  const client = (opts?.relaxed ? relaxedClientOf(db) : undefined) ?? (db as unknown as { $client?: QueryClient }).$client;
  if (!client || typeof client.query !== 'function') throw new Error('rawRows: this database handle has no driver client (a transaction?)');
  const res = await client.query(text, params);
  return res.rows as T[];
}

/** One column of rows passed as arrays: SQL name, SQL type, value of a row. */
export type ArrayColumn<R> = readonly [name: string, sqlType: string, value: (r: R) => unknown];

/**
 * Rows as one array parameter per column, read back with `unnest` (`unnestSql`): a constant text
 * whatever the number of rows, like a JSON parameter with `json_to_recordset`, but PostgreSQL reads
 * an array with its plain array parser instead of the JSON lexer and a per-object key lookup (the
 * JSON way took ~15 % of PostgreSQL's CPU per try-on), and the client sends values, not objects
 * with their key names. Dates go as ISO text, JSON values as their text (the element type says jsonb).
 */
export function unnestSql<R>(cols: readonly ArrayColumn<R>[], firstParam: number, alias: string): string {
  return `unnest(${cols.map(([, type], i) => `$${firstParam + i}::${type}[]`).join(', ')}) as ${alias}(${cols.map(([name]) => name).join(', ')})`;
}

/** `insert into <table> (<columns>) select * from unnest(…)`: rows given as arrays, from parameter `firstParam` on. */
export function unnestInsertSql<R>(table: string, cols: readonly ArrayColumn<R>[], firstParam = 1): string {
  return `insert into ${table} (${cols.map(([name]) => name).join(', ')})\nselect * from ${unnestSql(cols, firstParam, 'x')}`;
}

/** The parameters of `unnestSql(cols, …)` for these rows, in column order. */
export function unnestParams<R>(rows: readonly R[], cols: readonly ArrayColumn<R>[]): unknown[][] {
  const out: unknown[][] = cols.map(() => new Array(rows.length));
  // A JSON value goes as its text: a JS array there would otherwise be sent as a nested SQL array.
  const json = cols.map(([, type]) => type === 'jsonb' || type === 'json');
  for (let j = 0; j < rows.length; j++) {
    const r = rows[j]!;
    for (let i = 0; i < cols.length; i++) {
      const v = cols[i]![2](r);
      out[i]![j] = v === undefined || v === null ? null : json[i] ? JSON.stringify(v) : v instanceof Date ? v.toISOString() : v;
    }
  }
  return out;
}

/**
 * A row of `table` from its `row_to_json` in a raw statement (snake_case keys, timestamps as text)
 * through the columns' own mapping: what Drizzle's select would have returned.
 */
export function rowFromJson<T extends PgTable>(table: T, json: Record<string, unknown>): T['$inferSelect'] {
  const out: Record<string, unknown> = {};
  for (const [key, col] of Object.entries(getTableColumns(table))) {
    const v = json[col.name];
    out[key] = v === null || v === undefined ? null : col.mapFromDriverValue(v);
  }
  return out as T['$inferSelect'];
}
