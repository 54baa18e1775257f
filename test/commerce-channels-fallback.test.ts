/**
 * Commerce end to end through the app with the REAL Twilio, Evolution, Meta and Baileys drivers
 * against their fakes, on whichever database the run uses: Twilio's inbound signed by the
 * `twilio` package's own helper (unsigned 401, forged 403), its TwiML ack, a send's form fields
 * and its status callback; Evolution's pairing through GET /v1/bots/:id/qr, then messages.upsert
 * delivered by the fake with the header the driver configured (a wrong token 401); fallback from
 * Meta to Twilio on a 5xx or a 130429 with Retry-After, none on 131026; a marketing template
 * never given to Baileys (a linked device never paired).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problem } from './harness.js';
import { waitFor, type Conversation, type Message } from './commerce-helpers.js';
import { inbound as metaInbound, postWebhook, type FakeMeta } from './fakes/meta-whatsapp.js';
import { connectionUpdate, envelope, inbound as evoInbound, statusUpdate as evoStatus } from './fakes/evolution-api.js';
import { channelsApp, type Bot, type ChannelsApp } from './commerce-channels-setup.js';

let c: ChannelsApp;
let metaB: FakeMeta;
let metaC: FakeMeta;

beforeAll(async () => {
  c = await channelsApp({ metaNumbers: ['106540352242933', '106540352242944'], twilio: true, evolution: true });
  [metaB, metaC] = c.metas as [FakeMeta, FakeMeta];
});
afterAll(async () => c?.close());

const convWith = (botId: string, phone: string) => waitFor(async () => (await c.conversationsOf(botId)).find((x) => x.contact.phone === phone), `conversation with ${phone}`);
const reply = (conv: Conversation, text: string) => c.api.json<Message>('POST', '/v1/messages', { conversation_id: conv.id, content: { type: 'text', text } }, 202);
const metaText = (fake: FakeMeta, con: string, from: string, text: string) =>
  postWebhook(c.hookUrl(con), fake.webhook({ messages: [metaInbound.text(text, { from, timestamp: c.nowS() })] }), fake.appSecret);
type Status = { connections: { id: string; provider: string; unofficial: boolean; breaker: string; traffic: { sent: number; failed: number; last_error: string | null } }[] };

describe('Twilio through the app', () => {
  let bot: Bot;
  let url: string;
  beforeAll(async () => {
    bot = await c.newBot({ connections: [{ provider: 'twilio', credentials: c.twilio.credentials() }] });
    url = bot.connections[0]!.webhook_url;
    expect(url).toBe(c.hookUrl(bot.connections[0]!.id));
  });

  it('a signed inbound message is stored and acknowledged with TwiML; unsigned → 401, forged → 403', async () => {
    const req = c.twilio.inbound(url, { From: 'whatsapp:+5491166660001', Body: 'hola twilio' });
    const res = await c.twilio.deliver(req);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/xml/);
    expect(await res.text()).toMatch(/<Response\s*\/>/);
    const conv = await convWith(bot.id, '+5491166660001');
    await waitFor(async () => (await c.messagesOf(conv.id)).find((m) => m.direction === 'in' && m.content.text === 'hola twilio'), 'inbound stored');

    const unsigned = c.twilio.inbound(url, { From: 'whatsapp:+5491166660001', Body: 'unsigned' });
    delete unsigned.headers['x-twilio-signature'];
    expect((await c.twilio.deliver(unsigned)).status).toBe(401);
    const forged = c.twilio.inbound(url, { From: 'whatsapp:+5491166660001', Body: 'forged' }, { authToken: 'f'.repeat(32) });
    expect((await c.twilio.deliver(forged)).status).toBe(403);
    // A signature over other parameters (the body changed on the way) is forged too.
    const tampered = c.twilio.inbound(url, { From: 'whatsapp:+5491166660001', Body: 'original' });
    expect((await c.twilio.deliver({ ...tampered, rawBody: Buffer.from(tampered.rawBody.toString().replace('original', 'tampered')) })).status).toBe(403);
    await new Promise((r) => setTimeout(r, 150));
    expect((await c.messagesOf(conv.id)).map((m) => m.content.text)).toEqual(['hola twilio']);
  });

  it('a send is the documented form at the fake; its status callback moves the message', async () => {
    const conv = await convWith(bot.id, '+5491166660001');
    const m = await reply(conv, 'Hola desde la tienda');
    expect(await c.settled(conv.id, m.id)).toMatchObject({ status: 'sent', provider: 'twilio' });
    const sid = await c.providerIdOf(m.id);
    const sent = c.twilio.sent.find((s) => s.sid === sid)!;
    expect(Object.fromEntries(['To', 'From', 'Body'].map((k) => [k, sent.params.get(k)]))).toEqual({ To: 'whatsapp:+5491166660001', From: c.twilio.sender, Body: 'Hola desde la tienda' });
    const cb = new URL(sent.statusCallback!);
    expect(`${cb.origin}${cb.pathname}`).toBe(url);
    expect(cb.searchParams.get('kind')).toBe('status');
    expect((await c.twilio.deliver(c.twilio.statusCallback(sid, 'delivered'))).status).toBe(200);
    await c.messageWhen(conv.id, m.id, (x) => x.status === 'delivered', 'delivered');
    expect((await c.twilio.deliver(c.twilio.statusCallback(sid, 'read'))).status).toBe(200);
    await c.messageWhen(conv.id, m.id, (x) => x.status === 'read', 'read');
  });
  it('an inbound photo: MediaUrl0 fetched with the credentials, the CDN redirect followed without them', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108020000009077', 'hex');
    const mediaUrl = c.twilio.addMedia(png, 'image/png');
    await c.twilio.deliver(c.twilio.inbound(url, { From: 'whatsapp:+5491166660002', NumMedia: '1', MediaUrl0: mediaUrl, MediaContentType0: 'image/png', MessageType: 'image' }));
    const conv = await convWith(bot.id, '+5491166660002');
    const m = await waitFor(async () => (await c.messagesOf(conv.id)).find((x) => (x as { media?: unknown }).media), 'media stored');
    const got = await fetch((m as unknown as { media: { url: string } }).media.url);
    expect(Buffer.from(await got.arrayBuffer()).equals(png)).toBe(true);
    expect(c.twilio.cdnRequests.at(-1)!.headers.authorization).toBeUndefined();
  });
});

describe('Evolution API through the app', () => {
  const SECRET = 'evolution-webhook-secret-0001';
  let bot: Bot;
  let con: string;
  beforeAll(async () => {
    bot = await c.newBot({ connections: [{ provider: 'evolution', credentials: { base_url: c.evolution.url, api_key: c.evolution.globalKey, instance: 'shop-1', webhook_secret: SECRET } }] });
    con = bot.connections[0]!.id;
  });

  it('pairs through GET /v1/bots/:id/qr; the fake delivers messages.upsert with its header → stored; a wrong token → 401', async () => {
    const qr = await c.api.json<{ provider: string; state: string; qr: string | null; qr_png: string | null; unofficial: boolean }>('GET', `/v1/bots/${bot.id}/qr`, undefined, 200);
    expect(qr).toMatchObject({ provider: 'evolution', state: 'qr', unofficial: false });
    expect(qr.qr).toBe(c.evolution.instances.get('shop-1')!.qr!.code);
    expect(qr.qr_png).toMatch(/^data:image\/png;base64,/);
    const inst = c.evolution.instances.get('shop-1')!;
    expect(inst.webhook).toMatchObject({ enabled: true, url: c.hookUrl(con), headers: { 'x-probador-webhook-token': SECRET } });
    c.evolution.pair('shop-1');

    const res = await c.evolution.deliver('shop-1', 'messages.upsert', evoInbound.text('5491177770001', 'hola evolution'));
    expect(res.status).toBe(200);
    const conv = await convWith(bot.id, '+5491177770001');
    await waitFor(async () => (await c.messagesOf(conv.id)).find((m) => m.direction === 'in' && m.content.text === 'hola evolution'), 'inbound stored');

    const body = JSON.stringify(envelope('messages.upsert', 'shop-1', evoInbound.text('5491177770001', 'intruder'), { apikey: inst.token }));
    for (const headers of [{ 'x-probador-webhook-token': 'not-the-secret-at-all' }, {}] as Record<string, string>[]) {
      const bad = await fetch(c.hookUrl(con), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      expect(bad.status).toBe(401);
    }
    const m = await reply(conv, 'hola!');
    expect(await c.settled(conv.id, m.id)).toMatchObject({ status: 'sent', provider: 'evolution' });
    expect(c.evolution.sends().at(-1)).toMatchObject({ path: '/message/sendText/shop-1', body: { text: 'hola!' } });
    expect((await c.messagesOf(conv.id)).some((x) => x.content.text === 'intruder')).toBe(false);
    // Its statuses come back as messages.update; the instance's state as connection.update.
    const keyId = await c.providerIdOf(m.id);
    expect((await c.evolution.deliver('shop-1', 'messages.update', evoStatus(keyId, 'DELIVERY_ACK', '5491177770001'))).status).toBe(200);
    await c.messageWhen(conv.id, m.id, (x) => x.status === 'delivered', 'delivered');
    expect((await c.evolution.deliver('shop-1', 'messages.update', evoStatus(keyId, 'READ', '5491177770001'))).status).toBe(200);
    await c.messageWhen(conv.id, m.id, (x) => x.status === 'read', 'read');
    expect((await c.evolution.deliver('shop-1', 'connection.update', connectionUpdate('shop-1', 'open'))).status).toBe(200);
    await waitFor(async () => (await c.api.json<{ connections: { state: string }[] }>('GET', `/v1/bots/${bot.id}`)).connections[0]!.state === 'open', 'connection open');
  });
  it('a contact known only by its @lid (no phone) is answered at that JID', async () => {
    await c.evolution.deliver('shop-1', 'messages.upsert', evoInbound.text('210987654321098@lid', 'desde un lid'));
    const conv = await waitFor(async () => {
      for (const x of await c.conversationsOf(bot.id)) if ((await c.messagesOf(x.id)).some((m) => m.content.text === 'desde un lid')) return x;
      return undefined;
    }, 'conversation');
    expect(conv.contact.phone).toBeNull();
    const m = await reply(conv, 'hola lid');
    expect(await c.settled(conv.id, m.id)).toMatchObject({ status: 'sent', provider: 'evolution', error: null });
    expect(c.evolution.sends().at(-1)).toMatchObject({ path: '/message/sendText/shop-1', body: { number: '210987654321098@lid', text: 'hola lid' } });
  });
});

describe('fallback', () => {
  let bot: Bot;
  let meta: string;
  let twilio: string;
  beforeAll(async () => {
    bot = await c.newBot({ connections: [{ provider: 'meta', credentials: metaB.credentials }, { provider: 'twilio', credentials: c.twilio.credentials() }] });
    [meta, twilio] = bot.connections.map((x) => x.id) as [string, string];
  });
  const atTwilio = (phone: string) => c.twilio.sent.filter((s) => s.params.get('To') === `whatsapp:${phone}`);

  it('Meta answering 5xx, or 130429 with Retry-After: the reply goes out through Twilio, once', async () => {
    await metaText(metaB, meta, '5491188880001', 'hi');
    const conv = await convWith(bot.id, '+5491188880001');
    metaB.scenario({ kind: 'server_error', status: 503 }, 'messages');
    const m = await reply(conv, 'via twilio');
    expect(await c.settled(conv.id, m.id)).toMatchObject({ status: 'sent', provider: 'twilio', connection_id: twilio });
    expect(atTwilio('+5491188880001').map((s) => s.params.get('Body'))).toEqual(['via twilio']);
    expect(metaB.sent).toHaveLength(0);

    metaB.scenario({ kind: 'error', code: 130429, status: 400, retryAfterSeconds: 30 }, 'messages');
    const m2 = await reply(conv, 'throttled at meta');
    expect(await c.settled(conv.id, m2.id)).toMatchObject({ status: 'sent', provider: 'twilio' });
    expect(atTwilio('+5491188880001').map((s) => s.params.get('Body'))).toEqual(['via twilio', 'throttled at meta']);
    const status = await c.api.json<Status>('GET', `/v1/bots/${bot.id}/status`, undefined, 200);
    expect(status.connections.find((x) => x.id === meta)!.traffic).toMatchObject({ sent: 0 });
    expect(status.connections.find((x) => x.id === meta)!.traffic.last_error).toMatch(/rate_limited|130429/);
    expect(status.connections.find((x) => x.id === twilio)!.traffic.sent).toBe(2);
  });

  it('a recipient error (131026 undeliverable) does not fall back: the message fails with its reason', async () => {
    await metaText(metaB, meta, '5491188880002', 'hi');
    const conv = await convWith(bot.id, '+5491188880002');
    metaB.scenario({ kind: 'error', code: 131026, message: 'Message Undeliverable.' }, 'messages');
    const m = await reply(conv, 'you will not get this');
    const failed = await c.settled(conv.id, m.id);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'UNDELIVERABLE' } });
    expect(failed.error!.reason).toBeTruthy();
    expect(atTwilio('+5491188880002')).toHaveLength(0);
  });

  it('a marketing template never goes to a Baileys connection (first in order, never paired)', async () => {
    metaC.templates.set('promo', 1);
    const b = await c.newBot({
      connections: [{ provider: 'baileys', credentials: {} }, { provider: 'meta', credentials: metaC.credentials }],
      templates: [{ name: 'promo', language: 'en', category: 'marketing', body: 'Sale {{1}}' }],
    });
    const [baileys, official] = b.connections as [Bot['connections'][0], Bot['connections'][0]];
    expect([baileys.provider, baileys.unofficial, official.unofficial]).toEqual(['baileys', true, false]);
    await metaText(metaC, official.id, '5491199990001', 'hi');
    const conv = await convWith(b.id, '+5491199990001');
    const m = await c.api.json<Message>('POST', '/v1/messages', { conversation_id: conv.id, category: 'marketing', content: { type: 'template', template: { name: 'promo', language: 'en', params: ['30%'] } } }, 202);
    expect(await c.settled(conv.id, m.id)).toMatchObject({ status: 'sent', provider: 'meta', connection_id: official.id });
    expect(metaC.sent.at(-1)!.body).toMatchObject({ type: 'template', template: { name: 'promo' } });
    const status = await c.api.json<Status>('GET', `/v1/bots/${b.id}/status`, undefined, 200);
    expect(status.connections.find((x) => x.id === baileys.id)).toMatchObject({ unofficial: true, breaker: 'closed', traffic: { sent: 0, failed: 0, last_error: null } });
    // With only the linked device, marketing has no channel at all.
    const only = await c.newBot({ connections: [{ provider: 'baileys', credentials: {} }], templates: [{ name: 'promo', language: 'en', category: 'marketing', body: 'Sale {{1}}' }] });
    problem(await c.api.call('POST', '/v1/messages', { bot_id: only.id, to: '+5491199990002', category: 'marketing', content: { type: 'template', template: { name: 'promo', language: 'en', params: ['1'] } } }), 422, 'NO_CHANNEL_AVAILABLE');
  });
});

describe('templates per provider', () => {
  const SID = `HX${'ab12'.repeat(8)}`;
  const TEMPLATES = [
    { name: 'promo', language: 'en', category: 'marketing', body: 'Sale {{1}}' },
    { name: 'follow_up', language: 'en', category: 'utility', body: 'About your question: {{1}}', twilio_content_sid: SID },
  ];

  it('a template Twilio has no Content SID for goes through the next connection that has it (not failed)', async () => {
    metaC.templates.set('promo', 1);
    const b = await c.newBot({ connections: [{ provider: 'twilio', credentials: c.twilio.credentials() }, { provider: 'meta', credentials: metaC.credentials }], templates: TEMPLATES });
    await metaText(metaC, b.connections[1]!.id, '5491199990003', 'hi');
    const conv = await convWith(b.id, '+5491199990003');
    const m = await c.api.json<Message>('POST', '/v1/messages', { conversation_id: conv.id, category: 'marketing', content: { type: 'template', template: { name: 'promo', language: 'en', params: ['10%'] } } }, 202);
    expect(await c.settled(conv.id, m.id)).toMatchObject({ status: 'sent', provider: 'meta', error: null });
  });

  it('outside the window a text goes through Twilio as the window template’s Content SID with its variables', async () => {
    const b = await c.newBot({ connections: [{ provider: 'twilio', credentials: c.twilio.credentials() }], templates: TEMPLATES, window_template: 'follow_up' });
    await c.twilio.deliver(c.twilio.inbound(b.connections[0]!.webhook_url, { From: 'whatsapp:+5491166660009', Body: 'precio?' }));
    const conv = await convWith(b.id, '+5491166660009');
    await waitFor(async () => (await c.messagesOf(conv.id)).length > 0, 'inbound stored');
    c.t.clock.advance(25 * 3600_000); // last in this file: every window closes
    const m = await reply(conv, 'Son 20 euros');
    expect(await c.settled(conv.id, m.id)).toMatchObject({ status: 'sent', provider: 'twilio' });
    const sid = await c.providerIdOf(m.id);
    const last = c.twilio.sent.find((s) => s.sid === sid)!;
    expect([last.params.get('To'), last.params.get('ContentSid'), JSON.parse(last.params.get('ContentVariables') ?? '{}'), last.params.get('Body')]).toEqual(['whatsapp:+5491166660009', SID, { 1: 'Son 20 euros' }, null]);
  });
});
