/**
 * The flow engine on the real app and the simulator (issue 23): the shop flow of the reference
 * notes (welcome → menu → product → quantity → decision → order → payment link → handover) end to
 * end, with a retry, a timeout, an agent's takeover and the hand-back that resumes it; restart
 * and exit keywords; two messages of one conversation arriving at once run in order; a flow run
 * again (a worker killed mid-run) sends each reply once; versions, publish, rollback, sessions
 * keeping their version; validation errors over the API; cross-tenant 404s.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestApp, problem, usingPostgres, usingRedis, type TestApp } from './harness.js';
import { commerceClient, waitFor, type Conversation, type ThreadMessage } from './commerce-helpers.js';
import { putProduct } from './orders-helpers.js';
import { shopFlow } from './flow-fixtures.js';

let t: TestApp;
let api: ReturnType<typeof commerceClient>;
let pay: Server;
let payUrl: string;
const payCalls: Record<string, unknown>[] = [];
let botId: string;
let flowId: string;

type Flow = { id: string; published_version: number | null; latest_version: number | null; draft_valid: boolean; draft_errors: { code: string; path: string }[] };
type Session = { id: string; status: string; step_id: string; waiting: boolean; variables: Record<string, unknown>; cart: unknown[]; flow_version: number; end_reason: string | null };


beforeAll(async () => {
  // A payment provider's API: answers a link for the order it is given.
  pay = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const parsed = JSON.parse(body || '{}') as Record<string, unknown>;
      payCalls.push(parsed);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: `https://pay.example/l/${String(parsed.order)}`, status: 'open' }));
    });
  });
  await new Promise<void>((r) => pay.listen(0, '127.0.0.1', r));
  const port = (pay.address() as AddressInfo).port;
  payUrl = `http://127.0.0.1:${port}/links`;
  t = await createTestApp({ env: { PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS: `127.0.0.1:${port}` } });
  api = commerceClient(t, () => t.tenantA.secretKey);
  await t.modules.tenants.tenants.updateTenant(t.tenantA.id, { tier: 'enterprise' });
  await putProduct(t, 'shirt', { name: 'Linen shirt', price: { amount: 2000, currency: 'EUR' }, stock: 5 });
  await putProduct(t, 'cap', { name: 'Cap', price: { amount: 900, currency: 'EUR' }, stock: 0 });
  botId = (await api.json<{ id: string }>('POST', '/v1/bots', { name: 'Shop bot' }, 201)).id;
  const flow = await api.json<Flow>('POST', '/v1/flows', { name: 'Shop', bot_id: botId, definition: shopFlow(payUrl) }, 201);
  expect(flow.draft_valid).toBe(true);
  flowId = flow.id;
  expect((await api.json<Flow>('POST', `/v1/flows/${flowId}/publish`, undefined, 200)).published_version).toBe(1);
});
afterAll(async () => {
  await t?.close();
  await new Promise<void>((r) => (pay ? pay.close(() => r()) : r()));
});

let phoneSeq = 0;
const newPhone = () => `+54911555${String(10000 + ++phoneSeq).slice(-5)}`;
const shopper = (phone: string, body: Record<string, unknown>) => api.json<{ id: string }>('POST', `/v1/bots/${botId}/simulator/messages`, { phone, ...body }, 202);
const thread = async (phone: string) => (await api.json<{ messages: ThreadMessage[] }>('GET', `/v1/bots/${botId}/simulator/messages?phone=${encodeURIComponent(phone)}`, undefined, 200)).messages;
/** What the bot's flow said (the orders part's own notices, "We received your order…", left out). */
const botSaid = async (phone: string) =>
  (await thread(phone)).filter((m) => m.direction === 'to_shopper' && !String(m.content.text ?? '').startsWith('We received your order')).map((m) => m.content);
/** Wait until the bot has said `n` messages to this shopper; returns them all. */
const untilBotSaid = (phone: string, n: number, what = `${n} bot messages`) => waitFor(async () => ((await botSaid(phone)).length >= n ? botSaid(phone) : undefined), what, 20_000);
const conversationOf = async (phone: string) => (await api.json<{ data: Conversation[] }>('GET', `/v1/conversations?bot_id=${botId}&limit=100`)).data.find((c) => c.contact.phone === phone);
const sessionsOf = async (cid: string) => (await api.json<{ data: Session[] }>('GET', `/v1/flow-sessions?conversation_id=${cid}`, undefined, 200)).data;
const textOf = (c: Record<string, unknown>) => String(c.text ?? c.body ?? c.title ?? '');
const rows = async <T>(q: ReturnType<typeof sql>) => ((await t.deps.db.execute(q)) as unknown as { rows: T[] }).rows;

/** A question's timeout: the clock moves past it (the embedded queue's delayed job is then due); BullMQ's delays are real time. */
async function passTimeout(seconds: number) {
  t.clock.advance((seconds + 1) * 1000);
  if (usingRedis()) await new Promise((r) => setTimeout(r, (seconds + 1) * 1000));
}

describe('the shop flow on the simulator', () => {
  it('welcome → menu → product → a wrong quantity retried → order → payment link → handover; the agent hands back and the flow goes on', async () => {
    const phone = newPhone();
    await shopper(phone, { text: 'hola', name: 'Sofía' });
    let said = await untilBotSaid(phone, 2, 'welcome and menu');
    expect(textOf(said[0]!)).toBe('Hi Sofía! Welcome to the shop.');
    expect(said[1]).toMatchObject({ type: 'buttons', body: 'What would you like?', buttons: [{ id: 'buy', title: 'Buy' }, { id: 'human', title: 'Talk to someone' }] });

    await shopper(phone, { button_reply: { id: 'buy', title: 'Buy' } });
    said = await untilBotSaid(phone, 3, 'the product list');
    // The catalog's products (the out-of-stock cap too: stock is checked when ordering).
    expect(said[2]).toMatchObject({ type: 'list', body: 'Which one?', sections: [{ rows: expect.arrayContaining([expect.objectContaining({ id: 'shirt', title: 'Linen shirt', description: '€20.00' })]) }] });

    await shopper(phone, { list_reply: { id: 'shirt', title: 'Linen shirt' } });
    said = await untilBotSaid(phone, 4, 'how many');
    expect(textOf(said[3]!)).toBe('How many?');

    await shopper(phone, { text: 'a few' });
    said = await untilBotSaid(phone, 6, 'the retry and the question again');
    expect(said.slice(4).map(textOf)).toEqual(['Please send a number from 1 to 99.', 'How many?']);

    await shopper(phone, { text: '2' });
    said = await untilBotSaid(phone, 7, 'the payment link');
    const conv = (await conversationOf(phone))!;
    const [order] = (await api.json<{ data: { id: string; total_amount: number; conversation_id: string; items: { product_id: string; quantity: number }[] }[] }>('GET', `/v1/orders?limit=100`, undefined, 200)).data.filter((o) => o.conversation_id === conv.id);
    expect(order).toMatchObject({ total_amount: 4000, items: [{ product_id: 'shirt', quantity: 2 }] });
    expect(payCalls).toContainEqual({ order: order!.id, amount: 4000 });
    expect(said[6]).toMatchObject({ type: 'cta_url', body: `Order ${order!.id}: €40.00`, displayText: 'Pay', url: `https://pay.example/l/${order!.id}` });

    // Handed over: the conversation waits for an agent; the session is paused at `after`.
    await waitFor(async () => (await conversationOf(phone))?.status === 'waiting_agent', 'in the inbox');
    let [session] = await sessionsOf(conv.id);
    expect(session).toMatchObject({ status: 'active', step_id: 'after', waiting: false, variables: { sku: 'shirt', qty: 2, choice: 'buy', order: { id: order!.id, total: 4000 }, pay: { url: `https://pay.example/l/${order!.id}` } } });

    // The agent takes it: the bot is silent.
    await api.json('POST', `/v1/conversations/${conv.id}/handover`, { to: 'agent' }, 200);
    await shopper(phone, { text: 'Can you gift-wrap it?' });
    await waitFor(async () => (await rows<{ n: number }>(sql`select count(*)::int as n from commerce_flow_inputs where conversation_id = ${conv.id} and processed_at is null`))[0]!.n === 0 && (await thread(phone)).length >= 13, 'message stored');
    await new Promise((r) => setTimeout(r, 300));
    expect(await botSaid(phone)).toHaveLength(7);

    // Handed back: the flow goes on where it was and ends.
    await api.json('POST', `/v1/conversations/${conv.id}/handover`, { to: 'bot' }, 200);
    said = await untilBotSaid(phone, 8, 'resumed');
    expect(textOf(said[7]!)).toBe('Back with the bot. Anything else?');
    [session] = await waitFor(async () => {
      const s = await sessionsOf(conv.id);
      return s[0]?.status === 'completed' ? s : undefined;
    }, 'session completed');
    expect(session!.end_reason).toBe('end');
    // Every step of the path was visited once (the quantity question twice: the retry).
    const visits = await rows<{ step_id: string; count: number }>(sql`select step_id, count from commerce_flow_step_visits where session_id = ${session!.id} order by first_at, step_id`);
    expect(Object.fromEntries(visits.map((v) => [v.step_id, v.count]))).toEqual({ welcome: 1, menu: 1, pick: 1, qty: 1, check: 1, add: 1, order: 1, pay: 1, link: 1, handover: 1, after: 1 });
    // The session was read from its cache (Redis when configured, else the embedded process's) between inputs.
    // (PostgreSQL without Redis: no cache — a node's own memory would not see the other nodes' writes.)
    const cache = t.deps.caches.get('commerce.flow-sessions');
    if (usingPostgres() && !usingRedis()) expect(cache).toBeUndefined();
    else {
      const figures = await cache!.figures();
      expect(figures.hits).toBeGreaterThan(0);
      expect(figures.driver).toBe(usingRedis() ? 'redis' : 'memory');
    }
  });

  it('a question that times out goes to its on_timeout step; an order that cannot be made goes to on_error', async () => {
    const phone = newPhone();
    await shopper(phone, { text: 'hi' });
    await untilBotSaid(phone, 2, 'menu');
    await passTimeout(10);
    const said = await untilBotSaid(phone, 3, 'the timeout step');
    expect(textOf(said[2]!)).toBe('Write again whenever you like.');
    const conv = (await conversationOf(phone))!;
    const [s1] = await waitFor(async () => ((await sessionsOf(conv.id))[0]?.status === 'completed' ? sessionsOf(conv.id) : undefined), 'ended');
    expect(s1!.step_id).toBe('bye');

    // A new session: out of stock → the on_error step tells why and hands over.
    await shopper(phone, { text: 'hi again' });
    await untilBotSaid(phone, 5, 'menu again');
    await shopper(phone, { button_reply: { id: 'buy', title: 'Buy' } });
    await untilBotSaid(phone, 6, 'products');
    await shopper(phone, { list_reply: { id: 'cap', title: 'Cap' } });
    await untilBotSaid(phone, 7, 'how many');
    await shopper(phone, { text: '1' });
    const after = await untilBotSaid(phone, 8, 'sorry');
    expect(textOf(after[7]!)).toMatch(/^Sorry: .*stock/i);
    await waitFor(async () => (await conversationOf(phone))?.status === 'waiting_agent', 'handed over');
  });

  it('restart and exit keywords', async () => {
    const phone = newPhone();
    await shopper(phone, { text: 'hello' });
    await untilBotSaid(phone, 2, 'menu');
    await shopper(phone, { button_reply: { id: 'buy', title: 'Buy' } });
    await untilBotSaid(phone, 3, 'products');
    await shopper(phone, { text: 'MENÚ' });
    const said = await untilBotSaid(phone, 5, 'started again');
    expect(said.slice(3).map(textOf)).toEqual(['Hi ! Welcome to the shop.', 'What would you like?']);
    const conv = (await conversationOf(phone))!;
    // The state is written after the replies are queued.
    await waitFor(async () => ((await sessionsOf(conv.id)).length === 2 ? true : undefined), 'two sessions');
    // (The test's clock stands still: the two sessions' ids share their time part, so compare them unordered.)
    expect((await sessionsOf(conv.id)).map((s) => [s.status, s.end_reason]).sort()).toEqual([
      ['active', null],
      ['exited', 'restart keyword'],
    ]);
    await shopper(phone, { text: 'Salir' });
    await waitFor(async () => (await conversationOf(phone))?.status === 'waiting_agent', 'exit to the inbox');
    expect((await sessionsOf(conv.id)).map((x) => x.end_reason).sort()).toEqual(['exit keyword', 'restart keyword']);
    expect(await botSaid(phone)).toHaveLength(5);
  });

  it('two messages of one conversation arriving at once run in order', async () => {
    const phone = newPhone();
    await shopper(phone, { text: 'hey' });
    await untilBotSaid(phone, 2, 'menu');
    await shopper(phone, { button_reply: { id: 'buy', title: 'Buy' } });
    await untilBotSaid(phone, 3, 'products');
    // The product and the quantity at once: the product must be taken first, then the quantity.
    await Promise.all([shopper(phone, { list_reply: { id: 'shirt', title: 'Linen shirt' } }), new Promise((r) => setTimeout(r, 5)).then(() => shopper(phone, { text: '3' }))]);
    const said = await untilBotSaid(phone, 5, 'both answered');
    expect(textOf(said[3]!)).toBe('How many?');
    const conv = (await conversationOf(phone))!;
    await waitFor(async () => ((await sessionsOf(conv.id))[0]?.variables.qty === 3 ? true : undefined), 'qty saved');
    expect((await sessionsOf(conv.id))[0]!.variables).toMatchObject({ sku: 'shirt', qty: 3 });
  });
});

describe('running again', () => {
  it('an input run twice (a worker killed after sending, before saving) sends each reply once', async () => {
    const phone = newPhone();
    await shopper(phone, { text: 'hola' });
    await untilBotSaid(phone, 2, 'menu');
    const conv = (await conversationOf(phone))!;
    // Put the session back as it was before the message, and the input back in the queue: a rerun.
    const [input] = await rows<{ id: string }>(sql`select id from commerce_flow_inputs where conversation_id = ${conv.id} order by seq limit 1`);
    await t.deps.db.execute(sql`delete from commerce_flow_sessions where conversation_id = ${conv.id}`);
    // A run drops the session's cache entry before it writes: killed then, it leaves none.
    await t.deps.caches.get('commerce.flow-sessions')?.invalidate({ key: `${t.tenantA.id}:${conv.id}` });
    await t.deps.db.execute(sql`update commerce_flow_inputs set processed_at = null where id = ${input!.id}`);
    await t.deps.jobs.enqueue('commerce.flow.run', { tenant_id: t.tenantA.id, conversation_id: conv.id });
    await waitFor(async () => (await sessionsOf(conv.id)).length === 1, 'session again');
    await new Promise((r) => setTimeout(r, 300));
    expect((await botSaid(phone)).map(textOf)).toEqual(['Hi ! Welcome to the shop.', 'What would you like?']);
    const out = await rows<{ n: number }>(sql`select count(*)::int as n from commerce_messages where conversation_id = ${conv.id} and direction = 'out'`);
    expect(out[0]!.n).toBe(2);
  });
});

describe('versions, validation and isolation', () => {
  it('publish makes a version; running sessions keep theirs; rollback publishes an older one; an invalid draft is refused with located errors', async () => {
    const phone = newPhone();
    await shopper(phone, { text: 'hola' });
    await untilBotSaid(phone, 2, 'menu on v1');
    const v2 = shopFlow(payUrl);
    v2.steps[0] = { id: 'welcome', type: 'message', content: { kind: 'text', text: 'Welcome to version two!' }, next: 'menu' };
    await api.json('PATCH', `/v1/flows/${flowId}`, { definition: v2 }, 200);
    expect((await api.json<Flow>('POST', `/v1/flows/${flowId}/publish`, undefined, 200)).published_version).toBe(2);
    // The running session stays on version 1…
    const conv = (await conversationOf(phone))!;
    expect((await sessionsOf(conv.id))[0]!.flow_version).toBe(1);
    // …a new conversation starts on version 2.
    const other = newPhone();
    await shopper(other, { text: 'hola' });
    expect(textOf((await untilBotSaid(other, 2, 'v2'))[0]!)).toBe('Welcome to version two!');
    const versions = await api.json<{ data: { version: number; published: boolean }[] }>('GET', `/v1/flows/${flowId}/versions`, undefined, 200);
    expect(versions.data.map((v) => [v.version, v.published])).toEqual([
      [2, true],
      [1, false],
    ]);
    expect((await api.json<Flow>('POST', `/v1/flows/${flowId}/rollback`, { version: 1 }, 200)).published_version).toBe(1);
    problem(await api.call('POST', `/v1/flows/${flowId}/rollback`, { version: 9 }), 404, 'FLOW_VERSION_NOT_FOUND');

    const broken = shopFlow(payUrl);
    broken.steps[1] = { ...broken.steps[1]!, input: { kind: 'choice', options: [{ id: 'a', label: 'A', next: 'nowhere' }, { id: 'b', label: 'B', next: 'pick' }, { id: 'c', label: 'C', next: 'pick' }, { id: 'd', label: 'A label far too long for a list row', next: 'pick' }] } } as never;
    const saved = await api.json<Flow>('PATCH', `/v1/flows/${flowId}`, { definition: broken }, 200);
    expect(saved.draft_valid).toBe(false);
    const p = problem(await api.call('POST', `/v1/flows/${flowId}/publish`), 422, 'FLOW_INVALID') as unknown as { errors: { path: string; message: string }[] };
    expect(p.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '/definition/steps/1/input/options/0/next', message: expect.stringContaining('UNKNOWN_STEP') }),
        expect.objectContaining({ path: '/definition/steps/1/input/options/3/label', message: expect.stringContaining('WHATSAPP_LIMIT') }),
      ]),
    );
    const check = await api.json<{ valid: boolean; errors: { code: string; path: string }[] }>('POST', '/v1/flows/validate', { definition: { start: 'a', steps: [{ id: 'a', type: 'message', content: { kind: 'text', text: 'x' }, next: 'b' }, { id: 'b', type: 'decision', branches: [{ when: { all: [{ var: 'x', op: 'is_set' }] }, next: 'a' }], else: 'a' }] } }, 200);
    expect(check.valid).toBe(false);
    expect(check.errors.map((e) => e.code)).toContain('LOOP_WITHOUT_WAIT');
    // Put the good draft back for the other tests.
    await api.json('PATCH', `/v1/flows/${flowId}`, { definition: shopFlow(payUrl) }, 200);
  });

  it('one flow per bot; bad bodies are 400 without a 5xx; another tenant’s flows, versions and sessions are 404', async () => {
    problem(await api.call('POST', '/v1/flows', { name: 'Second', bot_id: botId }), 409, 'FLOW_BOT_TAKEN');
    problem(await api.call('POST', '/v1/flows', { name: 'x', definition: 'not an object' }), 400, 'VALIDATION_FAILED');
    problem(await api.call('POST', '/v1/flows', { name: 'x', bot_id: 12 }), 400, 'VALIDATION_FAILED');
    problem(await api.call('POST', '/v1/flows', { name: 'x', extra: true }), 400, 'VALIDATION_FAILED');
    problem(await api.call('POST', `/v1/flows/${flowId}/test`, { inputs: [{ image: 'data:image/png;base64,AAAA' }] }), 422, 'IMAGE_UNREADABLE');
    problem(await api.call('POST', `/v1/flows/${flowId}/test`, { inputs: [{ image: 'https://example.com/x.png' }] }), 400, 'INVALID_DATA_URL');
    const b = commerceClient(t, () => t.tenantB.secretKey);
    problem(await b.call('GET', `/v1/flows/${flowId}`), 404, 'FLOW_NOT_FOUND');
    problem(await b.call('PATCH', `/v1/flows/${flowId}`, { name: 'mine' }), 404, 'FLOW_NOT_FOUND');
    problem(await b.call('POST', `/v1/flows/${flowId}/publish`), 404, 'FLOW_NOT_FOUND');
    problem(await b.call('GET', `/v1/flows/${flowId}/versions/1`), 404, 'FLOW_NOT_FOUND');
    problem(await b.call('POST', `/v1/flows/${flowId}/test`, { inputs: ['hi'] }), 404, 'FLOW_NOT_FOUND');
    problem(await b.call('DELETE', `/v1/flows/${flowId}`), 404, 'FLOW_NOT_FOUND');
    problem(await b.call('POST', '/v1/flows', { name: 'steal', bot_id: botId }), 404, 'BOT_NOT_FOUND');
    const [anySession] = (await api.json<{ data: Session[] }>('GET', '/v1/flow-sessions', undefined, 200)).data;
    problem(await b.call('GET', `/v1/flow-sessions/${anySession!.id}`), 404, 'FLOW_SESSION_NOT_FOUND');
    expect((await b.json<{ data: unknown[] }>('GET', '/v1/flow-sessions', undefined, 200)).data).toHaveLength(0);
    expect((await b.json<{ data: unknown[] }>('GET', '/v1/flows', undefined, 200)).data).toHaveLength(0);
  });
});

describe('the editor’s test run', () => {
  it('runs a script on the draft and returns the transcript; nothing is sent or stored', async () => {
    const before = (await rows<{ n: number }>(sql`select count(*)::int as n from orders`))[0]!.n;
    const r = await api.json<{ transcript: { from: string; content: Record<string, unknown>; step_id: string | null }[]; session: { status: string; variables: Record<string, unknown> }; visited: string[] }>(
      'POST',
      `/v1/flows/${flowId}/test`,
      { inputs: ['hi', { reply: 'buy' }, { reply: 'shirt' }, 'many', '2'], contact: { name: 'Tess' } },
      200,
    );
    const lines = r.transcript.map((e) => `${e.from}:${e.step_id ?? ''}:${e.from === 'system' ? String(e.content.event) : textOf(e.content)}`);
    expect(lines).toEqual([
      'shopper::hi',
      'bot:welcome:Hi Tess! Welcome to the shop.',
      'bot:menu:What would you like?',
      'shopper::buy',
      'bot:pick:Which one?',
      'shopper::shirt',
      'bot:qty:How many?',
      'shopper::many',
      'bot:qty:Please send a number from 1 to 99.',
      'bot:qty:How many?',
      'shopper::2',
      'system:order:order.create',
      `bot:link:Order ord_test: €40.00`,
      'system:handover:handover',
    ]);
    expect(r.session).toMatchObject({ status: 'active', variables: { qty: 2, sku: 'shirt' } });
    expect(r.visited).toEqual(['welcome', 'menu', 'pick', 'qty', 'check', 'add', 'order', 'pay', 'link', 'handover']);
    expect((await rows<{ n: number }>(sql`select count(*)::int as n from orders`))[0]!.n).toBe(before);
    const timeout = await api.json<{ transcript: { from: string; content: Record<string, unknown> }[]; session: { status: string } }>('POST', `/v1/flows/${flowId}/test`, { inputs: ['hi', { timeout: true }] }, 200);
    expect(timeout.transcript.map((e) => textOf(e.content) || String(e.content.event))).toEqual(['hi', 'Hi Test shopper! Welcome to the shop.', 'What would you like?', 'timeout', 'Write again whenever you like.']);
    expect(timeout.session.status).toBe('completed');
  });
});
