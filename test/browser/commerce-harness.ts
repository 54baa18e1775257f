/**
 * The commerce dashboard test's app and helpers: the dashboard bundle rebuilt when its sources
 * changed, the real app on a real port with a store owner, API calls with tenant A's secret key, signing in, and
 * polling from outside the page (the dashboard's CSP refuses waitForFunction's eval).
 */
import { expect } from 'vitest';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'vite';
import type { Page } from 'playwright-core';
import { bearer, createTestApp } from '../harness.js';
import { hashInputs, staleParts, withBuildLock, writeStamp } from '../../scripts/build-if-stale.mjs';
import { DASHBOARD_DIR, ensureDashboardBuilt } from './dashboard-build.js';

/** The dashboard's bundle, rebuilt when its sources changed since it was built. */
export async function freshDashboard() {
  await ensureDashboardBuilt();
  const root = process.cwd();
  if (!staleParts(root).dashboard) return;
  await withBuildLock(root, async () => {
    if (!staleParts(root).dashboard) return;
    const inputs = hashInputs(root, 'dashboard');
    await build({ configFile: join(DASHBOARD_DIR, 'vite.config.mjs'), logLevel: 'error' });
    writeStamp(root, ['dashboard'], { dashboard: inputs });
  });
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export async function startCommerceApp(owner: { email: string; password: string }, env: Record<string, string> = {}) {
  await freshDashboard();
  const t = await createTestApp({ env });
  await t.modules.tenants.tenants.updateTenant(t.tenantA.id, { tier: 'enterprise' });
  await t.modules.tenants.users.createUser({ ...owner, role: 'owner', tenantId: t.tenantA.id });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;

  /** Tenant A's API with its secret key; checks the status when given. */
  async function api<T = Record<string, unknown>>(method: Method, url: string, payload?: unknown, status?: number): Promise<T> {
    const res = await t.app.inject({ method, url, headers: bearer(t.tenantA.secretKey), ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
    if (status !== undefined) expect(res.statusCode, res.body).toBe(status);
    return (res.body ? res.json() : undefined) as T;
  }

  async function signIn(page: Page, who: { email: string; password: string }) {
    page.setDefaultTimeout(20_000);
    await page.goto(`${base}/dashboard/`);
    // By the fields themselves, not their labels: the sign-in page speaks the browser's language.
    await page.locator('form input[name="email"][autocomplete="username"]').fill(who.email);
    await page.locator('form input[name="password"]').fill(who.password);
    await page.locator('form button[type="submit"]').click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  return { t, base, api, signIn };
}

export type CommerceApp = Awaited<ReturnType<typeof startCommerceApp>>;

/** Failed API answers the page got (`422 POST /v1/bots/bot_x/connections`), to tell expected refusals from errors. */
export function failedCalls(page: Page): string[] {
  const out: string[] = [];
  page.on('response', (r) => {
    if (r.status() >= 400) out.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname.replace(/(bot|con|cnv|ord|sel)_[0-9A-Za-z]+/g, '$1_x')}`);
  });
  return out;
}

/** Polls `check` from outside the page. */
export async function until(check: () => Promise<boolean>, ms = 15_000) {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(await check()).toBe(true);
}
