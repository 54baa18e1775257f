/**
 * The flow editor in Chromium against the real app on a real port (issue 23): the store's flows
 * listed, a new one created from the UI (then unbound from its bot and deleted); the shop flow
 * (the one of test/commerce-flows.test.ts) drawn as a graph with one node per step and its edges'
 * labels; the JSON broken (an unknown `next`) shows the located error, the step outlined red and
 * the ghost of the missing step; a parse error shows its line and column; publishing the broken
 * draft is refused with its errors; fixed, saved, published (version 1), published again, rolled
 * back, a version copied to the draft; the simulator pane runs a script (hi → Buy → a product → a
 * wrong quantity → 2) and shows the bot's bubbles, the dry-run order and the handover (the session
 * paused for the agent) with the visited steps highlighted, then a timeout. Screenshots at
 * 1440×900 go to test-output/screenshots (flows-list, flow-editor, flow-editor-errors,
 * flow-editor-list, flow-editor-fit-all); flow-editor → docs/dashboard/flow-editor.png.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { garmentPng } from '../fakes/images.js';
import { shopFlow } from '../flow-fixtures.js';
import { collectPageErrors, launchChromium, newContext, screenshot } from './chromium.js';
import { startCommerceApp, until, type CommerceApp } from './commerce-harness.js';

let c: CommerceApp;
let browser: Browser;
let pay: Server;
let payUrl: string;
let botId: string;
let otherBotId: string;
let flowId: string;
const OWNER = { email: 'owner@shop-a.example', password: 'owner-password-1' };
const VIEWPORT = { width: 1440, height: 900 };

type Flow = { id: string; name: string; bot_id: string | null; published_version: number | null; latest_version: number | null; draft: unknown; draft_valid: boolean; draft_errors: { code: string; path: string }[] };

const STEP_IDS = shopFlow('').steps.map((s) => s.id);

beforeAll(async () => {
  // A payment provider's API: answers a link for the order it is given.
  pay = createServer((req, res) => {
    let body = '';
    req.on('data', (b: Buffer) => (body += b.toString()));
    req.on('end', () => {
      const parsed = JSON.parse(body || '{}') as Record<string, unknown>;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: `https://pay.example/l/${String(parsed.order)}`, status: 'open' }));
    });
  });
  await new Promise<void>((r) => pay.listen(0, '127.0.0.1', r));
  const port = (pay.address() as AddressInfo).port;
  payUrl = `http://127.0.0.1:${port}/links`;
  c = await startCommerceApp(OWNER, { PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS: `127.0.0.1:${port}` });
  browser = await launchChromium();
  const image = `data:image/png;base64,${(await garmentPng()).toString('base64')}`;
  await c.api('PUT', '/v1/products/shirt', { name: 'Linen shirt', image, price: { amount: 2000, currency: 'EUR' }, stock: 5 });
  await c.api('PUT', '/v1/products/cap', { name: 'Cap', image, price: { amount: 900, currency: 'EUR' }, stock: 0 });
  botId = (await c.api<{ id: string }>('POST', '/v1/bots', { name: 'Shop bot' }, 201)).id;
  otherBotId = (await c.api<{ id: string }>('POST', '/v1/bots', { name: 'Second bot' }, 201)).id;
  const flow = await c.api<Flow>('POST', '/v1/flows', { name: 'Shop', bot_id: botId, definition: shopFlow(payUrl) }, 201);
  expect(flow.draft_valid).toBe(true);
  flowId = flow.id;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await c?.t.close();
  await new Promise<void>((r) => (pay ? pay.close(() => r()) : r()));
});

vi.setConfig({ testTimeout: 120_000 });

const api: CommerceApp['api'] = (...args) => c.api(...args);

/** The API answers the page got with a 4xx/5xx (`422 POST /v1/flows/:id/publish`). */
function failedCalls(page: Page): string[] {
  const out: string[] = [];
  page.on('response', (r) => r.status() >= 400 && out.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname.replace(/flw_[0-9A-Za-z]+/, ':id')}`));
  return out;
}

const textarea = (page: Page) => page.getByLabel('Flow definition (JSON)');
/** The text the textarea has selected. */
const selectedText = (page: Page) => textarea(page).evaluate((el) => {
    const t = el as unknown as { value: string; selectionStart: number; selectionEnd: number };
    return t.value.slice(t.selectionStart, t.selectionEnd);
  });
const stepClass = async (page: Page, id: string) => (await page.locator(`[data-node="step"][data-step="${id}"]`).getAttribute('class')) ?? '';

describe('the flows list', () => {
  it("lists the store's flows with their bot, version and draft state; a new flow starts from the greeting", async () => {
    const ctx = await newContext(browser, { viewport: VIEWPORT });
    const page = await ctx.newPage();
    const errors = collectPageErrors(page);
    await c.signIn(page, OWNER);
    await page.getByRole('link', { name: 'Flows' }).click();
    await page.getByRole('heading', { name: 'Flows' }).waitFor();
    const table = page.getByRole('table', { name: 'Flows' });
    const shop = table.locator('tr', { has: page.getByRole('link', { name: 'Shop', exact: true }) });
    await shop.waitFor();
    await expect(shop.innerText()).resolves.toMatch(/Shop\s+Shop bot\s+not published\s+valid/);

    // A new flow for the second bot (the first already has one: it cannot be picked).
    const form = page.getByRole('form', { name: 'New flow' });
    await form.getByLabel('Flow name').fill('Greeting');
    const botOption = form.getByLabel('Bot').locator(`option[value="${botId}"]`);
    expect(await botOption.isDisabled()).toBe(true);
    await form.getByLabel('Bot').selectOption(otherBotId);
    await form.getByRole('button', { name: 'New flow' }).click();
    await page.waitForURL(/\/flows\/flw_/);
    const newId = new URL(page.url()).pathname.split('/').pop()!;
    // The editor opens on the API's starter draft: one greeting step, valid.
    await page.getByRole('heading', { name: /Greeting/ }).waitFor();
    await page.locator('[data-validation="valid"]').waitFor();
    await expect(page.locator('[data-node="step"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-step')))).resolves.toEqual(['welcome']);
    expect(await page.getByLabel('Bot', { exact: true }).inputValue()).toBe(otherBotId);
    const created = await api<Flow>('GET', `/v1/flows/${newId}`, undefined, 200);
    expect(created).toMatchObject({ name: 'Greeting', bot_id: otherBotId, published_version: null, draft_valid: true });

    await page.getByRole('link', { name: '← Flows' }).click();
    await table.getByRole('link', { name: 'Greeting' }).waitFor();
    await expect(table.locator('tr', { hasText: 'Greeting' }).innerText()).resolves.toMatch(/Second bot/);

    // Unbound from its bot, then deleted.
    await table.getByRole('link', { name: 'Greeting' }).click();
    await page.getByLabel('Bot', { exact: true }).selectOption('');
    await page.getByRole('status').filter({ hasText: 'No bot drives this flow now.' }).waitFor();
    expect((await api<Flow>('GET', `/v1/flows/${newId}`, undefined, 200)).bot_id).toBeNull();
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL(/\/flows$/);
    await table.getByRole('link', { name: 'Shop', exact: true }).waitFor();
    expect(await table.getByRole('link', { name: 'Greeting' }).count()).toBe(0);
    await api('GET', `/v1/flows/${newId}`, undefined, 404);
    expect(errors).toEqual([]);
    await ctx.close();
  });
});

describe('the flow editor', () => {
  it('draws the graph; a broken next is located and outlined; fixed, saved and published; the simulator runs the draft', async () => {
    const ctx = await newContext(browser, { viewport: VIEWPORT });
    const page = await ctx.newPage();
    const errors = collectPageErrors(page);
    const failed = failedCalls(page);
    await c.signIn(page, OWNER);
    await page.getByRole('link', { name: 'Flows' }).click();
    await page.getByRole('table', { name: 'Flows' }).getByRole('link', { name: 'Shop', exact: true }).click();
    await page.getByRole('heading', { name: /Shop/ }).waitFor();
    await page.locator('[data-validation="valid"]').waitFor();

    // ---- the graph: one node per step, the start marked, the edges with their labels
    const graph = page.getByRole('img', { name: 'Flow graph' });
    await expect(graph.locator('[data-node="step"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-step')))).resolves.toEqual(STEP_IDS);
    expect(await graph.locator('[data-node="start"]').count()).toBe(1);
    expect(await graph.locator('[data-edge="start"]').getAttribute('data-to')).toBe('welcome');
    const edges = await graph.locator('[data-edge]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-from')}>${e.getAttribute('data-to') || 'end'}:${e.getAttribute('data-label')}`));
    expect(edges.sort()).toEqual(
      [
        'start>welcome:',
        'welcome>menu:',
        'menu>pick:Buy',
        'menu>handover:Talk to someone',
        'menu>bye:on_timeout',
        'pick>qty:',
        'qty>check:',
        'check>add:branch 1',
        'check>handover:else',
        'add>order:',
        'order>pay:',
        'order>sorry:on_error',
        'sorry>handover:',
        'pay>link:',
        'pay>handover:on_error',
        'link>handover:',
        'handover>after:',
        'after>end:',
      ].sort(),
    );
    // The labels are drawn (not just data): each labelled edge has its pill with the text.
    await expect(graph.locator('[data-edge-label] text').allTextContents()).resolves.toEqual(expect.arrayContaining(['Buy', 'Talk to someone', 'on_timeout', 'branch 1', 'else', 'on_error']));
    // A node shows its summary: the question's prompt and its options.
    await expect(graph.locator('[data-step="menu"]').textContent()).resolves.toMatch(/menu.*question.*What would you like\?.*Buy.*Talk to someone/);
    // Laid out: no two steps overlap, and the SVG fits the pane's width.
    const boxes = await graph.locator('[data-node="step"] > rect').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ x: r.x, y: r.y, w: r.width, h: r.height })));
    for (const [i, a] of boxes.entries())
      for (const b of boxes.slice(i + 1)) expect(a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y, JSON.stringify([a, b])).toBe(true);
    const fits = () => graph.evaluate((el) => {
      const [r, pane] = [el.getBoundingClientRect(), el.parentElement!.getBoundingClientRect()];
      return { width: r.width <= pane.width, height: r.height <= pane.height };
    });
    await expect(fits()).resolves.toMatchObject({ width: true });
    // "Fit all": the whole graph in the pane.
    await page.getByRole('group', { name: 'Zoom' }).getByRole('button', { name: 'Fit all' }).click();
    await expect(fits()).resolves.toEqual({ width: true, height: true });
    await screenshot(page, 'flow-editor-fit-all');
    await page.getByRole('group', { name: 'Zoom' }).getByRole('button', { name: 'Fit width' }).click();

    // ---- clicking a node selects its step in the JSON
    await graph.locator('[data-step="qty"]').click();
    await until(async () => (await selectedText(page)).startsWith('{\n') && (await selectedText(page)).includes('"id": "qty"'));
    expect(await stepClass(page, 'qty')).toContain('selected');

    // ---- break it: pick's next names no step
    const original = await textarea(page).inputValue();
    const broken = original.replace('"next": "qty"', '"next": "qtty"');
    expect(broken).not.toBe(original);
    await textarea(page).fill(broken);
    const unknown = page.locator('[data-issue="UNKNOWN_STEP"][data-path="/steps/3/next"]');
    await unknown.waitFor();
    await expect(unknown.innerText()).resolves.toContain('qtty');
    const line = broken.slice(0, broken.indexOf('"next": "qtty"')).split('\n').length;
    await expect(unknown.innerText()).resolves.toContain(`line ${line}`);
    await page.locator('[data-validation="invalid"]').waitFor();
    await until(async () => (await stepClass(page, 'pick')).includes('has-errors'));
    expect(await graph.locator('[data-step="pick"]').getAttribute('data-errors')).not.toBe('0');
    await expect(graph.locator('[data-step="pick"] title').textContent()).resolves.toMatch(/next goes to "qtty", which is no step of this flow/);
    // The missing step is drawn as a ghost, with a broken edge to it; the steps only it led to are unreachable (outlined too).
    await graph.locator('[data-missing="qtty"]').waitFor();
    expect(await graph.locator('[data-edge][data-from="pick"]').getAttribute('class')).toContain('broken');
    expect(await stepClass(page, 'qty')).toContain('has-errors');
    expect(await stepClass(page, 'welcome')).not.toContain('has-errors');
    // Clicking the error selects its place in the text.
    await unknown.getByRole('button').click();
    await until(async () => (await selectedText(page)) === '"next": "qtty"');
    await screenshot(page, 'flow-editor-errors');

    // ---- invalid JSON: a parse error with its line and column (the graph keeps the last good draft)
    const noComma = broken.replace('"id": "bye",', '"id": "bye"');
    await textarea(page).fill(noComma);
    const parseError = page.locator('[data-parse-error]');
    await parseError.waitFor();
    // Located at the token where the comma is missing: the next property's name.
    const at = noComma.indexOf('"type"', noComma.indexOf('"id": "bye"'));
    const upTo = noComma.slice(0, at).split('\n');
    await expect(parseError.innerText()).resolves.toContain(`at line ${upTo.length}, column ${upTo.pop()!.length + 1}`);
    expect(await graph.getAttribute('class')).toContain('stale');
    expect(await page.getByRole('button', { name: 'Publish' }).isDisabled()).toBe(true);

    // ---- publishing the broken (but JSON) draft is refused with its located errors; the draft is kept
    await textarea(page).fill(broken);
    await page.locator('[data-validation="invalid"]').waitFor();
    await page.getByRole('button', { name: 'Publish' }).click();
    const refused = page.getByRole('alert').filter({ hasText: 'FLOW_INVALID' });
    await refused.waitFor();
    await expect(refused.innerText()).resolves.toContain('/steps/3/next');
    const kept = await api<Flow>('GET', `/v1/flows/${flowId}`, undefined, 200);
    expect(kept.draft_valid).toBe(false);
    expect(kept.published_version).toBeNull();
    expect(kept.draft_errors).toContainEqual(expect.objectContaining({ code: 'UNKNOWN_STEP', path: '/steps/3/next' }));

    // ---- fix it, save, publish: version 1
    await textarea(page).fill(original);
    await page.locator('[data-validation="valid"]').waitFor();
    await until(async () => (await graph.locator('.has-errors').count()) === 0);
    expect(await graph.locator('[data-node="missing"]').count()).toBe(0);
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('status').filter({ hasText: 'Draft saved.' }).waitFor();
    const saved = await api<Flow>('GET', `/v1/flows/${flowId}`, undefined, 200);
    expect(saved.draft_valid).toBe(true);
    expect(saved.draft).toEqual(shopFlow(payUrl));
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('status').filter({ hasText: 'Published version 1.' }).waitFor();
    await page.locator('[data-published="1"]').getByText('published: version 1').waitFor();
    expect((await api<Flow>('GET', `/v1/flows/${flowId}`, undefined, 200)).published_version).toBe(1);

    // ---- the simulator: hi → Buy → the shirt → a wrong quantity → 2
    const chat = page.getByRole('log', { name: 'Test conversation' });
    const say = async (text: string) => {
      const n = await chat.locator('[data-from]').count();
      await page.getByLabel('Message as the shopper').fill(text);
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await until(async () => (await chat.locator('[data-from]').count()) > n);
    };
    await say('hi');
    const bot = chat.locator('[data-from="bot"]');
    await bot.filter({ hasText: 'Hi Test shopper! Welcome to the shop.' }).waitFor();
    const menu = bot.filter({ hasText: 'What would you like?' });
    await expect(menu.getByRole('group', { name: 'Reply buttons' }).getByRole('button').allTextContents()).resolves.toEqual(['Buy', 'Talk to someone']);
    await chat.locator('[data-session-step="menu"]').waitFor();
    await until(async () => (await graph.locator('[data-visited="true"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-step')))).join() === 'welcome,menu');
    await menu.getByRole('button', { name: 'Buy' }).click();
    const which = bot.filter({ hasText: 'Which one?' });
    await which.waitFor();
    await chat.locator('[data-from="shopper"]', { hasText: '↩ Buy' }).waitFor();
    await which.getByRole('button', { name: '☰ Products' }).click();
    await screenshot(page, 'flow-editor-list');
    await which.getByRole('group', { name: 'Products' }).getByRole('button', { name: /Linen shirt/ }).click();
    await bot.filter({ hasText: 'How many?' }).waitFor();
    await say('a few');
    await bot.filter({ hasText: 'Please send a number from 1 to 99.' }).waitFor();
    await say('2');
    // Handed over: the session waits for the agent to hand it back, at `after`.
    await chat.locator('[data-session-status="active"][data-session-step="after"]').filter({ hasText: 'resumes at “after”' }).waitFor();
    await expect(chat.locator('[data-event="order.create"]').innerText()).resolves.toBe('Order created (test: not stored): 2 × shirt — €40.00');
    const link = bot.filter({ hasText: 'Order ord_test: €40.00' }).getByRole('link', { name: '↗ Pay' });
    expect(await link.getAttribute('href')).toBe('https://pay.example/l/ord_test');
    await chat.locator('[data-event="handover"]').waitFor();
    expect(await bot.filter({ hasText: 'Back with the bot' }).count()).toBe(0);
    // What the page shows is what the API says of the same script.
    const same = await api<{ transcript: { from: string }[]; visited: string[] }>('POST', `/v1/flows/${flowId}/test`, { inputs: ['hi', { reply: 'buy' }, { reply: 'shirt' }, 'a few', '2'] }, 200);
    await expect(chat.locator('[data-from]:not(.session)').evaluateAll((els) => els.map((e) => e.getAttribute('data-from')))).resolves.toEqual(same.transcript.map((e) => e.from));
    const visited = (await graph.locator('[data-visited="true"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-step')))).sort();
    expect(visited).toEqual([...new Set(same.visited)].sort());
    expect(visited).not.toContain('bye');
    expect(visited).not.toContain('sorry');
    expect(await graph.locator('[data-edge][data-from="menu"][data-to="pick"]').getAttribute('class')).toContain('taken');
    expect(await graph.locator('[data-edge][data-from="menu"][data-to="bye"]').getAttribute('class')).not.toContain('taken');
    await screenshot(page, 'flow-editor');
    mkdirSync(join(process.cwd(), 'docs', 'dashboard'), { recursive: true });
    copyFileSync(join(process.cwd(), 'test-output', 'screenshots', 'flow-editor.png'), join(process.cwd(), 'docs', 'dashboard', 'flow-editor.png'));

    // ---- reset, then a timeout at the menu
    await page.getByRole('button', { name: 'Reset' }).click();
    await until(async () => (await chat.locator('[data-from]').count()) === 0 && (await graph.locator('[data-visited="true"]').count()) === 0);
    await say('hello');
    await menu.waitFor();
    await page.getByRole('button', { name: 'Time out' }).click();
    await chat.locator('[data-event="timeout"]').waitFor();
    await bot.filter({ hasText: 'Write again whenever you like.' }).waitFor();
    await chat.locator('[data-session-status="completed"]').waitFor();
    await until(async () => (await stepClass(page, 'bye')).includes('visited'));

    // ---- an edit runs in the simulator at once (saved first), then publish version 2 and roll back to 1
    await textarea(page).fill(original.replace('Welcome to the shop.', 'Welcome to version two!'));
    await page.getByText('Unsaved changes').waitFor();
    await page.getByRole('button', { name: '↻ Run again' }).click();
    await bot.filter({ hasText: 'Hi Test shopper! Welcome to version two!' }).waitFor();
    await until(async () => !(await page.getByText('Unsaved changes').isVisible()));
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('status').filter({ hasText: 'Published version 2.' }).waitFor();
    await page.getByRole('tab', { name: /Versions/ }).click();
    const versions = page.getByRole('list', { name: 'Versions' });
    await versions.locator('[data-version="2"]').getByText('published', { exact: true }).waitFor();
    page.once('dialog', (d) => void d.accept());
    await versions.locator('[data-version="1"]').getByRole('button', { name: 'Roll back to this' }).click();
    await page.getByRole('status').filter({ hasText: 'Version 1 is published again.' }).waitFor();
    await versions.locator('[data-version="1"]').getByText('published', { exact: true }).waitFor();
    expect(await api<Flow>('GET', `/v1/flows/${flowId}`, undefined, 200)).toMatchObject({ published_version: 1, latest_version: 2 });
    // A version's definition copied into the editor, unsaved.
    await versions.locator('[data-version="1"]').getByRole('button', { name: 'Copy to draft' }).click();
    await page.getByText('Unsaved changes').waitFor();
    expect(JSON.parse(await textarea(page).inputValue())).toEqual(shopFlow(payUrl));
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('status').filter({ hasText: 'Draft saved.' }).waitFor();

    // The list says so too.
    await page.getByRole('link', { name: '← Flows' }).click();
    await expect(page.getByRole('table', { name: 'Flows' }).locator('tr', { hasText: 'Shop bot' }).innerText()).resolves.toMatch(/Shop\s+Shop bot\s+version 1\s+valid/);
    await screenshot(page, 'flows-list');

    // The one refused request: publishing the broken draft.
    expect(failed).toEqual(['422 POST /v1/flows/:id/publish']);
    expect(errors.filter((e) => !e.includes('status of 422'))).toEqual([]);
    await ctx.close();
  });
});
