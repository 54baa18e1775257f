/**
 * Vacuum and statistics. PostgreSQL's autovacuum does this on a server (we only warn when it is
 * off); PGlite runs PostgreSQL as a single user, without the autovacuum launcher, so on the
 * embedded default no table was ever vacuumed or analysed: every try-on's row updates left dead
 * versions and index entries behind for good (the same statements cost 2.5× more after ~10,000
 * try-ons, measured on a server with autovacuum off) and the planner had no statistics.
 *
 * `vacuumWhereDue` applies autovacuum's own default rules to each table, from the cumulative
 * statistics: VACUUM (ANALYZE) when its dead rows pass 50 + 20 % of its live rows, or its rows
 * changed since the last analyse pass 50 + 10 % of them. Amortised, that is a constant share of the
 * writes, and a table nobody writes is never touched.
 */
import type { Database } from './client.js';
import { rawRows } from './raw.js';

/** autovacuum_vacuum_threshold / _scale_factor and autovacuum_analyze_threshold / _scale_factor, PostgreSQL's defaults. */
const VACUUM_BASE = 50;
const VACUUM_SCALE = 0.2;
const ANALYZE_BASE = 50;
const ANALYZE_SCALE = 0.1;

const DUE = `select schemaname, relname, n_live_tup, n_dead_tup, n_mod_since_analyze from pg_stat_user_tables
where n_dead_tup > ${VACUUM_BASE} + ${VACUUM_SCALE} * n_live_tup or n_mod_since_analyze > ${ANALYZE_BASE} + ${ANALYZE_SCALE} * n_live_tup
order by n_dead_tup desc`;

type TableStat = { schemaname: string; relname: string; n_live_tup: string | number; n_dead_tup: string | number; n_mod_since_analyze: string | number };

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** PGlite: make this backend's cumulative statistics visible (a single-user backend flushes them lazily). */
export async function flushStatistics(database: Database): Promise<void> {
  if (database.driver !== 'pglite') return;
  await rawRows(database.db, 'select pg_stat_force_next_flush()', []);
  await rawRows(database.db, 'select 1', []); // the forced flush happens at the end of a statement: read them in the next
}

/** The tables autovacuum would vacuum now. */
export async function tablesDue(database: Database): Promise<TableStat[]> {
  await flushStatistics(database);
  return rawRows<TableStat>(database.db, DUE, []);
}

/**
 * PGlite: VACUUM (ANALYZE) every table due, one at a time (each blocks the embedded database while
 * it runs: milliseconds for thousands of rows). PostgreSQL: nothing, autovacuum's job. Returns the
 * tables vacuumed.
 */
export async function vacuumWhereDue(database: Database): Promise<string[]> {
  if (database.driver !== 'pglite') return [];
  const done: string[] = [];
  for (const t of await tablesDue(database)) {
    await rawRows(database.db, `vacuum (analyze) ${quoteIdent(t.schemaname)}.${quoteIdent(t.relname)}`, []);
    done.push(t.relname);
  }
  return done;
}

/** PostgreSQL: whether the server runs autovacuum (false: tables bloat unless an operator vacuums). */
export async function autovacuumOn(database: Database): Promise<boolean | undefined> {
  if (database.driver !== 'postgres') return undefined;
  const [row] = await rawRows<{ autovacuum: string }>(database.db, 'show autovacuum', []);
  return row ? row.autovacuum === 'on' : undefined;
}
