/**
 * "Does this colour suit me" in the widget, in Debian's Chromium, on the real app with the face
 * models on (a real colour analysis of the portrait): opt-in → analysis of the same upload → the
 * try-on with `style` → a badge with the verdict in English and in Spanish; without the opt-in no
 * analysis is asked for; a photo that asks for a retake says so and shows no badge; "Delete my
 * photo" erases the analysis on the server too.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Request } from 'playwright-core';
import { bearer } from '../harness.js';
import { collectPageErrors, newContext } from './chromium.js';
import { ASTRONAUT, ASTRONAUT_PATH, onElement, startWidgetEnv, shot, type WidgetEnv } from './widget-harness.js';

let env: WidgetEnv;
let secret: string;
beforeAll(async () => {
  env = await startWidgetEnv({ env: { PROBADOR_PERCEPTION_THREADS: '1' } });
  expect((await env.t.modules.perception.warm()).models).toBe('ready');
  const demo = (await env.t.modules.tenants.tenants.listTenants({ limit: 100 })).data.find((x) => x.name === 'Demo Store')!;
  secret = (await env.t.modules.tenants.tenants.createKey(demo.id, { kind: 'secret', environment: 'test', name: 'test' })).key;
}, 180_000);
afterAll(async () => env?.close());

const WORDS = {
  en: { dialog: 'Virtual try-on', start: 'Get started', agree: /I agree that my photo is processed/, choose: 'Choose a photo', pick: 'What to try on', opt: 'Show whether this colour suits me', go: 'Try it on', result: 'Your try-on', season: 'Your colour season: ', delete: 'Delete my photo', verdicts: { flatters: 'Suits you', neutral: 'Neutral for you', avoid: 'Not your best colour' } },
  es: { dialog: 'Probador virtual', start: 'Empezar', agree: /Acepto que mi foto se procese/, choose: 'Elegir una foto', pick: 'Qué quieres probarte', opt: 'Mostrar si este color me favorece', go: 'Probármelo', result: 'Tu prueba', season: 'Tu estación de color: ', delete: 'Borrar mi foto', verdicts: { flatters: 'Te favorece', neutral: 'Neutro para ti', avoid: 'No es tu mejor color' } },
} as const;
type Lang = keyof typeof WORDS;

type Match = { color: string; verdict: 'flatters' | 'neutral' | 'avoid'; season_name: { en: string; es: string }; nearest: { name: { en: string; es: string } } };
/** What the page sent to and got from the style and try-on endpoints. */
function recordApi(page: Page) {
  const rec = { analyses: [] as { method: string; url: string; body: unknown; headers: Record<string, string> }[], tryonBodies: [] as { style?: { analysis_id: string } }[], tryons: [] as { garments: { color_match?: Match | null }[] }[], deletes: [] as { url: string; status: number }[] };
  page.on('request', (r: Request) => {
    if (r.url().includes('/v1/style/analyses')) rec.analyses.push({ method: r.method(), url: r.url(), body: r.postData() ? JSON.parse(r.postData()!) : null, headers: r.headers() });
    if (r.url().endsWith('/v1/tryons') && r.method() === 'POST') rec.tryonBodies.push(JSON.parse(r.postData() ?? '{}'));
  });
  page.on('response', async (r) => {
    if (r.url().endsWith('/v1/tryons') && r.request().method() === 'POST' && r.status() === 202) rec.tryons.push(await r.json());
    if (r.url().includes('/v1/style/analyses/') && r.request().method() === 'DELETE') rec.deletes.push({ url: r.url(), status: r.status() });
  });
  return rec;
}

/** Opens the product page, goes through onboarding and consent, and gives the photo; returns at the garment picker. */
async function toPicker(page: Page, lang: Lang, product: string, photo: string | { name: string; mimeType: string; buffer: Buffer }) {
  const w = WORDS[lang];
  await page.goto(`${env.base}/demo/${product}${lang === 'es' ? '?lang=es' : ''}`);
  await page.locator('[data-probador-widget][data-state=ready]').waitFor({ state: 'attached', timeout: 15_000 });
  await page.locator('.actions [data-probador-button] button').click();
  const dialog = page.getByRole('dialog', { name: w.dialog });
  await dialog.getByRole('button', { name: w.start }).click();
  await dialog.getByRole('checkbox', { name: w.agree }).check();
  const chooser = page.waitForEvent('filechooser');
  await dialog.getByRole('button', { name: w.choose }).click();
  await (await chooser).setFiles(photo);
  await dialog.getByRole('heading', { name: w.pick, exact: true }).waitFor({ state: 'visible', timeout: 20_000 });
  return dialog;
}

const sentence = (s: string) => s.charAt(0) + s.slice(1).toLowerCase();

async function optInRun(lang: Lang, product: string, screenshot: string) {
  const w = WORDS[lang];
  const ctx = await newContext(env.browser);
  const page = await ctx.newPage();
  const errors = collectPageErrors(page);
  // Failed requests by address (the console's own line does not name it; the browser asks for /favicon.ico on its own).
  page.on('response', (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && errors.push(`${r.status()} ${r.url()}`));
  const api = recordApi(page);
  const dialog = await toPicker(page, lang, product, ASTRONAUT_PATH);
  // Offered, stated plainly, and off until chosen: nothing analysed yet.
  const opt = dialog.getByRole('checkbox', { name: w.opt });
  expect(await opt.isChecked()).toBe(false);
  expect(api.analyses).toEqual([]);
  await opt.check();
  const status = dialog.locator('#pb-style-status');
  await expect.poll(() => status.textContent(), { timeout: 20_000 }).toContain(w.season);
  // The same upload, colour only, with the publishable key and the widget session.
  const [create] = api.analyses;
  expect(create).toMatchObject({ method: 'POST', body: { image: expect.stringMatching(/^upl_/), kinds: ['color'] } });
  expect(create!.headers['authorization']).toMatch(/^Bearer pk_test_/);
  expect(create!.headers['probador-session']).toMatch(/^[A-Za-z0-9_-]{16,128}$/);
  const kept = JSON.parse((await page.evaluate(`sessionStorage.getItem('probador:style')`)) as string) as { analysisId: string; uploadId: string };
  expect(kept.uploadId).toBe((create!.body as { image: string }).image);
  const analysis = (await env.t.app.inject({ method: 'GET', url: `/v1/style/analyses/${kept.analysisId}`, headers: bearer(secret) })).json();
  expect(await status.textContent()).toBe(`${w.season}${sentence(analysis.color.palette.name[lang])}`);
  await shot(page, `${screenshot}-opted-in`);

  await dialog.getByRole('button', { name: w.go, exact: true }).click();
  await dialog.getByRole('heading', { name: w.result, exact: true }).waitFor({ state: 'visible', timeout: 30_000 });
  expect(api.tryonBodies.at(-1)!.style).toEqual({ analysis_id: kept.analysisId });
  const match = api.tryons.at(-1)!.garments[0]!.color_match!;
  expect(match.season_name).toEqual(analysis.color.palette.name);
  // The badge: the verdict in words, the season, the nearest palette colour named in the reason.
  const badge = dialog.getByRole('group', { name: lang === 'en' ? 'Colour advice' : 'Consejo de color' });
  await badge.waitFor({ state: 'visible' });
  const text = (await badge.textContent())!;
  expect(text).toContain(`${w.verdicts[match.verdict]} · ${sentence(match.season_name[lang])}`);
  for (const other of Object.values(w.verdicts).filter((v) => v !== w.verdicts[match.verdict])) expect(text).not.toContain(other);
  expect(text.toLowerCase()).toContain(match.nearest.name[lang].toLowerCase());
  expect(await badge.locator('.fit').getAttribute('data-verdict')).toBe(match.verdict);
  // The swatches are painted through CSSOM (no inline style attribute in markup: CSP).
  const swatch = await onElement<string>(badge.locator('.sw').first(), 'return getComputedStyle(el).backgroundColor');
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(match.color.slice(i, i + 2), 16));
  expect(swatch).toBe(`rgb(${r}, ${g}, ${b})`);
  expect(await badge.locator('.sw').nth(1).getAttribute('title')).toBe(`${lang === 'en' ? 'Nearest in your palette' : 'El más cercano de tu paleta'}: ${match.nearest.name[lang]}`);
  await shot(page, screenshot);
  expect(errors.filter((e) => !e.startsWith('console: Failed to load resource'))).toEqual([]);
  return { page, ctx, dialog, api, kept, match };
}

describe('widget: does this colour suit me', () => {
  it('English: opt-in, a colour analysis of the same photo, the try-on with style, the badge; "Delete my photo" erases the analysis', async () => {
    // Its screenshot (test-output/screenshots/widget-style-badge-en.png) is docs/widget/widget-style-badge.png.
    const { ctx, dialog, api, kept } = await optInRun('en', 'striped-tee', 'widget-style-badge-en');

    await dialog.getByRole('button', { name: 'Delete my photo' }).click();
    await dialog.getByText('Your photo and its results were deleted.').waitFor({ state: 'visible' });
    expect(api.deletes).toEqual([{ url: `${env.base}/v1/style/analyses/${kept.analysisId}`, status: 204 }]);
    expect((await env.t.app.inject({ method: 'GET', url: `/v1/style/analyses/${kept.analysisId}`, headers: bearer(secret) })).statusCode).toBe(404);
    expect(await dialog.page().evaluate(`sessionStorage.getItem('probador:style')`)).toBeNull();
    await ctx.close();
  }, 120_000);

  it('Spanish: the same flow, the verdict and season in Spanish', async () => {
    const { ctx } = await optInRun('es', 'summer-dress', 'widget-style-badge-es');
    await ctx.close();
  }, 120_000);

  it('without the opt-in no analysis is asked for and no badge is shown', async () => {
    const ctx = await newContext(env.browser);
    const page = await ctx.newPage();
    const api = recordApi(page);
    const dialog = await toPicker(page, 'en', 'striped-tee', ASTRONAUT_PATH);
    await dialog.getByRole('button', { name: 'Try it on', exact: true }).click();
    await dialog.getByRole('heading', { name: 'Your try-on', exact: true }).waitFor({ state: 'visible', timeout: 30_000 });
    expect(api.analyses).toEqual([]);
    expect(api.tryonBodies).toHaveLength(1);
    expect(api.tryonBodies[0]).not.toHaveProperty('style');
    expect(await dialog.locator('.fit').count()).toBe(0);
    await ctx.close();
  }, 120_000);

  it('a photo that asks for a retake: said briefly, and the try-on goes on without a badge', async () => {
    const dark = await sharp(ASTRONAUT).modulate({ brightness: 0.25 }).jpeg({ quality: 90 }).toBuffer();
    const ctx = await newContext(env.browser);
    const page = await ctx.newPage();
    const api = recordApi(page);
    const dialog = await toPicker(page, 'en', 'wool-jacket', { name: 'dark.jpg', mimeType: 'image/jpeg', buffer: dark });
    await dialog.getByRole('checkbox', { name: 'Show whether this colour suits me' }).check();
    const status = dialog.locator('#pb-style-status');
    await expect.poll(() => status.textContent(), { timeout: 20_000 }).toContain('We could not read your colours in this photo.');
    expect(await status.textContent()).toContain('The photo is too dark to read your colours.');
    await shot(page, 'widget-style-retake');
    await dialog.getByRole('button', { name: 'Try it on', exact: true }).click();
    await dialog.getByRole('heading', { name: 'Your try-on', exact: true }).waitFor({ state: 'visible', timeout: 30_000 });
    expect(api.analyses.filter((a) => a.method === 'POST')).toHaveLength(1);
    expect(api.tryonBodies[0]).not.toHaveProperty('style');
    expect(await dialog.locator('.fit').count()).toBe(0);
    // The retake analysis is still the shopper's data: deleting the photo erases it too.
    await dialog.getByRole('button', { name: 'Delete my photo' }).click();
    await dialog.getByText('Your photo and its results were deleted.').waitFor({ state: 'visible' });
    expect(api.deletes.map((d) => d.status)).toEqual([204]);
    await ctx.close();
  }, 120_000);
});
