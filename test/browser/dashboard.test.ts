/**
 * The dashboard in Chromium against the real app on a real port: an operator creates a tenant, a
 * key (secret shown once) and allowed origins; a store user sees only their tenant; the numbers
 * shown equal what the API reports after real try-ons; a failed webhook delivery is redelivered
 * from the UI. Screenshots go to test-output/screenshots (the telling ones are copied to docs/).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { bearer, createTestApp, OPERATOR, type TestApp } from '../harness.js';
import { startFakeFal, type FakeFal } from '../fakes/fal.js';
import { startReceiver, type Receiver } from '../fakes/webhook-receiver.js';
import { garmentPng } from '../fakes/images.js';
import { ASTRONAUT, dataUrl, waitForTryon } from '../tryon-helpers.js';
import { createFalProvider } from '../../src/modules/tryon/providers/fal.js';
import { collectPageErrors, launchChromium, newContext, screenshot } from './chromium.js';
import { ensureDashboardBuilt } from './dashboard-build.js';

let t: TestApp;
let fal: FakeFal;
let rx: Receiver;
let browser: Browser;
let base: string;
const OWNER = { email: 'owner@shop-a.example', password: 'owner-password-1' };

beforeAll(async () => {
  await ensureDashboardBuilt();
  fal = await startFakeFal();
  rx = await startReceiver();
  t = await createTestApp({
    build: {
      tryon: { providers: [createFalProvider({ apiKey: fal.apiKey, baseUrl: fal.url, pollIntervalMs: 20 })] },
      webhooks: { allowPrivateHosts: [rx.host], retryScheduleMs: [60_000], jitter: 0 },
    },
  });
  // Result polling in these tests must not run into the basic tier's per-key limit.
  await t.modules.tenants.tenants.updateTenant(t.tenantA.id, { tier: 'enterprise' });
  await t.modules.tenants.users.createUser({ ...OWNER, role: 'owner', tenantId: t.tenantA.id });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
  await fal?.close();
  await rx?.close();
});

async function signIn(page: Page, who: { email: string; password: string }) {
  page.setDefaultTimeout(20_000);
  await page.goto(`${base}/dashboard/`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

const stat = (page: Page, id: string) => page.locator(`[data-stat="${id}"]`).innerText();

// A busy 2-core machine: Chromium, the app and the fakes share it.
vi.setConfig({ testTimeout: 120_000 });

describe('operator', () => {
  it('signs in, creates a tenant, sets allowed origins, creates a key shown once', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    const errors = collectPageErrors(page);
    await signIn(page, OPERATOR);
    await page.getByRole('heading', { name: 'Platform' }).waitFor();

    await page.getByRole('navigation', { name: 'Operator' }).getByRole('link', { name: 'Tenants' }).click();
    await page.getByRole('table', { name: 'Tenants' }).waitFor();
    await page.getByLabel('Store name').fill('Boutique Nube');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await page.getByRole('heading', { name: /Boutique Nube/ }).waitFor();
    const tenantId = new URL(page.url()).pathname.split('/').pop()!;
    expect(tenantId).toMatch(/^ten_/);

    await page.getByLabel(/Allowed origins/).fill('https://nube.example\nhttps://www.nube.example');
    await page.getByLabel('Tier').selectOption('pro');
    await page.getByRole('button', { name: 'Save tenant' }).click();
    await page.getByText('Saved.').waitFor();
    const saved = (await t.app.inject({ method: 'GET', url: `/admin/v1/tenants/${tenantId}`, headers: t.operatorAuth })).json();
    expect(saved.allowed_origins).toEqual(['https://nube.example', 'https://www.nube.example']);
    expect(saved.tier).toBe('pro');

    // A publishable key: the whole key is shown once, in the dialog.
    const keyForm = page.getByRole('form', { name: 'New API key' });
    await keyForm.getByLabel('Name').fill('production widget');
    await keyForm.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.locator('[data-secret]').innerText()).trim();
    expect(secret).toMatch(/^pk_live_[1-9A-HJ-NP-Za-km-z]{32}$/);
    await screenshot(page, 'dashboard-key-created');
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    await page.getByRole('table', { name: 'API keys' }).getByText('production widget').waitFor();
    // The dialog's `close` event arrives as a task after the click: wait for the key to leave the page.
    await page.locator('[data-secret]').waitFor({ state: 'detached', timeout: 5000 });
    expect(await page.content()).not.toContain(secret); // gone once the dialog is closed
    // The key is real: the widget config answers it from an allowed origin.
    const cfg = await t.app.inject({ method: 'GET', url: '/v1/widget/config', headers: { ...bearer(secret), origin: 'https://nube.example' } });
    expect(cfg.statusCode, cfg.body).toBe(200);
    expect(cfg.json().tenant.id).toBe(tenantId);
    await screenshot(page, 'dashboard-operator-tenant');
    expect(errors).toEqual([]);
    await ctx.close();
  });
});

describe('store user', () => {
  it("sees only their own tenant; the overview's numbers equal the API's after real try-ons", async () => {
    // Try-ons through the API as the store's server would make them: two garments, one repeated (a cache hit).
    const make = async (garment: string, product: string) => {
      const res = await t.app.inject({ method: 'POST', url: '/v1/tryons', headers: bearer(t.tenantA.secretKey), payload: { person: dataUrl(ASTRONAUT), garments: [{ image: garment, category: 'tops', product_id: product }] } });
      expect(res.statusCode, res.body).toBe(202);
      const body = res.json();
      return body.status === 'succeeded' ? body : waitForTryon(t, body.id, { ms: 60_000 });
    };
    const red = dataUrl(await garmentPng());
    const green = dataUrl(await garmentPng('rgb(20,160,60)'));
    for (const [g, p] of [[red, 'red-shirt'], [green, 'green-shirt'], [green, 'green-shirt']] as const) expect((await make(g, p)).status).toBe('succeeded');
    // Three shopper sessions: the first opens the widget twice and goes all the way to the cart.
    for (const [session, types] of [
      ['dashboard-test-session-1', ['opened', 'opened', 'consented', 'uploaded', 'generated', 'added_to_cart']],
      ['dashboard-test-session-2', ['opened', 'consented']],
      ['dashboard-test-session-3', ['opened']],
    ] as const) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { ...bearer(t.tenantA.publishableKey), origin: t.tenantA.origin, 'probador-session': session },
        payload: { events: types.map((type) => (type === 'added_to_cart' ? { type, product_id: 'red-shirt' } : { type })) },
      });
      expect(res.statusCode, res.body).toBe(202);
    }

    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    const errors = collectPageErrors(page);
    await signIn(page, OWNER);
    expect(new URL(page.url()).pathname).toBe(`/dashboard/t/${t.tenantA.id}/overview`);
    await page.locator('[data-tenant-name]').filter({ hasText: /^Tenant A$/ }).waitFor(); // the name loads after the page
    expect(await page.getByRole('navigation', { name: 'Operator' }).count()).toBe(0);

    // Another tenant's address sends the user back to their own.
    await page.goto(`${base}/dashboard/t/${t.tenantB.id}/overview`);
    await page.waitForURL(`**/dashboard/t/${t.tenantA.id}/overview`);

    // The numbers: what the dashboard shows equals what the API reports (and what the try-on API lists).
    await page.getByRole('button', { name: 'Last 24h' }).click();
    await page.locator('[data-stat="tryons"]').waitFor();
    const api = (await t.app.inject({ method: 'GET', url: '/v1/analytics/tryons?period=24h', headers: bearer(t.tenantA.secretKey) })).json();
    const listed = (await t.app.inject({ method: 'GET', url: '/v1/tryons?limit=100', headers: bearer(t.tenantA.secretKey) })).json();
    expect(api.summary.tryons).toBe(listed.data.length);
    expect(api.summary.tryons).toBe(3);
    await expect(stat(page, 'tryons')).resolves.toBe(String(api.summary.tryons));
    await expect(stat(page, 'success_rate')).resolves.toBe(`${(api.summary.success_rate * 100).toFixed(1)}%`);
    await expect(stat(page, 'cache_hit_ratio')).resolves.toBe(`${(api.summary.cache_hit_ratio * 100).toFixed(1)}%`);
    await expect(stat(page, 'cost')).resolves.toBe(`$${api.summary.cost_usd.toFixed(api.summary.cost_usd !== 0 && api.summary.cost_usd < 1 ? 4 : 2)}`);
    await screenshot(page, 'dashboard-store-overview');

    // The funnel page against the funnel API.
    await page.getByRole('link', { name: 'Widget funnel' }).click();
    await page.getByRole('list', { name: 'Funnel' }).waitFor();
    const funnel = (await t.app.inject({ method: 'GET', url: '/v1/analytics/funnel?period=7d', headers: bearer(t.tenantA.secretKey) })).json();
    for (const s of funnel.steps) {
      await expect(page.locator(`[data-step="${s.type}"] [data-count]`).innerText()).resolves.toBe(String(s.sessions));
      await expect(page.locator(`[data-step="${s.type}"] [data-events]`).innerText()).resolves.toBe(`${s.events} ${s.events === 1 ? 'event' : 'events'}`);
    }
    expect(funnel.steps.map((s: { sessions: number; events: number }) => [s.sessions, s.events])).toEqual([
      [3, 4],
      [2, 2],
      [1, 1],
      [1, 1],
      [1, 1],
    ]);
    await expect(page.locator('[data-step="consented"] [data-conversion]').innerText()).resolves.toBe('66.7% of previous');
    await screenshot(page, 'dashboard-store-funnel');

    // Products tried most and the recent try-ons with their thumbnails.
    await page.getByRole('link', { name: 'Products' }).click();
    const products = page.getByRole('table', { name: 'Products' });
    await products.waitFor();
    await expect(products.locator('tbody tr').first().innerText()).resolves.toMatch(/^green-shirt\s+2\s/);
    await page.getByRole('link', { name: 'Try-ons' }).click();
    await page.getByRole('table', { name: 'Try-ons' }).waitFor();
    await expect(page.getByRole('table', { name: 'Try-ons' }).locator('tbody tr').count()).resolves.toBe(3);
    // Polled from here: waitForFunction re-evaluates its predicate with eval() inside the page, which
    // the dashboard's CSP (script-src 'self') refuses when the first check is not already true.
    const thumbsLoaded = () => page.locator('img.thumb').evaluateAll((imgs) => imgs.length > 0 && imgs.every((i) => (i as unknown as { complete: boolean }).complete && (i as unknown as { naturalWidth: number }).naturalWidth > 0));
    for (const end = Date.now() + 10_000; !(await thumbsLoaded()) && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
    expect(await thumbsLoaded()).toBe(true);
    await screenshot(page, 'dashboard-store-tryons');

    // The tenant user's API calls for another tenant are refused by the server too.
    const token = await page.evaluate<string>("sessionStorage.getItem('pb.access')");
    const other = await t.app.inject({ method: 'GET', url: `/admin/v1/tenants/${t.tenantB.id}`, headers: { authorization: `Bearer ${token}` } });
    expect(other.statusCode).toBe(404);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('redelivers a failed webhook delivery from the delivery log', async () => {
    rx.script('/orders-hook', { status: 500, body: 'boom' });
    const created = await t.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: bearer(t.tenantA.secretKey), payload: { url: rx.url('/orders-hook'), event_types: ['*'] } });
    expect(created.statusCode, created.body).toBe(201);
    const endpoint = created.json();
    const test = await t.app.inject({ method: 'POST', url: `/v1/webhook-endpoints/${endpoint.id}/test`, headers: bearer(t.tenantA.secretKey) });
    expect(test.statusCode, test.body).toBe(202);
    const deliveryId = test.json().id;
    const until = Date.now() + 20_000;
    while (rx.at('/orders-hook').length < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(rx.at('/orders-hook')).toHaveLength(1);

    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    const errors = collectPageErrors(page);
    await signIn(page, OWNER);
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('table', { name: 'Webhook endpoints' }).getByRole('link', { name: rx.url('/orders-hook') }).click();
    const row = page.getByRole('table', { name: 'Deliveries' }).locator('tr', { has: page.locator(`[data-redeliver="${deliveryId}"]`) });
    await row.waitFor();
    await expect(row.innerText()).resolves.toMatch(/500/);
    await screenshot(page, 'dashboard-store-webhooks');
    await page.locator(`[data-redeliver="${deliveryId}"]`).click();
    await page.getByRole('status').filter({ hasText: 'Redelivery' }).waitFor();

    // The receiver gets the same event again (same webhook-id), and this time answers 200.
    const end = Date.now() + 20_000;
    while (rx.at('/orders-hook').length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    const got = rx.at('/orders-hook');
    expect(got).toHaveLength(2);
    expect(got[1]!.headers['webhook-id']).toBe(got[0]!.headers['webhook-id']);
    const d = await t.app.inject({ method: 'GET', url: `/v1/webhook-endpoints/${endpoint.id}/deliveries/${deliveryId}`, headers: bearer(t.tenantA.secretKey) });
    const history = d.json().attempt_history as { trigger: string; status_code: number }[];
    expect(history.map((a) => a.status_code)).toEqual([500, 200]);
    expect(history[1]!.trigger).toBe('manual');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('widget settings: the preview follows the form, and saving reaches the widget config', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await signIn(page, OWNER);
    await page.getByRole('link', { name: 'Widget settings' }).click();
    const form = page.getByRole('form', { name: 'Widget settings' });
    await form.waitFor();
    await form.getByLabel('Language').selectOption('es');
    await form.getByLabel('Button colour', { exact: true }).fill('#e11d48');
    await form.getByLabel('Position').selectOption('bottom-left');
    await form.getByLabel('Photo pre-check').selectOption('strict');
    const launcher = page.locator('[data-preview-launcher]');
    await expect(launcher.innerText()).resolves.toBe('Pruébatelo');
    await expect(launcher.evaluate((el) => (globalThis as unknown as { getComputedStyle: (e: unknown) => { backgroundColor: string } }).getComputedStyle(el).backgroundColor)).resolves.toBe('rgb(225, 29, 72)');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/^Saved\./).waitFor();
    await screenshot(page, 'dashboard-store-widget');
    const cfg = (await t.app.inject({ method: 'GET', url: '/v1/widget/config', headers: { ...bearer(t.tenantA.publishableKey), origin: t.tenantA.origin } })).json();
    expect(cfg.widget).toMatchObject({ language: 'es', primary_color: '#e11d48', position: 'bottom-left' });
    const tenant = (await t.app.inject({ method: 'GET', url: `/admin/v1/tenants/${t.tenantA.id}`, headers: t.operatorAuth })).json();
    expect(tenant.settings.precheck).toEqual({ strictness: 'strict' });
    await ctx.close();
  });
});
