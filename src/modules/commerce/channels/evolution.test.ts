/**
 * The Evolution API driver against a fake Evolution v2 server (test/fakes/evolution-api.ts):
 * every send type and its request shape, error mapping, instance connect/QR/pairing, health,
 * media download, disconnect, credentials and capabilities.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeEvolution, type FakeEvolution } from '../../../../test/fakes/evolution-api.js';
import { evolutionDriver } from './evolution.js';
import { ChannelError, type ConnectionContext, type OutboundContent, type SendRequest } from './types.js';

const SECRET = 'whs-0123456789abcdef-secret';
const driver = evolutionDriver({ maxMediaBytes: 1024 });
let fake: FakeEvolution;

function conn(over: { credentials?: Record<string, string>; settings?: Record<string, unknown> } = {}): ConnectionContext {
  return {
    id: 'chn_test',
    tenantId: 'ten_a',
    botId: 'bot_a',
    credentials: { base_url: fake.url, api_key: fake.globalKey, instance: 'shop', webhook_secret: SECRET, ...over.credentials },
    settings: over.settings ?? {},
    fetch: globalThis.fetch,
    webhookUrl: 'https://probador.example/hooks/whatsapp/chn_test',
  };
}

const req = (content: OutboundContent, over: Partial<SendRequest> = {}): SendRequest => ({
  to: { phone: '+5491122334455' },
  content,
  messageId: 'msg_1',
  signal: AbortSignal.timeout(5000),
  ...over,
});
const lastSend = () => fake.sends().at(-1)!;
async function failure(p: Promise<unknown>): Promise<ChannelError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(ChannelError);
  return e as ChannelError;
}

beforeAll(async () => {
  fake = await startFakeEvolution();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.instances.clear();
  fake.requests.length = 0;
  fake.notOnWhatsApp.clear();
  fake.addInstance('shop', { state: 'open' });
});

describe('send', () => {
  it('sends text with the apikey header and maps key.id', async () => {
    const r = await driver.send(conn(), req({ type: 'text', text: 'Hola!' }, { replyToProviderMessageId: '3EB0QUOTED' }));
    expect(r.providerMessageId).toMatch(/^3EB0/);
    expect(r.status).toBe('accepted');
    expect(r.resolvedProviderId).toBe('5491122334455@s.whatsapp.net');
    const s = lastSend();
    expect(s.path).toBe('/message/sendText/shop');
    expect(s.headers.apikey).toBe(fake.globalKey);
    expect(s.body).toEqual({ number: '5491122334455', text: 'Hola!', quoted: { key: { id: '3EB0QUOTED' } } });
  });

  it('works with the instance token as api_key, and answers @lid contacts at their JID', async () => {
    const token = fake.instances.get('shop')!.token;
    await driver.send(conn({ credentials: { api_key: token } }), req({ type: 'text', text: 'hi' }, { to: { providerId: '123456789012345@lid', phone: '+5491122334455' } }));
    expect((lastSend().body as { number: string }).number).toBe('123456789012345@lid');
  });

  it('sends media by URL and by bytes (base64), stickers to sendSticker', async () => {
    await driver.send(conn(), req({ type: 'media', media: { kind: 'image', url: 'https://cdn.example/p.jpg', contentType: 'image/jpeg', caption: 'New in' } }));
    expect(lastSend().path).toBe('/message/sendMedia/shop');
    expect(lastSend().body).toEqual({ number: '5491122334455', mediatype: 'image', media: 'https://cdn.example/p.jpg', mimetype: 'image/jpeg', caption: 'New in' });
    await driver.send(conn(), req({ type: 'media', media: { kind: 'document', bytes: Buffer.from('%PDF-1.4'), contentType: 'application/pdf', filename: 'invoice.pdf' } }));
    expect(lastSend().body).toMatchObject({ mediatype: 'document', media: Buffer.from('%PDF-1.4').toString('base64'), fileName: 'invoice.pdf' });
    await driver.send(conn(), req({ type: 'media', media: { kind: 'audio', url: 'https://cdn.example/a.ogg', caption: 'ignored' } }));
    expect(lastSend().body).not.toHaveProperty('caption');
    await driver.send(conn(), req({ type: 'media', media: { kind: 'sticker', url: 'https://cdn.example/s.webp' } }));
    expect(lastSend().path).toBe('/message/sendSticker/shop');
    const e = await failure(driver.send(conn(), req({ type: 'media', media: { kind: 'image' } })));
    expect(e.reason).toBe('bad_request');
  });

  it('sends reply buttons, lists and a link button in Evolution shapes', async () => {
    await driver.send(conn(), req({ type: 'buttons', header: 'Size?', body: 'Pick one', footer: 'Shop', buttons: [{ id: 's', title: 'S' }, { id: 'm', title: 'M' }] }));
    expect(lastSend().path).toBe('/message/sendButtons/shop');
    expect(lastSend().body).toEqual({
      number: '5491122334455',
      title: 'Size?',
      description: 'Pick one',
      footer: 'Shop',
      buttons: [{ type: 'reply', displayText: 'S', id: 's' }, { type: 'reply', displayText: 'M', id: 'm' }],
    });
    await driver.send(conn(), req({ type: 'list', body: 'Our catalog', button: 'See', sections: [{ title: 'Tops', rows: [{ id: 'p1', title: 'Shirt', description: 'Cotton' }, { id: 'p2', title: 'Tee' }] }] }));
    expect(lastSend().path).toBe('/message/sendList/shop');
    expect(lastSend().body).toMatchObject({ title: '', description: 'Our catalog', buttonText: 'See', footerText: '', sections: [{ title: 'Tops', rows: [{ title: 'Shirt', rowId: 'p1', description: 'Cotton' }, { title: 'Tee', rowId: 'p2' }] }] });
    await driver.send(conn(), req({ type: 'cta_url', body: 'Your order', displayText: 'Pay', url: 'https://pay.example/o/1' }));
    expect(lastSend().body).toMatchObject({ title: 'Your order', buttons: [{ type: 'url', displayText: 'Pay', url: 'https://pay.example/o/1' }] });
    const e = await failure(driver.send(conn(), req({ type: 'buttons', body: 'x', buttons: [1, 2, 3, 4].map((i) => ({ id: `${i}`, title: `${i}` })) })));
    expect(e.reason).toBe('bad_request');
    expect(fake.sends()).toHaveLength(3);
  });

  it('degrades buttons and lists to a numbered text menu with interactive: text', async () => {
    const c = conn({ settings: { interactive: 'text' } });
    await driver.send(c, req({ type: 'buttons', body: 'Size?', buttons: [{ id: 's', title: 'S' }, { id: 'm', title: 'M' }] }));
    expect(lastSend().path).toBe('/message/sendText/shop');
    expect((lastSend().body as { text: string }).text).toBe('Size?\n\n1. S\n2. M');
    await driver.send(c, req({ type: 'list', body: 'Pick', button: 'See', footer: 'Shop', sections: [{ rows: [{ id: 'a', title: 'A', description: 'first' }] }] }));
    expect((lastSend().body as { text: string }).text).toBe('Pick\n\n1. A — first\n\n_Shop_');
  });

  it('renders a template as text on a Baileys instance and sends it as a template on a Cloud API one', async () => {
    const template = { name: 'order_update', language: 'es', category: 'utility' as const, params: ['Ana', 'ord_1'], body: 'Hola {{1}}, tu pedido {{2}} salió' };
    await driver.send(conn(), req({ type: 'template', template }));
    expect(lastSend().body).toEqual({ number: '5491122334455', text: 'Hola Ana, tu pedido ord_1 salió' });
    const noBody = await failure(driver.send(conn(), req({ type: 'template', template: { ...template, body: undefined } })));
    expect(noBody.reason).toBe('template');

    fake.addInstance('cloud', { integration: 'WHATSAPP-BUSINESS', state: 'open' });
    const cloud = conn({ credentials: { instance: 'cloud', integration: 'WHATSAPP-BUSINESS' } });
    const r = await driver.send(cloud, req({ type: 'template', template }, { to: { providerId: '5491122334455@s.whatsapp.net' } }));
    expect(r.providerMessageId).toMatch(/^wamid\./);
    expect(lastSend().path).toBe('/message/sendTemplate/cloud');
    expect(lastSend().body).toEqual({ number: '5491122334455', name: 'order_update', language: 'es', components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }, { type: 'text', text: 'ord_1' }] }] });
  });

  it('refuses catalog products (unsupported) without calling Evolution', async () => {
    const e = await failure(driver.send(conn(), req({ type: 'product', catalogId: 'c', productRetailerId: 'sku' })));
    expect(e.reason).toBe('unsupported');
    expect(fake.sends()).toHaveLength(0);
  });

  it('refuses a contact with nothing to send to', async () => {
    const e = await failure(driver.send(conn(), req({ type: 'text', text: 'x' }, { to: { name: 'nobody' } })));
    expect(e.reason).toBe('bad_request');
  });
});

describe('send errors', () => {
  const text = () => driver.send(conn(), req({ type: 'text', text: 'hola' }));

  it('maps a number not on WhatsApp to undeliverable', async () => {
    fake.notOnWhatsApp.add('5491122334455');
    const e = await failure(text());
    expect(e.reason).toBe('undeliverable');
    expect(e.isRecipientError).toBe(true);
  });

  it('maps Connection Closed (400 and 500) and a closed instance to unavailable, retryable', async () => {
    fake.failNext({ kind: 'connection_closed', status: 500 });
    const a = await failure(text());
    expect([a.reason, a.retryable]).toEqual(['unavailable', true]);
    fake.instances.get('shop')!.state = 'close';
    const b = await failure(text());
    expect([b.reason, b.retryable, b.opts.status]).toEqual(['unavailable', true, 400]);
  });

  it('maps auth, unknown instance, rate limits, timeouts, validation and 5xx', async () => {
    const wrongKey = await failure(driver.send(conn({ credentials: { api_key: 'nope-nope-nope' } }), req({ type: 'text', text: 'x' })));
    expect(wrongKey.reason).toBe('auth');
    const unknown = await failure(driver.send(conn({ credentials: { instance: 'ghost' } }), req({ type: 'text', text: 'x' })));
    expect([unknown.reason, unknown.opts.status, unknown.retryable]).toEqual(['auth', 404, false]);
    expect(unknown.message).toContain('instance does not exist');
    fake.failNext({ kind: 'rate_overlimit' });
    const rate = await failure(text());
    expect(rate.reason).toBe('rate_limited');
    expect(rate.opts.retryAfterMs).toBeGreaterThan(0);
    fake.failNext({ kind: 'http', status: 429, headers: { 'retry-after': '7' } });
    expect((await failure(text())).opts.retryAfterMs).toBe(7000);
    fake.failNext({ kind: 'timed_out' });
    expect((await failure(text())).reason).toBe('timeout');
    fake.failNext({ kind: 'http', status: 400, message: ['instance requires property "text"'] });
    expect((await failure(text())).reason).toBe('bad_request');
    fake.failNext({ kind: 'http', status: 502, message: 'Bad Gateway' });
    const gw = await failure(text());
    expect([gw.reason, gw.retryable]).toEqual(['unavailable', true]);
    fake.failNext({ kind: 'http', status: 400, message: ['Error: something odd'] });
    expect((await failure(text())).reason).toBe('unknown');
    const tpl = await failure(driver.send(conn({ credentials: { integration: 'WHATSAPP-BUSINESS' } }), req({ type: 'template', template: { name: 't', language: 'en', category: 'utility', params: [] } })));
    expect(tpl.reason).toBe('unsupported'); // the fake's "shop" is a Baileys instance: "Method not available"
  });

  it("maps Meta's codes passed through a Cloud API instance's 201", async () => {
    fake.addInstance('cloud', { integration: 'WHATSAPP-BUSINESS', state: 'open' });
    const cloud = conn({ credentials: { instance: 'cloud', integration: 'WHATSAPP-BUSINESS' } });
    const cases: [number, string, number | undefined][] = [[131047, 'outside_window', undefined], [131050, 'opted_out', undefined], [131056, 'pair_rate', 6000], [130429, 'rate_limited', 1000], [132001, 'template', undefined], [131026, 'undeliverable', undefined], [190, 'auth', undefined]];
    for (const [code, reason, wait] of cases) {
      fake.failNext({ kind: 'cloud_error', code });
      const e = await failure(driver.send(cloud, req({ type: 'text', text: 'x' })));
      expect([e.reason, e.opts.providerCode, e.opts.retryAfterMs]).toEqual([reason, String(code), wait]);
    }
  });

  it('never puts the api key or media bytes in an error message', async () => {
    const apiKey = fake.globalKey;
    fake.failNext({ kind: 'http', status: 500, message: `boom with ${apiKey} and ${'QUJD'.repeat(40)}` });
    const e = await failure(text());
    expect(e.message).not.toContain(apiKey);
    expect(e.message).not.toContain('QUJDQUJD'.repeat(5));
  });

  it('turns a network failure into unavailable', async () => {
    const e = await failure(driver.send(conn({ credentials: { base_url: 'http://127.0.0.1:1' } }), req({ type: 'text', text: 'x' })));
    expect(e.reason).toBe('unavailable');
  });
});
