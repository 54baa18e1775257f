/**
 * The dashboard's Bot analytics page in Chromium against the real app: a week of scripted
 * conversations on two simulator bots (shoppers' messages through the simulator API, agents'
 * replies through POST /v1/messages, a few replies failed, orders for some conversations) and a
 * flow's scripted sessions; the page shows the exact figures for 7 days and for 24 hours, for all
 * bots and for one, the providers, the flows and their steps, and exports CSV. Screenshot:
 * test-output/screenshots/bot-analytics.png (→ docs/dashboard/bot-analytics.png).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { collectPageErrors, launchChromium, newContext, screenshot } from './chromium.js';
import { failedCalls, startCommerceApp, until, type CommerceApp } from './commerce-harness.js';
import { waitFor } from '../commerce-helpers.js';
import { putProduct } from '../orders-helpers.js';

let c: CommerceApp;
let browser: Browser;
const OWNER = { email: 'owner@analytics-a.example', password: 'owner-password-1' };
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const FLOW = 'flw_01DASHBOARDFLOW000000000001';
/** What the script made: per bot, in the last 7 days and in the last 24 hours. */
const made = { week: { in: 0, out: 0, failed: 0, conversations: 0, converted: 0 }, day: { in: 0, out: 0, failed: 0 }, dayB: { in: 0, out: 0 } };

beforeAll(async () => {
  c = await startCommerceApp(OWNER);
  const t = c.t;
  const rows = async <T>(q: ReturnType<typeof sql>) => ((await t.deps.db.execute(q)) as unknown as { rows: T[] }).rows;
  const now = t.clock.now();
  const botA = await c.api<{ id: string }>('POST', '/v1/bots', { name: 'Ventas' }, 201);
  const botB = await c.api<{ id: string }>('POST', '/v1/bots', { name: 'Soporte' }, 201);
  await putProduct(t, 'tee-1', { price: { amount: 1000, currency: 'USD' }, stock: 1000 });
  let n = 0;
  // The page's ranges (as the API resolves them): 7 whole UTC days to today's end; 24 whole hours to this hour's end.
  const weekFrom = Math.floor(now / DAY) * DAY + DAY - 7 * DAY;
  const dayFrom = Math.floor(now / HOUR) * HOUR + HOUR - DAY;
  // Six days ago to today: a few shoppers a day, answered after 20 s to a few minutes; some replies fail, some conversations order.
  for (let d = 6; d >= 0; d--) {
    const shoppers = 2 + ((6 - d) % 3);
    for (let i = 0; i < shoppers; i++) {
      const bot = i % 2 === 0 ? botA.id : botB.id;
      const phone = `+54911555${String(++n).padStart(5, '0')}`;
      const started = now - d * DAY - 3 * HOUR + i * 10 * 60_000;
      t.clock.set(started);
      await c.api('POST', `/v1/bots/${bot}/simulator/messages`, { phone, text: `Hola, ¿tienen talle ${i}?` }, 202);
      const conv = await waitFor(async () => (await rows<{ id: string }>(sql`select c.id from commerce_conversations c join commerce_contacts k on k.id = c.contact_id where k.phone = ${phone}`))[0], 'conversation');
      await waitFor(async () => (await rows(sql`select 1 from commerce_messages where conversation_id = ${conv.id} and direction = 'in'`)).length === 1, 'inbound');
      t.clock.set(t.clock.now() + (20 + 40 * i) * 1000);
      const m = await c.api<{ id: string }>('POST', '/v1/messages', { conversation_id: conv.id, content: { type: 'text', text: '¡Sí! ¿Te lo reservo?' } }, 202);
      await waitFor(async () => (await rows(sql`select 1 from commerce_messages where id = ${m.id} and status <> 'queued'`)).length === 1, 'reply sent');
      let out = 1;
      let failed = 0;
      if (n % 4 === 0) {
        // The provider reported this one failed.
        await t.deps.db.execute(sql`update commerce_messages set status = 'failed', error_code = 'UNDELIVERABLE', failed_at = ${new Date(t.clock.now())} where id = ${m.id}`);
        failed = 1;
      }
      let converted = 0;
      if (n % 3 === 0) {
        await c.api('POST', '/v1/orders', { items: [{ product_id: 'tee-1', quantity: 1 }], conversation_id: conv.id, bot_id: bot }, 201);
        await waitFor(async () => (await rows(sql`select 1 from commerce_messages where conversation_id = ${conv.id} and direction = 'out' and status <> 'queued'`)).length === 2, 'order notice sent');
        out = 2;
        converted = 1;
      }
      // The shopper's message counts when it came, the replies (and the notice) when they were made.
      const replied = t.clock.now();
      if (started >= weekFrom) {
        made.week.in += 1;
        made.week.conversations += 1;
        made.week.converted += converted;
      }
      if (replied >= weekFrom) {
        made.week.out += out;
        made.week.failed += failed;
      }
      if (started >= dayFrom) {
        made.day.in += 1;
        if (bot === botB.id) made.dayB.in += 1;
      }
      if (replied >= dayFrom) {
        made.day.out += out;
        made.day.failed += failed;
        if (bot === botB.id) made.dayB.out += out;
      }
    }
  }
  t.clock.set(now);
  // A flow with a published version and sessions the engine would have left.
  const def = { start: 'welcome', steps: ['welcome:message', 'menu:question', 'size:question', 'order:action', 'end:end'].map((s) => ({ id: s.split(':')[0], type: s.split(':')[1] })) };
  const at = new Date(now - HOUR);
  await t.deps.db.execute(sql`insert into commerce_flows (id, tenant_id, name, bot_id, draft, published_version, latest_version, created_at, updated_at) values (${FLOW}, ${t.tenantA.id}, 'Tienda', ${botA.id}, ${JSON.stringify(def)}::jsonb, 1, 1, ${at}, ${at})`);
  await t.deps.db.execute(sql`insert into commerce_flow_versions (flow_id, version, tenant_id, definition, created_at, published_at) values (${FLOW}, 1, ${t.tenantA.id}, ${JSON.stringify(def)}::jsonb, ${at}, ${at})`);
  const path = ['welcome', 'menu', 'size', 'order', 'end'];
  const sessions: [string, string, number][] = [['completed', 'end', 5], ['completed', 'end', 5], ['expired', 'menu', 2], ['exited', 'size', 3], ['handed_over', 'size', 3], ['active', 'welcome', 1]];
  for (const [i, [status, step, k]] of sessions.entries()) {
    const id = `fls_01DASHBOARD${String(i).padStart(15, '0')}`;
    await t.deps.db.execute(sql`insert into commerce_flow_sessions (id, tenant_id, bot_id, conversation_id, contact_id, flow_id, flow_version, status, step_id, expires_at, started_at, updated_at)
      values (${id}, ${t.tenantA.id}, ${botA.id}, ${`cnv_${id.slice(4)}`}, 'ctc_01DASHBOARD', ${FLOW}, 1, ${status}, ${step}, ${new Date(now + HOUR)}, ${at}, ${at})`);
    for (const s of path.slice(0, k)) await t.deps.db.execute(sql`insert into commerce_flow_step_visits (session_id, step_id, tenant_id, flow_id, flow_version, first_at) values (${id}, ${s}, ${t.tenantA.id}, ${FLOW}, 1, ${at})`);
  }
  // Most of the week rolled up; the newest minutes read live.
  await t.modules.commerce.analytics.rollup(now - 2 * HOUR);
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await c?.t.close();
});

vi.setConfig({ testTimeout: 120_000 });

const stat = (page: Page, id: string) => page.locator(`[data-stat="${id}"]`).innerText();
const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)}%`;

describe('bot analytics page', () => {
  it('shows the week’s and the day’s figures, per bot and provider, the flows and their steps, and exports CSV', async () => {
    const ctx = await newContext(browser, { acceptDownloads: true });
    const page = await ctx.newPage();
    const errors = collectPageErrors(page);
    const failed = failedCalls(page);
    await c.signIn(page, OWNER);
    await page.getByRole('link', { name: 'Bot analytics' }).click();
    await page.getByRole('heading', { name: 'Bot analytics' }).waitFor();

    // Last 7 days (the default), every bot.
    const w = made.week;
    await until(async () => (await stat(page, 'messages_in')) === String(w.in));
    expect(await stat(page, 'messages_out')).toBe(String(w.out));
    expect(await stat(page, 'error_rate')).toBe(pct(w.failed, w.out));
    expect(await stat(page, 'conversion')).toBe(pct(w.converted, w.conversations));
    const providers = page.getByRole('table', { name: 'Providers' });
    await expect(providers.locator('[data-provider="simulator"]').innerText()).resolves.toBe('Simulator');
    await expect(providers.locator('[data-error-rate]').innerText()).resolves.toBe(pct(w.failed, w.out));
    expect(await page.locator('figure.chart').count()).toBe(4);

    // The flow and its steps.
    const flows = page.getByRole('table', { name: 'Flows' });
    await flows.getByRole('button', { name: 'Tienda' }).waitFor();
    const steps = page.getByRole('table', { name: 'Steps' });
    await steps.locator('[data-step="welcome"]').waitFor();
    const cell = (step: string, what: string) => steps.locator('tr', { has: page.locator(`[data-step="${step}"]`) }).locator(`[data-${what}]`).innerText();
    expect(await cell('welcome', 'reached')).toBe('6');
    expect(await cell('menu', 'reached')).toBe('5');
    expect(await cell('menu', 'dropped')).toBe('1 · 20.0%');
    expect(await cell('size', 'reached')).toBe('4');
    expect(await cell('size', 'dropped')).toBe('1 · 25.0%');
    expect(await cell('end', 'completed')).toBe('2');
    await screenshot(page, 'bot-analytics');
    mkdirSync(join(process.cwd(), 'docs', 'dashboard'), { recursive: true });
    copyFileSync(join(process.cwd(), 'test-output', 'screenshots', 'bot-analytics.png'), join(process.cwd(), 'docs', 'dashboard', 'bot-analytics.png'));

    // CSV: the hours or days of the period, as the API gives them.
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV', exact: true }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('bot-analytics.csv');
    const text = readFileSync(await file.path());
    const lines = text.toString('utf8').trimEnd().split('\r\n');
    expect(lines[0]).toBe('t,messages_in,messages_out,out_failed,error_rate,replies,response_p50_ms,response_p95_ms,response_avg_ms,conversations,converted,conversion_rate');
    expect(lines).toHaveLength(1 + 7);
    expect(lines.slice(1).reduce((sum, l) => sum + Number(l.split(',')[1]), 0)).toBe(w.in);

    // Last 24 hours, then one bot.
    await page.getByRole('button', { name: 'Last 24h' }).click();
    await until(async () => (await stat(page, 'messages_in')) === String(made.day.in));
    expect(await stat(page, 'messages_out')).toBe(String(made.day.out));
    await page.getByLabel('Bot').selectOption({ label: 'Soporte' });
    await until(async () => (await stat(page, 'messages_in')) === String(made.dayB.in));
    expect(await stat(page, 'messages_out')).toBe(String(made.dayB.out));
    // Soporte has no flow.
    await expect(page.getByRole('table', { name: 'Flows' }).count()).resolves.toBe(0);
    await page.getByText('No flows yet.').waitFor();

    expect(errors).toEqual([]);
    expect(failed).toEqual([]);
    await ctx.close();
  });
});
