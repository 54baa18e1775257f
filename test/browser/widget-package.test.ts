/**
 * `@probador/widget` mounted from its ES module, in Chromium: the example shop
 * (examples/widget-shop, `import { mount } from '@probador/widget'` through an import map to the
 * built dist/index.js) on another origin, against the real server — consent, upload, result and
 * add to cart as with the script tag, with the typed events firing in order and no globals; then
 * the handle: open/close, on() and its unsubscribe, update (language), findColours, destroy; and
 * a signed-in shopper (`userToken`): "Find my colours" by the quiz is saved to their account
 * (history and chosen palette, checked through the API) and a new page loads it from there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { bearer } from '../harness.js';
import { accountsClient, userAuth } from '../accounts-helpers.js';
import { startShop } from '../../examples/widget-shop/server.mjs';
import { collectPageErrors, newContext } from './chromium.js';
import { ASTRONAUT_PATH, loadedWidth, startWidgetEnv, shot, type WidgetEnv } from './widget-harness.js';

let env: WidgetEnv;
let shop: { url: string; close: () => Promise<void> };
beforeAll(async () => {
  env = await startWidgetEnv(); // builds the package (ES module and IIFE) from source
  shop = await startShop({ api: env.base, key: env.t.tenantB.publishableKey });
  await env.t.modules.tenants.tenants.updateTenant(env.t.tenantB.id, { allowed_origins: [env.t.tenantB.origin, shop.url] });
}, 120_000);
afterAll(async () => {
  await shop?.close();
  await env?.close();
});

type Ev = { type: string; detail: Record<string, unknown> | null };
const shopEvents = (page: Page) => page.evaluate('window.shopEvents') as Promise<Ev[]>;

async function openShop(page: Page) {
  await page.goto(shop.url);
  await page.locator('#try-on [data-probador-widget][data-state=ready]').waitFor({ state: 'attached', timeout: 15_000 });
}

describe('@probador/widget from its ES module', () => {
  it('the example shop mounts it on a product: consent, upload, result, add to cart, with typed events and no globals', async () => {
    const ctx = await newContext(env.browser);
    const page = await ctx.newPage();
    const errors = collectPageErrors(page);
    const scripts: string[] = [];
    page.on('request', (r) => r.resourceType() === 'script' && scripts.push(new URL(r.url()).pathname));
    await openShop(page);
    // The ES module through the import map; not the script-tag build, and no window.Probador.
    expect(scripts).toContain('/widget/index.js');
    expect(scripts.some((s) => s.endsWith('widget.js') && s !== '/widget/index.js')).toBe(false);
    expect(await page.evaluate('typeof window.Probador')).toBe('undefined');
    await shot(page, 'widget-package-01-shop', true);

    const retention = ((await env.t.app.inject({ method: 'GET', url: '/v1/widget/config', headers: { ...bearer(env.t.tenantB.publishableKey), origin: shop.url } })).json() as { retention: string }).retention;
    // The product's own button, rendered inside the mount element.
    await page.locator('#try-on').getByRole('button', { name: 'Try it on' }).click();
    const dialog = page.getByRole('dialog', { name: 'Virtual try-on' });
    await dialog.getByRole('button', { name: 'Get started' }).click();
    const consent = dialog.getByRole('checkbox', { name: /I agree that my photo is processed/ });
    expect(await consent.isChecked()).toBe(false);
    expect(await dialog.getByRole('button', { name: 'Choose a photo' }).isDisabled()).toBe(true);
    await consent.check();
    const chooser = page.waitForEvent('filechooser');
    await dialog.getByRole('button', { name: 'Choose a photo' }).click();
    await (await chooser).setFiles(ASTRONAUT_PATH);
    await dialog.getByRole('heading', { name: 'What to try on', exact: true }).waitFor({ state: 'visible', timeout: 20_000 });
    await dialog.getByRole('button', { name: 'Try it on' }).click();
    await dialog.getByRole('heading', { name: 'Your try-on', exact: true }).waitFor({ state: 'visible', timeout: 30_000 });
    const after = dialog.locator('.compare img:not(.before)');
    await expect.poll(() => loadedWidth(after), { timeout: 10_000 }).toBeGreaterThan(100);
    const resultUrl = await after.getAttribute('src');
    await shot(page, 'widget-package-02-result');
    await dialog.getByRole('button', { name: 'Add to cart' }).click();
    await expect.poll(() => page.locator('#cart-count').textContent()).toBe('1');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    // The typed events, in order, with their payloads.
    const events = await shopEvents(page);
    const want = ['state', 'open', 'consent', 'upload', 'result', 'add-to-cart', 'close'];
    expect(events.map((e) => e.type).filter((t) => want.includes(t))).toEqual(want);
    const of = (type: string) => events.find((e) => e.type === type)!.detail!;
    expect(of('state')).toEqual({ state: 'ready' });
    expect(of('open')).toEqual({ view: 'tryon', product_id: 'sku-tee' });
    expect(of('consent')).toEqual({ purpose: 'tryon', retention });
    expect(of('upload')).toMatchObject({ purpose: 'tryon', upload_id: expect.stringMatching(/^upl_/), width: expect.any(Number), height: expect.any(Number) });
    const result = of('result');
    expect(result).toEqual({ tryon_id: expect.stringMatching(/^try_/), result_url: resultUrl, product_id: 'sku-tee', second_product_id: null });
    expect(of('add-to-cart')).toMatchObject({ product_id: 'sku-tee', tryon_id: result.tryon_id, result_url: result.result_url, second_product_id: null });
    expect(of('close')).toEqual({ view: 'tryon' });
    expect(events.filter((e) => e.type === 'error')).toEqual([]);

    // On the server: tenant B's try-on of this product, made from the uploaded photo.
    const list = (await env.t.app.inject({ method: 'GET', url: '/v1/tryons?limit=5', headers: bearer(env.t.tenantB.secretKey) })).json() as { data: Array<{ id: string; status: string; person: { upload_id: string }; garments: Array<{ product_id: string | null }> }> };
    expect(list.data.map((x) => [x.id, x.status, x.person.upload_id, x.garments[0]?.product_id])).toEqual([[result.tryon_id, 'succeeded', of('upload').upload_id, 'sku-tee']]);
    await shot(page, 'widget-package-03-events', true);
    expect(errors).toEqual([]);
    await ctx.close();
  }, 120_000);

  it('a signed-in shopper (userToken): the quiz result lands in their history, its season becomes their palette, and a new page loads it from the account', async () => {
    const user = await accountsClient(env.t).newUser(env.t.tenantB);
    const signed = await startShop({ api: env.base, key: env.t.tenantB.publishableKey, userToken: user.access_token });
    await env.t.modules.tenants.tenants.updateTenant(env.t.tenantB.id, { allowed_origins: [env.t.tenantB.origin, shop.url, signed.url] });
    try {
      const ctx = await newContext(env.browser);
      const page = await ctx.newPage();
      const errors = collectPageErrors(page);
      const sent: { method: string; path: string; token: string | undefined }[] = [];
      page.on('request', (r) => r.url().startsWith(env.base) && sent.push({ method: r.method(), path: new URL(r.url()).pathname, token: r.headers()['probador-user-token'] }));
      const results: { id: string; color: { season12: { season: string }; palette: { season: string; name: { en: string } } } }[] = [];
      page.on('response', async (r) => r.url().endsWith('/v1/style/quiz-results') && r.status() === 201 && results.push(await r.json()));
      await page.goto(signed.url);
      await page.locator('#try-on [data-probador-widget][data-state=ready]').waitFor({ state: 'attached', timeout: 15_000 });
      // Nothing on the account yet: the widget asked it (with the token), and knows no colours.
      await expect.poll(() => sent.filter((x) => x.path === '/v1/account/style/colors').map((x) => x.token)).toEqual([user.access_token]);

      await page.locator('#try-on').getByRole('button', { name: 'Find my colours' }).click();
      const dialog = page.getByRole('dialog', { name: 'Your colours' });
      await dialog.getByRole('button', { name: 'Answer questions' }).click();
      for (let i = 0; ; i++) {
        await dialog.getByRole('heading', { name: /^Question \d+ of \d+$/ }).waitFor({ state: 'visible' });
        await dialog.getByRole('radio').nth(i % 2).check();
        const last = dialog.getByRole('button', { name: 'See my colours' });
        if (await last.count()) {
          await last.click();
          break;
        }
        await dialog.getByRole('button', { name: 'Next' }).click();
      }
      await expect.poll(() => results.length, { timeout: 15_000 }).toBe(1);
      const r = results[0]!;
      await dialog.getByRole('heading', { name: /^You are a / }).waitFor({ state: 'visible' });
      await dialog.getByText(/^Saved to your account/).waitFor({ state: 'visible' });
      await shot(page, 'widget-package-05-signed-in-colours');
      // Made as the shopper (the token beside the key), then chosen as their palette; nothing in localStorage.
      expect(sent.filter((x) => x.path === '/v1/style/quiz-results').map((x) => x.token)).toEqual([user.access_token]);
      expect(sent.filter((x) => x.path === '/v1/account/style/palette').map((x) => [x.method, x.token])).toEqual([['PUT', user.access_token]]);
      expect(await page.evaluate(`localStorage.getItem('probador:colours')`)).toBeNull();

      // Through the API, as the user: the quiz result in their history, its season as their palette.
      const history = (await env.t.app.inject({ method: 'GET', url: '/v1/account/style/quiz-results', headers: userAuth(user.access_token) })).json() as { data: { id: string }[] };
      expect(history.data.map((q) => q.id)).toEqual([r.id]);
      const palette = (await env.t.app.inject({ method: 'GET', url: '/v1/account/style/palette', headers: userAuth(user.access_token) })).json() as Record<string, unknown>;
      expect(palette).toMatchObject({ season: r.color.season12.season, source: 'quiz_result', source_id: r.id });
      const colours = (await env.t.app.inject({ method: 'GET', url: '/v1/account/style/colors', headers: userAuth(user.access_token) })).json() as { source: string; season: string };
      expect(colours).toMatchObject({ source: 'chosen', season: r.color.season12.season });
      // The key alone (the widget session, no user) does not see it as its own.
      expect((await env.t.app.inject({ method: 'GET', url: `/v1/style/quiz-results/${r.id}`, headers: { ...bearer(env.t.tenantB.publishableKey), origin: signed.url, 'probador-session': 'another-session-0123456789' } })).statusCode).toBe(404);

      // A new browser (empty storage) on the signed-in page: the colours come from the account.
      const ctx2 = await newContext(env.browser);
      const page2 = await ctx2.newPage();
      await page2.goto(signed.url);
      await expect
        .poll(async () => ((await shopEvents(page2)).filter((e) => e.type === 'colours').at(-1)?.detail ?? null) as Record<string, unknown> | null, { timeout: 15_000 })
        .toMatchObject({ from: 'account', season: r.color.palette.season, analysis_id: null });
      await page2.locator('#try-on').getByRole('button', { name: 'Find my colours' }).click();
      await page2.getByRole('dialog', { name: 'Your colours' }).getByRole('button', { name: 'See my colours' }).click();
      await page2.getByRole('dialog').getByRole('heading', { name: /^You are a / }).waitFor({ state: 'visible' });
      expect(await page2.getByRole('dialog').getByRole('heading', { level: 3 }).textContent()).toBe(await dialog.getByRole('heading', { level: 3 }).textContent());
      await shot(page2, 'widget-package-06-from-account');
      expect(errors).toEqual([]);
      await ctx2.close();
      await ctx.close();
    } finally {
      await signed.close();
    }
  }, 120_000);

  it('the handle: open/close, on() until unsubscribed, update (language), findColours, destroy; a bad key is unavailable', async () => {
    const ctx = await newContext(env.browser);
    const page = await ctx.newPage();
    const errors = collectPageErrors(page);
    await openShop(page);
    const dialog = page.getByRole('dialog');
    await page.evaluate(`(() => {
      window.opens = [];
      window.offOpen = window.widget.on('open', (d) => window.opens.push(d));
      window.widget.open();
    })()`);
    await dialog.getByRole('heading', { name: 'See it on you' }).waitFor({ state: 'visible' });
    await page.evaluate('window.widget.close()');
    await dialog.waitFor({ state: 'detached' });
    await page.evaluate('window.offOpen(); window.widget.open()');
    await dialog.waitFor({ state: 'visible' });
    await page.evaluate('window.widget.close()');
    expect(await page.evaluate('window.opens')).toEqual([{ view: 'tryon', product_id: 'sku-tee' }]); // once: the second open came after off()

    // update(): re-rendered in Spanish in place, the same mount.
    await page.evaluate(`window.widget.update({ lang: 'es' })`);
    const mountEl = page.locator('#try-on');
    await mountEl.getByRole('button', { name: 'Pruébatelo' }).waitFor({ state: 'visible' });
    await mountEl.getByRole('button', { name: 'Descubre tus colores' }).waitFor({ state: 'visible' });
    expect(await mountEl.locator('[data-probador-widget]').count()).toBe(1);
    await shot(page, 'widget-package-04-spanish', true);
    await page.evaluate('window.widget.findColours()');
    await page.getByRole('dialog', { name: 'Tus colores' }).waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    const opened = (await shopEvents(page)).filter((e) => e.type === 'open').map((e) => e.detail);
    expect(opened.at(-1)).toEqual({ view: 'colours', product_id: null });

    // destroy(): everything it added is gone, and it says so.
    await page.evaluate('window.widget.destroy()');
    expect(await mountEl.locator('[data-probador-widget]').count()).toBe(0);
    expect(await page.evaluate('window.widget.state')).toBe('destroyed');
    expect((await shopEvents(page)).at(-1)).toEqual({ type: 'state', detail: { state: 'destroyed' } });

    // A secret key (or anything but a publishable one) never reaches the network: unavailable.
    const bad = await page.evaluate(`(async () => {
      const { mount } = await import('@probador/widget');
      const states = [];
      const w = mount(document.body, { key: 'sk_test_nope', api: location.origin });
      w.on('state', (s) => states.push(s));
      return [await w.ready, states];
    })()`);
    expect(bad).toEqual(['unavailable', [{ state: 'unavailable', reason: 'INVALID_API_KEY' }]]);
    expect(errors.filter((e) => !e.includes('[probador] try-on is unavailable'))).toEqual([]);
    await ctx.close();
  }, 90_000);
});
