/**
 * The dashboard's "Sign in with …" button in Chromium, through a REAL OpenID Provider's own login
 * and consent pages (oidc-provider's development interactions, test/fakes/oidc-idp.ts) and back into
 * the dashboard, signed in; a refused sign-in comes back to the sign-in page with the reason (English
 * and Spanish). Screenshots: test-output/screenshots/sso-*.png.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createServer } from 'node:net';
import type { Browser } from 'playwright-core';
import { createTestApp, type TestApp } from '../harness.js';
import { startIdp, type FakeIdp } from '../fakes/oidc-idp.js';
import { launchChromium, newContext, screenshot } from './chromium.js';
import { ensureDashboardBuilt } from './dashboard-build.js';

let t: TestApp;
let idp: FakeIdp;
let browser: Browser;
let base: string;

/** A free port, so the provider knows our redirect URI before the app listens. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  await ensureDashboardBuilt();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  idp = await startIdp({
    redirectUris: [`${base}/admin/v1/auth/oidc/test-idp/callback`],
    accounts: { owner: { email: 'owner@shop-a.example', email_verified: true }, stranger: { email: 'stranger@nowhere.example', email_verified: true } },
  });
  t = await createTestApp({ env: { PORT: String(port), PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS: idp.host } });
  // An invited owner: no password, single sign-on only.
  await t.modules.tenants.users.createUser({ email: 'owner@shop-a.example', role: 'owner', tenantId: t.tenantA.id });
  const res = await t.app.inject({ method: 'POST', url: '/admin/v1/sso/providers', headers: t.operatorAuth, payload: { slug: 'test-idp', name: 'Test IdP', issuer: idp.issuer, client_id: idp.clientId, client_secret: idp.clientSecret } });
  expect(res.statusCode, res.body).toBe(201);
  await t.app.listen({ port, host: '127.0.0.1' });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
  await idp?.close();
});

vi.setConfig({ testTimeout: 120_000 });

describe('Sign in with a provider', () => {
  it('the button goes through the provider’s login and consent pages into the dashboard, signed in', async () => {
    const ctx = await newContext(browser, { locale: 'en-US' });
    const page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    // The dashboard's own errors (the provider's development pages ask for a web font and a favicon this sandbox cannot load).
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && m.location().url.startsWith(base)) errors.push(`console: ${m.text()} at ${m.location().url}`);
    });
    await page.goto(`${base}/dashboard/`);
    const button = page.getByRole('link', { name: 'Sign in with Test IdP' });
    await button.waitFor();
    await screenshot(page, 'sso-login-page');
    await button.click();
    // The provider's own pages.
    await page.waitForURL((u) => u.origin === idp.issuer);
    await page.locator('input[name="login"]').fill('owner');
    await page.locator('input[name="password"]').fill('any password');
    await screenshot(page, 'sso-provider-login');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    // Back in the dashboard, signed in as the invited owner, on their store.
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/dashboard/t/${t.tenantA.id}/overview`);
    expect(page.url()).not.toContain('sso_code');
    await expect(page.locator('.who').innerText()).resolves.toContain('owner@shop-a.example');
    await screenshot(page, 'sso-signed-in');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('a refused sign-in comes back to the sign-in page with the reason, in Spanish for a Spanish browser', async () => {
    const ctx = await newContext(browser, { locale: 'es-ES' });
    const page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${base}/dashboard/`);
    await page.getByRole('link', { name: 'Iniciar sesión con Test IdP' }).click();
    await page.waitForURL((u) => u.origin === idp.issuer);
    await page.locator('input[name="login"]').fill('stranger');
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    const alert = page.locator('[data-sso-error="SSO_USER_UNKNOWN"]');
    await alert.waitFor();
    await expect(alert.innerText()).resolves.toContain('Ninguna cuenta ni invitación tiene este correo');
    expect(new URL(page.url()).hash).toBe('');
    await screenshot(page, 'sso-refused-es');
    await ctx.close();
  });
});
