/**
 * "Find my colours" in the widget, in Debian's Chromium, on the real app with the face models on:
 * the demo store's style page → the quiz answered with the keyboard → the season, its palette
 * swatches and metals; the products on the page badged with their verdicts (the same as the API's
 * colour matches), kept across a reload; a try-on then carries the colours without an opt-in.
 * In Spanish, a selfie → season and face shape with tips; "forget" erases the analysis and the
 * badges. A selfie that cannot be read says why and offers another selfie or the quiz. A signed-in
 * shopper (the package's `userToken`, on the example shop): the selfie analysis is theirs and their
 * palette; "forget" removes both from the account.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { bearer } from '../harness.js';
import { PASSWORD, freshEmail } from '../accounts-helpers.js';
import { startShop } from '../../examples/widget-shop/server.mjs';
import { collectPageErrors, newContext } from './chromium.js';
import { ASTRONAUT, ASTRONAUT_PATH, deepFocus, onElement, shot, startWidgetEnv, type WidgetEnv } from './widget-harness.js';

let env: WidgetEnv;
let secret: string;
let demoId: string;
const DEMO_IDS = ['demo-linen-shirt', 'demo-striped-tee', 'demo-wool-jacket', 'demo-denim-trousers', 'demo-summer-dress'];
type Named = { name: { en: string; es: string }; hex: string };
type Colour = { season12: { season: string }; palette: { season: string; name: { en: string; es: string }; best: Named[]; neutrals: Named[]; avoid: Named[]; metals: string[] } };
type Matches = { data: { product_id: string; verdict: string }[]; skipped: { product_id: string; reason: string }[] };

const matchesFor = async (analysisId: string) =>
  (await env.t.app.inject({ method: 'POST', url: '/v1/style/color-matches', headers: bearer(secret), payload: { analysis_id: analysisId, product_ids: DEMO_IDS } })).json() as Matches;

beforeAll(async () => {
  env = await startWidgetEnv({ env: { PROBADOR_PERCEPTION_THREADS: '1' } });
  expect((await env.t.modules.perception.warm()).models).toBe('ready');
  const demo = (await env.t.modules.tenants.tenants.listTenants({ limit: 100 })).data.find((x) => x.name === 'Demo Store')!;
  demoId = demo.id;
  secret = (await env.t.modules.tenants.tenants.createKey(demo.id, { kind: 'secret', environment: 'test', name: 'test' })).key;
  // The demo products' garment colours are read when they are saved: wait until all are.
  for (let i = 0; ; i++) {
    const m = (await env.t.app.inject({ method: 'POST', url: '/v1/style/color-matches', headers: bearer(secret), payload: { season: 'soft_autumn', product_ids: DEMO_IDS } })).json() as Matches;
    if (!m.skipped.some((s) => s.reason === 'color_pending')) break;
    if (i > 100) throw new Error('demo product colours still pending');
    await new Promise((r) => setTimeout(r, 200));
  }
}, 180_000);
afterAll(async () => env?.close());

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
const kept = (page: Page) => page.evaluate(`localStorage.getItem('probador:colours')`) as Promise<string | null>;
/** The verdict each product card carries (`data-probador-verdict`) and its badge's words, by product id. */
const cardVerdicts = (page: Page) =>
  page.evaluate(`[...document.querySelectorAll('.card-try[data-product-id]')].map((el) => {
    const badge = el.querySelector('[data-probador-button]')?.shadowRoot?.querySelector('.vb');
    return [el.getAttribute('data-product-id'), el.getAttribute('data-probador-verdict'), badge && !badge.hidden ? badge.textContent : null];
  })`) as Promise<[string, string | null, string | null][]>;
const swatchColour = (loc: Locator) => onElement<string>(loc, 'return getComputedStyle(el).backgroundColor');
const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
const VERDICT_WORDS = { en: { flatters: 'Suits you', neutral: 'Neutral for you', avoid: 'Not your best colour' }, es: { flatters: 'Te favorece', neutral: 'Neutro para ti', avoid: 'No es tu mejor color' } } as const;

async function openFinder(page: Page, lang: 'en' | 'es') {
  await page.goto(`${env.base}/demo/style${lang === 'es' ? '?lang=es' : ''}`);
  await page.locator('[data-probador-widget][data-state=ready]').waitFor({ state: 'attached', timeout: 15_000 });
  await page.getByRole('button', { name: lang === 'en' ? 'Find my colours' : 'Descubre tus colores' }).click();
  return page.getByRole('dialog', { name: lang === 'en' ? 'Your colours' : 'Tus colores' });
}

describe('widget: find my colours', () => {
  it('English: the quiz with the keyboard → season, palette and metals; product badges as the API judges them, kept across a reload; a try-on then carries the colours', async () => {
    const ctx = await newContext(env.browser);
    const page = await ctx.newPage();
    const errors = collectPageErrors(page);
    page.on('response', (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && errors.push(`${r.status()} ${r.url()}`));
    const results: { id: string; color: Colour }[] = [];
    page.on('response', async (r) => r.url().endsWith('/v1/style/quiz-results') && r.status() === 201 && results.push(await r.json()));
    const tryons: { style?: { analysis_id: string } }[] = [];
    page.on('request', (r) => r.url().endsWith('/v1/tryons') && r.method() === 'POST' && tryons.push(JSON.parse(r.postData() ?? '{}')));

    const dialog = await openFinder(page, 'en');
    await dialog.getByRole('heading', { name: 'Find your colours' }).waitFor({ state: 'visible' });
    await shot(page, 'widget-colours-start-en');
    await dialog.getByRole('button', { name: 'Answer questions' }).click();
    const quiz = (await env.t.app.inject({ method: 'GET', url: '/v1/style/quiz', headers: bearer(secret) })).json() as { questions: { id: string }[] };
    // Keyboard only: the first option has the focus; Space picks it, or ArrowDown moves to the next and picks it; Tab reaches "Next".
    for (let i = 0; i < quiz.questions.length; i++) {
      await dialog.getByRole('heading', { name: `Question ${i + 1} of ${quiz.questions.length}` }).waitFor({ state: 'visible' });
      expect(await deepFocus(page)).toMatch(/^input:.*@dialog$/);
      await page.keyboard.press(i % 2 ? 'ArrowDown' : 'Space');
      if (i === 0) await shot(page, 'widget-colours-quiz-en');
      await page.keyboard.press('Tab');
      expect(await deepFocus(page)).toBe(`button:${i === quiz.questions.length - 1 ? 'See my colours' : 'Next'}@dialog`);
      await page.keyboard.press('Enter');
    }
    await expect.poll(() => results.length, { timeout: 15_000 }).toBe(1);
    const r = results[0]!;
    const p = r.color.palette;
    await dialog.getByRole('heading', { name: `You are a ${cap(p.name.en)}` }).waitFor({ state: 'visible' });
    // The palette: every best colour as a swatch with its name, painted through CSSOM.
    const best = dialog.getByRole('list', { name: 'Your best colours' }).getByRole('listitem');
    expect(await best.count()).toBe(p.best.length);
    expect(await best.first().textContent()).toBe(p.best[0]!.name.en);
    expect(await swatchColour(best.first().locator('.sw'))).toBe(rgb(p.best[0]!.hex));
    expect(await dialog.getByRole('list', { name: 'Colours to avoid near your face' }).getByRole('listitem').count()).toBe(p.avoid.length);
    if (p.metals.length) await dialog.getByText(/^Metals:/).waitFor({ state: 'visible' });
    expect(JSON.parse((await kept(page))!)).toMatchObject({ id: r.id, source: 'quiz' });
    await shot(page, 'widget-colours-result-en');

    // Closed: the page's products carry the verdicts the API gives for these colours.
    await page.keyboard.press('Escape');
    const expected = await matchesFor(r.id);
    expect(expected.data.length).toBe(DEMO_IDS.length);
    const want = DEMO_IDS.map((id) => { const v = expected.data.find((m) => m.product_id === id)!.verdict as 'flatters'; return [id, v, VERDICT_WORDS.en[v]]; });
    await expect.poll(() => cardVerdicts(page)).toEqual(want);
    await shot(page, 'widget-colours-badges-en', true);
    await page.reload();
    await page.locator('[data-probador-widget][data-state=ready]').waitFor({ state: 'attached', timeout: 15_000 });
    await expect.poll(() => cardVerdicts(page)).toEqual(want);

    // A try-on now carries the colours: no opt-in offered, the result has the badge.
    await page.goto(`${env.base}/demo/striped-tee`);
    await page.locator('.actions [data-probador-button] button').click();
    const tryDialog = page.getByRole('dialog', { name: 'Virtual try-on' });
    await tryDialog.getByRole('button', { name: 'Get started' }).click();
    await tryDialog.getByRole('checkbox', { name: /I agree that my photo is processed/ }).check();
    const chooser = page.waitForEvent('filechooser');
    await tryDialog.getByRole('button', { name: 'Choose a photo' }).click();
    await (await chooser).setFiles(ASTRONAUT_PATH);
    await tryDialog.getByText(`Your colours (${cap(p.name.en)}) will show whether this garment suits you.`).waitFor({ state: 'visible', timeout: 20_000 });
    expect(await tryDialog.getByRole('checkbox', { name: 'Show whether this colour suits me' }).count()).toBe(0);
    await tryDialog.getByRole('button', { name: 'Try it on', exact: true }).click();
    await tryDialog.getByRole('heading', { name: 'Your try-on', exact: true }).waitFor({ state: 'visible', timeout: 30_000 });
    expect(tryons.at(-1)!.style).toEqual({ analysis_id: r.id });
    await tryDialog.getByRole('group', { name: 'Colour advice' }).waitFor({ state: 'visible' });
    expect(errors.filter((e) => !e.startsWith('console: Failed to load resource'))).toEqual([]);
    await ctx.close();
  }, 180_000);

  it('Spanish: a selfie → season and face shape with tips; "forget" erases the analysis on the server and the badges', async () => {
    const ctx = await newContext(env.browser);
    const page = await ctx.newPage();
    const posts: { kinds: string[] }[] = [];
    const deletes: { url: string; status: number }[] = [];
    page.on('request', (r) => r.url().endsWith('/v1/style/analyses') && r.method() === 'POST' && posts.push(JSON.parse(r.postData() ?? '{}')));
    page.on('response', (r) => r.url().includes('/v1/style/analyses/') && r.request().method() === 'DELETE' && deletes.push({ url: r.url(), status: r.status() }));
    const dialog = await openFinder(page, 'es');
    await dialog.getByRole('button', { name: 'Usar un selfie' }).click();
    const choose = dialog.getByRole('button', { name: 'Elegir una foto' });
    expect(await choose.isDisabled()).toBe(true);
    await dialog.getByRole('checkbox', { name: 'Acepto que se analice mi selfie para conocer mis colores' }).check();
    const chooser = page.waitForEvent('filechooser');
    await choose.click();
    await (await chooser).setFiles(ASTRONAUT_PATH);
    await dialog.getByRole('heading', { name: /^Eres / }).waitFor({ state: 'visible', timeout: 30_000 });
    expect(posts).toEqual([expect.objectContaining({ kinds: ['face', 'color'] })]);
    const rec = JSON.parse((await kept(page))!) as { id: string; source: string };
    expect(rec).toMatchObject({ id: expect.stringMatching(/^sta_/), source: 'selfie' });
    const analysis = (await env.t.app.inject({ method: 'GET', url: `/v1/style/analyses/${rec.id}`, headers: bearer(secret) })).json() as { color: Colour; face: { shape: string; advice: { necklines: { es: string }[] } } };
    expect(await dialog.getByRole('heading', { level: 3 }).textContent()).toBe(`Eres ${cap(analysis.color.palette.name.es)}`);
    const SHAPES: Record<string, string> = { oval: 'ovalada', round: 'redonda', square: 'cuadrada', heart: 'corazón', oblong: 'alargada', diamond: 'diamante', triangle: 'triangular' };
    await dialog.getByText(`Forma de la cara: ${SHAPES[analysis.face.shape]}`).waitFor({ state: 'visible' });
    await dialog.getByText(analysis.face.advice.necklines[0]!.es).waitFor({ state: 'visible' });
    expect(await dialog.getByRole('list', { name: 'Tus mejores colores' }).getByRole('listitem').count()).toBe(analysis.color.palette.best.length);
    await shot(page, 'widget-colours-selfie-es');
    await page.keyboard.press('Escape');
    const expected = await matchesFor(rec.id);
    await expect.poll(async () => (await cardVerdicts(page)).map((v) => v[2])).toEqual(DEMO_IDS.map((id) => VERDICT_WORDS.es[expected.data.find((m) => m.product_id === id)!.verdict as 'flatters']));

    await page.getByRole('button', { name: 'Descubre tus colores' }).click();
    await dialog.getByRole('button', { name: 'Ver mis colores' }).click();
    await dialog.getByRole('button', { name: 'Olvidar mis colores' }).click();
    await dialog.getByRole('heading', { name: 'Tus colores se han olvidado' }).waitFor({ state: 'visible' });
    expect(deletes).toEqual([{ url: `${env.base}/v1/style/analyses/${rec.id}`, status: 204 }]);
    expect((await env.t.app.inject({ method: 'GET', url: `/v1/style/analyses/${rec.id}`, headers: bearer(secret) })).statusCode).toBe(404);
    expect(await kept(page)).toBeNull();
    await expect.poll(() => cardVerdicts(page)).toEqual(DEMO_IDS.map((id) => [id, null, null]));
    await ctx.close();
  }, 180_000);

  it('a selfie that cannot be read says why, with its tip, and offers another selfie or the quiz; nothing is kept', async () => {
    const dark = await sharp(ASTRONAUT).modulate({ brightness: 0.25 }).jpeg({ quality: 90 }).toBuffer();
    const ctx = await newContext(env.browser);
    const page = await ctx.newPage();
    const dialog = await openFinder(page, 'en');
    await dialog.getByRole('button', { name: 'Use a selfie' }).click();
    await dialog.getByRole('checkbox', { name: 'I agree that my selfie is analysed for my colours' }).check();
    const chooser = page.waitForEvent('filechooser');
    await dialog.getByRole('button', { name: 'Choose a photo' }).click();
    await (await chooser).setFiles({ name: 'dark.jpg', mimeType: 'image/jpeg', buffer: dark });
    await dialog.getByRole('heading', { name: 'We could not read your colours in this selfie' }).waitFor({ state: 'visible', timeout: 30_000 });
    await dialog.getByText('The photo is too dark to read your colours.').waitFor({ state: 'visible' });
    await dialog.getByRole('button', { name: 'Try another selfie' }).waitFor({ state: 'visible' });
    await dialog.getByRole('button', { name: 'Answer questions' }).waitFor({ state: 'visible' });
    await shot(page, 'widget-colours-retake-en');
    expect(await kept(page)).toBeNull();
    expect((await cardVerdicts(page)).every(([, v]) => v === null)).toBe(true);
    await ctx.close();
  }, 120_000);

  it('a signed-in shopper (userToken): the selfie goes with the analysis as theirs, becomes their palette, and "forget" removes both from the account', async () => {
    const reg = await env.t.app.inject({ method: 'POST', url: '/v1/auth/register', headers: { authorization: `Bearer ${env.demoKey}`, origin: env.base }, payload: { email: freshEmail(), password: PASSWORD } });
    expect(reg.statusCode, reg.body).toBe(201);
    const access = (reg.json() as { access_token: string }).access_token;
    const asUser = { authorization: `Bearer ${access}` };
    const shop = await startShop({ api: env.base, key: env.demoKey, userToken: access });
    const tenants = env.t.modules.tenants.tenants;
    const before = (await tenants.listTenants({ limit: 100 })).data.find((x) => x.id === demoId)!;
    await tenants.updateTenant(demoId, { allowed_origins: [...before.allowedOrigins, shop.url] });
    try {
      const ctx = await newContext(env.browser);
      const page = await ctx.newPage();
      const errors = collectPageErrors(page);
      const sent: { method: string; path: string; type: string; token: string | undefined; status?: number }[] = [];
      page.on('request', (r) => r.url().startsWith(env.base) && sent.push({ method: r.method(), path: new URL(r.url()).pathname, type: r.headers()['content-type'] ?? '', token: r.headers()['probador-user-token'] }));
      await page.goto(shop.url);
      await page.locator('#try-on [data-probador-widget][data-state=ready]').waitFor({ state: 'attached', timeout: 15_000 });
      await page.locator('#try-on').getByRole('button', { name: 'Find my colours' }).click();
      const dialog = page.getByRole('dialog', { name: 'Your colours' });
      await dialog.getByRole('button', { name: 'Use a selfie' }).click();
      await dialog.getByRole('checkbox', { name: 'I agree that my selfie is analysed for my colours' }).check();
      const chooser = page.waitForEvent('filechooser');
      await dialog.getByRole('button', { name: 'Choose a photo' }).click();
      await (await chooser).setFiles(ASTRONAUT_PATH);
      await dialog.getByRole('heading', { name: /^You are a / }).waitFor({ state: 'visible', timeout: 30_000 });
      await dialog.getByText(/^Saved to your account/).waitFor({ state: 'visible' });
      // The selfie went with the analysis (multipart), as the user; no upload of the widget session.
      const posts = sent.filter((x) => x.path === '/v1/style/analyses' && x.method === 'POST');
      expect(posts.map((x) => [x.type.split(';')[0], x.token])).toEqual([['multipart/form-data', access]]);
      expect(sent.filter((x) => x.path === '/v1/uploads')).toEqual([]);
      const mine = (await env.t.app.inject({ method: 'GET', url: '/v1/account/style/analyses', headers: asUser })).json() as { data: { id: string; color: { palette: { season: string } } }[] };
      expect(mine.data).toHaveLength(1);
      const analysis = mine.data[0]!;
      expect((await env.t.app.inject({ method: 'GET', url: '/v1/account/style/palette', headers: asUser })).json()).toMatchObject({ source: 'analysis', source_id: analysis.id, season: analysis.color.palette.season });
      const events = (await page.evaluate('window.shopEvents')) as { type: string; detail: Record<string, unknown> | null }[];
      expect(events.filter((e) => e.type === 'colours').at(-1)?.detail).toMatchObject({ analysis_id: analysis.id, from: 'account', season: analysis.color.palette.season });
      expect(await page.evaluate(`localStorage.getItem('probador:colours')`)).toBeNull();
      await shot(page, 'widget-colours-signed-in-selfie');

      await dialog.getByRole('button', { name: 'Forget my colours' }).click();
      await dialog.getByRole('heading', { name: 'Your colours were forgotten' }).waitFor({ state: 'visible' });
      await dialog.getByText('Your chosen palette is removed from your account, and this selfie analysis from the store.').waitFor({ state: 'visible' });
      expect((await env.t.app.inject({ method: 'GET', url: '/v1/account/style/palette', headers: asUser })).json()).toMatchObject({ season: null, source: null });
      expect((await env.t.app.inject({ method: 'GET', url: `/v1/style/analyses/${analysis.id}`, headers: bearer(secret) })).statusCode).toBe(404);
      expect(((await env.t.app.inject({ method: 'GET', url: '/v1/account/style/analyses', headers: asUser })).json() as { data: unknown[] }).data).toEqual([]);
      expect(errors).toEqual([]);
      await ctx.close();
    } finally {
      await tenants.updateTenant(demoId, { allowed_origins: before.allowedOrigins });
      await shop.close();
    }
  }, 180_000);
});
