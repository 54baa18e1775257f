/**
 * Shared setup of the widget browser tests: the widget built from source, the real app listening
 * on a real port with the Demo Store seeded for that address, Chromium, and helpers to read the
 * widget's shadow DOM.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Locator, Page } from 'playwright-core';
import { buildWidget } from '../../packages/widget/build.mjs';
import { createTestApp, type TestApp, type TestEnv } from '../harness.js';
import { seedDemo } from '../../src/seed.js';
import { launchChromium, screenshot } from './chromium.js';

export const ASTRONAUT_PATH = new URL('../fixtures/astronaut.png', import.meta.url).pathname;
export const ASTRONAUT = readFileSync(ASTRONAUT_PATH);

export type WidgetEnv = { t: TestApp; base: string; browser: Browser; demoKey: string; close: () => Promise<void> };

/** `env`: the test app's settings (e.g. the perception models on for colour analyses). */
export async function startWidgetEnv(opts: { env?: TestEnv } = {}): Promise<WidgetEnv> {
  await buildWidget({ types: false });
  const t = await createTestApp(opts.env ? { env: opts.env } : {});
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  // The demo tenant, seeded for this address exactly as `npm start` seeds it for its own.
  const demo = await seedDemo(t.modules, { ...t.config, publicUrl: base });
  if (!demo.created) throw new Error('demo tenant already existed');
  const browser = await launchChromium();
  return {
    t,
    base,
    browser,
    demoKey: demo.publishableKey,
    close: async () => {
      await browser.close();
      await t.close();
    },
  };
}

/** A second web server on another port (another origin) serving one host page. */
export async function startHostServer(pages: Record<string, string>, files: Record<string, { type: string; body: Buffer }> = {}): Promise<{ url: string; origin: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (pages[path] !== undefined) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(pages[path]);
    }
    const f = files[path];
    if (f) {
      res.writeHead(200, { 'content-type': f.type });
      return res.end(f.body);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: origin, origin, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Headings shown in the widget's dialog, recorded as they appear (views can pass quickly). In-page code is a string: the tests compile without the DOM lib. */
export async function recordViews(page: Page) {
  await page.evaluate(`(() => {
    window.__views = [];
    const host = document.querySelector('[data-probador-widget]');
    const seen = (el) => {
      const text = el && el.textContent && el.textContent.trim();
      if (text && window.__views[window.__views.length - 1] !== text) window.__views.push(text);
    };
    new MutationObserver(() => {
      const root = host.shadowRoot;
      seen(root.querySelector('.body h3'));
      if (root.querySelector('[role=progressbar]')) seen(root.querySelector('.body > p:not(.muted):not(.note)'));
    }).observe(host.shadowRoot, { subtree: true, childList: true, characterData: true });
  })()`);
  return () => page.evaluate('window.__views') as Promise<string[]>;
}

/** The focused element, through shadow roots: "tag:text-or-aria-label", plus "@dialog" inside the dialog. */
export function deepFocus(page: Page): Promise<string> {
  return page.evaluate(`(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    if (!el) return '';
    const inDialog = Boolean(el.closest('[role=dialog]'));
    return el.tagName.toLowerCase() + ':' + (el.getAttribute('aria-label') || el.textContent || '').trim() + (inDialog ? '@dialog' : '');
  })()`);
}

/** Runs `body` in the page with the located element as `el` (a string: the tests compile without the DOM lib). */
export const onElement = <R>(loc: Locator, body: string): Promise<R> => loc.evaluate(new Function('el', body) as (el: unknown) => R);

/** Whether an <img> (located) has loaded: its natural width, or 0. */
export const loadedWidth = (loc: Locator) => onElement<number>(loc, 'return el.complete ? el.naturalWidth : 0');

/** A screenshot of what the shopper sees (the viewport; the dialog is fixed to it), or the full page. */
export async function shot(page: Page, name: string, fullPage = false) {
  if (fullPage) return screenshot(page, name);
  const path = await screenshot(page, name); // makes the folder; replaced by the viewport below
  await page.screenshot({ path });
  return path;
}
