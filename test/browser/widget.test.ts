/**
 * The widget in the demo store, in Debian's Chromium: the whole shopper flow on the real app with
 * the offline local engine (consent → photo → pick → SSE progress → result → download → add to
 * cart → the same photo on a second product → delete), a file that is not a photo, and a
 * keyboard-only run-through.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page, Request } from 'playwright-core';
import { bearer } from '../harness.js';
import { collectPageErrors, newContext, SCREENSHOT_DIR } from './chromium.js';
import { ASTRONAUT_PATH, deepFocus, loadedWidth, recordViews, startWidgetEnv, shot, type WidgetEnv } from './widget-harness.js';

let env: WidgetEnv;
beforeAll(async () => {
  env = await startWidgetEnv();
}, 120_000);
afterAll(async () => env?.close());

async function openDemo(page: Page, path: string) {
  await page.goto(`${env.base}${path}`);
  await page.locator('[data-probador-widget][data-state=ready]').waitFor({ state: 'attached', timeout: 15_000 });
}

/** Funnel events the widget posts to /v1/events (recorded whether or not this server has the endpoint yet). */
function recordEvents(page: Page) {
  const events: Array<{ type: string; product_id?: string; tryon_id?: string }> & { statuses?: number[] } = [];
  const statuses: number[] = (events.statuses = []);
  page.on('response', (r) => r.url().endsWith('/v1/events') && statuses.push(r.status()));
  page.on('request', (r: Request) => {
    if (r.url().endsWith('/v1/events') && r.method() === 'POST') {
      expect(r.headers()['authorization']).toMatch(/^Bearer pk_test_/);
      expect(r.headers()['probador-session']).toMatch(/^[A-Za-z0-9_-]{16,128}$/);
      events.push(...(JSON.parse(r.postData() ?? '{}') as { events: typeof events }).events);
    }
  });
  return events;
}

/** Uploads the widget sends (the photo, and garments on a local address that the server could not fetch itself). */
function recordUploads(page: Page) {
  const uploads: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/v1/uploads') && r.method() === 'POST') uploads.push(r.url());
  });
  return uploads;
}

describe('widget in the demo store', () => {
  it('consent, upload, pick, progress, result, download, add to cart; the photo is reused on a second product, then deleted', async () => {
    const ctx = await newContext(env.browser, { acceptDownloads: true, permissions: ['clipboard-read', 'clipboard-write'] });
    const page = await ctx.newPage();
    const errors = collectPageErrors(page);
    const events = recordEvents(page);
    const uploads = recordUploads(page);
    const sse: Array<{ status: number; type: string }> = [];
    page.on('response', (r) => {
      if (/\/v1\/tryons\/try_[^/]+\/events$/.test(r.url())) sse.push({ status: r.status(), type: r.headers()['content-type'] ?? '' });
    });

    await openDemo(page, '/demo/linen-shirt');
    await shot(page, 'widget-01-product-page', true);
    const views = await recordViews(page);
    await page.locator('.actions [data-probador-button] button').click();
    const dialog = page.getByRole('dialog', { name: 'Virtual try-on' });
    await dialog.getByRole('heading', { name: 'See it on you', exact: true }).waitFor({ state: 'visible' });
    await shot(page, 'widget-02-onboarding');
    await dialog.getByRole('button', { name: 'Get started' }).click();

    // Consent is never pre-ticked, states the tenant's retention, and gates the photo buttons.
    const consent = dialog.getByRole('checkbox', { name: /I agree that my photo is processed/ });
    expect(await consent.isChecked()).toBe(false);
    await dialog.getByText('Demo Store uses your photo only to show you this try-on. It is deleted after 24 hours.').waitFor({ state: 'visible' });
    expect(await dialog.getByRole('button', { name: 'Choose a photo' }).isDisabled()).toBe(true);
    await consent.check();
    expect(await dialog.getByRole('button', { name: 'Choose a photo' }).isEnabled()).toBe(true);
    await shot(page, 'widget-03-consent');
    const chooser = page.waitForEvent('filechooser');
    await dialog.getByRole('button', { name: 'Choose a photo' }).click();
    await (await chooser).setFiles(ASTRONAUT_PATH);

    // Garment picker: this product, plus a second garment.
    await dialog.getByRole('heading', { name: 'What to try on', exact: true }).waitFor({ state: 'visible', timeout: 20_000 });
    const jeans = dialog.getByRole('button', { name: 'Straight jeans' });
    await jeans.click();
    expect(await jeans.getAttribute('aria-pressed')).toBe('true');
    await shot(page, 'widget-04-pick');
    await dialog.getByRole('button', { name: 'Try it on' }).click();

    // Result: the before/after view with the generated image.
    await dialog.getByRole('heading', { name: 'Your try-on', exact: true }).waitFor({ state: 'visible', timeout: 30_000 });
    const after = dialog.locator('.compare img:not(.before)');
    await expect.poll(() => loadedWidth(after), { timeout: 10_000 }).toBeGreaterThan(100);
    expect(await after.getAttribute('src')).toMatch(new RegExp(`^${env.base}/v1/files/`));
    const seen = await views();
    expect(seen).toContain('Creating your try-on'); // the progress view was shown…
    expect(sse).toEqual([{ status: 200, type: 'text/event-stream; charset=utf-8' }]); // …fed by the SSE stream
    await dialog.getByRole('slider', { name: 'Compare before and after' }).fill('30');
    await shot(page, 'widget-05-result');

    // Download: the result image itself, as a file.
    const download = page.waitForEvent('download');
    await dialog.getByRole('button', { name: 'Download' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^tryon-try_\w+\.jpg$/);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const saved = join(SCREENSHOT_DIR, 'widget-download.jpg');
    await file.saveAs(saved);
    const bytes = readFileSync(saved);
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff])); // a JPEG
    expect(bytes.length).toBeGreaterThan(5_000);

    // Share: no Web Share API in desktop Chromium on Linux, so the result link is copied.
    await dialog.getByRole('button', { name: 'Share' }).click();
    await dialog.getByText('Link copied').waitFor({ state: 'visible' });
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(await after.getAttribute('src'));

    // "Add to cart" reaches the host page as a DOM event (the demo store's cart counts it).
    const cartEvent = page.evaluate(`new Promise((r) => document.addEventListener('probador:add-to-cart', (e) => r(e.detail), { once: true }))`);
    await dialog.getByRole('button', { name: 'Add to cart' }).click();
    expect(await cartEvent).toMatchObject({ product_id: 'demo-linen-shirt', second_product_id: 'demo-denim-trousers', tryon_id: expect.stringMatching(/^try_/) });
    await expect.poll(() => page.locator('#cart-count').textContent()).toBe('1');

    // Second product, same visit: no onboarding, no new upload — the photo is offered again.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await openDemo(page, '/demo/summer-dress');
    const uploadsBefore = uploads.length;
    await page.locator('.actions [data-probador-button] button').click();
    await dialog.getByRole('heading', { name: 'Your photo from this visit', exact: true }).waitFor({ state: 'visible' });
    await dialog.getByRole('button', { name: 'Use this photo' }).click();
    await dialog.getByRole('button', { name: 'Try it on' }).click();
    await dialog.getByRole('heading', { name: 'Your try-on', exact: true }).waitFor({ state: 'visible', timeout: 30_000 });
    await expect.poll(() => loadedWidth(after), { timeout: 10_000 }).toBeGreaterThan(100);
    await shot(page, 'widget-06-second-product');
    expect(uploads.length - uploadsBefore).toBe(1); // the dress picture only; the photo was not sent again

    // Both try-ons used that one upload; "Delete my photo" erases it on the server.
    const photo = JSON.parse((await page.evaluate(`sessionStorage.getItem('probador:photo')`)) ?? 'null') as { uploadId: string };
    const list = (await env.t.app.inject({ method: 'GET', url: '/v1/tryons?limit=10', headers: bearer(await demoSecret()) })).json() as { data: Array<{ person: { upload_id: string }; status: string }> };
    expect(list.data.map((x) => [x.person.upload_id, x.status])).toEqual([
      [photo.uploadId, 'succeeded'],
      [photo.uploadId, 'succeeded'],
    ]);
    await dialog.getByRole('button', { name: 'Delete my photo' }).click();
    await dialog.getByText('Your photo and its results were deleted.').waitFor({ state: 'visible' });
    expect(await page.evaluate(`sessionStorage.getItem('probador:photo')`)).toBeNull();
    const gone = await env.t.app.inject({ method: 'GET', url: `/v1/uploads/${photo.uploadId}`, headers: bearer(await demoSecret()) });
    expect([404, 410]).toContain(gone.statusCode);

    // The funnel, posted in batches with the publishable key.
    await expect.poll(() => new Set(events.map((e) => e.type)), { timeout: 5_000 }).toEqual(new Set(['opened', 'consented', 'uploaded', 'generated', 'viewed', 'downloaded', 'shared', 'added_to_cart']));
    expect(new Set(events.statuses)).toEqual(new Set([202])); // accepted by the analytics endpoint
    expect(events.find((e) => e.type === 'added_to_cart')).toMatchObject({ product_id: 'demo-linen-shirt', tryon_id: expect.stringMatching(/^try_/) });
    expect(errors.filter((e) => !/\/v1\/(events|photo-checks)/.test(e) && !/status of 404/.test(e))).toEqual([]);
    await ctx.close();
  }, 120_000);

  it('a file that is not a photo gets a clear error with a tip, and the shopper can try again', async () => {
    const ctx = await newContext(env.browser, { locale: 'es-ES' });
    const page = await ctx.newPage();
    const events = recordEvents(page);
    await openDemo(page, '/demo/striped-tee');
    await page.locator('.actions [data-probador-button] button').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Get started' }).click();
    await dialog.getByRole('checkbox').check();
    const input = dialog.locator('input[data-input=file]');
    await input.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a photo') });
    const alert = dialog.getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain('That file is not a photo we can read.');
    await expect.poll(() => alert.textContent()).toContain('Choose a JPEG, PNG, WebP or HEIC photo');
    await shot(page, 'widget-07-not-an-image');
    // A file that claims to be a PNG but is not one is caught too (it never reaches the server).
    await dialog.getByRole('button', { name: 'Try again' }).click();
    await dialog.getByRole('checkbox').check();
    await input.setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: Buffer.from('GIF89a? no, garbage') });
    await expect.poll(() => dialog.getByRole('alert').textContent()).toContain('That file is not a photo we can read.');
    await expect.poll(() => events.filter((e) => e.type === 'precheck_failed').length, { timeout: 5_000 }).toBe(2);
    await ctx.close();
  }, 60_000);

  it('photos are turned upright (EXIF orientation) and downscaled in the browser before upload', async () => {
    const sharp = (await import('sharp')).default;
    // Stored 2400×1800 with EXIF orientation 6: a portrait photo, 1800×2400 as seen.
    const sideways = await sharp(ASTRONAUT_PATH).resize(2400, 1800, { fit: 'fill' }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const ctx = await newContext(env.browser);
    const page = await ctx.newPage();
    await openDemo(page, '/demo/striped-tee');
    await page.locator('.actions [data-probador-button] button').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Get started' }).click();
    await dialog.getByRole('checkbox').check();
    await dialog.locator('input[data-input=file]').setInputFiles({ name: 'phone.jpg', mimeType: 'image/jpeg', buffer: sideways });
    await dialog.getByRole('heading', { name: 'What to try on', exact: true }).waitFor({ state: 'visible', timeout: 20_000 });
    const photo = JSON.parse((await page.evaluate(`sessionStorage.getItem('probador:photo')`)) as string) as { uploadId: string };
    const up = (await env.t.app.inject({ method: 'GET', url: `/v1/uploads/${photo.uploadId}`, headers: bearer(await demoSecret()) })).json() as { width: number; height: number; content_type: string };
    expect([up.width, up.height]).toEqual([1152, 1536]); // upright, long side 1536
    expect(up.content_type).toBe('image/jpeg');
    await ctx.close();
  }, 60_000);

  it('a photo the pre-check refuses shows its problems and tips at once, before any try-on', async () => {
    const sharp = (await import('sharp')).default;
    const dark = await sharp({ create: { width: 600, height: 800, channels: 3, background: '#050505' } }).png().toBuffer();
    // The test app turns the pre-check off by default; the store turns it on.
    const demo = await demoTenant();
    await env.t.modules.tenants.tenants.updateTenant(demo.id, { settings: { ...demo.settings, precheck: { strictness: 'standard' } } });
    onTestFinished(async () => void (await env.t.modules.tenants.tenants.updateTenant(demo.id, { settings: demo.settings })));
    const ctx = await newContext(env.browser);
    const page = await ctx.newPage();
    const events = recordEvents(page);
    const checks: number[] = [];
    page.on('response', (r) => r.url().endsWith('/v1/photo-checks') && checks.push(r.status()));
    await openDemo(page, '/demo/linen-shirt');
    await page.locator('.actions [data-probador-button] button').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Get started' }).click();
    await dialog.getByRole('checkbox').check();
    await dialog.locator('input[data-input=file]').setInputFiles({ name: 'dark.png', mimeType: 'image/png', buffer: dark });
    await dialog.getByRole('heading', { name: 'This photo will not work well', exact: true }).waitFor({ state: 'visible', timeout: 20_000 });
    expect(checks).toEqual([200]);
    const alerts = await dialog.getByRole('alert').allTextContents();
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.join(' ')).toMatch(/dark|light/i); // the message and its tip, in English
    await shot(page, 'widget-11-precheck');
    expect(await page.evaluate(`sessionStorage.getItem('probador:photo')`)).toBeNull(); // a refused photo is not kept
    await expect.poll(() => events.filter((e) => e.type === 'precheck_failed').length, { timeout: 5_000 }).toBe(1);
    // Choosing another photo goes back to the photo step.
    await dialog.getByRole('button', { name: 'Choose another photo' }).click();
    await dialog.getByRole('heading', { name: 'Your photo', exact: true }).waitFor({ state: 'visible' });
    await ctx.close();
  }, 60_000);

  it('Spanish from the page language, and a keyboard-only run-through with a focus trap', async () => {
    const ctx = await newContext(env.browser);
    const page = await ctx.newPage();
    await openDemo(page, '/demo/wool-jacket?lang=es');
    // Tab from the top of the page to the product's try-on button.
    let focus = '';
    for (let i = 0; i < 40 && !focus.startsWith('button:Pruébatelo'); i++) {
      await page.keyboard.press('Tab');
      focus = await deepFocus(page);
    }
    expect(focus).toBe('button:Pruébatelo');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Probador virtual' });
    await dialog.getByRole('heading', { name: 'Mira cómo te queda', exact: true }).waitFor({ state: 'visible' });
    expect(await deepFocus(page)).toBe('button:Empezar@dialog');
    // Listen for the file chooser early: Playwright turns on its interception asynchronously, and a
    // key press right after would race it.
    const chooser = page.waitForEvent('filechooser', { timeout: 60_000 });
    await page.keyboard.press('Enter');
    expect(await deepFocus(page)).toBe('input:@dialog'); // the consent checkbox
    await page.keyboard.press('Space');
    expect(await dialog.getByRole('checkbox').isChecked()).toBe(true);
    await page.keyboard.press('Tab');
    expect(await deepFocus(page)).toBe('button:Elegir una foto@dialog');
    await page.keyboard.press('Enter');
    await (await chooser).setFiles(ASTRONAUT_PATH);
    await dialog.getByRole('heading', { name: 'Qué quieres probarte', exact: true }).waitFor({ state: 'visible', timeout: 20_000 });
    expect(await deepFocus(page)).toBe('button:Probármelo@dialog');
    await page.keyboard.press('Enter');
    await dialog.getByRole('heading', { name: 'Tu prueba', exact: true }).waitFor({ state: 'visible', timeout: 30_000 });
    expect(await deepFocus(page)).toBe('button:Añadir al carrito@dialog');
    // Tab and Shift+Tab never leave the dialog.
    const stops = new Set<string>();
    for (let i = 0; i < 14; i++) {
      await page.keyboard.press('Tab');
      const f = await deepFocus(page);
      expect(f).toMatch(/@dialog$/);
      stops.add(f);
    }
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Shift+Tab');
      expect(await deepFocus(page)).toMatch(/@dialog$/);
    }
    expect(stops).toContain('button:Cerrar@dialog');
    expect(stops).toContain('button:Descargar@dialog');
    await shot(page, 'widget-08-keyboard-es');
    // Escape closes and gives focus back to the button that opened it.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await deepFocus(page)).toBe('button:Pruébatelo');
    await ctx.close();
  }, 90_000);
});

async function demoTenant() {
  const tenants = await env.t.modules.tenants.tenants.listTenants({ limit: 100 });
  return tenants.data.find((t) => t.settings.demo === true)!;
}

let secret: string | undefined;
/** A secret key for the demo tenant, to look at what the widget did from the server's side. */
async function demoSecret() {
  if (secret) return secret;
  const demo = await demoTenant();
  secret = (await env.t.modules.tenants.tenants.createKey(demo.id, { kind: 'secret', environment: 'test', name: 'test' })).key;
  return secret;
}
