/**
 * The embedded database's autovacuum: on PGlite, tables past autovacuum's thresholds are vacuumed
 * and analysed by the maintenance pass, and only those; on PostgreSQL that stays the server's job.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import { runMaintenance } from '../../maintenance.js';
import { autovacuumOn, flushStatistics, tablesDue, vacuumWhereDue } from './maintenance.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const rows = <T>(r: unknown) => (r as { rows: T[] }).rows;
const stat = async (table: string) => {
  await flushStatistics(t.deps.database);
  return rows<{ n_dead_tup: string | number; last_vacuum: unknown; last_analyze: unknown }>(
    await t.deps.db.execute(sql`select n_dead_tup, last_vacuum, last_analyze from pg_stat_user_tables where relname = ${table}`),
  )[0]!;
};

describe('vacuum where due', () => {
  it('PGlite: a table with many dead rows is vacuumed and analysed, then no longer due', async () => {
    if (t.deps.database.driver !== 'pglite') return;
    await vacuumWhereDue(t.deps.database); // start from tables autovacuum would leave alone
    const tenant = t.tenantA;
    // 300 updates of one row: dead versions (some pruned on the page already) and 300 changed rows against two live ones.
    for (let i = 0; i < 300; i++) await t.deps.db.execute(sql`update tenants set website = ${`https://v${i}.example`} where id = ${tenant.id}`);
    expect(Number((await stat('tenants')).n_dead_tup)).toBeGreaterThan(0);
    expect((await tablesDue(t.deps.database)).map((r) => r.relname)).toContain('tenants');

    const purged = await runMaintenance(t.deps);
    expect(purged.vacuumed).toBeGreaterThanOrEqual(1);
    const after = await stat('tenants');
    expect(Number(after.n_dead_tup)).toBe(0);
    expect(after.last_vacuum).not.toBeNull();
    expect(after.last_analyze).not.toBeNull();
    expect((await tablesDue(t.deps.database)).map((r) => r.relname)).not.toContain('tenants');
    // Nothing written since: nothing to do.
    expect(await vacuumWhereDue(t.deps.database)).toEqual([]);
  });

  it('PostgreSQL: left to the server (no vacuum from the app), which says whether autovacuum runs', async () => {
    if (t.deps.database.driver !== 'postgres') return;
    expect(await vacuumWhereDue(t.deps.database)).toEqual([]);
    expect(typeof (await autovacuumOn(t.deps.database))).toBe('boolean');
  });
});
