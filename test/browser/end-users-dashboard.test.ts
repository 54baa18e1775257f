/**
 * The dashboard's End users page (a store owner) and Outbox page (operators) in Chromium against the
 * real app: end users signed up and signed in through the API are listed with their sign-up and
 * last sign-in, found by email, paged, and one is deleted with a confirm — by the keyboard — and is
 * gone from the API; Spanish by the switch. The operator reads a real password-reset mail in the
 * outbox: subject, recipient, time, the body with its reset link clickable; a store owner has no
 * Outbox; with SMTP the Outbox says nothing is kept. Screenshots: test-output/screenshots/end-users-en.png,
 * end-users-es.png, outbox.png, outbox-smtp.png (→ docs/dashboard/end-users.png, outbox.png).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { collectPageErrors, launchChromium, newContext, screenshot } from './chromium.js';
import { failedCalls, startCommerceApp, until, type CommerceApp } from './commerce-harness.js';
import { bearer, OPERATOR } from '../harness.js';
import { freshIp } from '../accounts-helpers.js';

let c: CommerceApp;
let browser: Browser;
const OWNER = { email: 'owner@people-a.example', password: 'owner-password-1' };
const PASSWORD = 'correct horse battery staple';
const RESET_PAGE = 'https://shop-a.example/reset-password';
type U = { id: string; email: string };
const users: Record<string, U> = {};

/** Sign up with the store's key, each from its own address (sign-ups are throttled per address). */
async function register(body: Record<string, unknown>): Promise<U> {
  const res = await c.t.app.inject({ method: 'POST', url: '/v1/auth/register', headers: bearer(c.t.tenantA.secretKey), payload: { password: PASSWORD, ...body }, remoteAddress: freshIp() });
  expect(res.statusCode, res.body).toBe(201);
  return (res.json() as { user: U }).user;
}

beforeAll(async () => {
  c = await startCommerceApp(OWNER);
  const t = c.t;
  // 23 people (more than a page of 20), one a minute; Ana and Bob named, Ana signs in later.
  for (let i = 0; i < 21; i++) {
    users[`s${i}`] = await register({ email: `shopper${String(i).padStart(2, '0')}@example.com` });
    t.clock.advance(60_000);
  }
  users.bob = await register({ email: 'bob@example.com', name: 'Bob Stone', language: 'en' });
  t.clock.advance(60_000);
  users.ana = await register({ email: 'ana@example.com', name: 'Ana Ruiz', language: 'es' });
  t.clock.advance(3_600_000);
  await c.api('POST', '/v1/auth/login', { email: 'ana@example.com', password: PASSWORD }, 200);
  // Ana forgets her password: the mail lands in the local outbox (no SMTP here).
  await c.api('POST', '/v1/auth/password-reset', { email: 'ana@example.com', reset_url: RESET_PAGE }, 202);
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await c?.t.close();
});

vi.setConfig({ testTimeout: 120_000 });

describe('end users page', () => {
  it('lists the store’s end users with real data, pages, finds by email, deletes with a confirm by keyboard, and speaks Spanish', async () => {
    const ctx = await newContext(browser, { locale: 'en-US' });
    const page = await ctx.newPage();
    const errors = collectPageErrors(page);
    const failed = failedCalls(page);
    await c.signIn(page, OWNER);
    // A store owner has no Outbox (operators only).
    expect(await page.getByRole('link', { name: 'Outbox' }).count()).toBe(0);
    await page.getByRole('link', { name: 'End users', exact: true }).click();
    await page.getByRole('heading', { name: 'End users', exact: true }).waitFor();
    const table = page.getByRole('table', { name: 'End users' });
    const emails = () => table.locator('[data-email]').allInnerTexts();
    await until(async () => (await emails()).length === 20);
    // Newest first: Ana, Bob, then the shoppers from the last.
    expect((await emails()).slice(0, 3)).toEqual(['ana@example.com', 'bob@example.com', 'shopper20@example.com']);
    const ana = table.locator('tr', { has: page.locator('[data-email]', { hasText: 'ana@example.com' }) });
    expect(await ana.innerText()).toContain('Ana Ruiz');
    expect(await ana.innerText()).toContain('Spanish');
    // Signed up (which signs in), then signed in again an hour later: both as the API has them.
    const apiAna = await c.api<{ created_at: string; last_login_at: string }>('GET', `/v1/end-users/${users.ana!.id}`, undefined, 200);
    const fmt = (iso: string) => `${new Date(iso).toLocaleString('en-GB', { timeZone: 'UTC', dateStyle: 'medium', timeStyle: 'short' })} UTC`;
    expect(Date.parse(apiAna.last_login_at) - Date.parse(apiAna.created_at)).toBe(3_600_000);
    expect(await ana.locator('[data-created]').innerText()).toBe(fmt(apiAna.created_at));
    expect(await ana.locator('[data-last-login]').innerText()).toBe(fmt(apiAna.last_login_at));

    // The next page: the three oldest.
    await page.getByRole('button', { name: 'Older ›' }).click();
    await until(async () => (await emails()).length === 3);
    expect(await emails()).toEqual(['shopper02@example.com', 'shopper01@example.com', 'shopper00@example.com']);
    expect(await page.getByRole('button', { name: 'Older ›' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: '‹ Newer' }).click();
    await until(async () => (await emails()).length === 20);

    // Find Bob by email, then delete him with the keyboard: Tab to his Delete button, Enter, accept the confirm.
    await page.getByLabel('Email').fill('BOB@example.com');
    await page.keyboard.press('Enter');
    await until(async () => JSON.stringify(await emails()) === JSON.stringify(['bob@example.com']));
    await screenshot(page, 'end-users-en');
    let asked = '';
    page.once('dialog', (d) => {
      asked = d.message();
      void d.accept();
    });
    const del = page.getByRole('button', { name: 'Delete bob@example.com' });
    await del.focus();
    expect(await page.locator(':focus').getAttribute('aria-label')).toBe('Delete bob@example.com');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'bob@example.com was deleted.' }).waitFor();
    expect(asked).toContain('Delete bob@example.com');
    await until(async () => (await emails()).length === 0);
    expect(await page.getByText('No end user with the email BOB@example.com.').count()).toBe(1);
    // Gone for the API too.
    await c.api('GET', `/v1/end-users/${users.bob!.id}`, undefined, 404);

    // A dismissed confirm deletes nothing.
    await page.getByRole('button', { name: 'Show all' }).click();
    await until(async () => (await emails()).length === 20);
    page.once('dialog', (d) => void d.dismiss());
    await page.getByRole('button', { name: 'Delete shopper20@example.com' }).click();
    await c.api('GET', `/v1/end-users/${users.s20!.id}`, undefined, 200);
    expect((await emails())[1]).toBe('shopper20@example.com');

    // Spanish, by the keyboard.
    await page.getByRole('button', { name: 'English' }).focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Usuarios finales', exact: true }).waitFor();
    const tabla = page.getByRole('table', { name: 'Usuarios finales' });
    const anaEs = tabla.locator('tr', { has: page.locator('[data-email]', { hasText: 'ana@example.com' }) });
    expect(await anaEs.innerText()).toContain('español');
    expect(await tabla.getByRole('button', { name: 'Borrar shopper20@example.com' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Más antiguos ›' }).isEnabled()).toBe(true);
    await screenshot(page, 'end-users-es');

    expect(errors).toEqual([]);
    expect(failed).toEqual([]);
    await ctx.close();
  });
});

describe('outbox page', () => {
  it('shows the operator the password-reset mail: subject, recipient, time, body with the link clickable', async () => {
    const ctx = await newContext(browser, { locale: 'en-US' });
    const page = await ctx.newPage();
    const errors = collectPageErrors(page);
    const failed = failedCalls(page);
    await c.signIn(page, OPERATOR);
    await page.getByRole('link', { name: 'Outbox' }).click();
    await page.getByRole('heading', { name: 'Outbox', exact: true }).waitFor();
    const mail = page.locator('article[data-mail]');
    await until(async () => (await mail.count()) === 1);
    // Ana's language: the Spanish mail.
    expect(await mail.getByRole('heading').innerText()).toBe('Restablece tu contraseña');
    expect(await mail.locator('[data-to]').innerText()).toBe('ana@example.com');
    expect(await mail.locator('time').innerText()).toMatch(/UTC$/);
    const link = mail.locator('[data-body] a');
    expect(await link.count()).toBe(1);
    const href = (await link.getAttribute('href'))!;
    expect(href.startsWith(`${RESET_PAGE}?token=`)).toBe(true);
    expect(await link.innerText()).toBe(href);
    expect(await link.getAttribute('rel')).toContain('noopener');
    expect(await mail.locator('[data-body]').innerText()).toContain('Vale una sola vez');
    // The link reaches by keyboard.
    await link.focus();
    expect(await page.locator(':focus').getAttribute('href')).toBe(href);
    // The token in the link is the real one: it sets a new password once.
    const token = new URL(href).searchParams.get('token')!;
    await c.api('POST', '/v1/auth/password-reset/confirm', { token, new_password: 'another long passphrase' }, 204);
    await screenshot(page, 'outbox');
    const shots = join(process.cwd(), 'test-output', 'screenshots');
    mkdirSync(join(process.cwd(), 'docs', 'dashboard'), { recursive: true });
    copyFileSync(join(shots, 'end-users-en.png'), join(process.cwd(), 'docs', 'dashboard', 'end-users.png'));
    copyFileSync(join(shots, 'outbox.png'), join(process.cwd(), 'docs', 'dashboard', 'outbox.png'));
    expect(errors).toEqual([]);
    expect(failed).toEqual([]);
    await ctx.close();
  });
});

describe('outbox page with SMTP', () => {
  it('says mail goes out through SMTP and nothing is kept here, in English and Spanish', async () => {
    // An SMTP driver (nothing listens there: no mail is sent in this test), its own app.
    const smtp = await startCommerceApp({ email: 'owner@smtp.example', password: 'owner-password-1' }, { SMTP_URL: 'smtp://127.0.0.1:9', MAIL_FROM: 'shop@example.com' });
    try {
      const ctx = await newContext(browser, { locale: 'es-ES' });
      const page = await ctx.newPage();
      const errors = collectPageErrors(page);
      await smtp.signIn(page, OPERATOR);
      await page.getByRole('link', { name: 'Outbox' }).click();
      // The browser's language: Spanish.
      await page.getByRole('heading', { name: 'Bandeja de salida', exact: true }).waitFor();
      const note = page.locator('[data-driver="smtp"]');
      await note.waitFor();
      expect(await note.innerText()).toContain('servidor SMTP');
      expect(await page.locator('article[data-mail]').count()).toBe(0);
      await page.getByRole('button', { name: 'English' }).press('Enter');
      await page.getByRole('heading', { name: 'Outbox', exact: true }).waitFor();
      expect(await note.innerText()).toContain('SMTP server (SMTP_URL is set), so nothing is kept here');
      await screenshot(page, 'outbox-smtp');
      expect(errors).toEqual([]);
      await ctx.close();
    } finally {
      await smtp.t.close();
    }
  });
});
