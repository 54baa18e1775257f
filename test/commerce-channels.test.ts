/**
 * Commerce end to end through the app with the REAL Meta Cloud API driver against its fake
 * (test/fakes/meta-whatsapp.ts), on whichever database the run uses: the hub.challenge handshake;
 * a signed inbound text → a conversation waiting for an agent; Meta's retry of the same webhook →
 * one message; a forged signature → 401 and nothing stored; an agent reply → the Graph request at
 * the fake, and signed status webhooks moving it; 131050 → the marketing opt-out ledger and a
 * refused marketing send; outside the window → OUTSIDE_WINDOW or the bot's window_template sent
 * as a Meta template; an `order` message → an order priced from the catalog. And hostile inbound:
 * oversized, malformed, unknown connection, a batch with one bad message. Twilio, Evolution and
 * fallback are in commerce-channels-fallback.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { problem } from './harness.js';
import { waitFor, type Message } from './commerce-helpers.js';
import { putProduct } from './orders-helpers.js';
import { garmentPng } from './fakes/images.js';
import { inbound, postWebhook, signBody, verifyRequest, type FakeMeta } from './fakes/meta-whatsapp.js';
import { channelsApp, type Bot, type ChannelsApp } from './commerce-channels-setup.js';

let c: ChannelsApp;
let meta: FakeMeta;
let bot: Bot;
let con: string;

const TEMPLATES = [
  { name: 'promo', language: 'en', category: 'marketing', body: 'Sale {{1}}' },
  { name: 'follow_up', language: 'en', category: 'utility', body: 'About your question: {{1}}' },
];

beforeAll(async () => {
  c = await channelsApp({ metaNumbers: ['106540352242922'] });
  meta = c.metas[0]!;
  meta.templates.set('promo', 1).set('follow_up', 1);
  bot = await c.newBot({ connections: [{ provider: 'meta', credentials: meta.credentials }], templates: TEMPLATES });
  con = bot.connections[0]!.id;
});
afterAll(async () => c?.close());

/** POST a Meta webhook body (signed with the app secret unless told) through the app's real socket. */
const deliver = (body: Record<string, unknown> | string, signature?: string | null) => postWebhook(c.hookUrl(con), body, meta.appSecret, signature === undefined ? {} : { signature });
const ledgerCount = async () => (await c.rows<{ n: number }>(sql`select count(*)::int as n from commerce_inbound_events where connection_id = ${con}`))[0]!.n;
const textFrom = (from: string, text: string) => meta.webhook({ messages: [inbound.text(text, { from, timestamp: c.nowS() })] });
const send = (body: Record<string, unknown>) => c.api.call('POST', '/v1/messages', body);

describe('Meta Cloud API through the app', () => {
  it('answers the hub.challenge handshake with the right verify token only', async () => {
    const ok = await verifyRequest(c.hookUrl(con), meta.verifyToken, '1158201444');
    expect([ok.status, await ok.text()]).toEqual([200, '1158201444']);
    expect((await verifyRequest(c.hookUrl(con), 'not-the-verify-token', '1158201444')).status).toBe(403);
  });

  it('a signed text → a conversation waiting for an agent; the same webhook again → one message; a forged one → 401, nothing stored', async () => {
    const body = textFrom('5491155550101', 'hola, ¿tienen talle M?');
    expect((await deliver(body)).status).toBe(200);
    expect((await deliver(body)).status).toBe(200); // Meta's retry: the same body, the same wamid
    const conv = await waitFor(async () => (await c.conversationsOf(bot.id)).find((x) => x.contact.phone === '+5491155550101' && x.status === 'waiting_agent'), 'waiting for an agent');
    const ms = await c.messagesOf(conv.id);
    expect(ms.map((m) => [m.direction, m.content])).toEqual([['in', { type: 'text', text: 'hola, ¿tienen talle M?' }]]);
    expect(await ledgerCount()).toBe(1);

    const before = await ledgerCount();
    const forged = textFrom('5491155550101', 'forged');
    const res = await deliver(forged, signBody(JSON.stringify(forged), 'a0'.repeat(16)));
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await deliver(forged, null)).status).toBe(401);
    expect(await ledgerCount()).toBe(before);
    expect((await c.messagesOf(conv.id)).some((m) => m.content.text === 'forged')).toBe(false);
    expect(c.t.logs.join('')).not.toContain(meta.appSecret);
  });

  it('an agent reply is the right Graph request; signed statuses move it to delivered, then read', async () => {
    await deliver(textFrom('5491155550102', 'hi'));
    const conv = await waitFor(async () => (await c.conversationsOf(bot.id)).find((x) => x.contact.phone === '+5491155550102'), 'conversation');
    const m = await c.api.json<Message>('POST', '/v1/messages', { conversation_id: conv.id, content: { type: 'text', text: 'Sí, hay talle M.' } }, 202);
    expect(await c.settled(conv.id, m.id)).toMatchObject({ status: 'sent', provider: 'meta', connection_id: con });
    const wamid = await c.providerIdOf(m.id);
    const at = meta.sent.find((s) => s.id === wamid)!;
    expect(at.body).toMatchObject({ messaging_product: 'whatsapp', recipient_type: 'individual', to: '5491155550102', type: 'text', text: { body: 'Sí, hay talle M.' }, biz_opaque_callback_data: m.id });
    expect(meta.calls('POST', `/${meta.apiVersion}/${meta.phoneNumberId}/messages`).at(-1)!.headers.authorization).toBe(`Bearer ${meta.accessToken}`);

    expect((await deliver(meta.webhook({ statuses: [meta.statusFor(wamid, 'delivered')] }))).status).toBe(200);
    await c.messageWhen(conv.id, m.id, (x) => x.status === 'delivered', 'delivered');
    expect((await deliver(meta.webhook({ statuses: [meta.statusFor(wamid, 'read')] }))).status).toBe(200);
    await c.messageWhen(conv.id, m.id, (x) => x.status === 'read', 'read');
  });

  it('a user known only by their business-scoped user id (no phone shared) is answered by that id', async () => {
    const bsuid = 'AR.1502576394655843';
    await deliver(meta.webhook({ messages: [inbound.text('soy usuario', { withoutPhone: true, userId: bsuid, timestamp: c.nowS() })] }));
    const conv = await waitFor(async () => {
      for (const x of await c.conversationsOf(bot.id)) if ((await c.messagesOf(x.id)).some((m) => m.content.text === 'soy usuario')) return x;
      return undefined;
    }, 'conversation');
    expect(conv.contact.phone).toBeNull();
    const m = await c.api.json<Message>('POST', '/v1/messages', { conversation_id: conv.id, content: { type: 'text', text: 'hola' } }, 202);
    expect(await c.settled(conv.id, m.id)).toMatchObject({ status: 'sent', error: null });
    const wamid = await c.providerIdOf(m.id);
    expect(meta.sent.find((s) => s.id === wamid)!.body).toMatchObject({ recipient: bsuid, text: { body: 'hola' } });
    expect(meta.sent.find((s) => s.id === wamid)!.body.to).toBeUndefined();
  });

  it('an inbound photo is downloaded through the Graph API with the token into the blob store, and served by a signed link', async () => {
    const png = await garmentPng();
    const mediaId = meta.addMedia(png, 'image/png');
    await deliver(meta.webhook({ messages: [inbound.media('image', mediaId, { mime_type: 'image/png', caption: 'this one' }, { from: '5491155550107', timestamp: c.nowS() })] }));
    const conv = await waitFor(async () => (await c.conversationsOf(bot.id)).find((x) => x.contact.phone === '+5491155550107'), 'conversation');
    const m = await waitFor(async () => (await c.messagesOf(conv.id)).find((x) => (x as { media?: { url: string } | null }).media), 'media stored');
    const media = (m as unknown as { media: { url: string; content_type: string; bytes: number } }).media;
    expect(media).toMatchObject({ content_type: 'image/png', bytes: png.length });
    const got = await fetch(media.url);
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(png)).toBe(true);
    expect(meta.calls('GET', '/whatsapp_business/attachments/').at(-1)!.headers.authorization).toBe(`Bearer ${meta.accessToken}`);
  });

  it('a failed status with 131050 opts the contact out of marketing; a later marketing send is refused OPTED_OUT', async () => {
    await deliver(textFrom('5491155550103', 'hello'));
    const conv = await waitFor(async () => (await c.conversationsOf(bot.id)).find((x) => x.contact.phone === '+5491155550103'), 'conversation');
    const promo = { conversation_id: conv.id, category: 'marketing', content: { type: 'template', template: { name: 'promo', language: 'en', params: ['20%'] } } };
    const m = await c.api.json<Message>('POST', '/v1/messages', promo, 202);
    await c.settled(conv.id, m.id);
    const wamid = await c.providerIdOf(m.id);
    expect(meta.sent.find((s) => s.id === wamid)!.body).toMatchObject({ type: 'template', template: { name: 'promo', language: { code: 'en' }, components: [{ type: 'body', parameters: [{ type: 'text', text: '20%' }] }] } });
    const status = meta.statusFor(wamid, 'failed', { error: { code: 131050, title: 'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.' } });
    await deliver(meta.webhook({ statuses: [status] }));
    const failed = await c.messageWhen(conv.id, m.id, (x) => x.status === 'failed', 'failed');
    expect(failed.error).toMatchObject({ code: 'OPTED_OUT' });
    expect(await c.rows(sql`select category, source from commerce_opt_outs where contact_id = ${conv.contact.id}`)).toEqual([{ category: 'marketing', source: 'provider' }]);
    const sentBefore = meta.sent.length;
    problem(await send(promo), 422, 'OPTED_OUT');
    // A service reply inside the window still goes.
    const reply = await c.api.json<Message>('POST', '/v1/messages', { conversation_id: conv.id, content: { type: 'text', text: 'ok' } }, 202);
    expect(await c.settled(conv.id, reply.id)).toMatchObject({ status: 'sent' });
    expect(meta.sent.length).toBe(sentBefore + 1);
  });

  it('outside the 24-hour window a text is refused OUTSIDE_WINDOW, or goes as the bot’s window_template (a Meta template)', async () => {
    await deliver(textFrom('5491155550104', 'is it in stock?'));
    const conv = await waitFor(async () => (await c.conversationsOf(bot.id)).find((x) => x.contact.phone === '+5491155550104'), 'conversation');
    await waitFor(async () => (await c.messagesOf(conv.id)).length === 1, 'inbound stored');
    c.t.clock.advance(25 * 3600_000);
    const text = { conversation_id: conv.id, content: { type: 'text', text: 'Back in stock now!' } };
    const sentBefore = meta.sent.length;
    problem(await send(text), 422, 'OUTSIDE_WINDOW');
    expect(meta.sent.length).toBe(sentBefore);

    expect((await c.api.call('PATCH', `/v1/bots/${bot.id}`, { window_template: 'follow_up' })).statusCode).toBe(200);
    const m = await c.api.json<Message>('POST', '/v1/messages', text, 202);
    expect(await c.settled(conv.id, m.id)).toMatchObject({ status: 'sent', provider: 'meta' });
    const wamidOf = await c.providerIdOf(m.id);
    expect(meta.sent.length).toBe(sentBefore + 1);
    expect(meta.sent.find((s) => s.id === wamidOf)!.body).toMatchObject({ to: '5491155550104', type: 'template', template: { name: 'follow_up', language: { code: 'en' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Back in stock now!' }] }] } });
    await c.api.call('PATCH', `/v1/bots/${bot.id}`, { window_template: null });
  });

  it('a Meta `order` message becomes an order priced from the catalog, and the shopper is told', async () => {
    await putProduct(c.t, 'linen-shirt', { name: 'Linen shirt', price: { amount: 2000, currency: 'EUR' }, stock: 5 });
    const order = inbound.order('catalog-1', [{ product_retailer_id: 'linen-shirt', quantity: 2, item_price: 1, currency: 'EUR' }], 'two please', { from: '5491155550105', timestamp: c.nowS() });
    expect((await deliver(meta.webhook({ messages: [order] }))).status).toBe(200);
    const conv = await waitFor(async () => (await c.conversationsOf(bot.id)).find((x) => x.contact.phone === '+5491155550105'), 'conversation');
    const o = await waitFor(async () => (await c.api.json<{ data: Record<string, unknown>[] }>('GET', '/v1/orders?limit=10')).data.find((x) => x.conversation_id === conv.id), 'order');
    expect(o).toMatchObject({ currency: 'EUR', total_amount: 4000, contact_id: conv.contact.id, items: [{ product_id: 'linen-shirt', quantity: 2, unit_amount: 2000, total_amount: 4000 }] });
    await waitFor(async () => meta.sent.find((s) => s.to === '5491155550105' && String((s.body.text as { body?: string } | undefined)?.body).includes(String(o.id))), 'the shopper told of the order');
  });
});

describe('hostile inbound on a real Meta connection', () => {
  const inject = (url: string, payload: string, signed = true) =>
    c.t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...(signed ? { 'x-hub-signature-256': signBody(payload, meta.appSecret) } : {}) }, payload });

  it('oversized → 413, malformed → 400, unknown connection → 404, all problem+json; a batch keeps its valid message', async () => {
    const path = `/hooks/whatsapp/${con}`;
    const before = await ledgerCount();
    const huge = JSON.stringify({ ...textFrom('5491155550106', 'big'), pad: 'x'.repeat(1_100_000) });
    problem(await inject(path, huge), 413, 'BODY_TOO_LARGE');
    problem(await inject(path, '{"object":"whatsapp_business_account","entry":[ broken'), 400, 'WEBHOOK_PAYLOAD_INVALID');
    problem(await inject(path, '{"object":"whatsapp_business_account","entry":{"not":"an array"}}'), 400, 'WEBHOOK_PAYLOAD_INVALID');
    problem(await inject('/hooks/whatsapp/con_01J0000000000000000000000Z', JSON.stringify(textFrom('5491155550106', 'x'))), 404, 'CONNECTION_NOT_FOUND');
    problem(await inject('/hooks/whatsapp/not-a-connection', JSON.stringify(textFrom('5491155550106', 'x'))), 404, 'CONNECTION_NOT_FOUND');
    expect(await ledgerCount()).toBe(before);

    const good = inbound.text('the valid one', { from: '5491155550106', timestamp: c.nowS() });
    const noId = inbound.text('no id', { from: '5491155550106', timestamp: c.nowS() });
    delete noId.message.id;
    const noSender = inbound.text('no sender', { from: '5491155550106', timestamp: c.nowS() });
    delete noSender.message.from;
    const body = meta.webhook({ messages: [noId, noSender, good] });
    ((body.entry as { changes: { value: { messages: unknown[] } }[] }[])[0]!.changes[0]!.value.messages).push('junk', null, 42);
    const res = await inject(path, JSON.stringify(body));
    expect(res.statusCode).toBe(200);
    const conv = await waitFor(async () => (await c.conversationsOf(bot.id)).find((x) => x.contact.phone === '+5491155550106'), 'conversation');
    const ms = await waitFor(async () => {
      const list = await c.messagesOf(conv.id);
      return list.length > 0 ? list : undefined;
    }, 'the valid message');
    expect(ms.map((m) => m.content.text)).toEqual(['the valid one']);
  });
});
