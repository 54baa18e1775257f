/**
 * The Evolution driver's instance side against the fake Evolution server: connect (create with our
 * webhook, QR, pairing code, an existing instance re-pointed at our webhook), health, disconnect,
 * inbound media download (size cap, gone media), credentials and capabilities — and the webhook
 * round trip: the fake posts to the URL and headers connect configured, the driver verifies it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inbound, startFakeEvolution, type FakeEvolution } from '../../../../test/fakes/evolution-api.js';
import { evolutionDriver, WEBHOOK_EVENTS } from './evolution.js';
import { TOKEN_HEADER } from './evolution-webhook.js';
import { ChannelError, type ConnectionContext, type InboundEvent, type WebhookVerdict } from './types.js';

const SECRET = 'whs-0123456789abcdef-secret';
const driver = evolutionDriver({ maxMediaBytes: 1024 });
const signal = () => AbortSignal.timeout(5000);
let fake: FakeEvolution;
let receiver: Server;
let receiverUrl: string;
const received: { verdict: WebhookVerdict; events: InboundEvent[] }[] = [];

function conn(over: { credentials?: Record<string, string>; settings?: Record<string, unknown> } = {}): ConnectionContext {
  return {
    id: 'chn_test',
    tenantId: 'ten_a',
    botId: 'bot_a',
    credentials: { base_url: fake.url, api_key: fake.globalKey, instance: 'shop', webhook_secret: SECRET, ...over.credentials },
    settings: over.settings ?? {},
    fetch: globalThis.fetch,
    webhookUrl: receiverUrl,
  };
}

async function failure(p: Promise<unknown>): Promise<ChannelError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(ChannelError);
  return e as ChannelError;
}

beforeAll(async () => {
  fake = await startFakeEvolution();
  // The app's webhook route in miniature: raw body → verify → parse.
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', receiverUrl);
      const wreq = {
        method: 'POST' as const,
        url: u.toString(),
        query: Object.fromEntries(u.searchParams),
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v])),
        rawBody: Buffer.concat(chunks),
      };
      const c = { ...conn(), settings: {} };
      const verdict = driver.verifyWebhook(c, wreq);
      const events = verdict.action === 'accept' ? driver.parseWebhook(c, wreq) : [];
      received.push({ verdict, events });
      res.writeHead(verdict.action === 'reject' ? verdict.status : 200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/whatsapp/chn_test`;
});
afterAll(async () => {
  await fake.close();
  await new Promise((r) => receiver.close(r));
});
beforeEach(() => {
  fake.instances.clear();
  fake.requests.length = 0;
  received.length = 0;
});

describe('connect', () => {
  it('creates a missing instance with our webhook and returns its QR', async () => {
    const r = await driver.connect!(conn(), { signal: signal() });
    expect(r.state).toBe('qr');
    expect(r.qr).toMatch(/^2@/);
    const create = fake.calls('POST', '/instance/create')[0]!;
    expect(create.body).toMatchObject({ instanceName: 'shop', integration: 'WHATSAPP-BAILEYS', qrcode: true });
    const inst = fake.instances.get('shop')!;
    expect(inst.webhook).toEqual({ enabled: true, url: receiverUrl, headers: { [TOKEN_HEADER]: SECRET }, events: [...WEBHOOK_EVENTS], byEvents: false, base64: false });
  });

  it('asks for a pairing code with pairingPhone', async () => {
    const r = await driver.connect!(conn(), { pairingPhone: '+54 9 11 2233-4455', signal: signal() });
    expect(r).toMatchObject({ state: 'qr', pairingCode: 'WZYEH1YY' });
    expect(fake.calls('POST', '/instance/create')[0]!.body).toMatchObject({ number: '5491122334455' });
    const bad = await failure(driver.connect!(conn(), { pairingPhone: 'call me', signal: signal() }));
    expect(bad.reason).toBe('bad_request');
  });

  it('re-points an existing instance at our webhook, then connects it (or reports it open)', async () => {
    fake.addInstance('shop', { state: 'close' });
    const r = await driver.connect!(conn({ settings: { webhookAuth: 'jwt' } }), { pairingPhone: '5491122334455', signal: signal() });
    expect(r.state).toBe('qr');
    expect(fake.calls('POST', '/instance/create')).toHaveLength(0);
    expect(fake.instances.get('shop')!.webhook?.headers).toEqual({ jwt_key: SECRET });
    expect(fake.calls('GET', '/instance/connect/shop')[0]!.query.get('number')).toBe('5491122334455');
    fake.pair('shop');
    expect(await driver.connect!(conn(), { signal: signal() })).toEqual({ state: 'open' });
  });

  it("refuses to create a Cloud API instance (it needs Meta's credentials)", async () => {
    const e = await failure(driver.connect!(conn({ credentials: { integration: 'WHATSAPP-BUSINESS' } }), { signal: signal() }));
    expect(e.reason).toBe('bad_request');
  });

  it('maps a wrong key on create to auth', async () => {
    const e = await failure(driver.connect!(conn({ credentials: { api_key: 'wrong-key-123' } }), { signal: signal() }));
    expect(e.reason).toBe('auth');
  });

  it('webhooks posted the way connect configured them are accepted, header or JWT; a forged one is not', async () => {
    await driver.connect!(conn(), { signal: signal() });
    expect((await fake.deliver('shop', 'messages.upsert', inbound.text('5491122334455', 'hola', { id: 'M1' }))).status).toBe(200);
    expect(received[0]!.events).toMatchObject([{ kind: 'message', providerMessageId: 'M1', content: { type: 'text', text: 'hola' } }]);

    await driver.connect!(conn({ settings: { webhookAuth: 'jwt' } }), { signal: signal() });
    expect((await fake.deliver('shop', 'connection.update', { instance: 'shop', state: 'open', statusReason: 200 })).status).toBe(200);
    expect(received[1]!.events).toEqual([{ kind: 'connection', state: 'open' }]);

    fake.instances.get('shop')!.webhook!.headers = { [TOKEN_HEADER]: 'not-the-secret-at-all' };
    expect((await fake.deliver('shop', 'messages.upsert', inbound.text('5491122334455', 'forged'))).status).toBe(401);
    expect(received[2]!.events).toEqual([]);
  });
});

describe('health and disconnect', () => {
  it('is ok only when the instance is open', async () => {
    fake.addInstance('shop', { state: 'open' });
    expect(await driver.health(conn(), signal())).toMatchObject({ ok: true, detail: 'instance open' });
    fake.instances.get('shop')!.state = 'connecting';
    expect(await driver.health(conn(), signal())).toMatchObject({ ok: false, detail: 'instance connecting' });
    fake.instances.clear();
    const gone = await driver.health(conn(), signal());
    expect(gone.ok).toBe(false);
    expect(gone.detail).toContain('does not exist');
    const wrong = await driver.health(conn({ credentials: { api_key: 'wrong-key-123' } }), signal());
    expect(wrong.ok).toBe(false);
    expect(wrong.detail).not.toContain(fake.globalKey);
  });

  it('logs the instance out; already closed or gone is fine', async () => {
    fake.addInstance('shop', { state: 'open' });
    await driver.disconnect!(conn());
    expect(fake.instances.get('shop')!.state).toBe('close');
    await driver.disconnect!(conn());
    fake.instances.clear();
    await driver.disconnect!(conn());
    expect(fake.calls('DELETE', /\/instance\/logout\//)).toHaveLength(3);
  });
});

describe('downloadMedia', () => {
  beforeEach(() => void fake.addInstance('shop', { state: 'open' }));

  it('downloads by message id through getBase64FromMediaMessage', async () => {
    const bytes = Buffer.from('\xff\xd8\xffjpeg-bytes', 'latin1');
    fake.addMedia('shop', 'IMG1', { bytes, mimetype: 'image/jpeg' });
    const r = await driver.downloadMedia!(conn(), { kind: 'image', providerMediaId: 'IMG1' }, signal());
    expect(r).toEqual({ bytes, contentType: 'image/jpeg' });
    expect(fake.calls('POST', '/chat/getBase64FromMediaMessage/shop')[0]!.body).toEqual({ message: { key: { id: 'IMG1' } }, convertToMp4: false });
  });

  it('returns null when Evolution no longer has the message', async () => {
    expect(await driver.downloadMedia!(conn(), { kind: 'image', providerMediaId: 'GONE' }, signal())).toBeNull();
  });

  it("downloads Evolution's S3 copy by URL without sending our key; a missing file is null", async () => {
    const url = fake.serveFile('evo/I2.jpeg', Buffer.from('jpeg'), 'image/jpeg');
    expect(await driver.downloadMedia!(conn(), { kind: 'image', url }, signal())).toEqual({ bytes: Buffer.from('jpeg'), contentType: 'image/jpeg' });
    expect(fake.calls('GET', '/files/evo/I2.jpeg')[0]!.headers.apikey).toBeUndefined();
    expect(await driver.downloadMedia!(conn(), { kind: 'image', url: `${fake.url}/files/missing` }, signal())).toBeNull();
    const big = fake.serveFile('evo/big.mp4', Buffer.alloc(4096), 'video/mp4');
    expect((await failure(driver.downloadMedia!(conn(), { kind: 'video', url: big }, signal()))).reason).toBe('unsupported');
  });

  it('refuses media past the size cap', async () => {
    fake.addMedia('shop', 'BIG', { bytes: Buffer.alloc(4096, 1), mimetype: 'video/mp4' });
    const e = await failure(driver.downloadMedia!(conn(), { kind: 'video', providerMediaId: 'BIG' }, signal()));
    expect(e.reason).toBe('unsupported');
  });
});

describe('credentials and capabilities', () => {
  const good = { base_url: 'https://evo.example.com', api_key: 'k', instance: 'shop', webhook_secret: SECRET };
  it.each([
    [{ ...good, base_url: '' }, 'missing base_url'],
    [{ ...good, base_url: 'ftp://x' }, 'base_url must be an http(s) URL'],
    [{ ...good, api_key: '' }, 'missing api_key'],
    [{ ...good, instance: '' }, 'missing instance'],
    [{ ...good, instance: 'a/b' }, 'instance must be'],
    [{ ...good, webhook_secret: '' }, 'missing webhook_secret'],
    [{ ...good, webhook_secret: 'short' }, 'at least 16'],
    [{ ...good, integration: 'EVOLUTION' }, 'integration must be'],
  ])('refuses %j', (c, msg) => {
    expect(() => driver.validateCredentials(c)).toThrow(msg);
    try {
      driver.validateCredentials(c);
    } catch (e) {
      expect((e as ChannelError).reason).toBe('bad_request');
    }
  });

  it('accepts good credentials; official and templates only on a Cloud API instance', () => {
    expect(() => driver.validateCredentials(good)).not.toThrow();
    expect(driver.capabilities(conn())).toEqual({ templates: false, buttons: true, lists: true, products: false, media: true, official: false });
    expect(driver.capabilities(conn({ credentials: { integration: 'WHATSAPP-BUSINESS' } }))).toMatchObject({ templates: true, official: true });
    expect(driver.capabilities(conn({ settings: { integration: 'WHATSAPP-BUSINESS' } })).official).toBe(true);
  });
});
