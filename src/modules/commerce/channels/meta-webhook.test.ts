import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metaDriver, metaWebhookErrors } from './meta.js';
import { ChannelError, type ConnectionContext, type InboundEvent, type WebhookRequest } from './types.js';
import {
  inbound, postWebhook, signBody, startFakeMeta, statusUpdate, verifyRequest, webhookBody, wamid, type FakeMeta,
} from '../../../../test/fakes/meta-whatsapp.js';

let fake: FakeMeta;
const driver = metaDriver();
const conn = (): ConnectionContext => ({
  id: 'chc_test', tenantId: 'ten_a', botId: 'bot_a', credentials: fake.credentials, settings: {}, fetch: globalThis.fetch, webhookUrl: 'https://probador.example/hooks/whatsapp/chc_test',
});

/** A POST as the webhook route would hand it over: raw bytes and lower-case headers. */
function post(payload: Record<string, unknown> | string, signature?: string | null): WebhookRequest {
  const raw = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  const sig = signature === undefined ? signBody(raw, fake.appSecret) : signature;
  return { method: 'POST', url: conn().webhookUrl, query: {}, headers: sig === null ? {} : { 'x-hub-signature-256': sig }, rawBody: raw };
}
const get = (query: Record<string, string | undefined>): WebhookRequest => ({ method: 'GET', url: conn().webhookUrl, query, headers: {}, rawBody: Buffer.alloc(0) });
const parse = (payload: Record<string, unknown> | string) => driver.parseWebhook(conn(), post(payload));
const only = (events: InboundEvent[]) => {
  expect(events).toHaveLength(1);
  return events[0]!;
};

beforeAll(async () => {
  fake = await startFakeMeta();
});
afterAll(() => fake.close());

describe('meta webhook: verification', () => {
  it('answers the hub.challenge handshake with the challenge as text/plain when the token matches', () => {
    expect(driver.verifyWebhook(conn(), get({ 'hub.mode': 'subscribe', 'hub.verify_token': fake.verifyToken, 'hub.challenge': '1158201444' }))).toEqual({
      action: 'respond', status: 200, contentType: 'text/plain', body: '1158201444',
    });
  });

  it('refuses a wrong token, a wrong mode or a hostile challenge with 403', () => {
    const cases = [
      { 'hub.mode': 'subscribe', 'hub.verify_token': `${fake.verifyToken}x`, 'hub.challenge': '1' },
      { 'hub.mode': 'subscribe', 'hub.verify_token': '', 'hub.challenge': '1' },
      { 'hub.mode': 'unsubscribe', 'hub.verify_token': fake.verifyToken, 'hub.challenge': '1' },
      { 'hub.mode': 'subscribe', 'hub.verify_token': fake.verifyToken, 'hub.challenge': '<script>alert(1)</script>' },
      { 'hub.mode': 'subscribe', 'hub.verify_token': fake.verifyToken },
    ];
    for (const q of cases) expect(driver.verifyWebhook(conn(), get(q))).toMatchObject({ action: 'reject', status: 403 });
  });

  it('accepts a POST signed over its raw bytes with the app secret', () => {
    const raw = JSON.stringify(fake.webhook({ messages: [inbound.text('hola')] }), null, 2); // Meta's spacing is not ours: only the bytes count
    expect(driver.verifyWebhook(conn(), post(raw))).toEqual({ action: 'accept' });
  });

  it('rejects a missing, malformed, forged or re-serialised signature with 401', () => {
    const body = fake.webhook({ messages: [inbound.text('hola')] });
    const pretty = JSON.stringify(body, null, 2);
    const cases: WebhookRequest[] = [
      post(body, null),
      post(body, 'sha1=abc'),
      post(body, `sha256=${'0'.repeat(64)}`),
      post(body, signBody(JSON.stringify(body), 'another-secret')),
      { ...post(body), rawBody: Buffer.from(pretty) }, // signed compact, delivered pretty
      post(body, `${signBody(JSON.stringify(body), fake.appSecret)}00`),
    ];
    for (const r of cases) expect(driver.verifyWebhook(conn(), r)).toMatchObject({ action: 'reject', status: 401 });
  });

  it('works through real HTTP with the fake helpers (handshake and signed POST)', async () => {
    let seen: WebhookRequest | undefined;
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://x');
        seen = {
          method: req.method as 'GET' | 'POST', url: u.href, query: Object.fromEntries(u.searchParams), rawBody: Buffer.concat(chunks),
          headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v])),
        };
        const v = driver.verifyWebhook(conn(), seen);
        const status = v.action === 'accept' ? 200 : v.status;
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(v.action === 'respond' ? v.body : v.action);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
    try {
      const hs = await verifyRequest(url, fake.verifyToken, '424242');
      expect([hs.status, await hs.text()]).toEqual([200, '424242']);
      expect((await verifyRequest(url, 'wrong')).status).toBe(403);
      const ok = await postWebhook(url, fake.webhook({ messages: [inbound.text('hi')] }), fake.appSecret);
      expect(ok.status).toBe(200);
      expect(driver.parseWebhook(conn(), seen!)).toHaveLength(1);
      expect((await postWebhook(url, fake.webhook({}), 'not-the-secret')).status).toBe(401);
      expect((await postWebhook(url, fake.webhook({}), fake.appSecret, { signature: null })).status).toBe(401);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('meta webhook: messages', () => {
  it('parses a text with the profile name, E.164 phone, wa_id, timestamp, reply context and business number', () => {
    const m = inbound.text('Does it come in blue?', { from: '16505551234', name: 'Sheena', timestamp: 1_749_416_383, replyTo: 'wamid.PREV' });
    const e = only(parse(fake.webhook({ messages: [m] })));
    expect(e).toEqual({
      kind: 'message',
      providerMessageId: m.message.id,
      from: { phone: '+16505551234', providerId: '16505551234', name: 'Sheena' },
      timestamp: new Date(1_749_416_383_000),
      content: { type: 'text', text: 'Does it come in blue?' },
      replyToProviderMessageId: 'wamid.PREV',
      to: fake.phoneNumberId,
    });
  });

  it('knows a username user without a phone by the business-scoped user id', () => {
    const e = only(parse(fake.webhook({ messages: [inbound.text('hi', { withoutPhone: true, userId: 'BR.1502576394655843', name: 'Bob' })] })));
    expect(e).toMatchObject({ kind: 'message', from: { phone: undefined, providerId: 'BR.1502576394655843', name: 'Bob' } });
  });

  it('parses every media kind with its id, type, caption, filename and sha256', () => {
    const kinds = ['image', 'video', 'audio', 'document', 'sticker'] as const;
    const events = parse(fake.webhook({ messages: kinds.map((k, i) => inbound.media(k, `${900 + i}`, { caption: k === 'image' ? 'front' : undefined, mime_type: `x/${k}`, filename: k === 'document' ? 'a.pdf' : undefined, sha256: 'h' })) }));
    expect(events.map((e) => (e.kind === 'message' ? e.content : undefined))).toEqual(
      kinds.map((k, i) => ({ type: 'media', media: { kind: k, providerMediaId: `${900 + i}`, contentType: `x/${k}`, caption: k === 'image' ? 'front' : undefined, filename: k === 'document' ? 'a.pdf' : undefined, sha256: 'h' } })),
    );
  });

  it('parses button and list replies and template quick replies', () => {
    const events = parse(fake.webhook({ messages: [inbound.buttonReply('size_m', 'M'), inbound.listReply('r1', 'Boots', 'Leather'), inbound.templateButton('STOP_PROMOS', 'Stop promotions')] }));
    expect(events.map((e) => (e.kind === 'message' ? e.content : undefined))).toEqual([
      { type: 'button_reply', id: 'size_m', title: 'M' },
      { type: 'list_reply', id: 'r1', title: 'Boots', description: 'Leather' },
      { type: 'button_reply', id: 'STOP_PROMOS', title: 'Stop promotions' },
    ]);
  });

  it('parses an order with prices in the minor unit of each currency', () => {
    const e = only(parse(fake.webhook({
      messages: [inbound.order('cat_9', [
        { product_retailer_id: 'sku-1', quantity: 2, item_price: 12.5, currency: 'USD' },
        { product_retailer_id: 'sku-2', quantity: 1, item_price: 1500, currency: 'JPY' },
      ], 'for Friday')],
    })));
    expect(e.kind === 'message' && e.content).toEqual({
      type: 'order', catalogId: 'cat_9', text: 'for Friday',
      items: [{ productRetailerId: 'sku-1', quantity: 2, itemPrice: 1250, currency: 'USD' }, { productRetailerId: 'sku-2', quantity: 1, itemPrice: 1500, currency: 'JPY' }],
    });
  });

  it('parses a location; reactions, unsupported types and unknown interactives are kept as unsupported', () => {
    const events = parse(fake.webhook({ messages: [inbound.location(-34.6, -58.38, { name: 'Shop', address: 'Av. 1' }), inbound.reaction('wamid.X', '👍'), inbound.unsupported()] }));
    expect(events.map((e) => (e.kind === 'message' ? e.content : undefined))).toEqual([
      { type: 'location', latitude: -34.6, longitude: -58.38, name: 'Shop', address: 'Av. 1' },
      { type: 'unsupported', providerType: 'reaction' },
      { type: 'unsupported', providerType: 'unsupported' },
    ]);
    const flow = inbound.buttonReply('x', 'y');
    flow.message.interactive = { type: 'nfm_reply', nfm_reply: { response_json: '{}' } };
    expect(only(parse(fake.webhook({ messages: [flow] })))).toMatchObject({ content: { type: 'unsupported', providerType: 'interactive.nfm_reply' } });
  });
});

describe('meta webhook: statuses and errors', () => {
  it('parses sent, delivered, read (and voice played as read) with the recipient', () => {
    const id = wamid();
    const events = parse(fake.webhook({ statuses: (['sent', 'delivered', 'read', 'played'] as const).map((s) => statusUpdate(id, s, { recipient: '16505551234', timestamp: 1_750_000_000 })) }));
    expect(events.map((e) => e.kind === 'status' && [e.status, e.recipient?.phone, e.to, e.timestamp.getTime()])).toEqual(
      ['sent', 'delivered', 'read', 'read'].map((s) => [s, '+16505551234', fake.phoneNumberId, 1_750_000_000_000]),
    );
  });

  it('carries our message id back from biz_opaque_callback_data (a send whose answer was lost is matched by it)', () => {
    const id = wamid();
    expect(only(parse(fake.webhook({ statuses: [statusUpdate(id, 'sent', { callbackData: 'msg_01LOST' })] })))).toMatchObject({ kind: 'status', providerMessageId: id, messageId: 'msg_01LOST' });
    expect((only(parse(fake.webhook({ statuses: [statusUpdate(id, 'delivered')] }))) as { messageId?: string }).messageId).toBeUndefined();
  });

  it('maps a failed status error code to the failure reason', () => {
    const id = wamid();
    const e = only(parse(fake.webhook({ statuses: [statusUpdate(id, 'failed', { error: { code: 131047, title: 'Re-engagement message', details: 'More than 24 hours have passed' } })] })));
    expect(e).toMatchObject({ kind: 'status', providerMessageId: id, status: 'failed', error: { reason: 'outside_window', providerCode: '131047', message: 'Re-engagement message — More than 24 hours have passed' } });
    const opted = only(parse(fake.webhook({ statuses: [statusUpdate(id, 'failed', { error: { code: 131050, title: 'User stopped marketing' } })] })));
    expect(opted).toMatchObject({ error: { reason: 'opted_out' } });
    const bare = only(parse(fake.webhook({ statuses: [statusUpdate(id, 'failed')] })));
    expect(bare).toMatchObject({ error: { reason: 'unknown' } });
  });

  it('a status for a message sent to a BSUID carries it as the recipient; statusFor fills the fake’s recipient', async () => {
    const e = only(parse(fake.webhook({ statuses: [statusUpdate(wamid(), 'delivered', { recipientUserId: 'US.1349' })] })));
    expect(e).toMatchObject({ recipient: { phone: undefined, providerId: 'US.1349' } });
    const sent = await driver.send(conn(), { to: { phone: '+447700900123' }, content: { type: 'text', text: 'hi' }, messageId: 'msg_1', signal: AbortSignal.timeout(5_000) });
    const read = only(parse(fake.webhook({ statuses: [fake.statusFor(sent.providerMessageId, 'read')] })));
    expect(read).toMatchObject({ kind: 'status', providerMessageId: sent.providerMessageId, status: 'read', recipient: { phone: '+447700900123' } });
  });

  it('system-level value.errors are no events but metaWebhookErrors returns them mapped', () => {
    const body = fake.webhook({ errors: [{ code: 130429, title: 'Rate limit hit' }] });
    expect(parse(body)).toEqual([]);
    expect(metaWebhookErrors(Buffer.from(JSON.stringify(body)))).toEqual([{ to: fake.phoneNumberId, reason: 'rate_limited', providerCode: '130429', message: 'Rate limit hit' }]);
  });

  it('handles several entries and changes, ignoring other fields', () => {
    const a = webhookBody({ phoneNumberId: '111111', messages: [inbound.text('one')] });
    const b = webhookBody({ phoneNumberId: '222222', statuses: [statusUpdate(wamid(), 'sent')] });
    const merged = { object: 'whatsapp_business_account', entry: [...(a.entry as unknown[]), ...(b.entry as unknown[]), { id: '1', changes: [{ field: 'account_update', value: { event: 'X' } }] }] };
    expect(parse(merged).map((e) => [e.kind, e.kind !== 'connection' && e.to])).toEqual([['message', '111111'], ['status', '222222']]);
  });
});

describe('meta webhook: hostile bodies', () => {
  const badRequest = (payload: string | Record<string, unknown>) => {
    let err: unknown;
    try {
      parse(payload);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ChannelError);
    expect((err as ChannelError).reason).toBe('bad_request');
  };

  it('throws bad_request for non-JSON, non-objects, a missing entry[] or another object type', () => {
    for (const p of ['not json', '[]', 'null', '42', '{"object":"whatsapp_business_account"}', '{"object":"page","entry":[]}', '{"entry":"x"}']) badRequest(p);
  });

  it('throws bad_request for an oversized body', () => {
    badRequest(JSON.stringify({ object: 'whatsapp_business_account', entry: [], pad: 'x'.repeat(3 * 1024 * 1024) }));
  });

  it('skips malformed items of every kind without a TypeError and keeps the valid ones', () => {
    const good = inbound.text('still here');
    const value = {
      metadata: 'nope',
      contacts: 'nope',
      messages: [null, 1, 'x', [], {}, { id: 7 }, { id: 'w1' }, { id: 'w2', from: '1', type: 'text', text: 'not an object' }, { id: 'w3', from: '123456', type: 'image', image: { id: 5 } },
        { id: 'w4', from: '123456', type: 'location', location: { latitude: 10, longitude: 500 } }, { id: 'w5', from: '123456', type: 'order', order: { product_items: [null, { quantity: 'many' }, { product_retailer_id: 's', quantity: -3, item_price: 'x' }] } },
        { id: 'w6', from: '123456', type: 'interactive', interactive: { type: 'button_reply', button_reply: null } }, { id: 'w7', from: '123456', timestamp: 'soon', type: { nested: true } },
        { id: 'w8', from: '123456', type: 'x'.repeat(10_000) }, { id: 'w9', from: '123456', type: '__proto__' }, good.message],
      statuses: [null, { id: 'x' }, { id: 'y', status: 'deleted' }, { id: 'z', status: 'failed', errors: 'nope' }, { id: 'q', status: 'sent', recipient_id: 5, timestamp: -1 }],
    };
    const body = { object: 'whatsapp_business_account', entry: [null, 5, { changes: 'x' }, { changes: [null, { field: 'messages', value: null }, { field: 'messages', value }] }] };
    const events = parse(body);
    const messages = events.filter((e) => e.kind === 'message');
    expect(messages.map((e) => e.providerMessageId)).toEqual(['w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8', 'w9', good.message.id]);
    expect(messages.map((e) => e.kind === 'message' && e.content.type)).toEqual(['unsupported', 'unsupported', 'unsupported', 'order', 'unsupported', 'unsupported', 'unsupported', 'unsupported', 'text']);
    expect(messages[6]?.kind === 'message' && messages[6].content).toEqual({ type: 'unsupported', providerType: 'x'.repeat(64) });
    const order = messages[3];
    expect(order?.kind === 'message' && order.content).toEqual({ type: 'order', catalogId: undefined, text: undefined, items: [{ productRetailerId: 's', quantity: 1, itemPrice: undefined, currency: undefined }] });
    expect(events.filter((e) => e.kind === 'status').map((e) => e.kind === 'status' && [e.providerMessageId, e.status, e.error?.reason])).toEqual([['z', 'failed', 'unknown'], ['q', 'sent', undefined]]);
    for (const e of events) expect(e.kind === 'connection' || e.timestamp instanceof Date).toBe(true);
  });

  it('parses a huge but legal batch quickly', () => {
    const messages = Array.from({ length: 2_000 }, (_, i) => inbound.text(`m${i}`, { from: String(5491100000000 + i) }));
    const raw = Buffer.from(JSON.stringify(fake.webhook({ messages })));
    const started = performance.now();
    const events = driver.parseWebhook(conn(), { method: 'POST', url: conn().webhookUrl, query: {}, headers: {}, rawBody: raw });
    expect(performance.now() - started).toBeLessThan(500);
    expect(events).toHaveLength(2_000);
    expect(events[1_999]).toMatchObject({ from: { phone: '+5491100001999', name: 'Ana' }, content: { text: 'm1999' } });
  });
});
