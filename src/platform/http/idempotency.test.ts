import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestApp, problem, type TestApp } from '../../../test/harness.js';
import { purgeIdempotencyKeys } from './idempotency.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const createTenant = (key: string | undefined, body: Record<string, unknown>, headers = t.operatorAuth) =>
  t.app.inject({ method: 'POST', url: '/admin/v1/tenants', headers: { ...headers, ...(key ? { 'idempotency-key': key } : {}) }, payload: body });

const countTenants = async (name: string) => {
  const r = (await t.deps.db.execute(sql`select count(*)::int as n from tenants where name = ${name}`)) as unknown as { rows: { n: number }[] };
  return r.rows[0]!.n;
};

describe('happy', () => {
  it('replays the first response for the same key and body, creating one object', async () => {
    const first = await createTenant('idem-1', { name: 'Idem One' });
    expect(first.statusCode).toBe(201);
    const second = await createTenant('idem-1', { name: 'Idem One' });
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(second.json().id).toBe(first.json().id);
    expect(second.body).toBe(first.body);
    expect(await countTenants('Idem One')).toBe(1);
  });

  it('without a key, two requests create two objects', async () => {
    await createTenant(undefined, { name: 'No Key' });
    await createTenant(undefined, { name: 'No Key' });
    expect(await countTenants('No Key')).toBe(2);
  });

  it('keys are scoped to the caller: another caller with the same key is independent', async () => {
    await t.modules.tenants.users.createUser({ email: 'op2@test.local', password: 'operator-two-pass', role: 'operator', tenantId: null });
    const op2 = await t.login('op2@test.local', 'operator-two-pass');
    const a = await createTenant('shared-key', { name: 'Scoped' });
    const b = await createTenant('shared-key', { name: 'Scoped' }, { authorization: `Bearer ${op2.access_token}` });
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(b.json().id).not.toBe(a.json().id);
    expect(await countTenants('Scoped')).toBe(2);
  });

  it('a request that failed validation is not stored: the key stays free', async () => {
    problem(await createTenant('after-invalid', { name: '' }), 400, 'VALIDATION_FAILED');
    const ok = await createTenant('after-invalid', { name: 'Valid Later' });
    expect(ok.statusCode).toBe(201);
  });

  it('a replayed key creation keeps the same key id but never stores or shows the secret again', async () => {
    const url = `/admin/v1/tenants/${t.tenantA.id}/keys`;
    const first = await t.app.inject({ method: 'POST', url, headers: { ...t.operatorAuth, 'idempotency-key': 'key-create-1' }, payload: { name: 'once' } });
    const secret = first.json().key as string;
    expect(secret).toMatch(/^sk_live_/);
    const again = await t.app.inject({ method: 'POST', url, headers: { ...t.operatorAuth, 'idempotency-key': 'key-create-1' }, payload: { name: 'once' } });
    expect(again.statusCode).toBe(201);
    expect(again.json().id).toBe(first.json().id);
    expect(again.json().key).toBe('[shown once]');
    const stored = (await t.deps.db.execute(sql`select body from idempotency_keys where key = 'key-create-1'`)) as unknown as { rows: { body: string }[] };
    expect(stored.rows[0]!.body).not.toContain(secret);
  });

  it('a key expires after 24 hours and is purged', async () => {
    await createTenant('day-old', { name: 'Day One' });
    t.clock.advance(24 * 3600 * 1000 + 1000);
    const later = await createTenant('day-old', { name: 'Day Two' });
    expect(later.statusCode).toBe(201);
    expect(later.json().name).toBe('Day Two');
    t.clock.advance(24 * 3600 * 1000 + 1000);
    expect(await purgeIdempotencyKeys(t.deps.db, t.clock.now())).toBeGreaterThan(0);
    const left = (await t.deps.db.execute(sql`select count(*)::int as n from idempotency_keys`)) as unknown as { rows: { n: number }[] };
    expect(left.rows[0]!.n).toBe(0);
  });
});

describe('errors', () => {
  it('the same key with another body is refused with 422', async () => {
    await createTenant('idem-2', { name: 'Idem Two' });
    const res = await createTenant('idem-2', { name: 'Something Else' });
    problem(res, 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(await countTenants('Something Else')).toBe(0);
  });

  it('a malformed key is refused with 400', async () => {
    problem(await createTenant('x'.repeat(256), { name: 'Long Key' }), 400, 'IDEMPOTENCY_KEY_INVALID');
    problem(await createTenant('has space', { name: 'Space Key' }), 400, 'IDEMPOTENCY_KEY_INVALID');
  });

  it('concurrent duplicates create one object: the others replay it or are told to retry (409)', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => createTenant('race-1', { name: 'Race' })));
    const statuses = results.map((r) => r.statusCode).sort();
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    const ids = new Set(results.filter((r) => r.statusCode === 201).map((r) => r.json().id));
    expect(ids.size).toBe(1);
    for (const r of results.filter((x) => x.statusCode === 409)) problem(r, 409, 'IDEMPOTENCY_KEY_IN_USE');
    expect(await countTenants('Race')).toBe(1);
  });
});
