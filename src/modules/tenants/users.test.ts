import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { hash } from '@node-rs/argon2';
import { bearer, createTestApp, problem, type TestApp } from '../../../test/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

type Headers = Record<string, string>;
const usersUrl = (tenantId: string) => `/admin/v1/tenants/${tenantId}/users`;
const createUser = (tenantId: string, headers: Headers, payload: Record<string, unknown>) => t.app.inject({ method: 'POST', url: usersUrl(tenantId), headers, payload });
const listUsers = (tenantId: string, headers: Headers) => t.app.inject({ method: 'GET', url: usersUrl(tenantId), headers });
const patchUser = (tenantId: string, userId: string, headers: Headers, active: boolean) =>
  t.app.inject({ method: 'PATCH', url: `${usersUrl(tenantId)}/${userId}`, headers, payload: { active } });
const signedIn = async (email: string, password: string) => ({ authorization: `Bearer ${(await t.login(email, password)).access_token}` });

// Built up in order by the happy path and reused below.
const OWNER_A = { email: 'owner-a@test.local', password: 'owner-a-password-1' };
const MEMBER_A = { email: 'member-a@test.local', password: 'member-a-password-1' };
const OWNER_B = { email: 'owner-b@test.local', password: 'owner-b-password-1' };
let ownerA: Headers;
let memberA: Headers;
let ownerB: Headers;
let ownerAId: string;
let memberAId: string;

beforeAll(async () => {
  await t.modules.tenants.users.createUser({ ...OWNER_B, role: 'owner', tenantId: t.tenantB.id });
  ownerB = await signedIn(OWNER_B.email, OWNER_B.password);
});

describe('happy', () => {
  it('an operator creates an owner for tenant A, who can then sign in', async () => {
    const res = await createUser(t.tenantA.id, t.operatorAuth, { email: 'Owner-A@Test.Local', password: OWNER_A.password, role: 'owner', name: 'Ana Owner' });
    expect(res.statusCode, res.body).toBe(201);
    const u = res.json();
    expect(u).toEqual({
      id: expect.stringMatching(/^usr_/),
      object: 'user',
      email: OWNER_A.email, // stored lower-case
      name: 'Ana Owner',
      role: 'owner',
      tenant_id: t.tenantA.id,
      active: true,
      last_login_at: null,
      created_at: new Date(t.clock.now()).toISOString(),
    });
    expect(res.body).not.toContain(OWNER_A.password);
    expect(res.body).not.toContain('argon2');
    ownerAId = u.id;
    ownerA = await signedIn(OWNER_A.email, OWNER_A.password);
    const who = (await t.app.inject({ method: 'GET', url: '/admin/v1/auth/me', headers: ownerA })).json();
    expect(who.id).toBe(ownerAId);
    expect(who.role).toBe('owner');
    expect(who.last_login_at).not.toBeNull();
  });

  it('the owner creates a member and lists the tenant’s people', async () => {
    const res = await createUser(t.tenantA.id, ownerA, { ...MEMBER_A, role: 'member' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().role).toBe('member');
    expect(res.json().tenant_id).toBe(t.tenantA.id);
    memberAId = res.json().id;
    memberA = await signedIn(MEMBER_A.email, MEMBER_A.password);

    for (const headers of [ownerA, memberA, t.operatorAuth]) {
      const list = await listUsers(t.tenantA.id, headers);
      expect(list.statusCode, list.body).toBe(200);
      expect(list.json().object).toBe('list');
      expect(list.json().has_more).toBe(false);
      expect(list.json().data.map((u: { id: string }) => u.id)).toEqual([ownerAId, memberAId]);
    }
    // Tenant B's list holds only B's owner.
    expect((await listUsers(t.tenantB.id, t.operatorAuth)).json().data.map((u: { email: string }) => u.email)).toEqual([OWNER_B.email]);
  });

  it('the owner disables and re-enables a member', async () => {
    const off = await patchUser(t.tenantA.id, memberAId, ownerA, false);
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json().active).toBe(false);
    problem(await t.app.inject({ method: 'GET', url: '/admin/v1/auth/me', headers: memberA }), 401, 'INVALID_TOKEN');
    const on = await patchUser(t.tenantA.id, memberAId, ownerA, true);
    expect(on.json().active).toBe(true);
    memberA = await signedIn(MEMBER_A.email, MEMBER_A.password);
  });
});

describe('errors', () => {
  it('a duplicate email is 409 EMAIL_TAKEN, whatever its case and whichever tenant', async () => {
    problem(await createUser(t.tenantA.id, ownerA, { email: MEMBER_A.email, password: 'another-password-1', role: 'member' }), 409, 'EMAIL_TAKEN');
    problem(await createUser(t.tenantA.id, t.operatorAuth, { email: 'MEMBER-A@test.local', password: 'another-password-1', role: 'owner' }), 409, 'EMAIL_TAKEN');
    problem(await createUser(t.tenantB.id, ownerB, { email: OWNER_A.email, password: 'another-password-1', role: 'member' }), 409, 'EMAIL_TAKEN');
    expect((await listUsers(t.tenantA.id, ownerA)).json().data).toHaveLength(2);
  });

  it('refuses weak passwords, unknown roles and bad emails', async () => {
    problem(await createUser(t.tenantA.id, ownerA, { email: 'weak@test.local', password: 'short', role: 'member' }), 422, 'WEAK_PASSWORD');
    problem(await createUser(t.tenantA.id, ownerA, { email: 'weak@test.local', password: 'password123', role: 'member' }), 422, 'WEAK_PASSWORD');
    problem(await createUser(t.tenantA.id, t.operatorAuth, { email: 'op2@test.local', password: 'strong-password-1', role: 'operator' }), 400, 'VALIDATION_FAILED');
    problem(await createUser(t.tenantA.id, ownerA, { email: 'not-an-email', password: 'strong-password-1', role: 'member' }), 400, 'VALIDATION_FAILED');
    problem(await t.app.inject({ method: 'POST', url: '/admin/v1/auth/login', payload: { email: 'weak@test.local', password: 'short' } }), 401, 'INVALID_CREDENTIALS');
  });

  it('unknown tenants and users are 404', async () => {
    const ghost = 'ten_01ZZZZZZZZZZZZZZZZZZZZZZZZ';
    problem(await listUsers(ghost, t.operatorAuth), 404, 'TENANT_NOT_FOUND');
    problem(await createUser(ghost, t.operatorAuth, { email: 'ghost@test.local', password: 'strong-password-1', role: 'owner' }), 404, 'TENANT_NOT_FOUND');
    problem(await patchUser(t.tenantA.id, 'usr_01ZZZZZZZZZZZZZZZZZZZZZZZZ', t.operatorAuth, false), 404, 'USER_NOT_FOUND');
    // A user exists, but not in this tenant.
    problem(await patchUser(t.tenantB.id, memberAId, t.operatorAuth, false), 404, 'USER_NOT_FOUND');
    expect((await t.app.inject({ method: 'GET', url: '/admin/v1/auth/me', headers: memberA })).statusCode).toBe(200);
  });
});

describe('security', () => {
  it('a member cannot create or disable users (403)', async () => {
    problem(await createUser(t.tenantA.id, memberA, { email: 'sneaky@test.local', password: 'sneaky-password-1', role: 'owner' }), 403, 'FORBIDDEN');
    problem(await patchUser(t.tenantA.id, ownerAId, memberA, false), 403, 'FORBIDDEN');
    expect((await listUsers(t.tenantA.id, ownerA)).json().data.map((u: { email: string; active: boolean }) => [u.email, u.active])).toEqual([
      [OWNER_A.email, true],
      [MEMBER_A.email, true],
    ]);
  });

  it('tenant B’s owner gets 404 on every tenant A users endpoint', async () => {
    problem(await listUsers(t.tenantA.id, ownerB), 404, 'TENANT_NOT_FOUND');
    problem(await createUser(t.tenantA.id, ownerB, { email: 'intruder@test.local', password: 'intruder-password-1', role: 'owner' }), 404, 'TENANT_NOT_FOUND');
    problem(await patchUser(t.tenantA.id, ownerAId, ownerB, false), 404, 'TENANT_NOT_FOUND');
    // Nor can B reach A's user through B's own path.
    problem(await patchUser(t.tenantB.id, ownerAId, ownerB, false), 404, 'USER_NOT_FOUND');
    const a = (await listUsers(t.tenantA.id, t.operatorAuth)).json().data;
    expect(a.map((u: { email: string }) => u.email)).not.toContain('intruder@test.local');
    expect(a.every((u: { active: boolean }) => u.active)).toBe(true);
  });

  it('an API key cannot manage users, nor can anyone unauthenticated', async () => {
    problem(await listUsers(t.tenantA.id, bearer(t.tenantA.secretKey)), 401, 'INVALID_TOKEN');
    problem(await createUser(t.tenantA.id, bearer(t.tenantA.secretKey), { email: 'k@test.local', password: 'key-password-1', role: 'owner' }), 401, 'INVALID_TOKEN');
    problem(await listUsers(t.tenantA.id, {}), 401, 'UNAUTHENTICATED');
  });
});

describe('first operator', () => {
  const operatorCount = async (app: TestApp) => {
    const r = (await app.deps.db.execute(sql`select count(*)::int as n from users where role = 'operator'`)) as unknown as { rows: { n: number }[] };
    return r.rows[0]!.n;
  };
  const tryLogin = (app: TestApp, email: string, password: string) => app.app.inject({ method: 'POST', url: '/admin/v1/auth/login', payload: { email, password } });

  it('with nothing configured, generates a password that signs in; a second call creates nothing', async () => {
    const s = await createTestApp({ seed: false });
    try {
      expect(await operatorCount(s)).toBe(0);
      const first = await s.modules.tenants.users.ensureFirstOperator(undefined);
      expect(first).toEqual({ email: 'admin@probador.local', password: expect.stringMatching(/^[A-Za-z0-9_-]{20}$/), generated: true });
      const res = await tryLogin(s, first!.email, first!.password);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().user.role).toBe('operator');
      expect(res.json().user.tenant_id).toBeNull();
      // The operator may operate.
      const tenants = await s.app.inject({ method: 'GET', url: '/admin/v1/tenants', headers: { authorization: `Bearer ${res.json().access_token}` } });
      expect(tenants.statusCode, tenants.body).toBe(200);

      expect(await s.modules.tenants.users.ensureFirstOperator(undefined)).toBeUndefined();
      expect(await s.modules.tenants.users.ensureFirstOperator({ email: 'late@test.local', password: 'late-password-1' })).toBeUndefined();
      expect(await operatorCount(s)).toBe(1);
      problem(await tryLogin(s, 'late@test.local', 'late-password-1'), 401, 'INVALID_CREDENTIALS');
    } finally {
      await s.close();
    }
  }, 120_000);

  it('uses PROBADOR_ADMIN_EMAIL/PASSWORD when given, and refuses clearly when that email is a tenant user’s', async () => {
    const s = await createTestApp({ seed: false });
    try {
      const users = s.modules.tenants.users;
      const tn = await s.modules.tenants.tenants.createTenant({ name: 'Early store' });
      await users.createUser({ email: 'taken@test.local', password: 'taken-password-1', role: 'owner', tenantId: tn.id });
      await expect(users.ensureFirstOperator({ email: 'taken@test.local', password: 'chosen-password-1' })).rejects.toMatchObject({
        code: 'EMAIL_TAKEN',
        message: expect.stringMatching(/first operator.*PROBADOR_ADMIN_EMAIL/),
      });
      expect(await operatorCount(s)).toBe(0);

      const chosen = { email: 'root@test.local', password: 'chosen-password-1' };
      expect(await users.ensureFirstOperator(chosen)).toEqual({ ...chosen, generated: false });
      const res = await tryLogin(s, chosen.email, chosen.password);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().user.role).toBe('operator');
      problem(await tryLogin(s, 'admin@probador.local', chosen.password), 401, 'INVALID_CREDENTIALS');

      expect(await users.ensureFirstOperator(chosen)).toBeUndefined();
      expect(await users.ensureFirstOperator(undefined)).toBeUndefined();
      expect(await operatorCount(s)).toBe(1);
    } finally {
      await s.close();
    }
  }, 120_000);
});

describe('password hashing', () => {
  const storedHash = async (id: string) => ((await t.deps.db.execute(sql`select password_hash as h from users where id = ${id}`)) as unknown as { rows: { h: string }[] }).rows[0]!.h;

  it('stores argon2id at 7 MiB × 5 passes (OWASP), and a hash of other settings still signs in', async () => {
    const u = await t.modules.tenants.users.createUser({ email: 'hash-new@test.local', password: 'hash-password-new', role: 'owner', tenantId: t.tenantA.id });
    expect(await storedHash(u.id)).toMatch(/^\$argon2id\$v=19\$m=7168,t=5,p=1\$/);
    await signedIn('hash-new@test.local', 'hash-password-new');

    // A user whose hash was made with the library's defaults (19 MiB × 2), as older installs stored.
    const old = await t.modules.tenants.users.createUser({ email: 'hash-old@test.local', password: 'placeholder-password', role: 'owner', tenantId: t.tenantA.id });
    const legacy = await hash('hash-password-old');
    expect(legacy).toMatch(/\$m=19456,t=2,p=1\$/);
    await t.deps.db.execute(sql`update users set password_hash = ${legacy} where id = ${old.id}`);
    await signedIn('hash-old@test.local', 'hash-password-old');
    const wrong = await t.app.inject({ method: 'POST', url: '/admin/v1/auth/login', payload: { email: 'hash-old@test.local', password: 'placeholder-password' } });
    problem(wrong, 401, 'INVALID_CREDENTIALS');
  });
});
