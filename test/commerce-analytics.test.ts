/**
 * Bot analytics on the real app (PGlite, or PostgreSQL with DATABASE_URL): a scripted day of
 * messages at known times — shopper messages through a provider's webhook and the simulator,
 * agent replies through POST /v1/messages, a reply the provider reports failed, one no provider
 * took, an order for a conversation — gives exact in/out/failed, error rate per provider,
 * response time and conversion, live and after the 5-minute rollup; rolling up again changes
 * nothing, and the incremental rollup equals one from scratch after late changes (an order for an
 * older conversation, a failure reported for an older reply). Ten scripted flow sessions give
 * exact drop-off and completion per step. The message log cleanup deletes exactly the old rows of
 * a store kept 1 day and none of one kept the default 30. CSV, cross-tenant 404s. And the flow
 * engine itself: conversations run on a published flow through the simulator, each ending a known
 * way, give the same exact drop-off and completion per step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { bearer, createTestApp, problem, usingRedis, type TestApp } from './harness.js';
import { waitFor } from './commerce-helpers.js';
import { putProduct } from './orders-helpers.js';
import { signTestBody, testChannel } from './fakes/test-channel.js';
import { LATENCY_BASE, percentile } from '../src/modules/analytics/index.js';

const meta = testChannel('meta', { official: true });
const SECRET = 'test-app-secret';
const MIN = 60_000;
const HOUR = 60 * MIN;
let t: TestApp;
/** The scripted hour: everything happens at H + offset. */
let H: number;
let botM: { id: string; connections: { id: string }[] };
let botS: { id: string };

const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, key = t.tenantA.secretKey, headers: Record<string, string> = {}) =>
  t.app.inject({ method, url, headers: { ...bearer(key), ...headers }, ...(payload === undefined ? {} : { payload: payload as object }) });
const json = async <T = Record<string, unknown>>(method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, status = 200, key?: string): Promise<T> => {
  const res = await call(method, url, payload, key);
  expect(res.statusCode, res.body).toBe(status);
  return res.json() as T;
};
const rows = async <T>(q: ReturnType<typeof sql>) => ((await t.deps.db.execute(q)) as unknown as { rows: T[] }).rows;
const at = (offset: number) => t.clock.set(H + offset);
let seq = 0;
const hook = (connectionId: string, events: unknown[]) => {
  const body = JSON.stringify({ events });
  return t.app.inject({ method: 'POST', url: `/hooks/whatsapp/${connectionId}`, headers: { 'content-type': 'application/json', 'x-test-signature': signTestBody(SECRET, body) }, payload: body });
};
const count = async (botId: string, direction: 'in' | 'out') => (await rows<{ n: number }>(sql`select count(*)::int as n from commerce_messages where bot_id = ${botId} and direction = ${direction}`))[0]!.n;

/** A shopper's message on the Meta test channel; waits until it is stored (its time is the clock's now). */
async function shopperOnMeta(phone: string, text: string) {
  const before = await count(botM.id, 'in');
  expect((await hook(botM.connections[0]!.id, [{ kind: 'message', id: `wamid.${++seq}`, from: { phone }, text, timestamp: new Date(t.clock.now()).toISOString() }])).statusCode).toBe(200);
  await waitFor(async () => (await count(botM.id, 'in')) === before + 1, 'inbound stored');
}
async function shopperOnSimulator(phone: string, text: string) {
  const before = await count(botS.id, 'in');
  await json('POST', `/v1/bots/${botS.id}/simulator/messages`, { phone, text }, 202);
  await waitFor(async () => (await count(botS.id, 'in')) === before + 1, 'inbound stored');
}
const conversationOf = async (botId: string, phone: string) =>
  (await rows<{ id: string }>(sql`select c.id from commerce_conversations c join commerce_contacts k on k.id = c.contact_id where c.bot_id = ${botId} and k.phone = ${phone}`))[0]!.id;
/** An agent's reply; waits until the send job settled it (sent or failed). */
async function reply(conversationId: string, text: string) {
  const m = await json<{ id: string }>('POST', '/v1/messages', { conversation_id: conversationId, content: { type: 'text', text } }, 202);
  return waitFor(async () => (await rows<{ id: string; status: string; provider: string | null; pid: string | null }>(sql`select id, status, provider, provider_message_id as pid from commerce_messages where id = ${m.id} and status <> 'queued'`))[0], 'reply settled');
}
/** Waits until the conversation has `n` outgoing messages, none still queued (an order's notice to the shopper is sent by a job). */
const outSettled = (conversationId: string, n: number) =>
  waitFor(async () => (await rows<{ n: number; q: number }>(sql`select count(*)::int as n, (count(*) filter (where status = 'queued'))::int as q from commerce_messages where conversation_id = ${conversationId} and direction = 'out'`)).every((r) => r.n === n && r.q === 0), 'outgoing settled');
async function providerFails(pid: string, messageId: string) {
  expect((await hook(botM.connections[0]!.id, [{ kind: 'status', id: pid, status: 'failed', reason: 'undeliverable', timestamp: new Date(t.clock.now()).toISOString() }])).statusCode).toBe(200);
  await waitFor(async () => (await rows<{ status: string }>(sql`select status from commerce_messages where id = ${messageId}`))[0]!.status === 'failed', 'failed');
}
/** The analytics' latency histogram of these samples, and its percentile (how the API computes p50/p95). */
const pct = (samples: number[], q: number) => {
  const hist = new Map<number, number>();
  for (const ms of samples) {
    const b = ms < 1 ? -1 : Math.floor(Math.log(ms) / Math.log(LATENCY_BASE));
    hist.set(b, (hist.get(b) ?? 0) + 1);
  }
  return percentile(hist, q);
};
const statsTable = () => rows<Record<string, unknown>>(sql`select tenant_id, bot_id, bucket, provider, messages_in, messages_out, out_failed, replies, reply_ms_sum, reply_hist, conversations, converted from commerce_bot_stats order by tenant_id, bucket, bot_id, provider`);

type Figures = Record<string, unknown>;
type Report = { summary: Figures; providers: Figures[]; points: (Figures & { t: string })[]; range: { from: string; to: string; granularity: string } };

beforeAll(async () => {
  t = await createTestApp({ build: { commerce: { drivers: [meta] } } });
  await t.modules.tenants.tenants.updateTenant(t.tenantA.id, { tier: 'enterprise' });
  await t.modules.tenants.tenants.updateTenant(t.tenantB.id, { tier: 'enterprise' });
  // Two hours ahead of now, on the hour: the scripted day's hourly points are known.
  H = Math.floor(t.clock.now() / HOUR) * HOUR + 2 * HOUR;
  at(0);
  botM = await json('POST', '/v1/bots', { name: 'Meta bot', connections: [{ provider: 'meta', credentials: { app_secret: SECRET, phone_number_id: '100' } }] }, 201);
  botS = await json('POST', '/v1/bots', { name: 'Simulator bot' }, 201);
});
afterAll(async () => t?.close());

describe('bot analytics: messages, providers, response time, conversion', () => {
  const P1 = '+5491155550001';
  const P2 = '+5491155550002';
  const P3 = '+5491155550003';
  let c1: string;
  let c2: string;
  let r4: { id: string; pid: string | null };

  it('a scripted day of messages gives exact figures, live (before any rollup)', async () => {
    at(1 * MIN);
    await shopperOnMeta(P1, 'hi');
    c1 = await conversationOf(botM.id, P1);
    at(1 * MIN + 30_000);
    await shopperOnMeta(P1, 'anyone?');
    at(3 * MIN);
    const r1 = await reply(c1, 'Hello!'); // answers the turn that began at 1:00 → 120 s
    expect(r1).toMatchObject({ status: 'sent', provider: 'meta' });
    at(3 * MIN + 10_000);
    await reply(c1, 'How can I help?'); // a second reply: not a first reply
    at(6 * MIN);
    await shopperOnMeta(P2, 'hola');
    c2 = await conversationOf(botM.id, P2);
    at(12 * MIN);
    await shopperOnMeta(P1, 'size M?');
    at(13 * MIN);
    const r3 = await reply(c1, 'Checking');
    at(13 * MIN + 5_000);
    await providerFails(r3.pid!, r3.id); // reported failed by Meta: not a reply
    at(15 * MIN);
    r4 = (await reply(c1, 'Yes, M is in stock')) as { id: string; pid: string | null }; // answers the turn of 12:00 → 180 s
    at(20 * MIN);
    meta.failures.set(botM.connections[0]!.id, { reason: 'undeliverable' });
    const r5 = await reply(c2, 'Hola!'); // no provider took it
    meta.failures.delete(botM.connections[0]!.id);
    expect(r5).toMatchObject({ status: 'failed', provider: null });
    at(HOUR);
    await shopperOnSimulator(P3, 'hello sim');
    const c3 = await conversationOf(botS.id, P3);
    at(HOUR + 10_000);
    expect(await reply(c3, 'Hi from the simulator')).toMatchObject({ status: 'sent', provider: 'simulator' }); // → 10 s
    // An order for the first conversation, two hours in: the shopper is told on it (an outgoing message, on Meta).
    at(2 * HOUR);
    await putProduct(t, 'tee-1', { price: { amount: 1000, currency: 'USD' }, stock: 10 });
    await json('POST', '/v1/orders', { items: [{ product_id: 'tee-1', quantity: 1 }], conversation_id: c1, bot_id: botM.id }, 201);
    await outSettled(c1, 5);
    at(2 * HOUR + 30 * MIN);

    const r = await json<Report>('GET', '/v1/bots/analytics?period=24h');
    const samples = [120_000, 180_000, 10_000];
    expect(r.summary).toEqual({
      messages_in: 5,
      messages_out: 7,
      out_failed: 2,
      error_rate: 2 / 7,
      replies: 3,
      response_p50_ms: pct(samples, 0.5),
      response_p95_ms: pct(samples, 0.95),
      response_avg_ms: Math.round((120_000 + 180_000 + 10_000) / 3),
      conversations: 3,
      converted: 1,
      conversion_rate: 1 / 3,
    });
    expect(r.summary.response_p95_ms).toBeGreaterThan(150_000);
    const byName = Object.fromEntries(r.providers.map((p) => [p.provider, p]));
    expect(byName.meta).toMatchObject({ messages_in: 4, messages_out: 5, out_failed: 1, error_rate: 0.2, replies: 2, response_avg_ms: 150_000 });
    expect(byName.none).toMatchObject({ messages_in: 0, messages_out: 1, out_failed: 1, error_rate: 1, replies: 0, response_avg_ms: null });
    expect(byName.simulator).toMatchObject({ messages_in: 1, messages_out: 1, out_failed: 0, error_rate: 0, replies: 1, response_avg_ms: 10_000 });
    expect(Object.keys(byName).sort()).toEqual(['meta', 'none', 'simulator']);
    // Hourly points: 24 of them, the scripted hours where they belong.
    expect(r.range.granularity).toBe('hour');
    expect(r.points).toHaveLength(24);
    const point = (offset: number) => r.points.find((p) => p.t === new Date(H + offset).toISOString())!;
    expect(point(0)).toMatchObject({ messages_in: 4, messages_out: 5, out_failed: 2, replies: 2, conversations: 2, converted: 1, conversion_rate: 0.5, by_provider: { meta: { messages_out: 4, out_failed: 1, error_rate: 0.25 }, none: { messages_out: 1, out_failed: 1, error_rate: 1 } } });
    expect(point(HOUR)).toMatchObject({ messages_in: 1, messages_out: 1, out_failed: 0, replies: 1, response_avg_ms: 10_000, conversations: 1, converted: 0, by_provider: { simulator: { messages_out: 1, out_failed: 0, error_rate: 0 } } });
    // The order notice: sent, but not a first reply (the turn of 12:00 was answered at 15:00).
    expect(point(2 * HOUR)).toMatchObject({ messages_in: 0, messages_out: 1, replies: 0, conversations: 0, error_rate: 0, conversion_rate: null, by_provider: { meta: { messages_out: 1, out_failed: 0, error_rate: 0 } } });
    expect(point(-HOUR)).toMatchObject({ messages_in: 0, messages_out: 0, replies: 0, error_rate: null, response_p50_ms: null, conversion_rate: null, by_provider: {} });
    expect(r.points.at(-1)!.t).toBe(new Date(H + 2 * HOUR).toISOString()); // the current hour is the last point

    // One bot; another store's bot is 404; the other store sees nothing of this one's.
    const s = await json<Report>('GET', `/v1/bots/analytics?period=7d&bot_id=${botS.id}`);
    expect(s.summary).toMatchObject({ messages_in: 1, messages_out: 1, out_failed: 0, replies: 1, conversations: 1, converted: 0 });
    expect(s.range.granularity).toBe('day');
    problem(await call('GET', `/v1/bots/analytics?bot_id=${botM.id}`, undefined, t.tenantB.secretKey), 404, 'BOT_NOT_FOUND');
    const b = await json<Report>('GET', '/v1/bots/analytics?period=30d', undefined, 200, t.tenantB.secretKey);
    expect(b.summary).toMatchObject({ messages_in: 0, messages_out: 0, conversations: 0 });
    expect(b.providers).toEqual([]);
  });

  it('the rollup gives the same figures; rolling up again changes nothing', async () => {
    const live = await json<Report>('GET', '/v1/bots/analytics?period=24h');
    const first = await t.modules.commerce.analytics.rollup();
    expect(first.from.getTime()).toBe(0); // the first run rolls everything up
    const table = await statsTable();
    // 5-minute rows: meta's in/out/replies and the conversations ('' provider) where they happened.
    const row = (bot: string, offset: number, provider: string) => table.find((x) => x.bot_id === bot && new Date(x.bucket as string).getTime() === H + offset && x.provider === provider);
    expect(row(botM.id, 0, 'meta')).toMatchObject({ messages_in: 2, messages_out: 2, out_failed: 0, replies: 1, reply_ms_sum: 120_000 });
    expect(row(botM.id, 0, '')).toMatchObject({ messages_in: 0, conversations: 1, converted: 1 });
    expect(row(botM.id, 5 * MIN, '')).toMatchObject({ conversations: 1, converted: 0 });
    expect(row(botM.id, 10 * MIN, 'meta')).toMatchObject({ messages_in: 1, messages_out: 1, out_failed: 1, replies: 0 });
    expect(row(botM.id, 15 * MIN, 'meta')).toMatchObject({ messages_out: 1, replies: 1, reply_ms_sum: 180_000 });
    expect(row(botM.id, 20 * MIN, '')).toMatchObject({ messages_out: 1, out_failed: 1 });
    expect(row(botS.id, HOUR, 'simulator')).toMatchObject({ messages_in: 1, messages_out: 1, replies: 1, reply_ms_sum: 10_000 });
    expect(await json<Report>('GET', '/v1/bots/analytics?period=24h')).toEqual(live);
    await t.modules.commerce.analytics.rollup();
    expect(await statsTable()).toEqual(table);
    expect(await json<Report>('GET', '/v1/bots/analytics?period=24h')).toEqual(live);
  });

  it('later changes reach older buckets: an order for an older conversation, a failure reported for an older reply; incremental equals from scratch', async () => {
    at(3 * HOUR);
    await json('POST', '/v1/orders', { items: [{ product_id: 'tee-1', quantity: 2 }], conversation_id: c2, bot_id: botM.id }, 201);
    await outSettled(c2, 2); // its notice is C2's first reply that did not fail: 3:00:00 − 0:06:00
    await providerFails(r4.pid!, r4.id); // the 12:00 turn's first reply is now the order notice of 2:00:00
    at(3 * HOUR + 1 * MIN);
    const run = await t.modules.commerce.analytics.rollup();
    expect(run.conversationBuckets).toBe(1); // C2's start bucket (5:00), long before this run's range
    expect(run.messageBuckets).toBeGreaterThanOrEqual(1);
    const r = await json<Report>('GET', '/v1/bots/analytics?period=24h');
    const samples = [120_000, 2 * HOUR - 12 * MIN, 10_000, 3 * HOUR - 6 * MIN];
    expect(r.summary).toEqual({
      messages_in: 5,
      messages_out: 8,
      out_failed: 3,
      error_rate: 3 / 8,
      replies: 4,
      response_p50_ms: pct(samples, 0.5),
      response_p95_ms: pct(samples, 0.95),
      response_avg_ms: Math.round(samples.reduce((a, b) => a + b) / 4),
      conversations: 3,
      converted: 2,
      conversion_rate: 2 / 3,
    });
    const incremental = await statsTable();
    // From scratch: the same rows.
    await t.deps.db.execute(sql`delete from commerce_bot_stats`);
    await t.deps.db.execute(sql`delete from commerce_bot_stats_state`);
    await t.modules.commerce.analytics.rollup();
    expect(await statsTable()).toEqual(incremental);
    expect(await json<Report>('GET', '/v1/bots/analytics?period=24h')).toEqual(r);
  });

  it('maintenance rolls up once per 5-minute bucket', async () => {
    at(3 * HOUR + 2 * MIN);
    expect((await t.modules.commerce.maintenance()).botAnalytics.rolledUp).toBe(false); // same bucket as the last run
    at(3 * HOUR + 5 * MIN);
    const m = await t.modules.commerce.maintenance();
    expect(m.botAnalytics).toMatchObject({ rolledUp: true, cleaned: { messages: 0 } });
    expect((await rows<{ runs: number }>(sql`select runs::int as runs from commerce_bot_stats_state`))[0]!.runs).toBe(2);
  });

  it('CSV: per hour (format=csv or Accept: text/csv) and per hour and provider', async () => {
    const res = await call('GET', '/v1/bots/analytics?period=24h&format=csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe('attachment; filename="bot-analytics.csv"');
    const lines = res.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('t,messages_in,messages_out,out_failed,error_rate,replies,response_p50_ms,response_p95_ms,response_avg_ms,conversations,converted,conversion_rate');
    expect(lines).toHaveLength(25);
    const h0 = lines.find((l) => l.startsWith(new Date(H).toISOString()))!;
    expect(h0).toBe(`${new Date(H).toISOString()},4,5,3,0.6,1,${pct([120_000], 0.5)},${pct([120_000], 0.95)},120000,2,2,1`);
    const accept = await call('GET', '/v1/bots/analytics?period=24h', undefined, t.tenantA.secretKey, { accept: 'text/csv' });
    expect(accept.body).toBe(res.body);
    const p = await call('GET', '/v1/bots/analytics?period=24h&format=csv&breakdown=provider');
    const pl = p.body.trimEnd().split('\r\n');
    expect(pl[0]).toBe('t,provider,messages_in,messages_out,out_failed,error_rate,replies,response_p50_ms,response_p95_ms,response_avg_ms');
    expect(pl.slice(1)).toEqual([
      `${new Date(H).toISOString()},meta,4,4,2,0.5,1,${pct([120_000], 0.5)},${pct([120_000], 0.95)},120000`,
      `${new Date(H).toISOString()},none,0,1,1,1,0,,,`,
      `${new Date(H + HOUR).toISOString()},simulator,1,1,0,0,1,${pct([10_000], 0.5)},${pct([10_000], 0.95)},10000`,
      `${new Date(H + 2 * HOUR).toISOString()},meta,0,1,0,0,1,${pct([2 * HOUR - 12 * MIN], 0.5)},${pct([2 * HOUR - 12 * MIN], 0.95)},${2 * HOUR - 12 * MIN}`,
      `${new Date(H + 3 * HOUR).toISOString()},meta,0,1,0,0,1,${pct([3 * HOUR - 6 * MIN], 0.5)},${pct([3 * HOUR - 6 * MIN], 0.95)},${3 * HOUR - 6 * MIN}`,
    ]);
  });
});

describe('flow analytics: drop-off and completion per step', () => {
  const FLOW = 'flw_01ANALYTICS0000000000000001';
  const OTHER = 'flw_01ANALYTICS0000000000000002';
  const steps = (ids: [string, string][]) => ({ start: ids[0]![0], steps: ids.map(([id, type]) => ({ id, type, title: `The ${id} step` })) });
  const V1 = steps([['welcome', 'message'], ['menu', 'question'], ['size', 'question'], ['order', 'action'], ['pay', 'message'], ['handover', 'action'], ['end', 'end']]);
  const V2 = steps([['welcome', 'message'], ['menu', 'question'], ['end', 'end']]);
  let n = 0;

  /** A session as the engine leaves it: its status, the step it is at or ended on, the steps it visited. */
  async function session(flowId: string, version: number, status: string, stepId: string, visited: string[], o: { expiresIn?: number; startedAgo?: number; tenantId?: string } = {}) {
    const id = `fls_01ANALYTICS${String(++n).padStart(15, '0')}`;
    const now = t.clock.now();
    const tenantId = o.tenantId ?? t.tenantA.id;
    const started = new Date(now - (o.startedAgo ?? HOUR));
    await t.deps.db.execute(sql`
      insert into commerce_flow_sessions (id, tenant_id, bot_id, conversation_id, contact_id, flow_id, flow_version, status, step_id, expires_at, started_at, updated_at, ended_at)
      values (${id}, ${tenantId}, ${botM.id}, ${`cnv_${id.slice(4)}`}, 'ctc_01ANALYTICS', ${flowId}, ${version}, ${status}, ${stepId},
        ${new Date(now + (o.expiresIn ?? HOUR))}, ${started}, ${started}, ${status === 'active' ? null : new Date(now)})`);
    for (const step of visited) {
      await t.deps.db.execute(sql`insert into commerce_flow_step_visits (session_id, step_id, tenant_id, flow_id, flow_version, first_at) values (${id}, ${step}, ${tenantId}, ${flowId}, ${version}, ${started})`);
    }
  }

  beforeAll(async () => {
    const now = new Date(t.clock.now());
    for (const [id, name, bot] of [[FLOW, 'Shop', botM.id], [OTHER, 'Other', botS.id]] as const) {
      await t.deps.db.execute(sql`insert into commerce_flows (id, tenant_id, name, bot_id, draft, published_version, latest_version, created_at, updated_at)
        values (${id}, ${t.tenantA.id}, ${name}, ${bot}, ${JSON.stringify(V1)}::jsonb, 1, 2, ${now}, ${now})`);
    }
    for (const [v, def] of [[1, V1], [2, V2]] as const) {
      await t.deps.db.execute(sql`insert into commerce_flow_versions (flow_id, version, tenant_id, definition, created_at, published_at) values (${FLOW}, ${v}, ${t.tenantA.id}, ${JSON.stringify(def)}::jsonb, ${now}, ${v === 1 ? now : null})`);
    }
    const path = ['welcome', 'menu', 'size', 'order', 'pay', 'end'];
    // Version 1, ten sessions with known endings.
    await session(FLOW, 1, 'completed', 'end', path); // s1
    await session(FLOW, 1, 'completed', 'end', path); // s2
    await session(FLOW, 1, 'expired', 'menu', path.slice(0, 2)); // s3: dropped at menu
    await session(FLOW, 1, 'exited', 'size', path.slice(0, 3)); // s4: dropped at size (an exit keyword)
    await session(FLOW, 1, 'failed', 'order', path.slice(0, 4)); // s5: dropped at order (an API call failed)
    await session(FLOW, 1, 'handed_over', 'menu', path.slice(0, 2)); // s6: to a seller at menu: not a drop-off
    await session(FLOW, 1, 'active', 'menu', path.slice(0, 2)); // s7: waiting at menu, not expired
    await session(FLOW, 1, 'active', 'size', path.slice(0, 3), { expiresIn: -MIN }); // s8: idle at size past its expiry: dropped
    await session(FLOW, 1, 'expired', 'welcome', ['welcome'], { startedAgo: 10 * 24 * HOUR }); // s9: dropped at welcome, 10 days ago
    await session(FLOW, 1, 'completed', 'end', path, { startedAgo: 40 * 24 * HOUR }); // s10: completed, 40 days ago
    // Not version 1 of this flow: version 2, another flow.
    await session(FLOW, 2, 'completed', 'end', ['welcome', 'menu', 'end']);
    await session(FLOW, 2, 'expired', 'menu', ['welcome', 'menu']);
    await session(OTHER, 1, 'exited', 'welcome', ['welcome']);
  });

  type Step = { step_id: string; type: string | null; reached: number; dropped_off: number; handed_over: number; active: number; completed: number; drop_off_rate: number | null; completion_rate: number | null };
  type FlowReport = { version: number | null; versions: number[]; summary: Record<string, number | null>; steps: Step[] };
  const figures = (r: FlowReport) => Object.fromEntries(r.steps.map((s) => [s.step_id, [s.reached, s.dropped_off, s.handed_over, s.active, s.completed]]));

  it('counts every session of the published version exactly: reached, dropped off, handed over, active, completed per step', async () => {
    const r = await json<FlowReport>('GET', `/v1/flows/${FLOW}/analytics`);
    expect(r).toMatchObject({ object: 'flow_analytics', flow_id: FLOW, name: 'Shop', version: 1, published_version: 1, versions: [2, 1], period: 'all' });
    expect(r.summary).toEqual({ sessions: 10, completed: 3, dropped_off: 5, handed_over: 1, active: 1, completion_rate: 0.3 });
    // [reached, dropped_off, handed_over, active, completed], in the version's step order.
    expect(r.steps.map((s) => s.step_id)).toEqual(['welcome', 'menu', 'size', 'order', 'pay', 'handover', 'end']);
    expect(figures(r)).toEqual({
      welcome: [10, 1, 0, 0, 3],
      menu: [9, 1, 1, 1, 3],
      size: [6, 2, 0, 0, 3],
      order: [4, 1, 0, 0, 3],
      pay: [3, 0, 0, 0, 3],
      handover: [0, 0, 0, 0, 0],
      end: [3, 0, 0, 0, 3],
    });
    const size = r.steps.find((s) => s.step_id === 'size')!;
    expect(size).toMatchObject({ type: 'question', drop_off_rate: 2 / 6, completion_rate: 3 / 6 });
    expect(r.steps.find((s) => s.step_id === 'handover')).toMatchObject({ drop_off_rate: null, completion_rate: null });
  });

  it('another version, a period, the list of flows; unknown versions and other stores’ flows are 404', async () => {
    const v2 = await json<FlowReport>('GET', `/v1/flows/${FLOW}/analytics?version=2`);
    expect(v2.summary).toEqual({ sessions: 2, completed: 1, dropped_off: 1, handed_over: 0, active: 0, completion_rate: 0.5 });
    expect(figures(v2)).toEqual({ welcome: [2, 0, 0, 0, 1], menu: [2, 1, 0, 0, 1], end: [1, 0, 0, 0, 1] });
    // The last 7 days: s9 (10 days ago) and s10 (40 days ago) are out.
    const week = await json<FlowReport>('GET', `/v1/flows/${FLOW}/analytics?period=7d`);
    expect(week.summary).toEqual({ sessions: 8, completed: 2, dropped_off: 4, handed_over: 1, active: 1, completion_rate: 0.25 });
    expect(figures(week).welcome).toEqual([8, 0, 0, 0, 2]);
    problem(await call('GET', `/v1/flows/${FLOW}/analytics?version=3`), 404, 'FLOW_VERSION_NOT_FOUND');
    problem(await call('GET', `/v1/flows/${FLOW}/analytics`, undefined, t.tenantB.secretKey), 404, 'FLOW_NOT_FOUND');
    problem(await call('GET', '/v1/flows/flw_01NOSUCHFLOW/analytics'), 404, 'FLOW_NOT_FOUND');

    const list = await json<{ data: Record<string, unknown>[] }>('GET', '/v1/flows/analytics');
    expect(list.data).toEqual([
      { flow_id: FLOW, name: 'Shop', bot_id: botM.id, published_version: 1, version: 1, sessions: 10, completed: 3, dropped_off: 5, handed_over: 1, active: 1, completion_rate: 0.3 },
      // No version row, no sessions of its published version 1 but one: counted.
      { flow_id: OTHER, name: 'Other', bot_id: botS.id, published_version: 1, version: 1, sessions: 1, completed: 0, dropped_off: 1, handed_over: 0, active: 0, completion_rate: 0 },
    ]);
    expect((await json<{ data: { flow_id: string }[] }>('GET', `/v1/flows/analytics?bot_id=${botS.id}`)).data.map((f) => f.flow_id)).toEqual([OTHER]);
    expect((await json<{ data: unknown[] }>('GET', '/v1/flows/analytics', undefined, 200, t.tenantB.secretKey)).data).toEqual([]);
    problem(await call('GET', `/v1/flows/analytics?bot_id=${botM.id}`, undefined, t.tenantB.secretKey), 404, 'BOT_NOT_FOUND');
  });

  it('CSV: one row per step', async () => {
    const res = await call('GET', `/v1/flows/${FLOW}/analytics?format=csv`);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="flow-${FLOW}-v1.csv"`);
    expect(res.body.trimEnd().split('\r\n')).toEqual([
      'step_id,type,title,reached,dropped_off,drop_off_rate,handed_over,active,completed,completion_rate',
      'welcome,message,The welcome step,10,1,0.1,0,0,3,0.3',
      'menu,question,The menu step,9,1,0.1111111111111111,1,1,3,0.3333333333333333',
      'size,question,The size step,6,2,0.3333333333333333,0,0,3,0.5',
      'order,action,The order step,4,1,0.25,0,0,3,0.75',
      'pay,message,The pay step,3,0,0,0,0,3,1',
      'handover,action,The handover step,0,0,,0,0,0,',
      'end,end,The end step,3,0,0,0,0,3,1',
    ]);
    const list = await call('GET', '/v1/flows/analytics', undefined, t.tenantA.secretKey, { accept: 'text/csv' });
    expect(list.body.split('\r\n')[0]).toBe('flow_id,name,bot_id,version,sessions,completed,dropped_off,handed_over,active,completion_rate');
  });
});

describe('message log cleanup', () => {
  const DAY = 24 * HOUR;
  const countOf = async (table: 'commerce_messages' | 'commerce_inbound_events' | 'commerce_simulator_messages', tenantId: string) =>
    (await rows<{ n: number }>(sql`select count(*)::int as n from ${sql.raw(table)} where tenant_id = ${tenantId}`))[0]!.n;

  it('the setting is a tenant setting, checked', async () => {
    const patch = (settings: unknown) => t.app.inject({ method: 'PATCH', url: `/admin/v1/tenants/${t.tenantA.id}`, headers: t.operatorAuth, payload: { settings } });
    problem(await patch({ commerce_message_log_days: 0 }), 400, 'VALIDATION_FAILED');
    problem(await patch({ commerce_message_log_days: 1.5 }), 400, 'VALIDATION_FAILED');
    const res = await patch({ commerce_message_log_days: 1 });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().settings).toEqual({ commerce_message_log_days: 1 });
  });

  it('deletes exactly the messages (and media, provider events, simulator copies) past each store’s days; figures stay', async () => {
    // Tenant B (the default 30 days): a bot and a shopper, now.
    at(3 * HOUR + 10 * MIN);
    const botB = await json<{ id: string }>('POST', '/v1/bots', { name: 'B bot' }, 201, t.tenantB.secretKey);
    await json('POST', `/v1/bots/${botB.id}/simulator/messages`, { phone: '+5491155550009', text: 'hi from B' }, 202, t.tenantB.secretKey);
    await waitFor(async () => (await count(botB.id, 'in')) === 1, 'B inbound');
    // A stored photo on one of A's old messages (as inbound media is kept).
    const [old] = await rows<{ id: string }>(sql`select id from commerce_messages where bot_id = ${botS.id} and direction = 'in'`);
    const key = `commerce/${t.tenantA.id}/x/${old!.id}`;
    await t.deps.blobs.put(key, Buffer.from('photo bytes'), 'image/jpeg');
    await t.deps.db.execute(sql`update commerce_messages set media = ${JSON.stringify({ key, content_type: 'image/jpeg', bytes: 11, expires_at: null })}::jsonb where id = ${old!.id}`);

    // Figures made final by a rollup past the last message's bucket.
    await t.modules.commerce.analytics.rollup(H + 3 * HOUR + 20 * MIN);
    const before = await json<Report>('GET', '/v1/bots/analytics?period=24h');

    const now = H + 2 * HOUR + 30 * MIN + DAY; // A keeps 1 day: everything of A's before 2:30:00 goes
    const cutoff = new Date(now - DAY);
    const keptA = (await rows<{ id: string }>(sql`select id from commerce_messages where tenant_id = ${t.tenantA.id} and created_at >= ${cutoff} order by id`)).map((r) => r.id);
    expect(keptA).toHaveLength(1); // the order notice of 3:00:00
    const totalA = await countOf('commerce_messages', t.tenantA.id);
    expect(totalA).toBe(13); // Meta bot: 4 in, 7 out (5 replies, 2 order notices); simulator bot: 1 in, 1 out
    const b = { messages: await countOf('commerce_messages', t.tenantB.id), events: await countOf('commerce_inbound_events', t.tenantB.id), sim: await countOf('commerce_simulator_messages', t.tenantB.id) };
    expect(b).toEqual({ messages: 1, events: 1, sim: 1 });
    const eventsA = (await rows<{ n: number }>(sql`select count(*)::int as n from commerce_inbound_events where tenant_id = ${t.tenantA.id} and received_at < ${cutoff}`))[0]!.n;
    const simA = (await rows<{ n: number }>(sql`select count(*)::int as n from commerce_simulator_messages where tenant_id = ${t.tenantA.id} and created_at < ${cutoff}`))[0]!.n;
    expect(eventsA).toBeGreaterThan(0);
    expect(simA).toBe(2); // the simulator bot's shopper message and its reply

    const done = await t.modules.commerce.analytics.cleanup(now);
    expect(done).toEqual({ messages: totalA - 1, media: 1, inboundEvents: eventsA, simulatorMessages: simA });
    expect((await rows<{ id: string }>(sql`select id from commerce_messages where tenant_id = ${t.tenantA.id} order by id`)).map((r) => r.id)).toEqual(keptA);
    expect(await t.deps.blobs.head(key)).toBeUndefined();
    expect({ messages: await countOf('commerce_messages', t.tenantB.id), events: await countOf('commerce_inbound_events', t.tenantB.id), sim: await countOf('commerce_simulator_messages', t.tenantB.id) }).toEqual(b);
    // Conversations stay, and so do the figures.
    expect(await countOf('commerce_messages', t.tenantA.id)).toBe(1);
    expect(await json<Report>('GET', '/v1/bots/analytics?period=24h')).toEqual(before);
    // Again: nothing more.
    expect(await t.modules.commerce.analytics.cleanup(now)).toEqual({ messages: 0, media: 0, inboundEvents: 0, simulatorMessages: 0 });
    // 31 days on, B's (30 days) go too, with the rest of A's.
    const restA = { events: await countOf('commerce_inbound_events', t.tenantA.id), sim: await countOf('commerce_simulator_messages', t.tenantA.id) };
    expect(await t.modules.commerce.analytics.cleanup(H + 3 * HOUR + 31 * DAY)).toEqual({ messages: 1 + 1, media: 0, inboundEvents: 1 + restA.events, simulatorMessages: 1 + restA.sim });
    expect(await countOf('commerce_messages', t.tenantB.id)).toBe(0);
  });
});

describe('who may read, and the API document', () => {
  it('secret keys and the dashboard’s people (an operator naming the store) read; publishable keys do not', async () => {
    const key = await json<Report>('GET', '/v1/bots/analytics?period=7d');
    const op = await t.app.inject({ method: 'GET', url: '/v1/bots/analytics?period=7d', headers: { ...t.operatorAuth, 'probador-tenant': t.tenantA.id } });
    expect(op.statusCode, op.body).toBe(200);
    expect(op.json()).toEqual(key);
    const opFlows = await t.app.inject({ method: 'GET', url: '/v1/flows/analytics', headers: { ...t.operatorAuth, 'probador-tenant': t.tenantA.id } });
    expect((opFlows.json() as { data: unknown[] }).data).toHaveLength(2);
    problem(await call('GET', '/v1/bots/analytics', undefined, t.tenantA.publishableKey), 403, 'PUBLISHABLE_KEY_NOT_ALLOWED');
    problem(await t.app.inject({ method: 'GET', url: '/v1/bots/analytics' }), 401, 'UNAUTHENTICATED');
  });

  it('documents the endpoints in OpenAPI and their schemas compile', async () => {
    const doc = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    const paths = Object.keys((doc.json() as { paths: Record<string, unknown> }).paths);
    for (const p of ['/v1/bots/analytics', '/v1/flows/analytics', '/v1/flows/{flow_id}/analytics']) expect(paths).toContain(p);
    expect(await t.compileSchemas()).toBeGreaterThan(0);
  });
});

describe('flow analytics of conversations run by the flow engine', () => {
  // Tenant B's own bot and flow (tenant A's figures above stay as they are).
  const key = () => t.tenantB.secretKey;
  let bot: string;
  let flow: string;
  const definition = {
    start: 'welcome',
    settings: { debounce_ms: 0, exit_keywords: ['salir'], session_ttl_minutes: 60 },
    steps: [
      { id: 'welcome', type: 'message', content: { kind: 'text', text: 'Welcome!' }, next: 'size' },
      {
        id: 'size',
        type: 'question',
        prompt: 'Which size?',
        input: { kind: 'choice', options: [{ id: 'S', label: 'S', next: 'qty' }, { id: 'M', label: 'M', next: 'qty' }, { id: 'human', label: 'A person', next: 'handover' }] },
        save_as: 'size',
        timeout_seconds: 10,
      },
      { id: 'qty', type: 'question', prompt: 'How many?', input: { kind: 'number', min: 1, max: 5 }, save_as: 'qty', retry: { max: 1, message: 'A number from 1 to 5, please.' }, next: 'end' },
      { id: 'handover', type: 'action', action: 'handover', next: null },
      { id: 'end', type: 'end', message: 'Thanks!' },
    ],
  };
  let n = 0;
  const phone = () => `+5491166${String(++n).padStart(6, '0')}`;
  const send = (p: string, body: Record<string, unknown>) => json('POST', `/v1/bots/${bot}/simulator/messages`, { phone: p, ...body }, 202, key());
  const sessionOf = async (p: string) =>
    (await rows<{ status: string; step_id: string; wait: string }>(sql`select s.status, s.step_id, s.wait from commerce_flow_sessions s join commerce_contacts k on k.id = s.contact_id where s.bot_id = ${bot} and k.phone = ${p}`))[0];
  const until = (p: string, status: string, step: string, wait?: string, timeoutMs?: number) =>
    waitFor(
      async () => {
        const s = await sessionOf(p);
        return s && s.status === status && s.step_id === step && (wait === undefined || s.wait === wait) ? s : undefined;
      },
      `${p}: ${status} at ${step}`,
      timeoutMs,
    );
  const choose = (p: string, id: string) => send(p, { button_reply: { id, title: id } });

  it('eight conversations ending known ways give exact drop-off and completion per step', async () => {
    bot = (await json<{ id: string }>('POST', '/v1/bots', { name: 'Flow bot' }, 201, key())).id;
    flow = (await json<{ id: string }>('POST', '/v1/flows', { name: 'Sizes', bot_id: bot, definition }, 201, key())).id;
    expect((await json<{ published_version: number }>('POST', `/v1/flows/${flow}/publish`, undefined, 200, key())).published_version).toBe(1);

    const [c1, c2, c3, c4, c5, c6, c7, c8] = Array.from({ length: 8 }, phone) as [string, string, string, string, string, string, string, string];
    for (const p of [c1, c2, c3, c5, c6]) {
      await send(p, { text: 'hi' });
      await until(p, 'active', 'size', 'input');
    }
    await choose(c1, 'S');
    await until(c1, 'active', 'qty', 'input');
    await send(c1, { text: '2' });
    await until(c1, 'completed', 'end'); // completed
    await choose(c2, 'M');
    await until(c2, 'active', 'qty', 'input');
    await send(c2, { text: '1' });
    await until(c2, 'completed', 'end'); // completed
    await send(c3, { text: 'salir' });
    await until(c3, 'exited', 'size'); // dropped at size: an exit keyword
    await choose(c5, 'S');
    await until(c5, 'active', 'qty', 'input');
    await send(c5, { text: 'many' });
    await waitFor(async () => (await rows<{ n: number }>(sql`select count(*)::int as n from commerce_flow_inputs where session_id is not null and processed_at is not null and conversation_id = (select conversation_id from commerce_flow_sessions s join commerce_contacts k on k.id = s.contact_id where k.phone = ${c5})`))[0]!.n >= 3, 'the retry');
    await send(c5, { text: 'lots' });
    await until(c5, 'failed', 'qty'); // dropped at qty: no valid answer
    await choose(c6, 'human');
    await until(c6, 'handed_over', 'handover'); // to a person: not a drop-off
    // c4 lets the size question time out; c8 stops answering at qty, until its session is idle past its hour.
    await send(c4, { text: 'hi' });
    await until(c4, 'active', 'size', 'input');
    await send(c8, { text: 'hi' });
    await until(c8, 'active', 'size', 'input');
    await choose(c8, 'S');
    await until(c8, 'active', 'qty', 'input');
    t.clock.advance(11_000); // the embedded queue's delayed job is then due; BullMQ's delays are real time
    if (usingRedis()) await new Promise((r) => setTimeout(r, 11_000));
    await until(c4, 'expired', 'size', undefined, 30_000); // dropped at size: the question timed out
    t.clock.advance(61 * MIN);
    // c7 is still at the first question, within its time.
    await send(c7, { text: 'hi' });
    await until(c7, 'active', 'size', 'input');
    expect(await sessionOf(c8)).toMatchObject({ status: 'active', step_id: 'qty' }); // idle past expiry: dropped at qty

    const r = await json<{ version: number; summary: Record<string, number | null>; steps: { step_id: string; reached: number; dropped_off: number; handed_over: number; active: number; completed: number }[] }>('GET', `/v1/flows/${flow}/analytics`, undefined, 200, key());
    expect(r.version).toBe(1);
    expect(r.summary).toEqual({ sessions: 8, completed: 2, dropped_off: 4, handed_over: 1, active: 1, completion_rate: 0.25 });
    // [reached, dropped_off, handed_over, active, completed]
    expect(Object.fromEntries(r.steps.map((s) => [s.step_id, [s.reached, s.dropped_off, s.handed_over, s.active, s.completed]]))).toEqual({
      welcome: [8, 0, 0, 0, 2],
      size: [8, 2, 0, 1, 2],
      qty: [4, 2, 0, 0, 2],
      handover: [1, 0, 1, 0, 0],
      end: [2, 0, 0, 0, 2],
    });
    problem(await call('GET', `/v1/flows/${flow}/analytics`), 404, 'FLOW_NOT_FOUND'); // tenant A's key
  });
});
