/**
 * The dashboard's Style page in Chromium against the real app: a store's analyses (written as the
 * analyser leaves them) and feedback given through the API; the signed-in owner sees the exact
 * figures for 30 days and for 24 hours — analyses, feedback, agreement, mean rating, seasons,
 * agreement per season and Monk level, the corrections — in English and, after switching with the
 * keyboard, in Spanish; the choice is remembered. CSV export. Screenshots:
 * test-output/screenshots/style-en.png and style-es.png (→ docs/dashboard/style.png).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { collectPageErrors, launchChromium, newContext, screenshot } from './chromium.js';
import { failedCalls, startCommerceApp, until, type CommerceApp } from './commerce-harness.js';
import { insertAnalysis } from '../style-feedback-helpers.js';

let c: CommerceApp;
let browser: Browser;
const OWNER = { email: 'owner@style-a.example', password: 'owner-password-1' };
const HOUR = 3600_000;
const DAY = 24 * HOUR;

beforeAll(async () => {
  c = await startCommerceApp(OWNER);
  const t = c.t;
  // Noon UTC today, so "an hour ago" is today and "3 days ago" is inside 7 and 30 days.
  const now = Math.floor(t.clock.now() / DAY) * DAY + 12 * HOUR;
  t.clock.set(now);
  const give = async (analysis: string, at: number, list: [number | null, 'yes' | 'no' | 'unsure', string | null][]) => {
    t.clock.set(at);
    for (const [rating, feels, corrected] of list) {
      await c.api('POST', `/v1/style/analyses/${analysis}/feedback`, { ...(rating ? { rating } : {}), feels_right: feels, ...(corrected ? { correction: { season: corrected } } : {}) }, 201);
    }
    t.clock.set(now);
  };
  // 30 days: 6 analyses (5 succeeded, 1 failed); 3 of them today.
  const sa = await insertAnalysis(t, { season: 'soft_autumn', monk: 6, at: now - 3 * DAY });
  const tw = await insertAnalysis(t, { season: 'true_winter', monk: 3, at: now - 10 * DAY });
  const ls = await insertAnalysis(t, { season: 'light_spring', monk: 2, at: now - HOUR, retake: true });
  await insertAnalysis(t, { season: 'soft_autumn', monk: 7, at: now - HOUR });
  await insertAnalysis(t, { season: 'deep_winter', monk: 9, at: now - 20 * DAY });
  await insertAnalysis(t, { status: 'failed', season: null, shape: null, at: now - HOUR });
  // Feedback: soft autumn 4 (yes 5, yes 4, no 2 → true autumn, no 3 → true autumn); true winter 1 (yes 5); light spring today 1 (no 2 → light summer).
  await give(sa, now - 3 * DAY + HOUR, [
    [5, 'yes', null],
    [4, 'yes', null],
    [2, 'no', 'true_autumn'],
    [3, 'no', 'true_autumn'],
  ]);
  await give(tw, now - 10 * DAY + HOUR, [[5, 'yes', null]]);
  await give(ls, now - HOUR, [[2, 'no', 'light_summer']]);
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await c?.t.close();
});

vi.setConfig({ testTimeout: 120_000 });

const stat = (page: Page, id: string) => page.locator(`[data-stat="${id}"]`).innerText();
const row = (page: Page, table: string, attr: string) => page.getByRole('table', { name: table }).locator('tr', { has: page.locator(`[${attr}]`) });

describe('style page', () => {
  it('shows the figures in English, switches to Spanish by keyboard, remembers it, and exports CSV', async () => {
    const ctx = await newContext(browser, { acceptDownloads: true, locale: 'en-US' });
    const page = await ctx.newPage();
    const errors = collectPageErrors(page);
    const failed = failedCalls(page);
    await c.signIn(page, OWNER);
    await page.getByRole('link', { name: 'Style', exact: true }).click();
    await page.getByRole('heading', { name: 'Style', exact: true }).waitFor();

    // The last 30 days (the default).
    await until(async () => (await stat(page, 'analyses')) === '6');
    expect(await stat(page, 'feedback')).toBe('6');
    expect(await stat(page, 'agreement')).toBe('50.0%');
    expect(await stat(page, 'mean_rating')).toBe('3.5');
    expect(await stat(page, 'corrected')).toBe('3');
    expect(await page.locator('figure.chart').count()).toBe(2);
    const seasons = page.getByRole('table', { name: 'Seasons of the analyses' });
    const seasonRow = (s: string) => seasons.locator('tr', { has: page.locator(`[data-season="${s}"]`) });
    expect(await seasonRow('soft_autumn').locator('[data-analyses]').innerText()).toBe('2');
    expect(await seasonRow('soft_autumn').locator('[data-share]').innerText()).toBe('40.0%');
    expect(await seasonRow('deep_winter').locator('[data-share]').innerText()).toBe('20.0%');
    expect(await seasons.locator('tbody tr').count()).toBe(12);
    const perSeason = row(page, 'Agreement per season', 'data-season="soft_autumn"');
    expect(await perSeason.locator('[data-feedback]').innerText()).toBe('4');
    expect(await perSeason.locator('[data-agreement]').innerText()).toBe('50.0%');
    expect(await perSeason.locator('[data-rating]').innerText()).toBe('3.5');
    expect(await perSeason.locator('[data-top-correction]').getAttribute('data-top-correction')).toBe('true_autumn');
    expect(await row(page, 'Per skin tone (Monk scale)', 'data-monk="3"').locator('[data-agreement]').innerText()).toBe('100.0%');
    // Every level with analyses (2, 3, 6, 7, 9), with feedback or not.
    expect(await page.getByRole('table', { name: 'Per skin tone (Monk scale)' }).locator('[data-monk]').evaluateAll((els) => els.map((e) => e.getAttribute('data-monk')))).toEqual(['2', '3', '6', '7', '9']);
    expect(await row(page, 'Per skin tone (Monk scale)', 'data-monk="7"').locator('[data-agreement]').innerText()).toBe('—');
    const confusion = page.getByRole('table', { name: 'Corrections: predicted → corrected' });
    expect(await confusion.locator('tbody tr').count()).toBe(2);
    expect(await confusion.locator('tbody tr').first().innerText()).toMatch(/Soft Autumn\s+True Autumn\s+2/);
    await screenshot(page, 'style-en');

    // CSV of the period's days.
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('style.csv');
    const lines = readFileSync(await file.path()).toString('utf8').trimEnd().split('\r\n');
    expect(lines[0]).toBe('t,analyses,succeeded,failed,retakes,feedback,feels_right,agreement');
    expect(lines).toHaveLength(1 + 30);
    expect(lines.slice(1).reduce((n, l) => n + Number(l.split(',')[1]), 0)).toBe(6);

    // The keyboard: from "English", Tab reaches "Español", Enter switches.
    await page.getByRole('button', { name: 'English' }).focus();
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').innerText()).toBe('Español');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Estilo', exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Español' }).getAttribute('aria-pressed')).toBe('true');
    expect(await stat(page, 'agreement')).toBe('50,0 %');
    expect(await page.locator('[data-lang="es"] .stat-label').first().innerText()).toBe('Análisis');
    const porEstacion = row(page, 'Acuerdo por estación', 'data-season="soft_autumn"');
    expect(await porEstacion.locator('[data-season="soft_autumn"]').first().innerText()).toBe('Otoño suave');
    expect(await porEstacion.locator('[data-rating]').innerText()).toBe('3,5');
    await page.getByRole('table', { name: 'Por tono de piel (escala Monk)' }).waitFor();

    // Last 24 hours, chosen with the keyboard: 3 analyses, 1 feedback (no).
    await page.getByRole('button', { name: 'Últimas 24 h' }).focus();
    await page.keyboard.press('Space');
    await until(async () => (await stat(page, 'analyses')) === '3');
    expect(await stat(page, 'feedback')).toBe('1');
    expect(await stat(page, 'agreement')).toBe('0,0 %');
    await page.getByRole('button', { name: 'Últimos 30 días' }).click();
    await until(async () => (await stat(page, 'analyses')) === '6');
    await screenshot(page, 'style-es');
    mkdirSync(join(process.cwd(), 'docs', 'dashboard'), { recursive: true });
    copyFileSync(join(process.cwd(), 'test-output', 'screenshots', 'style-en.png'), join(process.cwd(), 'docs', 'dashboard', 'style.png'));

    // Remembered on the next visit.
    await page.reload();
    await page.getByRole('heading', { name: 'Estilo', exact: true }).waitFor();

    expect(errors).toEqual([]);
    expect(failed).toEqual([]);
    await ctx.close();
  });
});
