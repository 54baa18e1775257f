/**
 * The Twilio driver against a fake Twilio (test/fakes/twilio-whatsapp.ts) speaking the documented
 * Messages API: credentials, every send type (degraded menus, templates), error codes mapped with
 * Retry-After, network failures, health. Webhooks and media: twilio-webhook.test.ts.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeTwilio, twilioSid, type FakeTwilio } from '../../../../test/fakes/twilio-whatsapp.js';
import { ProviderError } from '../../../platform/providers/types.js';
import { twilioDriver } from './twilio.js';
import { ChannelError, type ConnectionContext, type OutboundContent } from './types.js';

const WEBHOOK = 'https://hooks.example.test/hooks/whatsapp/chn_tw1';
const NOW = new Date('2026-03-01T12:00:00Z');
const driver = twilioDriver({ now: () => NOW });
let fake: FakeTwilio;

const conn = (extra: Record<string, string> = {}, credentials?: Record<string, string>): ConnectionContext => ({
  id: 'chn_tw1',
  tenantId: 'ten_a',
  botId: 'bot_a',
  credentials: credentials ?? fake.credentials(extra),
  settings: {},
  fetch: globalThis.fetch,
  webhookUrl: WEBHOOK,
});

const signal = () => AbortSignal.timeout(5000);
const send = (content: OutboundContent, c = conn(), to: { phone?: string; providerId?: string } = { phone: '+5491122334455' }) =>
  driver.send(c, { to, content, messageId: 'msg_0001', signal: signal() });

async function failure(p: Promise<unknown>): Promise<ChannelError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(ChannelError);
  return e as ChannelError;
}

beforeAll(async () => {
  fake = await startFakeTwilio();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.accountStatus = 'active';
});

describe('credentials', () => {
  it('accepts a full set and names the missing or ill-shaped field', () => {
    expect(() => driver.validateCredentials(fake.credentials())).not.toThrow();
    expect(() => driver.validateCredentials(fake.credentials({ api_key_sid: fake.apiKeySid, api_key_secret: fake.apiKeySecret, messaging_service_sid: fake.messagingServiceSid }))).not.toThrow();
    expect(() => driver.validateCredentials({ ...fake.credentials(), from: '+14155238886' })).not.toThrow();
    const cases: [Record<string, string>, RegExp][] = [
      [{ ...fake.credentials(), account_sid: '' }, /missing account_sid/],
      [{ ...fake.credentials(), account_sid: 'AC123' }, /account_sid/],
      [{ ...fake.credentials(), auth_token: '' }, /missing auth_token/],
      [{ account_sid: fake.accountSid, auth_token: fake.authToken }, /missing from/],
      [{ ...fake.credentials(), from: 'whatsapp:14155238886' }, /from must be/],
      [{ ...fake.credentials(), messaging_service_sid: 'MGxyz' }, /messaging_service_sid/],
      [{ ...fake.credentials(), api_key_sid: fake.apiKeySid }, /missing api_key_secret/],
      [{ ...fake.credentials(), api_key_secret: 'x'.repeat(32) }, /missing api_key_sid/],
      [{ ...fake.credentials(), base_url: 'ftp://x' }, /base_url/],
    ];
    for (const [creds, msg] of cases) {
      let err: unknown;
      try {
        driver.validateCredentials(creds);
      } catch (e) {
        err = e;
      }
      expect(err, String(msg)).toBeInstanceOf(ChannelError);
      expect((err as ChannelError).reason).toBe('bad_request');
      expect((err as ChannelError).message).toMatch(msg);
    }
  });

  it('says what it can do: templates and media, menus as text, no catalog', () => {
    expect(driver.capabilities(conn())).toEqual({ templates: true, buttons: false, lists: false, products: false, media: true, official: true });
  });
});

describe('send', () => {
  it('sends text form-encoded with Basic auth, whatsapp: addresses and a StatusCallback told apart by its query', async () => {
    const r = await send({ type: 'text', text: 'Hola 👋' });
    expect(r.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(r.status).toBe('accepted');
    const req = fake.calls('POST', `/2010-04-01/Accounts/${fake.accountSid}/Messages.json`).at(-1)!;
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString('base64')}`);
    const p = fake.sent.at(-1)!.params;
    expect(p.get('To')).toBe('whatsapp:+5491122334455');
    expect(p.get('From')).toBe(fake.sender);
    expect(p.get('Body')).toBe('Hola 👋');
    const cb = new URL(p.get('StatusCallback')!);
    expect(`${cb.origin}${cb.pathname}`).toBe(WEBHOOK);
    expect(cb.searchParams.get('kind')).toBe('status');
    expect(cb.searchParams.get('msg')).toBe('msg_0001');
  });

  it('uses an API key and a Messaging Service when configured, and a whatsapp: provider id as the recipient', async () => {
    const c = conn({ api_key_sid: fake.apiKeySid, api_key_secret: fake.apiKeySecret, messaging_service_sid: fake.messagingServiceSid, from: '' });
    await send({ type: 'text', text: 'hi' }, c, { providerId: 'whatsapp:+5215512345678' });
    const req = fake.requests.at(-1)!;
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from(`${fake.apiKeySid}:${fake.apiKeySecret}`).toString('base64')}`);
    const p = fake.sent.at(-1)!.params;
    expect(p.get('MessagingServiceSid')).toBe(fake.messagingServiceSid);
    expect(p.has('From')).toBe(false);
    expect(p.get('To')).toBe('whatsapp:+5215512345678');
  });

  it('sends media by URL with the caption as Body; bytes without a URL are unsupported and nothing is sent', async () => {
    const r = await send({ type: 'media', media: { kind: 'image', url: 'https://cdn.store.test/p/1.jpg', caption: 'Remera azul' } });
    expect(r.providerMessageId).toMatch(/^MM/);
    const p = fake.sent.at(-1)!.params;
    expect(p.get('MediaUrl')).toBe('https://cdn.store.test/p/1.jpg');
    expect(p.get('Body')).toBe('Remera azul');
    const before = fake.requests.length;
    const e = await failure(send({ type: 'media', media: { kind: 'image', bytes: Buffer.from('x') } }));
    expect(e.reason).toBe('unsupported');
    expect(fake.requests.length).toBe(before);
  });

  it('degrades buttons and lists to numbered text menus and cta_url to text with the link', async () => {
    await send({ type: 'buttons', header: 'Talle', body: '¿Qué talle?', footer: 'Elegí uno', buttons: [{ id: 's', title: 'S' }, { id: 'm', title: 'M' }, { id: 'l', title: 'L' }] });
    expect(fake.sent.at(-1)!.params.get('Body')).toBe('*Talle*\n\n¿Qué talle?\n\n1. S\n2. M\n3. L\n\n_Elegí uno_');
    await send({
      type: 'list',
      body: 'Menú',
      button: 'Ver',
      sections: [
        { title: 'Ropa', rows: [{ id: 'a', title: 'Remeras', description: 'Algodón' }, { id: 'b', title: 'Buzos' }] },
        { title: 'Otros', rows: [{ id: 'c', title: 'Gorras' }] },
      ],
    });
    expect(fake.sent.at(-1)!.params.get('Body')).toBe('Menú\n\n*Ropa*\n1. Remeras — Algodón\n2. Buzos\n*Otros*\n3. Gorras');
    await send({ type: 'cta_url', body: 'Tu pedido ord_1', displayText: 'Pagar', url: 'https://pay.test/l/1' });
    expect(fake.sent.at(-1)!.params.get('Body')).toBe('Tu pedido ord_1\n\nPagar: https://pay.test/l/1');
    expect(fake.sent.at(-1)!.params.has('ContentSid')).toBe(false);
  });

  it('refuses catalog messages and empty or over-long text', async () => {
    expect((await failure(send({ type: 'product', catalogId: 'c1', productRetailerId: 'sku-1' }))).reason).toBe('unsupported');
    expect((await failure(send({ type: 'product_list', header: 'h', body: 'b', catalogId: 'c1', sections: [{ title: 't', productRetailerIds: ['a'] }] }))).reason).toBe('unsupported');
    expect((await failure(send({ type: 'text', text: '   ' }))).reason).toBe('bad_request');
    expect((await failure(send({ type: 'text', text: 'x'.repeat(1601) }))).reason).toBe('bad_request');
    expect((await failure(send({ type: 'text', text: 'hi' }, conn(), { phone: '5491122334455' }))).reason).toBe('bad_request');
  });

  it('sends a template as ContentSid + ContentVariables without a Body; one without a ContentSid fails as template', async () => {
    const contentSid = `HX${'a'.repeat(32)}`;
    await send({ type: 'template', template: { name: 'order_update', language: 'es', category: 'utility', params: ['Ana', 'ord_1'], twilioContentSid: contentSid } });
    const p = fake.sent.at(-1)!.params;
    expect(p.get('ContentSid')).toBe(contentSid);
    expect(JSON.parse(p.get('ContentVariables')!)).toEqual({ '1': 'Ana', '2': 'ord_1' });
    expect(p.has('Body')).toBe(false);
    const e = await failure(send({ type: 'template', template: { name: 'order_update', language: 'es', category: 'utility', params: [] } }));
    expect(e.reason).toBe('template');
  });
});

describe('errors', () => {
  const cases: [string, string][] = [
    ['63016', 'outside_window'],
    ['21610', 'opted_out'],
    ['63014', 'opted_out'],
    ['63024', 'undeliverable'],
    ['21211', 'undeliverable'],
    ['21614', 'undeliverable'],
    ['63003', 'undeliverable'],
    ['63027', 'template'],
    ['63028', 'template'],
    ['63013', 'policy'],
    ['63021', 'bad_request'],
    ['63018', 'rate_limited'],
  ];
  it.each(cases)('Twilio %s → %s, with the code kept and the credentials out of the message', async (code, reason) => {
    fake.scenario({ kind: 'provider_error', code, message: `failure mentioning ${fake.authToken}` });
    const e = await failure(send({ type: 'text', text: 'hi' }));
    expect(e.reason).toBe(reason);
    expect(e.opts.providerCode).toBe(code);
    expect(e.message).toContain(code);
    expect(e.message).not.toContain(fake.authToken);
  });

  it('honours Retry-After on 429 / 20429 and retries 5xx', async () => {
    fake.scenario({ kind: 'rate_limited', retryAfterSeconds: 7 });
    const e = await failure(send({ type: 'text', text: 'hi' }));
    expect(e.reason).toBe('rate_limited');
    expect(e.opts.providerCode).toBe('20429');
    expect(e.opts.retryAfterMs).toBe(7000);
    expect(e.retryable).toBe(true);
    fake.scenario({ kind: 'server_error', status: 503 });
    const u = await failure(send({ type: 'text', text: 'hi' }));
    expect(u.reason).toBe('unavailable');
    expect(u.retryable).toBe(true);
  });

  it('a send that times out is a retryable timeout; a caller abort stays an abort', async () => {
    fake.scenario({ kind: 'slow' });
    const t = await failure(driver.send(conn(), { to: { phone: '+5491122334455' }, content: { type: 'text', text: 'hi' }, messageId: 'msg_0002', signal: AbortSignal.timeout(150) }));
    expect(t.reason).toBe('timeout');
    expect(t.retryable).toBe(true);
    fake.scenario({ kind: 'slow' });
    const ac = new AbortController();
    const p = driver.send(conn(), { to: { phone: '+5491122334455' }, content: { type: 'text', text: 'hi' }, messageId: 'msg_0003', signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const e = await p.then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(ProviderError);
    expect(e).not.toBeInstanceOf(ChannelError);
    expect((e as ProviderError).errorClass).toBe('canceled');
  });

  it('maps recipient errors as not retryable recipient errors (no fallback to another provider)', async () => {
    fake.scenario({ kind: 'provider_error', code: '21610' });
    const e = await failure(send({ type: 'text', text: 'hi' }));
    expect(e.retryable).toBe(false);
    expect(e.isRecipientError).toBe(true);
  });

  it('a wrong auth token is auth (20003), another account than the key is 20404, a dead host is unavailable', async () => {
    const wrong = await failure(send({ type: 'text', text: 'hi' }, conn({ auth_token: 'f'.repeat(32) })));
    expect(wrong.reason).toBe('auth');
    expect(wrong.opts.providerCode).toBe('20003');
    expect(wrong.message).not.toContain('f'.repeat(32));
    const other = await failure(send({ type: 'text', text: 'hi' }, conn({ account_sid: twilioSid('AC'), api_key_sid: fake.apiKeySid, api_key_secret: fake.apiKeySecret })));
    expect(other.opts.providerCode).toBe('20404');
    expect(other.reason).toBe('bad_request');
    expect(other.message).not.toContain(fake.apiKeySecret);
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const down = await failure(send({ type: 'text', text: 'hi' }, conn({ base_url: `http://127.0.0.1:${port}` })));
    expect(down.reason).toBe('unavailable');
    expect(down.retryable).toBe(true);
  });
});

describe('health', () => {
  it('ok for an active account, not ok when suspended or the token is wrong (without leaking it)', async () => {
    expect(await driver.health(conn(), signal())).toMatchObject({ ok: true, detail: 'account active' });
    expect(fake.requests.at(-1)!.path).toBe(`/2010-04-01/Accounts/${fake.accountSid}.json`);
    fake.accountStatus = 'suspended';
    expect(await driver.health(conn(), signal())).toMatchObject({ ok: false, detail: 'account suspended' });
    const wrong = await driver.health(conn({ auth_token: 'd'.repeat(32) }), signal());
    expect(wrong.ok).toBe(false);
    expect(wrong.detail).toMatch(/20003/);
    expect(wrong.detail).not.toContain('d'.repeat(32));
    expect(await driver.health(conn({}, { account_sid: 'nope' }), signal())).toMatchObject({ ok: false, detail: expect.stringMatching(/account_sid/) });
  });
});
