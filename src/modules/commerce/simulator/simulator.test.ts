/**
 * The simulator end to end on the real app: a shopper's message → contact, conversation routed to
 * the inbox (waiting_agent) → an agent takes it and replies through POST /v1/messages → the
 * shopper sees it and reading it makes it delivered and read. WhatsApp's rules: limits (422 with
 * the field path), outside the window (refused, or turned into the bot's window_template),
 * opt-out keywords (ledger, acknowledgement, business-initiated sends refused, START opts back in),
 * the away message once, silence while an agent has the conversation; tenant isolation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { bearer, createTestApp, problem, type TestApp } from '../../../../test/harness.js';
import { commerceClient, waitFor, type Conversation, type Message, type ThreadMessage } from '../../../../test/commerce-helpers.js';
import { COMMERCE_EVENTS_CHANNEL } from '../index.js';

let t: TestApp;
let api: ReturnType<typeof commerceClient>;
let botId: string;
const SHOPPER = '+5491122334455';
const realtime: { tenant_id: string; type: string; data: Record<string, unknown> }[] = [];

beforeAll(async () => {
  // Webhook endpoints may be plain http on this allow-listed address (deliveries to it fail; they are only counted).
  t = await createTestApp({ env: { PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS: '127.0.0.1:9' } });
  api = commerceClient(t, () => t.tenantA.secretKey);
  // These tests poll the API while jobs run: above the basic tier's 300 requests a minute.
  await t.modules.tenants.tenants.updateTenant(t.tenantA.id, { tier: 'enterprise' });
  await t.deps.pubsub.subscribe(COMMERCE_EVENTS_CHANNEL, (m) => realtime.push(JSON.parse(m) as (typeof realtime)[number]));
  await api.json('POST', '/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/hook', event_types: ['message.received', 'message.status', 'conversation.status_changed', 'conversation.assigned'] }, 201);
  const bot = await api.json<{ id: string }>('POST', '/v1/bots', { name: 'Sim bot', templates: [{ name: 'follow_up', language: 'es_AR', category: 'utility', body: 'Seguimos en contacto: {{1}}' }, { name: 'promo', language: 'es_AR', category: 'marketing', body: 'Promo {{1}}' }] }, 201);
  botId = bot.id;
});
afterAll(async () => t?.close());

const shopper = (body: Record<string, unknown>, phone = SHOPPER) => api.json<{ id: string }>('POST', `/v1/bots/${botId}/simulator/messages`, { phone, ...body }, 202);
const thread = async (phone = SHOPPER) => (await api.json<{ messages: ThreadMessage[] }>('GET', `/v1/bots/${botId}/simulator/messages?phone=${encodeURIComponent(phone)}`, undefined, 200)).messages;
const conversationOf = async (phone = SHOPPER) => (await api.json<{ data: Conversation[] }>('GET', `/v1/conversations?bot_id=${botId}`)).data.find((c) => c.contact.phone === phone);
const messagesOf = async (cid: string) => (await api.json<{ data: Message[] }>('GET', `/v1/conversations/${cid}/messages`)).data;
const waitStatus = (cid: string, id: string, status: string) => waitFor(async () => (await messagesOf(cid)).find((m) => m.id === id && m.status === status), `message ${id} ${status}`);

describe('simulator, end to end', () => {
  let cid: string;

  it('a shopper message opens a conversation that waits for an agent; the agent replies; the shopper sees it, delivered and read', async () => {
    await shopper({ text: 'Hola, ¿tienen talle M?', name: 'Ana' });
    const conv = await waitFor(async () => {
      const c = await conversationOf();
      return c?.status === 'waiting_agent' ? c : undefined;
    }, 'conversation in the inbox');
    cid = conv.id;
    expect(conv).toMatchObject({ unread_count: 1, window: { open: true }, contact: { phone: SHOPPER } });
    const [inbound] = await messagesOf(cid);
    expect(inbound).toMatchObject({ direction: 'in', source: 'shopper', status: 'received', provider: 'simulator', content: { type: 'text', text: 'Hola, ¿tienen talle M?' } });

    expect((await api.json<Conversation>('POST', `/v1/conversations/${cid}/handover`, { to: 'agent', seller_id: 'sel_01ABC' }, 200)).status).toBe('agent');
    const sent = await api.json<Message>('POST', '/v1/messages', { conversation_id: cid, content: { type: 'buttons', body: '¡Sí! ¿Lo reservo?', buttons: [{ id: 'yes', title: 'Sí' }, { id: 'no', title: 'No' }] } }, 202);
    expect(sent).toMatchObject({ status: 'queued', direction: 'out', source: 'api' });
    await waitStatus(cid, sent.id, 'sent');
    const seen = await thread();
    expect(seen.map((m) => m.direction)).toEqual(['from_shopper', 'to_shopper']);
    expect(seen[1]!.content).toMatchObject({ type: 'buttons', body: '¡Sí! ¿Lo reservo?' });
    const read = await waitStatus(cid, sent.id, 'read');
    expect(read.provider).toBe('simulator');

    await shopper({ button_reply: { id: 'yes', title: 'Sí' } });
    await waitFor(async () => (await messagesOf(cid)).find((m) => m.content.type === 'button_reply'), 'button reply');
    expect((await api.json<Conversation>('POST', `/v1/conversations/${cid}/read`, undefined, 200)).unread_count).toBe(0);
  });

  it('refuses content past WhatsApp’s limits with the field path, before anything is sent', async () => {
    const four = await api.call('POST', '/v1/messages', { conversation_id: cid, content: { type: 'buttons', body: 'x', buttons: ['a', 'b', 'c', 'd'].map((id) => ({ id, title: id })) } });
    expect((problem(four, 422, 'MESSAGE_CONTENT_INVALID') as unknown as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain('/content/buttons');
    const long = await api.call('POST', '/v1/messages', { conversation_id: cid, content: { type: 'buttons', body: 'x', buttons: [{ id: 'a', title: 'This title is far too long' }] } });
    expect((problem(long, 422, 'MESSAGE_CONTENT_INVALID') as unknown as { errors: { path: string }[] }).errors[0]!.path).toBe('/content/buttons/0/title');
    const rows = Array.from({ length: 11 }, (_, i) => ({ id: `r${i}`, title: `Row ${i}` }));
    problem(await api.call('POST', '/v1/messages', { conversation_id: cid, content: { type: 'list', body: 'x', button: 'Ver', sections: [{ rows }] } }), 422, 'MESSAGE_CONTENT_INVALID');
    problem(await api.call('POST', '/v1/messages', { conversation_id: cid, content: { type: 'template', template: { name: 'nope', language: 'es_AR', params: [] } } }), 422, 'MESSAGE_CONTENT_INVALID');
    problem(await api.call('POST', '/v1/messages', { conversation_id: cid, content: { type: 'template', template: { name: 'follow_up', language: 'es_AR', params: [] } } }), 422, 'MESSAGE_CONTENT_INVALID');
  });

  it('outside the 24-hour window: a text is refused, a template goes, a window_template turns a text into one', async () => {
    t.clock.advance(25 * 3600 * 1000);
    expect((await api.json<Conversation>('GET', `/v1/conversations/${cid}`)).window.open).toBe(false);
    problem(await api.call('POST', '/v1/messages', { conversation_id: cid, content: { type: 'text', text: '¿Seguís ahí?' } }), 422, 'OUTSIDE_WINDOW');
    const tpl = await api.json<Message>('POST', '/v1/messages', { conversation_id: cid, content: { type: 'template', template: { name: 'follow_up', language: 'es_AR', params: ['tu pedido'] } } }, 202);
    await waitStatus(cid, tpl.id, 'sent');
    await api.json('PATCH', `/v1/bots/${botId}`, { window_template: 'follow_up' }, 200);
    const txt = await api.json<Message>('POST', '/v1/messages', { conversation_id: cid, content: { type: 'text', text: 'la remera llegó' } }, 202);
    const done = await waitStatus(cid, txt.id, 'sent');
    expect(done.content).toMatchObject({ type: 'template', template: { name: 'follow_up', params: ['la remera llegó'] } });
    const seen = await thread();
    expect(seen.at(-1)!.content.text).toBe('Seguimos en contacto: la remera llegó');
    expect(seen.at(-2)!.content.text).toBe('Seguimos en contacto: tu pedido');
    await api.json('PATCH', `/v1/bots/${botId}`, { window_template: null }, 200);
  });

  it('STOP writes the opt-out ledger and is acknowledged; business-initiated sends are refused; START opts back in', async () => {
    await shopper({ text: 'stop' });
    await waitFor(async () => (await thread()).find((m) => m.direction === 'to_shopper' && String(m.content.text).includes('START')), 'opt-out acknowledgement');
    const conv = (await conversationOf())!;
    const ledger = (await t.deps.db.execute(sql`select category, source from commerce_opt_outs where contact_id = ${conv.contact.id}`)) as unknown as { rows: { category: string; source: string }[] };
    expect(ledger.rows).toEqual([{ category: 'all', source: 'keyword' }]);
    // Marketing is business-initiated even inside the window.
    problem(await api.call('POST', '/v1/messages', { conversation_id: cid, category: 'marketing', content: { type: 'template', template: { name: 'promo', language: 'es_AR', params: ['20%'] } } }), 422, 'OPTED_OUT');
    // A reply within the window is customer service, not business-initiated.
    await api.json('POST', '/v1/messages', { conversation_id: cid, content: { type: 'text', text: 'Listo, no te escribimos más.' } }, 202);
    t.clock.advance(25 * 3600 * 1000);
    problem(await api.call('POST', '/v1/messages', { conversation_id: cid, content: { type: 'template', template: { name: 'follow_up', language: 'es_AR', params: ['x'] } } }), 422, 'OPTED_OUT');
    problem(await api.call('POST', '/v1/messages', { bot_id: botId, to: SHOPPER, content: { type: 'template', template: { name: 'follow_up', language: 'es_AR', params: ['x'] } } }), 422, 'OPTED_OUT');
    await shopper({ text: 'ALTA' });
    await waitFor(async () => (await thread()).find((m) => m.direction === 'to_shopper' && String(m.content.text).includes('again')), 'opt-in acknowledgement');
    const again = (await t.deps.db.execute(sql`select count(*)::int as n from commerce_opt_outs where contact_id = ${conv.contact.id}`)) as unknown as { rows: { n: number }[] };
    expect(again.rows[0]!.n).toBe(0);
  });

  it('the bot is silent while an agent has the conversation; back with the bot, the away message goes once', async () => {
    await api.json('PATCH', `/v1/bots/${botId}`, { away_message: 'Estamos cerrados, te respondemos mañana.', business_hours: { timezone: 'UTC', intervals: [] } }, 200);
    // No intervals means always open: close it by giving hours that never match now.
    const now = new Date(t.clock.now());
    const other = (now.getUTCDay() + 3) % 7;
    await api.json('PATCH', `/v1/bots/${botId}`, { business_hours: { timezone: 'UTC', intervals: [{ day: other, start: '00:00', end: '23:59' }] } }, 200);
    const away = () => thread().then((ms) => ms.filter((m) => m.direction === 'to_shopper' && m.content.text === 'Estamos cerrados, te respondemos mañana.').length);
    expect((await api.json<Conversation>('GET', `/v1/conversations/${cid}`)).status).toBe('agent');
    await shopper({ text: 'hola?' });
    await waitFor(async () => (await messagesOf(cid)).find((m) => m.content.text === 'hola?'), 'inbound while agent');
    await new Promise((r) => setTimeout(r, 300));
    expect(await away()).toBe(0);
    await api.json('POST', `/v1/conversations/${cid}/handover`, { to: 'bot' }, 200);
    await shopper({ text: 'hay alguien?' });
    await waitFor(async () => (await away()) === 1, 'away message');
    await shopper({ text: 'holaaa' });
    await waitFor(async () => (await messagesOf(cid)).find((m) => m.content.text === 'holaaa'), 'second inbound');
    await new Promise((r) => setTimeout(r, 300));
    expect(await away()).toBe(1);
    expect((await api.json<Conversation>('GET', `/v1/conversations/${cid}`)).status).toBe('waiting_agent');
    problem(await api.call('POST', `/v1/conversations/${cid}/handover`, { to: 'bot', seller_id: 'sel_01X' }), 409, 'INVALID_HANDOVER');
  });

  it("answers 404 for another tenant's conversations, messages and simulator", async () => {
    const B = bearer(t.tenantB.secretKey);
    problem(await api.call('GET', `/v1/conversations/${cid}`, undefined, B), 404, 'CONVERSATION_NOT_FOUND');
    problem(await api.call('GET', `/v1/conversations/${cid}/messages`, undefined, B), 404, 'CONVERSATION_NOT_FOUND');
    problem(await api.call('POST', `/v1/conversations/${cid}/handover`, { to: 'agent' }, B), 404, 'CONVERSATION_NOT_FOUND');
    problem(await api.call('POST', `/v1/conversations/${cid}/read`, undefined, B), 404, 'CONVERSATION_NOT_FOUND');
    problem(await api.call('POST', '/v1/messages', { conversation_id: cid, content: { type: 'text', text: 'x' } }, B), 404, 'CONVERSATION_NOT_FOUND');
    problem(await api.call('POST', '/v1/messages', { bot_id: botId, to: SHOPPER, content: { type: 'text', text: 'x' } }, B), 404, 'BOT_NOT_FOUND');
    problem(await api.call('POST', `/v1/bots/${botId}/simulator/messages`, { phone: SHOPPER, text: 'x' }, B), 404, 'BOT_NOT_FOUND');
    problem(await api.call('GET', `/v1/bots/${botId}/simulator/messages?phone=${encodeURIComponent(SHOPPER)}`, undefined, B), 404, 'BOT_NOT_FOUND');
    problem(await api.call('POST', `/v1/bots/${botId}/simulator/link`, {}, B), 404, 'BOT_NOT_FOUND');
    problem(await api.call('GET', `/v1/bots/${botId}/status`, undefined, B), 404, 'BOT_NOT_FOUND');
    problem(await api.call('GET', `/v1/bots/${botId}/qr`, undefined, B), 404, 'BOT_NOT_FOUND');
    expect((await api.json<{ data: Conversation[] }>('GET', '/v1/conversations', undefined)).data.length).toBeGreaterThan(0);
    const theirs = await t.app.inject({ method: 'GET', url: '/v1/conversations', headers: B });
    expect((theirs.json() as { data: unknown[] }).data).toEqual([]);
  });

  it('the web chat page opens with a signed link only', async () => {
    const link = await api.json<{ url: string; token: string }>('POST', `/v1/bots/${botId}/simulator/link`, { phone: SHOPPER }, 201);
    const page = await t.app.inject({ method: 'GET', url: new URL(link.url).pathname + new URL(link.url).search });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('/simulator/assets/chat.js');
    const th = await t.app.inject({ method: 'GET', url: `/simulator/${botId}/messages?token=${link.token}&phone=${encodeURIComponent(SHOPPER)}` });
    expect(th.statusCode, th.body).toBe(200);
    const sent = await t.app.inject({ method: 'POST', url: `/simulator/${botId}/messages?token=${link.token}`, payload: { phone: SHOPPER, text: 'desde la web' } });
    expect(sent.statusCode, sent.body).toBe(202);
    problem(await t.app.inject({ method: 'GET', url: `/simulator/${botId}?token=${link.token.slice(0, -2)}xx` }), 401, 'INVALID_TOKEN');
    t.clock.advance(2 * 3600 * 1000);
    problem(await t.app.inject({ method: 'GET', url: `/simulator/${botId}?token=${link.token}` }), 401, 'INVALID_TOKEN');
  });

  it('publishes realtime events and emits webhooks for messages, statuses and handovers', async () => {
    const types = new Set(realtime.filter((e) => e.tenant_id === t.tenantA.id).map((e) => e.type));
    expect([...types].sort()).toEqual(['conversation.updated', 'message.created', 'message.status']);
    expect(realtime.some((e) => e.tenant_id !== t.tenantA.id)).toBe(false);
    const emitted = (await t.deps.db.execute(sql`select distinct event_type from webhook_deliveries where tenant_id = ${t.tenantA.id} order by 1`)) as unknown as { rows: { event_type: string }[] };
    expect(emitted.rows.map((r) => r.event_type)).toEqual(['conversation.assigned', 'conversation.status_changed', 'message.received', 'message.status']);
  });

  it('keeps the older bridge endpoints: /send, /status, /qr', async () => {
    const sent = await api.json<{ success: boolean; message_id: string; conversation_id: string }>('POST', '/send', { bot_id: botId, to: '5491199990000', message: 'hola' });
    // A business-initiated text to a number that never wrote: outside the window, the bot has no window_template.
    expect(sent).toMatchObject({ code: 'OUTSIDE_WINDOW' });
    await api.json('PATCH', `/v1/bots/${botId}`, { window_template: 'follow_up' }, 200);
    const ok = await api.json<{ success: boolean; message_id: string }>('POST', '/send', { bot_id: botId, to: '5491199990000', message: 'hola' }, 202);
    expect(ok).toMatchObject({ success: true, message_id: expect.stringMatching(/^msg_/) });
    const st = await api.json<{ connected: boolean; connections: { provider: string }[] }>('GET', `/status?bot_id=${botId}`, undefined, 200);
    expect(st).toMatchObject({ connected: true, connections: [{ provider: 'simulator' }] });
    problem(await api.call('GET', `/qr?bot_id=${botId}`), 422, 'CONNECTION_NOT_LINKABLE');
    problem(await api.call('GET', `/status?bot_id=${botId}`, undefined, bearer(t.tenantB.secretKey)), 404, 'BOT_NOT_FOUND');
    problem(await api.call('POST', '/send', { bot_id: botId, to: '5491199990000', message: 'x' }, bearer(t.tenantB.secretKey)), 404, 'BOT_NOT_FOUND');
  });
});
