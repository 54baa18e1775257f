import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../test/harness.js';
import { runMaintenance } from './maintenance.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { PROBADOR_REFRESH_TOKEN_TTL_S: '3600' } });
});
afterAll(async () => t?.close());

const count = async (table: 'refresh_tokens' | 'idempotency_keys') =>
  ((await t.deps.db.execute(sql.raw(`select count(*)::int as n from ${table}`))) as unknown as { rows: { n: number }[] }).rows[0]!.n;

it('purges spent refresh tokens and day-old idempotency records, and keeps live ones', async () => {
  const session = await t.login('operator@test.local', 'operator-password-1');
  const refreshed = await t.app.inject({ method: 'POST', url: '/admin/v1/auth/refresh', payload: { refresh_token: session.refresh_token } });
  expect(refreshed.statusCode).toBe(200);
  await t.app.inject({ method: 'POST', url: '/admin/v1/tenants', headers: { ...t.operatorAuth, 'idempotency-key': 'm-1' }, payload: { name: 'M' } });
  const tokensBefore = await count('refresh_tokens');
  expect(await count('idempotency_keys')).toBe(1);

  // Nothing is old enough yet.
  expect(await runMaintenance(t.deps)).toMatchObject({ idempotency: 0, refreshTokens: 0, uploads: 0, results: 0 });

  // Two days later: every token has expired (1 h lifetime) and the idempotency record is past 24 h.
  t.clock.advance(2 * 24 * 3600 * 1000);
  const purged = await runMaintenance(t.deps);
  expect(purged.idempotency).toBe(1);
  expect(purged.refreshTokens).toBe(tokensBefore);
  expect(await count('refresh_tokens')).toBe(0);
  expect(await count('idempotency_keys')).toBe(0);
});
