/**
 * The dashboard's Audit page in Chromium against the real app. A store's owner sees their store's
 * trail — their own sign-in, a key created and revoked, a failed sign-in — and nothing of another
 * store's; filters by action group; switches to Spanish (remembered); downloads the CSV. The operator's
 * platform page shows every store's events with a store filter. Screenshots:
 * test-output/screenshots/audit-store-en.png, audit-store-es.png, audit-operator.png (→ docs/dashboard/audit.png).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { collectPageErrors, launchChromium, newContext, screenshot } from './chromium.js';
import { failedCalls, startCommerceApp, until, type CommerceApp } from './commerce-harness.js';
import { OPERATOR } from '../harness.js';

let c: CommerceApp;
let browser: Browser;
const OWNER = { email: 'owner@audit-a.example', password: 'owner-password-1' };
let keyId: string;

beforeAll(async () => {
  c = await startCommerceApp(OWNER);
  const t = c.t;
  const owner = await t.login(OWNER.email, OWNER.password);
  const auth = { authorization: `Bearer ${owner.access_token}` };
  t.clock.advance(60_000);
  const k = await t.app.inject({ method: 'POST', url: `/admin/v1/tenants/${t.tenantA.id}/keys`, headers: auth, payload: { name: 'Checkout server' } });
  expect(k.statusCode, k.body).toBe(201);
  keyId = (k.json() as { id: string }).id;
  t.clock.advance(60_000);
  expect((await t.app.inject({ method: 'POST', url: `/admin/v1/tenants/${t.tenantA.id}/keys/${keyId}/revoke`, headers: auth })).statusCode).toBe(200);
  t.clock.advance(60_000);
  expect((await t.app.inject({ method: 'POST', url: '/admin/v1/auth/login', payload: { email: OWNER.email, password: 'wrong-password-1' }, remoteAddress: '203.0.113.50' })).statusCode).toBe(401);
  // Another store's events (the owner must not see them).
  expect((await t.app.inject({ method: 'PATCH', url: `/admin/v1/tenants/${t.tenantB.id}`, headers: t.operatorAuth, payload: { tier: 'pro' } })).statusCode).toBe(200);
  // The sign-ins in the browser come a minute later (newest first is then certain).
  t.clock.advance(60_000);
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await c?.t.close();
});

vi.setConfig({ testTimeout: 120_000 });

const rowsOf = (page: Page, table: string) => page.getByRole('table', { name: table }).locator('tbody tr');
const actionsOf = (page: Page, table: string) => page.getByRole('table', { name: table }).locator('[data-action]').evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));

async function apiCount(url: string, headers: Record<string, string>): Promise<number> {
  const res = await c.t.app.inject({ method: 'GET', url, headers });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { data: unknown[] }).data.length;
}

describe('audit page', () => {
  it('a store owner sees their store’s trail only, filters it, reads it in Spanish, and exports CSV', async () => {
    const ctx = await newContext(browser, { acceptDownloads: true, locale: 'en-US' });
    const page = await ctx.newPage();
    const errors = collectPageErrors(page);
    const failed = failedCalls(page);
    await c.signIn(page, OWNER);
    await page.getByRole('link', { name: 'Audit', exact: true }).click();
    await page.getByRole('heading', { name: 'Audit', exact: true }).waitFor();

    const expected = await apiCount('/v1/audit?limit=25', { authorization: `Bearer ${c.t.tenantA.secretKey}` });
    await until(async () => (await rowsOf(page, 'Audit events').count()) === expected);
    const actions = await actionsOf(page, 'Audit events');
    for (const a of ['auth.sign_in', 'auth.sign_in_failed', 'key.created', 'key.revoked', 'user.added']) expect(actions).toContain(a);
    // Tenant B's tier change (by the operator) is not here; A's own (by the harness) is.
    const table = await page.getByRole('table', { name: 'Audit events' }).innerText();
    expect(table).toContain('tier: "basic" → "enterprise"');
    expect(table).not.toContain('tier: "basic" → "pro"');
    // Newest first: the browser sign-in leads.
    expect(actions[0]).toBe('auth.sign_in');
    const failedRow = page.getByRole('table', { name: 'Audit events' }).locator('tr', { has: page.locator('[data-action="auth.sign_in_failed"]') });
    expect(await failedRow.innerText()).toContain('203.0.113.0');
    expect(await failedRow.innerText()).toContain('wrong password');
    expect(await failedRow.innerText()).toContain(OWNER.email);
    await screenshot(page, 'audit-store-en');

    // Only API key events: the owner's key created and revoked, then the two the store was seeded with.
    await page.getByLabel('Action', { exact: true }).selectOption('key.*');
    await until(async () => (await rowsOf(page, 'Audit events').count()) === 4);
    expect(await actionsOf(page, 'Audit events')).toEqual(['key.revoked', 'key.created', 'key.created', 'key.created']);
    expect(await page.getByRole('table', { name: 'Audit events' }).innerText()).toContain(keyId);

    // CSV of what the filter shows.
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('audit.csv');
    const lines = readFileSync(await file.path()).toString('utf8').trimEnd().split('\r\n');
    expect(lines[0]).toBe('at,id,tenant_id,action,actor_kind,actor_id,actor_label,target_type,target_id,request_id,ip,details');
    expect(lines.slice(1).map((l) => l.split(',')[3])).toEqual(['key.revoked', 'key.created', 'key.created', 'key.created']);
    expect(lines[1]).toContain(`,${keyId},`);

    // Spanish, by keyboard; the filter stays.
    await page.getByRole('button', { name: 'English' }).focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Auditoría', exact: true }).waitFor();
    expect(await rowsOf(page, 'Eventos de auditoría').count()).toBe(4);
    expect(await page.getByRole('table', { name: 'Eventos de auditoría' }).innerText()).toContain('Clave de API revocada');
    await page.getByRole('button', { name: 'Quitar filtros' }).click();
    await until(async () => (await rowsOf(page, 'Eventos de auditoría').count()) === expected);
    expect(await page.getByRole('table', { name: 'Eventos de auditoría' }).innerText()).toContain('contraseña incorrecta');
    await screenshot(page, 'audit-store-es');
    await page.reload();
    await page.getByRole('heading', { name: 'Auditoría', exact: true }).waitFor();

    expect(errors).toEqual([]);
    expect(failed).toEqual([]);
    await ctx.close();
  });

  it('the operator sees every store’s events and the platform’s, and narrows to one store', async () => {
    const ctx = await newContext(browser, { locale: 'en-US' });
    const page = await ctx.newPage();
    const errors = collectPageErrors(page);
    const failed = failedCalls(page);
    await c.signIn(page, OPERATOR);
    await page.getByRole('navigation', { name: 'Operator' }).getByRole('link', { name: 'Audit', exact: true }).click();
    await page.getByRole('heading', { name: 'Audit', exact: true }).waitFor();
    const all = await apiCount('/admin/v1/audit?limit=25', c.t.operatorAuth);
    await until(async () => (await rowsOf(page, 'Audit events').count()) === all);
    const text = await page.getByRole('table', { name: 'Audit events' }).innerText();
    expect(text).toContain('Tenant B');
    expect(text).toContain('Platform');
    expect(text).toContain('tier: "basic" → "pro"');
    await screenshot(page, 'audit-operator');

    await page.getByLabel('Store', { exact: true }).selectOption({ label: 'Tenant B' });
    const b = await apiCount(`/admin/v1/audit?limit=25&tenant_id=${c.t.tenantB.id}`, c.t.operatorAuth);
    await until(async () => (await rowsOf(page, 'Audit events').count()) === b);
    expect(await page.getByRole('table', { name: 'Audit events' }).innerText()).not.toContain('Tenant A');

    expect(errors).toEqual([]);
    expect(failed).toEqual([]);
    await ctx.close();
    mkdirSync(join(process.cwd(), 'docs', 'dashboard'), { recursive: true });
    copyFileSync(join(process.cwd(), 'test-output', 'screenshots', 'audit-store-en.png'), join(process.cwd(), 'docs', 'dashboard', 'audit.png'));
  });
});
