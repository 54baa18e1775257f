/**
 * The commerce dashboard in Chromium against the real app on a real port (one app for the file):
 * a store owner creates a bot and sets up its connections (credentials write-only); a shopper's
 * message sent through the simulator API appears in the inbox without a reload (the realtime
 * WebSocket), the agent takes the conversation and replies, the reply shows with its delivery
 * status and reaches the shopper's side; an order's status is changed from the UI; a seller is
 * created, edited and deactivated; a linked device (an Evolution instance on a local fake of its API)
 * shows its QR code and turns linked when the instance connects. Screenshots go to test-output/screenshots (inbox →
 * docs/dashboard/inbox.png).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { OPERATOR } from '../harness.js';
import { garmentPng } from '../fakes/images.js';
import { collectPageErrors, launchChromium, newContext, screenshot } from './chromium.js';
import { failedCalls, startCommerceApp, until, type CommerceApp } from './commerce-harness.js';
import { connectionUpdate, startFakeEvolution, type FakeEvolution } from '../fakes/evolution-api.js';

let c: CommerceApp;
let browser: Browser;
let evolution: FakeEvolution;
const OWNER = { email: 'owner@shop-a.example', password: 'owner-password-1' };

beforeAll(async () => {
  // An Evolution API server (a local fake speaking its API) for the linked-device QR panel.
  evolution = await startFakeEvolution();
  c = await startCommerceApp(OWNER, { PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS: new URL(evolution.url).host });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await c?.t.close();
  await evolution?.close();
});

vi.setConfig({ testTimeout: 120_000 });

const api: CommerceApp['api'] = (...args) => c.api(...args);
const signIn: CommerceApp['signIn'] = (...args) => c.signIn(...args);

let botId: string;

describe('bots', () => {
  it('creates a bot, adds a connection with write-only credentials, reorders, disables and removes it', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    const errors = collectPageErrors(page);
    const failed = failedCalls(page);
    await signIn(page, OWNER);
    await page.getByRole('link', { name: 'Bots' }).click();
    await page.getByRole('heading', { name: 'Bots' }).waitFor();
    const form = page.getByRole('form', { name: 'New bot' });
    await form.getByLabel('Bot name').fill('Ventas');
    await form.getByLabel('WhatsApp number').fill('+5491155550000');
    await form.getByRole('button', { name: 'Create bot' }).click();
    await page.waitForURL(/\/bots\/bot_/);
    botId = new URL(page.url()).pathname.split('/').pop()!;
    await page.getByRole('heading', { name: /Ventas/ }).waitFor();
    // A new bot answers on the simulator at once.
    const sim = page.locator('[data-provider="simulator"]');
    await sim.waitFor();
    await expect(sim.innerText()).resolves.toMatch(/Simulator/);

    const first = await sim.getAttribute('data-connection');

    // A second simulator connection with a secret typed in: the secret goes in, only "set" comes back.
    const SECRET = 'typed-simulator-secret-0123456789';
    const add = page.getByRole('group', { name: 'Add a connection' });
    await add.getByLabel('Provider').selectOption('simulator');
    await add.getByLabel(/Signing secret/).fill(SECRET);
    await add.getByRole('button', { name: 'Add connection' }).click();
    await until(async () => (await page.locator('[data-provider="simulator"]').count()) === 2);
    const second = page.locator('.conn-list > li').nth(1);
    const secondId = (await second.getAttribute('data-connection'))!;
    expect(secondId).not.toBe(first);
    await expect(second.locator('[data-credential="secret"]').innerText()).resolves.toMatch(/: set$/);
    expect(await page.content()).not.toContain(SECRET);
    const stored = await api<{ connections: { id: string; credentials_set: string[]; priority: number }[] }>('GET', `/v1/bots/${botId}`, undefined, 200);
    expect(JSON.stringify(stored)).not.toContain(SECRET);
    expect(stored.connections.find((c) => c.id === secondId)!.credentials_set).toEqual(['secret']);

    // The second one first: the order is the API's too.
    await second.getByRole('button', { name: 'Move simulator up' }).click();
    await until(async () => (await page.locator('.conn-list > li').first().getAttribute('data-connection')) === secondId);
    const order = (await api<{ connections: { id: string; priority: number }[] }>('GET', `/v1/bots/${botId}`, undefined, 200)).connections.sort((a, b) => a.priority - b.priority).map((c) => c.id);
    expect(order).toEqual([secondId, first]);

    // Credentials the provider's driver refuses (Meta's app secret is 32 hex digits) are refused with the API's reason, shown as such.
    {
      await add.getByLabel('Provider').selectOption('meta');
      await add.getByLabel('Access token').fill('EAAG-not-kept');
      await add.getByLabel('Phone number ID').fill('1098765432');
      await add.getByLabel('App secret').fill('app-secret-abcdef');
      await add.getByLabel('Verify token').fill('verify-token-xyz');
      await add.getByRole('button', { name: 'Add connection' }).click();
      await add.getByRole('alert').filter({ hasText: 'CHANNEL_CREDENTIALS_INVALID' }).waitFor();
      await add.getByLabel('Provider').selectOption('simulator');
    }
    await screenshot(page, 'commerce-bot');

    // Disable, then remove the second connection; the first stays.
    const moved = page.locator(`[data-connection="${secondId}"]`);
    await moved.getByRole('button', { name: 'Disable' }).click();
    await moved.getByRole('button', { name: 'Enable' }).waitFor();
    expect((await api<{ connections: { id: string; enabled: boolean }[] }>('GET', `/v1/bots/${botId}`)).connections.find((c) => c.id === secondId)!.enabled).toBe(false);
    page.once('dialog', (d) => void d.accept());
    await moved.getByRole('button', { name: 'Remove' }).click();
    await moved.waitFor({ state: 'detached' });
    const after = await api<{ connections: { id: string }[] }>('GET', `/v1/bots/${botId}`, undefined, 200);
    expect(after.connections.map((c) => c.id)).toEqual([first]);

    // Business hours and the away message.
    const settings = page.getByRole('form', { name: 'Bot settings' });
    await settings.getByRole('checkbox', { name: /Business hours/ }).check();
    await settings.getByLabel('Time zone').fill('America/Argentina/Buenos_Aires');
    await settings.getByLabel('Away message', { exact: true }).fill('Estamos cerrados; respondemos desde las 9.');
    await settings.getByRole('button', { name: 'Save bot' }).click();
    await page.getByText('Saved.').waitFor();
    const saved = await api<{ business_hours: { timezone: string; intervals: unknown[] }; away_message: string }>('GET', `/v1/bots/${botId}`, undefined, 200);
    expect(saved.business_hours.timezone).toBe('America/Argentina/Buenos_Aires');
    expect(saved.business_hours.intervals).toHaveLength(5);
    expect(saved.away_message).toBe('Estamos cerrados; respondemos desde las 9.');

    // Health on demand: the probe's answer per connection.
    await page.getByRole('button', { name: 'Check health now' }).click();
    await page.locator(`[data-health="${first}"]`).getByText(/probe ok/).waitFor();
    // The simulator's web chat opens from a signed link.
    const href = (await page.locator('[data-simulator-link]').getAttribute('href'))!;
    expect(href.startsWith(`${c.base}/simulator/${botId}?token=`)).toBe(true);
    const chat = await ctx.newPage();
    expect((await chat.goto(href))!.status()).toBe(200);
    await chat.close();

    await page.getByRole('link', { name: '← Bots' }).click();
    await page.getByRole('table', { name: 'Bots' }).getByRole('link', { name: 'Ventas' }).waitFor();
    await screenshot(page, 'commerce-bots');
    // The one refused request: the Meta connection with malformed credentials.
    expect(failed).toEqual(['422 POST /v1/bots/bot_x/connections']);
    expect(errors.filter((e) => !e.includes('status of 422'))).toEqual([]);
    await ctx.close();
  });
});

describe('inbox', () => {
  it("a shopper's message appears live; the agent takes it, replies, the shopper gets it and the reply shows read", async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    const errors = collectPageErrors(page);
    const diego = await api<{ id: string }>('POST', '/v1/sellers', { name: 'Diego Pérez', phone: '+5491122223333' }, 201);
    await signIn(page, OWNER);
    await page.getByRole('link', { name: 'Inbox' }).click();
    await page.locator('[data-live="live"]').waitFor();
    const filters = page.getByRole('group', { name: 'Filters' });
    await filters.getByLabel('I am').selectOption(diego.id); // remembered in this browser

    // The shopper writes through the simulator API while the inbox is open: no reload.
    const SHOPPER = '+5491177778888';
    await api('POST', `/v1/bots/${botId}/simulator/messages`, { phone: SHOPPER, name: 'Sofía', text: 'Hola, ¿tienen la remera roja en talle M?' }, 202);
    const item = page.getByRole('navigation', { name: 'Conversations' }).locator('[data-conversation]', { hasText: 'Sofía' });
    await item.waitFor();
    const convId = (await item.getAttribute('data-conversation'))!;
    expect(convId).toMatch(/^cnv_/);
    await item.click();
    c.t.clock.advance(20_000); // the app's clock is manual: the agent answers a little later
    const thread = page.getByRole('log', { name: 'Messages' });
    await thread.locator('[data-direction="in"]', { hasText: 'remera roja en talle M' }).waitFor();

    // Take it: the conversation is Diego's (the bot stays silent).
    await page.getByRole('button', { name: 'Take' }).click();
    await page.locator('[data-conversation-status="agent"]').waitFor();
    expect(await api('GET', `/v1/conversations/${convId}`, undefined, 200)).toMatchObject({ status: 'agent', assigned_seller_id: diego.id, unread_count: 0 });

    // Reply: the bubble shows with its status as the send job and the shopper's phone move it.
    await page.getByLabel('Reply to the shopper').fill('¡Hola Sofía! Sí, nos queda en M. ¿Te la reservo?');
    await page.getByRole('button', { name: 'Send' }).click();
    const out = thread.locator('[data-direction="out"]', { hasText: 'nos queda en M' });
    await out.waitFor();
    await until(async () => ['sent', 'delivered', 'read'].includes((await out.locator('[data-status]').getAttribute('data-status')) ?? ''));

    // The shopper's phone has it; reading it marks it delivered and read, which the open thread shows live.
    let shopper: { messages: { direction: string; content: { text?: string } }[] } = { messages: [] };
    await until(async () => {
      shopper = await api('GET', `/v1/bots/${botId}/simulator/messages?phone=${encodeURIComponent(SHOPPER)}`);
      return shopper.messages.some((m) => m.direction === 'to_shopper' && m.content.text === '¡Hola Sofía! Sí, nos queda en M. ¿Te la reservo?');
    });
    expect(shopper.messages[0]).toMatchObject({ direction: 'from_shopper', content: { text: 'Hola, ¿tienen la remera roja en talle M?' } });
    await until(async () => (await out.locator('[data-status]').getAttribute('data-status')) === 'read');

    // A second message from the shopper arrives in the open thread, live; two other shoppers write meanwhile.
    c.t.clock.advance(30_000);
    await api('POST', `/v1/bots/${botId}/simulator/messages`, { phone: SHOPPER, text: 'Sí, porfa. ¿Tienen también la gorra?' }, 202);
    await thread.locator('[data-direction="in"]', { hasText: 'Sí, porfa' }).waitFor();
    c.t.clock.advance(60_000);
    await api('POST', `/v1/bots/${botId}/simulator/messages`, { phone: '+5491133334444', name: 'Julián', text: '¿Hacen envíos a Córdoba?' }, 202);
    c.t.clock.advance(45_000);
    await api('POST', `/v1/bots/${botId}/simulator/messages`, { phone: '+5491155556666', name: 'Ana', text: 'Quiero cambiar un talle' }, 202);
    await api('POST', `/v1/bots/${botId}/simulator/messages`, { phone: '+5491155556666', text: 'Compré una remera M y me queda chica' }, 202);
    const list = page.getByRole('navigation', { name: 'Conversations' });
    await list.locator('[data-conversation]', { hasText: 'Ana' }).locator('[data-unread="2"]').waitFor();
    await list.locator('[data-conversation]', { hasText: 'Julián' }).locator('[data-unread="1"]').waitFor();
    await screenshot(page, 'commerce-inbox');
    mkdirSync(join(process.cwd(), 'docs', 'dashboard'), { recursive: true });
    copyFileSync(join(process.cwd(), 'test-output', 'screenshots', 'commerce-inbox.png'), join(process.cwd(), 'docs', 'dashboard', 'inbox.png'));

    // Filters, each asked of the API: waiting for an agent, unread, the agent's, mine.
    const names = async () => (await list.locator('[data-conversation] strong').allInnerTexts()).sort();
    const showing = async (expected: string[]) => until(async () => JSON.stringify(await names()) === JSON.stringify(expected));
    await filters.getByLabel('State').selectOption('waiting_agent');
    await showing(['Ana', 'Julián']);
    await filters.getByLabel('State').selectOption('agent');
    await showing(['Sofía']);
    await filters.getByLabel('State').selectOption('');
    await filters.getByLabel('Unread').check();
    await showing(['Ana', 'Julián']);
    await filters.getByLabel('Unread').uncheck();
    await filters.getByLabel('Mine').check();
    await showing(['Sofía']);
    await filters.getByLabel('Mine').uncheck();
    await showing(['Ana', 'Julián', 'Sofía']);

    // Hand it back to the bot.
    await page.getByRole('button', { name: 'Hand back to bot' }).click();
    await page.locator('[data-conversation-status="bot"]').waitFor();
    expect((await api<{ status: string }>('GET', `/v1/conversations/${convId}`, undefined, 200)).status).toBe('bot');
    expect(errors).toEqual([]);
    await ctx.close();

    // An operator acting for the store sees the same thread, live too.
    const octx = await newContext(browser);
    const op = await octx.newPage();
    const opErrors = collectPageErrors(op);
    const tickets: number[] = [];
    op.on('request', (r) => r.method() === 'POST' && r.url().endsWith('/v1/realtime/tickets') && tickets.push(Date.now()));
    await signIn(op, OPERATOR);
    await op.goto(`${c.base}/dashboard/t/${c.t.tenantA.id}/inbox/${convId}`);
    await op.locator('[data-live="live"]').waitFor();
    await op.getByRole('log', { name: 'Messages' }).locator('[data-direction="out"]', { hasText: 'nos queda en M' }).waitFor();
    expect(tickets).toHaveLength(1);

    // The server drops every socket (a node restarting): the page says so, reconnects after a backoff
    // with a new ticket, and refetches — then live events flow again.
    for (const ws of (c.t.app as unknown as { websocketServer: { clients: Set<{ terminate: () => void }> } }).websocketServer.clients) ws.terminate();
    await op.locator('[data-live="offline"]').waitFor();
    await op.locator('[data-live="live"]').waitFor();
    expect(tickets).toHaveLength(2);
    await api('POST', `/v1/bots/${botId}/simulator/messages`, { phone: SHOPPER, text: '¿Hacen envíos?' }, 202);
    await op.getByRole('log', { name: 'Messages' }).locator('[data-direction="in"]', { hasText: '¿Hacen envíos?' }).waitFor();
    expect(opErrors).toEqual([]);
    await octx.close();
  });
});

describe('orders', () => {
  it('shows an order with its items and totals, and moves it through the allowed statuses from the UI', async () => {
    const image = `data:image/png;base64,${(await garmentPng()).toString('base64')}`;
    await api('PUT', '/v1/products/remera-roja', { name: 'Remera roja', image, price: { amount: 1999, currency: 'EUR' }, stock: 10 });
    await api('PUT', '/v1/products/gorra', { name: 'Gorra', image, price: { amount: 1250, currency: 'EUR' } });
    const order = await api<{ id: string; total_amount: number }>(
      'POST',
      '/v1/orders',
      { items: [{ product_id: 'remera-roja', quantity: 2 }, { product_id: 'gorra', quantity: 1 }], shipping_amount: 500, customer: { name: 'Lucía', phone: '+5491166667777' } },
      201,
    );
    expect(order.total_amount).toBe(2 * 1999 + 1250 + 500);

    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    const errors = collectPageErrors(page);
    await signIn(page, OWNER);
    await page.getByRole('link', { name: 'Orders' }).click();
    const table = page.getByRole('table', { name: 'Orders' });
    await table.getByRole('link', { name: order.id }).waitFor();
    await screenshot(page, 'commerce-orders');
    // The status filter asks the API: no shipped orders yet.
    await page.getByRole('group', { name: 'Order status' }).getByRole('button', { name: 'shipped' }).click();
    await page.getByText('No shipped orders').waitFor();
    await page.getByRole('group', { name: 'Order status' }).getByRole('button', { name: 'pending' }).click();
    await table.getByRole('link', { name: order.id }).click();

    await page.locator('[data-order-status="pending"]').waitFor();
    await expect(page.locator('[data-total]').innerText()).resolves.toBe('€57.48');
    await expect(page.getByRole('table', { name: 'Items' }).innerText()).resolves.toMatch(/Remera roja\s+2\s+€19\.99\s+€39\.98/);
    // Only the allowed moves are offered: pending → confirmed or canceled.
    const moves = page.getByRole('group', { name: 'Change status' });
    await expect(moves.locator('[data-next]').evaluateAll((els) => els.map((e) => e.getAttribute('data-next')))).resolves.toEqual(['confirmed', 'canceled']);

    // A payment link, then confirmed and paid from the UI.
    await page.getByRole('form', { name: 'Payment link' }).locator('input').fill('https://pay.example/ord/123');
    await page.getByRole('button', { name: 'Save link' }).click();
    await page.locator('[data-payment-link]').waitFor();
    await moves.getByLabel('Note (optional)').fill('Confirmed by phone');
    await moves.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('[data-order-status="confirmed"]').waitFor();
    await moves.getByRole('button', { name: 'Mark paid' }).click();
    await page.locator('[data-order-status="paid"]').waitFor();
    await expect(moves.locator('[data-next]').evaluateAll((els) => els.map((e) => e.getAttribute('data-next')))).resolves.toEqual(['shipped', 'canceled']);
    await screenshot(page, 'commerce-order');
    // A change made elsewhere (the API, a flow) shows without a reload: the order.status_changed event.
    await api('POST', `/v1/orders/${order.id}/status`, { status: 'shipped' }, 200);
    await page.locator('[data-order-status="shipped"]').waitFor();
    await expect(moves.locator('[data-next]').evaluateAll((els) => els.map((e) => e.getAttribute('data-next')))).resolves.toEqual(['delivered']);

    const after = await api<{ status: string; payment_link: string; status_history: { status: string; note: string | null }[] }>('GET', `/v1/orders/${order.id}`, undefined, 200);
    expect(after.status).toBe('shipped');
    expect(after.payment_link).toBe('https://pay.example/ord/123');
    expect(after.status_history.map((h) => [h.status, h.note])).toEqual([
      ['pending', null],
      ['confirmed', 'Confirmed by phone'],
      ['paid', null],
      ['shipped', null],
    ]);
    expect(errors).toEqual([]);
    await ctx.close();
  });
});

describe('sellers', () => {
  it('creates, edits and deactivates a seller', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    const errors = collectPageErrors(page);
    await signIn(page, OWNER);
    await page.getByRole('link', { name: 'Sellers' }).click();
    const form = page.getByRole('form', { name: 'New seller' });
    await form.getByLabel('Name').fill('Marta Gómez');
    await form.getByLabel('Phone').fill('+5491144443333');
    await form.getByLabel('Email').fill('marta@shop-a.example');
    await form.getByRole('button', { name: 'Add seller' }).click();
    await page.getByRole('status').filter({ hasText: 'Seller added.' }).waitFor();
    const row = page.getByRole('table', { name: 'Sellers' }).locator('tr', { hasText: 'Marta Gómez' });
    await row.waitFor();

    await row.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('form', { name: 'Edit seller' });
    await edit.getByLabel('Max open conversations').fill('5');
    await edit.getByRole('button', { name: 'Save seller' }).click();
    await page.getByRole('status').filter({ hasText: 'Seller saved.' }).waitFor();
    await row.getByText('0 / 5').waitFor(); // the list reloads after the save

    await row.getByRole('button', { name: 'Deactivate' }).click();
    await row.getByRole('button', { name: 'Activate' }).waitFor();
    await screenshot(page, 'commerce-sellers');
    const list = await api<{ data: { name: string; phone: string; email: string; active: boolean; max_open_conversations: number }[] }>('GET', '/v1/sellers', undefined, 200);
    expect(list.data.find((x) => x.name === 'Marta Gómez')).toMatchObject({ phone: '+5491144443333', email: 'marta@shop-a.example', active: false, max_open_conversations: 5 });
    expect(errors).toEqual([]);
    await ctx.close();
  });
});

describe('linked device', () => {
  it("shows an Evolution instance's QR code, and turns linked when the instance connects", async () => {
    const bot = await api<{ id: string; connections: { id: string }[] }>('POST', '/v1/bots', {
      name: 'Tienda QR',
      connections: [{ provider: 'evolution', credentials: { base_url: evolution.url, api_key: evolution.globalKey, instance: 'shop-qr', webhook_secret: 'evolution-webhook-secret-qr01' } }],
    }, 201);
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    const errors = collectPageErrors(page);
    await signIn(page, OWNER);
    await page.getByRole('link', { name: 'Bots' }).click();
    await page.getByRole('table', { name: 'Bots' }).getByRole('link', { name: 'Tienda QR' }).click();
    const panel = page.getByRole('region', { name: 'Link evolution device' });
    const img = panel.getByRole('img', { name: 'WhatsApp QR code' });
    await img.waitFor();
    expect(await img.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    // The code shown is the one the instance made (the API answers it as text beside the PNG).
    const qr = await api<{ qr: string; state: string }>('GET', `/v1/bots/${bot.id}/qr`, undefined, 200);
    expect(qr.qr).toBe(evolution.instances.get('shop-qr')!.qr!.code);
    await screenshot(page, 'commerce-qr');
    // The phone scans it: Evolution reports the instance open, and the page says so.
    evolution.pair('shop-qr');
    expect((await evolution.deliver('shop-qr', 'connection.update', connectionUpdate('shop-qr', 'open'))).status).toBe(200);
    await panel.getByText('Linked.').waitFor({ timeout: 30_000 });
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
