/**
 * The widget embedded as a store would embed it, in Chromium: from another origin (a second web
 * server on another port) — refused when that origin is not allowed, working end to end when it is
 * —, the script served versioned with SRI and caching headers, and style isolation in both
 * directions (the page's CSS unchanged; hostile page CSS does not reach the widget).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { bearer } from '../harness.js';
import { collectPageErrors, newContext } from './chromium.js';
import { ASTRONAUT_PATH, loadedWidth, onElement, startHostServer, startWidgetEnv, shot, type WidgetEnv } from './widget-harness.js';

let env: WidgetEnv;
beforeAll(async () => {
  env = await startWidgetEnv();
}, 120_000);
afterAll(async () => env?.close());

const GARMENT = readFileSync(new URL('../../web/demo/images/striped-tee.png', import.meta.url));

const hostPage = (base: string, key: string, extraHead = '') => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Another shop</title>${extraHead}
<script src="${base}/widget/v1/widget.js" data-key="${key}" async></script></head>
<body><h1>Another shop</h1>
<div id="product" data-probador-garment="/tee.png" data-category="tops" data-product-id="sku-1" data-name="Tee"><img src="/tee.png" alt="Tee" width="120"></div>
<button id="host-button" class="host">Host button</button>
</body></html>`;

/** Computed styles of host-page elements, to compare with and without the widget. */
const hostStyles = (page: Page) =>
  page.evaluate(`(() => {
    const pick = (sel) => { const s = getComputedStyle(document.querySelector(sel)); return [s.fontFamily, s.fontSize, s.color, s.backgroundColor, s.padding, s.margin, s.lineHeight, s.textTransform, s.boxSizing].join('|'); };
    return { body: pick('body'), h1: pick('h1'), button: pick('#host-button'), sheets: document.styleSheets.length, styles: document.querySelectorAll('style').length };
  })()`) as Promise<Record<string, string | number>>;

/** Computed styles inside the widget (launcher and, when open, the dialog and its primary button). */
const widgetStyles = (page: Page) =>
  page.evaluate(`(() => {
    const root = document.querySelector('[data-probador-widget]').shadowRoot;
    const pick = (el) => { if (!el) return null; const s = getComputedStyle(el); return [s.fontFamily, s.fontSize, s.color, s.backgroundColor, s.position, s.display, s.padding, s.lineHeight, s.textTransform, s.visibility].join('|'); };
    return { launcher: pick(root.querySelector('.launcher')), panel: pick(root.querySelector('.panel')), primary: pick(root.querySelector('.panel .primary')), heading: pick(root.querySelector('.panel h3')) };
  })()`) as Promise<Record<string, string | null>>;

describe('widget embedded on other sites', () => {
  it('is refused on an origin the tenant does not allow: nothing shows, the config call is 403', async () => {
    const host = await startHostServer({ '/': hostPage(env.base, env.t.tenantA.publishableKey) }, { '/tee.png': { type: 'image/png', body: GARMENT } });
    try {
      const ctx = await newContext(env.browser);
      const page = await ctx.newPage();
      const warnings: string[] = [];
      page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
      const config = page.waitForResponse((r) => r.url() === `${env.base}/v1/widget/config`);
      await page.goto(host.url);
      const res = await config;
      expect(res.status()).toBe(403);
      await page.locator('[data-probador-widget][data-state=unavailable]').waitFor({ state: 'attached' });
      expect(await page.locator('[data-probador-button]').count()).toBe(0);
      expect(await page.locator('[data-probador-widget] .launcher').count()).toBe(0);
      expect(warnings.join('\n')).toContain('[probador] try-on is unavailable on this page');
      // And the API itself refuses the origin with a problem document.
      const direct = await env.t.app.inject({ method: 'GET', url: '/v1/widget/config', headers: { ...bearer(env.t.tenantA.publishableKey), origin: host.origin } });
      expect(direct.statusCode).toBe(403);
      expect(direct.json().code).toBe('ORIGIN_NOT_ALLOWED');
      await ctx.close();
    } finally {
      await host.close();
    }
  }, 60_000);

  it('works end to end from an allowed origin on another port (CORS, probador-session, SSE), under the page\'s strict CSP, with the tenant theme', async () => {
    // The store's page has a strict CSP (no inline styles or scripts): the widget must live with it.
    const csp = `<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self' ${env.base}; connect-src 'self' ${env.base}; img-src 'self' ${env.base} data: blob:; style-src 'self'">`;
    const server = await startHostServer({ '/': hostPage(env.base, env.t.tenantB.publishableKey, csp) }, { '/tee.png': { type: 'image/png', body: GARMENT } });
    const tenants = env.t.modules.tenants.tenants;
    await tenants.updateTenant(env.t.tenantB.id, { allowed_origins: [env.t.tenantB.origin, server.origin], settings: { widget: { primary_color: '#c2410c', position: 'bottom-left' } } });
    try {
      const ctx = await newContext(env.browser);
      const page = await ctx.newPage();
      const errors = collectPageErrors(page);
      await page.goto(server.url);
      await page.locator('[data-probador-widget][data-state=ready]').waitFor({ state: 'attached', timeout: 15_000 });
      // Theme: the tenant's colour and position.
      const launcher = page.locator('[data-probador-widget] .launcher');
      expect(await onElement(launcher, 'return getComputedStyle(el).backgroundColor')).toBe('rgb(194, 65, 12)');
      expect(await onElement<number>(launcher, 'return el.getBoundingClientRect().left')).toBeLessThan(100);
      await launcher.click();
      const dialog = page.getByRole('dialog');
      expect(await onElement(page.locator('[data-probador-widget] .panel'), 'return getComputedStyle(el).animationName')).toBe('slide');
      await dialog.getByRole('button', { name: 'Get started' }).click();
      await dialog.getByRole('checkbox').check();
      await dialog.locator('input[data-input=file]').setInputFiles(ASTRONAUT_PATH);
      await dialog.getByRole('heading', { name: 'What to try on', exact: true }).waitFor({ state: 'visible', timeout: 20_000 });
      await dialog.getByRole('button', { name: 'Try it on' }).click();
      await dialog.getByRole('heading', { name: 'Your try-on', exact: true }).waitFor({ state: 'visible', timeout: 30_000 });
      await expect.poll(() => loadedWidth(dialog.locator('.compare img:not(.before)')), { timeout: 10_000 }).toBeGreaterThan(100);
      await shot(page, 'widget-09-other-origin-themed');
      // Download from the store's origin: the widget fetches the signed /v1/files link (CORS) and
      // saves it as a file. Without CORS it could only open the link in a new tab (no download).
      const download = page.waitForEvent('download', { timeout: 15_000 });
      await dialog.getByRole('button', { name: 'Download' }).click();
      const file = await download;
      expect(file.suggestedFilename()).toMatch(/^tryon-try_\w+\.jpg$/);
      const saved = readFileSync((await file.path())!);
      expect(saved.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff])); // a JPEG
      expect(saved.length).toBeGreaterThan(5_000);
      // The try-on belongs to tenant B, made from this page's widget session.
      const list = (await env.t.app.inject({ method: 'GET', url: '/v1/tryons?limit=5', headers: bearer(env.t.tenantB.secretKey) })).json() as { data: Array<{ status: string; garments: Array<{ product_id: string | null }> }> };
      expect(list.data.map((x) => [x.status, x.garments[0]?.product_id])).toEqual([['succeeded', 'sku-1']]);
      expect(errors.filter((e) => !/\/v1\/(events|photo-checks)|status of 404/.test(e))).toEqual([]);
      await ctx.close();
    } finally {
      await server.close();
    }
  }, 90_000);

  it('keeps the host page CSS unchanged, and hostile host CSS does not restyle or hide the widget', async () => {
    const hostile = `<style>
      * { font-family: "Comic Sans MS", cursive !important; font-size: 31px !important; color: #f0f !important; line-height: 4 !important;
          text-transform: uppercase !important; background-color: #0f0 !important; padding: 9px !important; visibility: visible; }
      div, span { display: block !important; position: static !important; }
      button { all: unset !important; display: inline !important; }
      [data-probador-widget] { display: none !important; }
      :root { --pb: red !important; }
    </style>`;
    const server = await startHostServer({ '/': hostPage(env.base, env.t.tenantB.publishableKey), '/hostile': hostPage(env.base, env.t.tenantB.publishableKey, hostile) }, { '/tee.png': { type: 'image/png', body: GARMENT } });
    await env.t.modules.tenants.tenants.updateTenant(env.t.tenantB.id, { allowed_origins: [env.t.tenantB.origin, server.origin] });
    try {
      // Reduced motion asked by the system: the widget drops its animations.
      const ctx = await newContext(env.browser, { reducedMotion: 'reduce' });
      const page = await ctx.newPage();
      // The page's own styles without the widget (script blocked) and with it.
      await page.route(`${env.base}/widget/**`, (r) => r.abort());
      await page.goto(server.url);
      const without = await hostStyles(page);
      await page.unroute(`${env.base}/widget/**`);
      await page.goto(server.url);
      await page.locator('[data-probador-widget][data-state=ready]').waitFor({ state: 'attached', timeout: 15_000 });
      expect(await hostStyles(page)).toEqual(without);
      const clean = await widgetStyles(page);
      await page.locator('[data-probador-widget] .launcher').click();
      await page.getByRole('dialog').getByRole('button', { name: 'Get started' }).waitFor();
      const cleanOpen = await widgetStyles(page);
      expect(cleanOpen.panel).toContain('system-ui');
      expect(await onElement(page.locator('[data-probador-widget] .panel'), 'return getComputedStyle(el).animationName')).toBe('none');

      // The same page with hostile CSS: the widget looks exactly the same.
      await page.goto(`${server.url}/hostile`);
      await page.locator('[data-probador-widget][data-state=ready]').waitFor({ state: 'attached', timeout: 15_000 });
      expect((await widgetStyles(page)).launcher).toBe(clean.launcher);
      await page.locator('[data-probador-widget] .launcher').click();
      const dialog = page.getByRole('dialog');
      await dialog.getByRole('button', { name: 'Get started' }).waitFor({ state: 'visible' });
      expect(await widgetStyles(page)).toEqual(cleanOpen);
      await shot(page, 'widget-10-hostile-host-css');
      await ctx.close();
    } finally {
      await server.close();
    }
  }, 60_000);

  it('serves widget.js versioned: immutable hashed file, short-lived alias, ETag/304, compression, SRI in the manifest', async () => {
    const manifest = (await env.t.app.inject({ method: 'GET', url: '/widget/manifest.json' })).json() as { file: string; alias: string; integrity: string; bytes: number; gzip_bytes: number };
    expect(manifest.alias).toBe('/widget/v1/widget.js');
    expect(manifest.file).toMatch(/^\/widget\/widget\.[0-9a-f]{10}\.js$/);
    const built = readFileSync(new URL('../../packages/widget/dist/widget.js', import.meta.url));
    expect(manifest.integrity).toBe(`sha384-${createHash('sha384').update(built).digest('base64')}`);
    expect(manifest.bytes).toBe(built.length);

    const hashed = await env.t.app.inject({ method: 'GET', url: manifest.file, headers: { 'accept-encoding': 'gzip' } });
    expect(hashed.statusCode).toBe(200);
    expect(hashed.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(hashed.headers['content-encoding']).toBe('gzip');
    expect(hashed.headers['access-control-allow-origin']).toBe('*');
    expect(gunzipSync(hashed.rawPayload).equals(built)).toBe(true);
    const alias = await env.t.app.inject({ method: 'GET', url: manifest.alias });
    expect(alias.headers['cache-control']).toMatch(/^public, max-age=300/);
    expect(alias.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(alias.rawPayload.equals(built)).toBe(true);
    const etag = String(alias.headers.etag);
    expect((await env.t.app.inject({ method: 'GET', url: manifest.alias, headers: { 'if-none-match': etag } })).statusCode).toBe(304);
    expect((await env.t.app.inject({ method: 'GET', url: '/widget/widget.0123456789.js' })).statusCode).toBe(404);

    // The demo store pins the hashed file with its SRI value, and a tampered integrity would not run.
    const demo = (await env.t.app.inject({ method: 'GET', url: '/demo' })).body;
    expect(demo).toContain(`src="${manifest.file}" integrity="${manifest.integrity}" crossorigin="anonymous"`);
    expect(demo).not.toMatch(/<script>(?!<\/script>)/); // no inline script (CSP script-src 'self')

  });

  it('the widget config carries a checked theme: bad colours, non-https logos and unknown positions fall back to defaults', async () => {
    const id = env.t.tenantA.id;
    const config = async () =>
      (await env.t.app.inject({ method: 'GET', url: '/v1/widget/config', headers: { ...bearer(env.t.tenantA.publishableKey), origin: env.t.tenantA.origin } })).json() as { theme: Record<string, unknown>; retention: string };
    await env.t.modules.tenants.tenants.updateTenant(id, { settings: { widget: { primary_color: '#0a7', text_color: 'rgb(1, 2, 3)', logo_url: 'https://shop-a.example/logo.svg', position: 'bottom-left', language: 'es' } } });
    expect((await config()).theme).toEqual({ primary_color: '#0a7', text_color: 'rgb(1, 2, 3)', logo_url: 'https://shop-a.example/logo.svg', position: 'bottom-left', language: 'es' });
    await env.t.modules.tenants.tenants.updateTenant(id, { settings: { widget: { primary_color: 'red;}:host{display:none', text_color: 'expression(alert(1))', logo_url: 'javascript:alert(1)', position: 'top', language: 'fr' } } as never }); // stored around the API's check
    expect((await config()).theme).toEqual({ primary_color: '#111827', text_color: '#ffffff', logo_url: null, position: 'bottom-right', language: 'auto' });
  });
});
