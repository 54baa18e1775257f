/**
 * The audit trail (platform/audit) on a real database, through the real API: every recorded act
 * appears once with the right actor, tenant and target — staff sign-ins and failed ones, keys
 * created, rotated and revoked, tenants created, updated and their settings changed, users added and
 * disabled, end users' exports and erasures, the CLI's admin commands; a store sees only its own
 * events; no stored row holds a key, password, token, email or third-party secret; CSV export with
 * formulas neutralised; reads (`GET /v1/me` …) write nothing; a failed audit write rolls the act back
 * (or, for a refused sign-in, is logged and the 401 stands); retention purges old events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, sql } from 'drizzle-orm';
import { bearer, createTestApp, OPERATOR, problem, type TestApp } from './harness.js';
import { PASSWORD, accountsClient, skHeaders, userAuth } from './accounts-helpers.js';
import { auditEvents, countAuditEvents, type AuditEventRow } from '../src/platform/audit/index.js';
import { adminRequestOf, runAdmin } from '../src/cli/admin-commands.js';
import { runMaintenance } from '../src/maintenance.js';

let t: TestApp;
const OWNER = { email: 'owner@shop-a.example', password: 'owner-password-1' };
const MEMBER = { email: 'member@shop-a.example', password: 'member-password-1' };
const OWNER_B = { email: 'owner@shop-b.example', password: 'owner-b-password-1' };
const WRONG_PASSWORD = 'not-the-password-9';
const POSTHOG_KEY = 'phc_auditSecretProjectKey123';
/** Every secret the acts below handle: none may reach a stored row. */
const secrets: string[] = [OPERATOR.password, OWNER.password, MEMBER.password, OWNER_B.password, WRONG_PASSWORD, PASSWORD, POSTHOG_KEY];
/** Every email: ids only in the trail. */
const emails: string[] = [OPERATOR.email, OWNER.email, MEMBER.email, OWNER_B.email, 'nobody@nowhere.example'];

let ownerAuth: Record<string, string>;
let ownerBAuth: Record<string, string>;
let ownerId: string;
let memberId: string;

async function rows(): Promise<AuditEventRow[]> {
  return t.deps.db.select().from(auditEvents).orderBy(asc(auditEvents.at), asc(auditEvents.id));
}
async function only(action: string, where: (r: AuditEventRow) => boolean = () => true): Promise<AuditEventRow> {
  const found = (await rows()).filter((r) => r.action === action && where(r));
  expect(found, `${action}: ${JSON.stringify(found)}`).toHaveLength(1);
  return found[0]!;
}
const inject = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, headers: Record<string, string>, payload?: unknown, remoteAddress = '203.0.113.77') =>
  t.app.inject({ method, url, headers, remoteAddress, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });

beforeAll(async () => {
  t = await createTestApp();
  secrets.push(t.tenantA.secretKey, t.tenantA.publishableKey, t.tenantB.secretKey, t.tenantB.publishableKey);
  const add = async (tenant: string, who: { email: string; password: string }, role: 'owner' | 'member') => {
    const res = await inject('POST', `/admin/v1/tenants/${tenant}/users`, t.operatorAuth, { ...who, role });
    expect(res.statusCode, res.body).toBe(201);
    return (res.json() as { id: string }).id;
  };
  t.clock.advance(1000);
  ownerId = await add(t.tenantA.id, OWNER, 'owner');
  await add(t.tenantB.id, OWNER_B, 'owner');
  const a = await t.login(OWNER.email, OWNER.password);
  ownerAuth = { authorization: `Bearer ${a.access_token}` };
  const b = await t.login(OWNER_B.email, OWNER_B.password);
  ownerBAuth = { authorization: `Bearer ${b.access_token}` };
  secrets.push(a.access_token, a.refresh_token, b.access_token, b.refresh_token);
  t.clock.advance(1000);
  memberId = await (async () => {
    const res = await inject('POST', `/admin/v1/tenants/${t.tenantA.id}/users`, ownerAuth, { ...MEMBER, role: 'member' });
    expect(res.statusCode, res.body).toBe(201);
    return (res.json() as { id: string }).id;
  })();
}, 120_000);
afterAll(async () => t?.close());

describe('what is recorded', () => {
  it('a staff sign-in, with the truncated address and the request id; failed ones with the reason, an unknown email as anonymous', async () => {
    t.clock.advance(1000);
    const ok = await inject('POST', '/admin/v1/auth/login', {}, OWNER, '198.51.100.23');
    expect(ok.statusCode, ok.body).toBe(200);
    secrets.push((ok.json() as { access_token: string }).access_token, (ok.json() as { refresh_token: string }).refresh_token);
    const signIn = await only('auth.sign_in', (r) => r.requestId === ok.headers['request-id']);
    expect(signIn).toMatchObject({ tenantId: t.tenantA.id, actorKind: 'store_user', actorId: ownerId, targetType: 'user', targetId: ownerId, ip: '198.51.100.0' });

    const wrong = await inject('POST', '/admin/v1/auth/login', {}, { email: OWNER.email, password: WRONG_PASSWORD }, '2001:db8:aa:bb::9');
    problem(wrong, 401, 'INVALID_CREDENTIALS');
    const failed = await only('auth.sign_in_failed', (r) => r.requestId === wrong.headers['request-id']);
    expect(failed).toMatchObject({ tenantId: t.tenantA.id, actorKind: 'store_user', actorId: ownerId, ip: '2001:db8:aa::', details: { reason: 'wrong_password' } });

    const unknown = await inject('POST', '/admin/v1/auth/login', {}, { email: 'nobody@nowhere.example', password: WRONG_PASSWORD });
    problem(unknown, 401, 'INVALID_CREDENTIALS');
    const anon = await only('auth.sign_in_failed', (r) => r.requestId === unknown.headers['request-id']);
    expect(anon).toMatchObject({ tenantId: null, actorKind: 'anonymous', actorId: null, targetId: null, details: { reason: 'unknown_email' } });

    // The operator's own sign-in (harness) is a platform event.
    expect((await rows()).some((r) => r.action === 'auth.sign_in' && r.actorKind === 'operator' && r.tenantId === null)).toBe(true);
  });

  it('keys created, rotated and revoked by a store owner', async () => {
    t.clock.advance(1000);
    const created = await inject('POST', `/admin/v1/tenants/${t.tenantA.id}/keys`, ownerAuth, { name: 'Audit server', environment: 'test' });
    expect(created.statusCode, created.body).toBe(201);
    const k = created.json() as { id: string; key: string };
    secrets.push(k.key);
    const c = await only('key.created', (r) => r.targetId === k.id);
    expect(c).toMatchObject({ tenantId: t.tenantA.id, actorKind: 'store_user', actorId: ownerId, targetType: 'api_key', details: { kind: 'secret', environment: 'test' } });

    const rotated = await inject('POST', `/admin/v1/tenants/${t.tenantA.id}/keys/${k.id}/rotate`, ownerAuth, { grace_seconds: 60 });
    expect(rotated.statusCode, rotated.body).toBe(201);
    const next = (rotated.json() as { key: { id: string; key: string } }).key;
    secrets.push(next.key);
    const r = await only('key.rotated', (e) => e.targetId === k.id);
    expect(r).toMatchObject({ tenantId: t.tenantA.id, actorKind: 'store_user', actorId: ownerId, details: { new_key_id: next.id } });
    // A rotation is one event, not a creation besides.
    expect((await rows()).filter((e) => e.action === 'key.created' && e.targetId === next.id)).toHaveLength(0);

    const revoked = await inject('POST', `/admin/v1/tenants/${t.tenantA.id}/keys/${next.id}/revoke`, ownerAuth);
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(await only('key.revoked', (e) => e.targetId === next.id)).toMatchObject({ tenantId: t.tenantA.id, actorKind: 'store_user', actorId: ownerId });
    // Revoking again changes nothing and records nothing.
    expect((await inject('POST', `/admin/v1/tenants/${t.tenantA.id}/keys/${next.id}/revoke`, ownerAuth)).statusCode).toBe(200);
    await only('key.revoked', (e) => e.targetId === next.id);
  });

  it('tenants created and deactivated by an operator; changes with old and new values; settings by section name only', async () => {
    t.clock.advance(1000);
    const res = await inject('POST', '/admin/v1/tenants', t.operatorAuth, { name: 'Tienda C', tier: 'free' });
    expect(res.statusCode, res.body).toBe(201);
    const c = (res.json() as { id: string }).id;
    expect(await only('tenant.created', (r) => r.tenantId === c)).toMatchObject({ actorKind: 'operator', targetType: 'tenant', targetId: c, details: { name: 'Tienda C', tier: 'free' } });

    const tier = await inject('PATCH', `/admin/v1/tenants/${c}`, t.operatorAuth, { tier: 'pro', name: 'Tienda C' });
    expect(tier.statusCode, tier.body).toBe(200);
    // Only what changed (the name did not).
    expect(await only('tenant.updated', (r) => r.tenantId === c)).toMatchObject({ actorKind: 'operator', details: { changes: { tier: { from: 'free', to: 'pro' } } } });
    expect((await only('tenant.updated', (r) => r.tenantId === c)).details).not.toHaveProperty('changes.name');

    const off = await inject('POST', `/admin/v1/tenants/${c}/deactivate`, t.operatorAuth);
    expect(off.statusCode, off.body).toBe(200);
    expect(await only('tenant.deactivated', (r) => r.tenantId === c)).toMatchObject({ actorKind: 'operator', targetId: c });

    // The store's owner changes the widget and its PostHog project: the sections, never the values.
    const settings = await inject('PATCH', `/admin/v1/tenants/${t.tenantA.id}`, ownerAuth, {
      settings: { widget: { primary_color: '#112233' }, product_analytics: { posthog: { project_api_key: POSTHOG_KEY, host: 'https://eu.i.posthog.com' } } },
    });
    expect(settings.statusCode, settings.body).toBe(200);
    const s = await only('tenant.settings_changed', (r) => r.tenantId === t.tenantA.id && r.requestId === settings.headers['request-id']);
    expect(s).toMatchObject({ actorKind: 'store_user', actorId: ownerId, details: { sections: ['product_analytics', 'widget'] } });
    expect((await rows()).filter((r) => r.requestId === settings.headers['request-id']).map((r) => r.action)).toEqual(['tenant.settings_changed']);
  });

  it('users added, disabled and enabled', async () => {
    expect(await only('user.added', (r) => r.targetId === memberId)).toMatchObject({ tenantId: t.tenantA.id, actorKind: 'store_user', actorId: ownerId, details: { role: 'member' } });
    expect(await only('user.added', (r) => r.targetId === ownerId)).toMatchObject({ tenantId: t.tenantA.id, actorKind: 'operator', details: { role: 'owner' } });
    t.clock.advance(1000);
    expect((await inject('PATCH', `/admin/v1/tenants/${t.tenantA.id}/users/${memberId}`, ownerAuth, { active: false })).statusCode).toBe(200);
    expect(await only('user.disabled', (r) => r.targetId === memberId)).toMatchObject({ tenantId: t.tenantA.id, actorKind: 'store_user', actorId: ownerId });
    expect((await inject('PATCH', `/admin/v1/tenants/${t.tenantA.id}/users/${memberId}`, ownerAuth, { active: true })).statusCode).toBe(200);
    expect(await only('user.enabled', (r) => r.targetId === memberId)).toMatchObject({ actorKind: 'store_user' });
    // A sign-in refused because the account is disabled says so.
    expect((await inject('PATCH', `/admin/v1/tenants/${t.tenantA.id}/users/${memberId}`, ownerAuth, { active: false })).statusCode).toBe(200);
    const refused = await inject('POST', '/admin/v1/auth/login', {}, MEMBER);
    problem(refused, 401, 'INVALID_CREDENTIALS');
    expect(await only('auth.sign_in_failed', (r) => r.requestId === refused.headers['request-id'])).toMatchObject({ actorKind: 'store_user', actorId: memberId, details: { reason: 'disabled' } });
    expect((await inject('PATCH', `/admin/v1/tenants/${t.tenantA.id}/users/${memberId}`, ownerAuth, { active: true })).statusCode).toBe(200);
  });

  it('an end user’s export (by themselves) and erasures (by themselves, and by the store’s secret key)', async () => {
    const c = accountsClient(t);
    const u = await c.newUser(t.tenantA);
    const v = await c.newUser(t.tenantA);
    emails.push(u.user.email, v.user.email);
    secrets.push(u.access_token, u.refresh_token, v.access_token, v.refresh_token);
    t.clock.advance(1000);
    const exp = await inject('GET', '/v1/account/export', userAuth(u.access_token));
    expect(exp.statusCode, exp.body).toBe(200);
    expect(await only('end_user.exported', (r) => r.targetId === u.user.id)).toMatchObject({ tenantId: t.tenantA.id, actorKind: 'end_user', actorId: u.user.id, targetType: 'end_user' });

    const del = await inject('DELETE', '/v1/account', userAuth(u.access_token), { password: PASSWORD });
    expect(del.statusCode, del.body).toBe(204);
    expect(await only('end_user.erased', (r) => r.targetId === u.user.id)).toMatchObject({ tenantId: t.tenantA.id, actorKind: 'end_user', actorId: u.user.id, details: { by_self: true } });

    const keyId = (await t.modules.tenants.keys.authenticate(t.tenantA.secretKey, 'secret', undefined)).principal.keyId;
    const erase = await inject('DELETE', `/v1/end-users/${v.user.id}`, skHeaders(t.tenantA));
    expect(erase.statusCode, erase.body).toBe(204);
    expect(await only('end_user.erased', (r) => r.targetId === v.user.id)).toMatchObject({ tenantId: t.tenantA.id, actorKind: 'api_key', actorId: keyId, details: { by_self: false } });
  });

  it('the CLI’s admin commands, as the actor `cli`', async () => {
    const ctx = { config: t.config, tenants: t.modules.tenants, migrate: async () => undefined, seed: async () => Promise.reject(new Error('not here')), backup: async () => Promise.reject(new Error('not here')) };
    t.clock.advance(1000);
    const tenant = (await runAdmin(ctx, adminRequestOf('tenant create', { name: 'CLI shop' }))).data as { id: string };
    expect(await only('tenant.created', (r) => r.tenantId === tenant.id)).toMatchObject({ actorKind: 'cli', actorId: null, requestId: null, ip: null });
    const key = (await runAdmin(ctx, adminRequestOf('key create', { tenant: tenant.id }))).data as { id: string; key: string };
    secrets.push(key.key);
    expect(await only('key.created', (r) => r.targetId === key.id)).toMatchObject({ actorKind: 'cli', tenantId: tenant.id });
    await runAdmin(ctx, adminRequestOf('key revoke', { tenant: tenant.id, key: key.id }));
    expect(await only('key.revoked', (r) => r.targetId === key.id)).toMatchObject({ actorKind: 'cli' });
    const op = (await runAdmin(ctx, adminRequestOf('operator create', { email: 'second-op@test.local' }))).data as { id: string; password: string };
    emails.push('second-op@test.local');
    secrets.push(op.password);
    expect(await only('operator.created', (r) => r.targetId === op.id)).toMatchObject({ actorKind: 'cli', tenantId: null, details: { role: 'operator' } });
    const reset = (await runAdmin(ctx, adminRequestOf('operator reset-password', { email: 'second-op@test.local' }))).data as { password: string };
    secrets.push(reset.password);
    expect(await only('operator.password_reset', (r) => r.targetId === op.id)).toMatchObject({ actorKind: 'cli', tenantId: null });
    // A listing is not an act.
    const before = await countAuditEvents(t.deps.db);
    await runAdmin(ctx, adminRequestOf('tenant list', {}));
    expect(await countAuditEvents(t.deps.db)).toBe(before);
  });
});

type Page = { data: { id: string; tenant_id: string | null; action: string; actor: { kind: string; id: string | null; label: string | null } }[]; has_more: boolean };

describe('who sees what', () => {
  it('a store sees only its own events (owner session or secret key); another store’s key sees none of them', async () => {
    const all = (await rows()).filter((r) => r.tenantId === t.tenantA.id);
    const mine = await inject('GET', '/v1/audit?limit=100', ownerAuth);
    expect(mine.statusCode, mine.body).toBe(200);
    const page = mine.json() as Page;
    expect(page.data.length).toBe(all.length);
    expect(page.data.every((e) => e.tenant_id === t.tenantA.id)).toBe(true);
    // The owner's own email is their label; an operator is "Operator" (not their email).
    expect(page.data.find((e) => e.action === 'key.created' && e.actor.id === ownerId)?.actor.label).toBe(OWNER.email);
    expect(page.data.find((e) => e.action === 'user.added' && e.actor.kind === 'operator')?.actor.label).toBe('Operator');
    // Newest first.
    const ats = page.data.map((e) => e.id);
    expect([...ats].sort().reverse()).toEqual(ats);

    const byKey = await inject('GET', '/v1/audit?limit=100', bearer(t.tenantA.secretKey));
    expect((byKey.json() as Page).data.map((e) => e.id)).toEqual(page.data.map((e) => e.id));

    const other = await inject('GET', '/v1/audit?limit=100', bearer(t.tenantB.secretKey));
    expect(other.statusCode).toBe(200);
    const theirs = (other.json() as Page).data;
    expect(theirs.some((e) => e.tenant_id !== t.tenantB.id)).toBe(false);
    expect(theirs.map((e) => e.action)).toContain('user.added');
    // B's owner cannot name A in the header (only operators can), nor read A's on the admin path.
    const named = await inject('GET', '/v1/audit?limit=100', { ...ownerBAuth, 'probador-tenant': t.tenantA.id });
    expect((named.json() as Page).data.every((e) => e.tenant_id === t.tenantB.id)).toBe(true);
    problem(await inject('GET', '/admin/v1/audit', ownerBAuth), 403, 'FORBIDDEN');
    expect((await inject('GET', '/admin/v1/audit', bearer(t.tenantB.secretKey))).statusCode).toBe(401);
    // A publishable key is not for this.
    expect((await inject('GET', '/v1/audit', { authorization: `Bearer ${t.tenantA.publishableKey}`, origin: t.tenantA.origin })).statusCode).toBe(403);
  });

  it('operators see every tenant and the platform, filter by tenant, action (exact or prefix), actor and time, and page with a cursor', async () => {
    const everything = await inject('GET', '/admin/v1/audit?limit=100', t.operatorAuth);
    const all = (everything.json() as Page).data;
    const tenantsSeen = new Set(all.map((e) => e.tenant_id));
    for (const id of [null, t.tenantA.id, t.tenantB.id]) expect(tenantsSeen.has(id)).toBe(true);
    expect(all.length).toBe((await rows()).length);
    expect(all.find((e) => e.action === 'user.added' && e.actor.kind === 'operator')?.actor.label).toBe(OPERATOR.email);

    const a = (await inject('GET', `/admin/v1/audit?limit=100&tenant_id=${t.tenantA.id}`, t.operatorAuth)).json() as Page;
    expect(a.data.length).toBe((await rows()).filter((r) => r.tenantId === t.tenantA.id).length);
    const keys = (await inject('GET', '/admin/v1/audit?limit=100&action=key.*', t.operatorAuth)).json() as Page;
    expect(new Set(keys.data.map((e) => e.action))).toEqual(new Set(['key.created', 'key.rotated', 'key.revoked']));
    const exact = (await inject('GET', '/admin/v1/audit?limit=100&action=key.rotated', t.operatorAuth)).json() as Page;
    expect(exact.data.map((e) => e.action)).toEqual(['key.rotated']);
    const cli = (await inject('GET', '/admin/v1/audit?limit=100&actor_kind=cli', t.operatorAuth)).json() as Page;
    expect(cli.data.length).toBe(5);
    const byOwner = (await inject('GET', `/admin/v1/audit?limit=100&actor_id=${ownerId}`, t.operatorAuth)).json() as Page;
    expect(byOwner.data.every((e) => e.actor.id === ownerId)).toBe(true);
    expect(byOwner.data.length).toBeGreaterThan(3);

    const now = t.clock.now();
    const recent = (await inject('GET', `/admin/v1/audit?limit=100&from=${new Date(now - 1500).toISOString()}`, t.operatorAuth)).json() as Page;
    expect(recent.data.length).toBe((await rows()).filter((r) => r.at.getTime() >= now - 1500).length);
    expect(recent.data.length).toBeLessThan(all.length);
    problem(await inject('GET', `/admin/v1/audit?from=${new Date(now).toISOString()}&to=${new Date(now - 1).toISOString()}`, t.operatorAuth), 400, 'VALIDATION_FAILED');
    problem(await inject('GET', '/admin/v1/audit?action=DROP%20TABLE', t.operatorAuth), 400, 'VALIDATION_FAILED');
    problem(await inject('GET', '/admin/v1/audit?actor_kind=robot', t.operatorAuth), 400, 'VALIDATION_FAILED');

    // Pages of 3 walk the same list.
    const walked: string[] = [];
    let after = '';
    for (;;) {
      const p = (await inject('GET', `/admin/v1/audit?limit=3${after ? `&starting_after=${after}` : ''}`, t.operatorAuth)).json() as Page;
      walked.push(...p.data.map((e) => e.id));
      if (!p.has_more) break;
      after = p.data[p.data.length - 1]!.id;
    }
    expect(walked).toEqual(all.map((e) => e.id));
  });
});

describe('what is never stored', () => {
  it('no row holds a key, password, token, email or a third party’s key', async () => {
    const text = JSON.stringify(await t.deps.db.execute(sql`select * from audit_events`));
    expect((await rows()).length).toBeGreaterThan(20);
    for (const s of secrets) expect(text.includes(s), `a secret starting ${s.slice(0, 8)} is stored`).toBe(false);
    for (const e of emails) expect(text.toLowerCase().includes(e.toLowerCase()), `${e} is stored`).toBe(false);
    // No key-shaped or token-shaped text at all.
    expect(text).not.toMatch(/\b(sk|pk)_(live|test)_[1-9A-Za-z]{32}\b/);
    expect(text).not.toMatch(/eyJ[\w-]{5,}\.[\w-]{5,}\./);
    expect(text).not.toMatch(/\$argon2/);
  });

  it('nor the logs: no email or key written while recording', async () => {
    const logs = t.logs.join('');
    for (const s of [OWNER.password, WRONG_PASSWORD, POSTHOG_KEY]) expect(logs).not.toContain(s);
  });
});

describe('CSV export', () => {
  it('the same events as JSON, newest first, with formulas neutralised', async () => {
    // A person whose email starts like a formula, and who acts.
    const evil = { email: '=cmd@shop-a.example', password: 'evil-password-123' };
    secrets.push(evil.password);
    const added = await inject('POST', `/admin/v1/tenants/${t.tenantA.id}/users`, ownerAuth, { ...evil, role: 'owner' });
    expect(added.statusCode, added.body).toBe(201);
    t.clock.advance(1000);
    const s = await t.login(evil.email, evil.password);
    secrets.push(s.access_token, s.refresh_token);

    const json = (await inject('GET', '/v1/audit?limit=100', ownerAuth)).json() as Page;
    const res = await inject('GET', '/v1/audit?format=csv', ownerAuth);
    expect(res.statusCode, res.body).toBe(200);
    expect(String(res.headers['content-type'])).toMatch(/^text\/csv/);
    expect(String(res.headers['content-disposition'])).toContain('audit.csv');
    const lines = res.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('at,id,tenant_id,action,actor_kind,actor_id,actor_label,target_type,target_id,request_id,ip,details');
    expect(lines.length - 1).toBe(json.data.length);
    expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(json.data.map((e) => e.id));
    const evilSignIn = json.data.find((e) => e.action === 'auth.sign_in' && e.actor.label === evil.email);
    expect(evilSignIn, 'the sign-in of =cmd@… in JSON').toBeDefined();
    const line = lines.find((l) => l.split(',')[1] === evilSignIn!.id);
    expect(line).toContain(`,'=cmd@shop-a.example,`);
    expect(lines.some((l) => /,=cmd@/.test(l))).toBe(false);
    // Accept: text/csv answers the same; the operator's export too.
    const accept = await inject('GET', '/v1/audit', { ...ownerAuth, accept: 'text/csv' });
    expect(accept.body).toBe(res.body);
    const op = await inject('GET', `/admin/v1/audit?format=csv&tenant_id=${t.tenantA.id}&action=auth.sign_in`, t.operatorAuth);
    expect(op.body.trimEnd().split('\r\n').slice(1).every((l) => l.includes(',auth.sign_in,'))).toBe(true);
  });
});

describe('cost and failure', () => {
  it('reads write nothing: /v1/me, /admin/v1/auth/me, lists and the trail itself', async () => {
    const before = await countAuditEvents(t.deps.db);
    for (let i = 0; i < 20; i++) expect((await inject('GET', '/v1/me', bearer(t.tenantA.secretKey))).statusCode).toBe(200);
    expect((await inject('GET', '/admin/v1/auth/me', ownerAuth)).statusCode).toBe(200);
    expect((await inject('GET', `/admin/v1/tenants/${t.tenantA.id}/keys`, ownerAuth)).statusCode).toBe(200);
    expect((await inject('GET', '/v1/audit', ownerAuth)).statusCode).toBe(200);
    expect(await countAuditEvents(t.deps.db)).toBe(before);
  });

  it('a failed audit write rolls the act back (500, no key); a refused sign-in stays 401 and the failure is logged', async () => {
    // The database refuses these two records (a constraint, not a mock).
    await t.deps.db.execute(sql`alter table audit_events add constraint audit_refuses check (action not in ('key.created', 'auth.sign_in_failed')) not valid`);
    try {
      const keysBefore = await t.modules.tenants.tenants.listKeys(t.tenantA.id, { limit: 100 });
      const res = await inject('POST', `/admin/v1/tenants/${t.tenantA.id}/keys`, ownerAuth, { name: 'never' });
      problem(res, 500, 'INTERNAL');
      const keysAfter = await t.modules.tenants.tenants.listKeys(t.tenantA.id, { limit: 100 });
      expect(keysAfter.data.map((k) => k.id)).toEqual(keysBefore.data.map((k) => k.id));

      const logsBefore = t.logs.length;
      const wrong = await inject('POST', '/admin/v1/auth/login', {}, { email: OWNER.email, password: WRONG_PASSWORD });
      problem(wrong, 401, 'INVALID_CREDENTIALS');
      const lines = t.logs.slice(logsBefore).join('');
      expect(lines).toContain('audit event not recorded');
      expect(lines).toContain('auth.sign_in_failed');
      expect(lines).not.toContain(OWNER.email);
    } finally {
      await t.deps.db.execute(sql`alter table audit_events drop constraint audit_refuses`);
    }
  });

  it('maintenance purges events older than PROBADOR_AUDIT_RETENTION_DAYS (365 by default)', async () => {
    expect(t.config.audit.retentionDays).toBe(365);
    const total = await countAuditEvents(t.deps.db);
    t.clock.advance(364 * 86_400_000);
    const fresh = await inject('POST', '/admin/v1/auth/login', {}, { email: 'nobody@nowhere.example', password: WRONG_PASSWORD });
    expect(fresh.statusCode).toBe(401);
    expect((await runMaintenance(t.deps)).auditEvents).toBe(0);
    t.clock.advance(2 * 86_400_000);
    expect((await runMaintenance(t.deps)).auditEvents).toBe(total);
    expect((await rows()).map((r) => r.requestId)).toEqual([fresh.headers['request-id']]);
  });
});
