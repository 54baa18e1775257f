/**
 * The Twilio driver's inbound side against the fake Twilio: webhooks and status callbacks signed
 * by the `twilio` package's own helper (good, forged, missing, tampered, proxied URL, a real POST),
 * every inbound type and status parsed, hostile and oversized bodies refused cleanly, media
 * downloaded through Twilio's redirect without the credentials reaching the CDN.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeTwilio, twilioSid, type FakeTwilio, type SignedRequest } from '../../../../test/fakes/twilio-whatsapp.js';
import { twilioDriver } from './twilio.js';
import { ChannelError, type ConnectionContext, type OutboundContent, type WebhookRequest } from './types.js';

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

const asWebhook = (r: SignedRequest, patch: Partial<WebhookRequest> = {}): WebhookRequest => ({ method: r.method, url: r.url, query: r.query, headers: r.headers, rawBody: r.rawBody, ...patch });

beforeAll(async () => {
  fake = await startFakeTwilio();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.accountStatus = 'active';
});

describe('verifyWebhook', () => {
  it('accepts a request signed by the twilio package, over the URL and the form parameters', () => {
    const r = fake.inbound(WEBHOOK, { Body: 'hola' });
    expect(driver.verifyWebhook(conn(), asWebhook(r))).toEqual({ action: 'accept' });
  });

  it('rejects a missing signature with 401, a forged or tampered one with 403', () => {
    const r = fake.inbound(WEBHOOK, { Body: 'hola' });
    const { 'x-twilio-signature': _sig, ...noSig } = r.headers;
    expect(driver.verifyWebhook(conn(), asWebhook(r, { headers: noSig }))).toMatchObject({ action: 'reject', status: 401 });
    const forged = fake.inbound(WEBHOOK, { Body: 'hola' }, { authToken: 'e'.repeat(32) });
    expect(driver.verifyWebhook(conn(), asWebhook(forged))).toMatchObject({ action: 'reject', status: 403 });
    const tampered = asWebhook(r, { rawBody: Buffer.from(r.rawBody.toString().replace('Body=hola', 'Body=chau')) });
    expect(driver.verifyWebhook(conn(), tampered)).toMatchObject({ action: 'reject', status: 403 });
    const otherUrl = asWebhook(r, { url: 'https://hooks.example.test/hooks/whatsapp/chn_other' });
    expect(driver.verifyWebhook({ ...conn(), webhookUrl: 'https://hooks.example.test/hooks/whatsapp/chn_other' }, otherUrl)).toMatchObject({ action: 'reject', status: 403 });
    expect(driver.verifyWebhook(conn(), asWebhook(r, { headers: { ...r.headers, 'x-twilio-signature': 'not base64 at all' } }))).toMatchObject({ action: 'reject', status: 403 });
    expect(driver.verifyWebhook(conn(), asWebhook(r, { url: 'not a url' }))).toMatchObject({ action: 'accept' }); // falls back to the public URL
  });

  it('accepts when the route sees an internal host but Twilio signed the public URL, query included', async () => {
    const sent = await send({ type: 'text', text: 'hi' });
    const cb = fake.statusCallback(sent.providerMessageId, 'delivered');
    const internal = cb.url.replace('https://hooks.example.test', 'http://10.0.0.7:3000');
    expect(driver.verifyWebhook(conn(), asWebhook(cb, { url: internal }))).toEqual({ action: 'accept' });
    const withoutQuery = internal.slice(0, internal.indexOf('?'));
    expect(driver.verifyWebhook(conn(), asWebhook(cb, { url: withoutQuery }))).toMatchObject({ action: 'reject', status: 403 });
  });

  it('keeps the raw body intact end to end: a real POST from the fake verifies on the bytes received', async () => {
    const received: { url: string; headers: Record<string, string | undefined>; raw: Buffer }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ url: req.url ?? '', headers: req.headers as Record<string, string | undefined>, raw: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(driver.webhookAck!().body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/whatsapp/chn_tw1`;
    try {
      const res = await fake.deliver(fake.inbound(url, { Body: 'Ñandú & café = 100%' }));
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<Response/>');
      const got = received[0]!;
      const req: WebhookRequest = { method: 'POST', url: `${url}`, query: {}, headers: got.headers, rawBody: got.raw };
      const c = { ...conn(), webhookUrl: url };
      expect(driver.verifyWebhook(c, req)).toEqual({ action: 'accept' });
      expect(driver.parseWebhook(c, req)[0]).toMatchObject({ kind: 'message', content: { type: 'text', text: 'Ñandú & café = 100%' } });
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('parseWebhook', () => {
  const parse = (fields: Record<string, string>) => driver.parseWebhook(conn(), asWebhook(fake.inbound(WEBHOOK, fields)));

  it('a text message: the sender as phone, whatsapp: id and profile name; the reply context', () => {
    const quoted = twilioSid('SM');
    const [e] = parse({ Body: 'Quiero la remera', OriginalRepliedMessageSid: quoted, OriginalRepliedMessageSender: 'whatsapp:+14155238886' });
    expect(e).toMatchObject({
      kind: 'message',
      from: { phone: '+5491122334455', providerId: 'whatsapp:+5491122334455', name: 'Ana' },
      timestamp: NOW,
      content: { type: 'text', text: 'Quiero la remera' },
      replyToProviderMessageId: quoted,
    });
    expect(e!.kind === 'message' && e!.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
  });

  it('media: every MediaUrlN with its type, the caption on the first, later ones under <sid>/<n>', () => {
    const sid = twilioSid('MM');
    const events = parse({ MessageSid: sid, MessageType: 'image', NumMedia: '2', Body: 'mirá', MediaUrl0: 'https://api.twilio.com/a/Media/ME1', MediaContentType0: 'image/jpeg', MediaUrl1: 'https://api.twilio.com/a/Media/ME2', MediaContentType1: 'application/pdf' });
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ providerMessageId: sid, content: { type: 'media', media: { kind: 'image', url: 'https://api.twilio.com/a/Media/ME1', contentType: 'image/jpeg', caption: 'mirá' } } });
    expect(events[1]).toMatchObject({ providerMessageId: `${sid}/1`, content: { type: 'media', media: { kind: 'document', contentType: 'application/pdf' } } });
    expect(parse({ MessageType: 'audio', NumMedia: '1', MediaUrl0: 'https://api.twilio.com/x', MediaContentType0: 'audio/ogg' })[0]).toMatchObject({ content: { media: { kind: 'audio' } } });
    expect(parse({ MessageType: 'sticker', NumMedia: '1', MediaUrl0: 'https://api.twilio.com/x', MediaContentType0: 'image/webp' })[0]).toMatchObject({ content: { media: { kind: 'sticker' } } });
  });

  it('a quick-reply button, a list choice, a location, and an unsupported type', () => {
    expect(parse({ MessageType: 'button', ButtonPayload: 'size_m', ButtonText: 'M', Body: 'M' })[0]).toMatchObject({ content: { type: 'button_reply', id: 'size_m', title: 'M' } });
    expect(parse({ MessageType: 'interactive', ListId: 'row_2', ListTitle: 'Buzos', Body: 'Buzos' })[0]).toMatchObject({ content: { type: 'list_reply', id: 'row_2', title: 'Buzos' } });
    expect(parse({ MessageType: 'location', Latitude: '-34.6037', Longitude: '-58.3816', Address: 'Av. Corrientes 1234', Label: 'Tienda' })[0]).toMatchObject({
      content: { type: 'location', latitude: -34.6037, longitude: -58.3816, address: 'Av. Corrientes 1234', name: 'Tienda' },
    });
    expect(parse({ MessageType: 'reaction', Body: '' })[0]).toMatchObject({ content: { type: 'unsupported', providerType: 'reaction' } });
  });

  it('status callbacks: sent / delivered / read (our message id carried back), queued ignored, failed with the ErrorCode mapped', async () => {
    const sent = await send({ type: 'text', text: 'hi' });
    const status = (s: string, fields?: Record<string, string>) => driver.parseWebhook(conn(), asWebhook(fake.statusCallback(sent.providerMessageId, s, fields)));
    expect(status('queued')).toEqual([]);
    for (const s of ['sent', 'delivered', 'read'] as const) {
      expect(status(s)).toEqual([{ kind: 'status', providerMessageId: sent.providerMessageId, status: s, timestamp: NOW, recipient: { phone: '+5491122334455', providerId: 'whatsapp:+5491122334455' }, messageId: 'msg_0001' }]);
    }
    expect(status('failed', { ErrorCode: '63016', ErrorMessage: 'Outside the window' })[0]).toMatchObject({ status: 'failed', error: { reason: 'outside_window', providerCode: '63016', message: 'Outside the window' } });
    expect(status('undelivered', { ErrorCode: '63024' })[0]).toMatchObject({ status: 'failed', error: { reason: 'undeliverable', providerCode: '63024' } });
    expect(status('undelivered', { ErrorCode: '63018' })[0]).toMatchObject({ error: { reason: 'rate_limited' } });
    expect(status('failed', { ErrorCode: '99999' })[0]).toMatchObject({ error: { reason: 'unknown', providerCode: '99999' } });
  });

  it('the driver answers TwiML', () => {
    expect(driver.webhookAck!()).toEqual({ status: 200, contentType: 'text/xml', body: '<?xml version="1.0" encoding="UTF-8"?><Response/>' });
  });

  it('malformed, hostile and oversized bodies are bad_request, never a TypeError', () => {
    const raw = (body: string | Buffer, query: Record<string, string> = {}): WebhookRequest => ({ method: 'POST', url: WEBHOOK, query, headers: {}, rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body) });
    const bad = (req: WebhookRequest) => {
      let err: unknown;
      try {
        driver.parseWebhook(conn(), req);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ChannelError);
      expect((err as ChannelError).reason).toBe('bad_request');
    };
    bad(raw(''));
    bad(raw('{"MessageSid":"SM1"}'));
    bad(raw('MessageSid=SM123&From=whatsapp%3A%2B1'));
    bad(raw(`MessageSid=${twilioSid('SM')}&Body=hi`)); // no From
    bad(raw(`MessageSid=${twilioSid('SM')}&MessageStatus=exploded`, { kind: 'status' }));
    bad(raw(Buffer.alloc(300 * 1024, 'a')));
    bad(raw(Array.from({ length: 400 }, (_, i) => `k${i}=v`).join('&')));
    // Wrong types and absurd counts degrade, they do not crash.
    const sid = twilioSid('SM');
    const hostile = driver.parseWebhook(conn(), raw(`MessageSid=${sid}&From=whatsapp%3A%2B5491122334455&From=x&NumMedia=1000000000&MediaUrl0=javascript%3Aalert(1)&Latitude=abc&Longitude=1&Body=hi&Body=again`));
    expect(hostile).toEqual([{ kind: 'message', providerMessageId: sid, from: { phone: '+5491122334455', providerId: 'whatsapp:+5491122334455' }, timestamp: NOW, content: { type: 'text', text: 'hi' } }]);
  });
});

describe('downloadMedia', () => {
  it('fetches with the credentials from Twilio, follows the redirect to the CDN without them', async () => {
    const bytes = Buffer.from('%PDF-1.4 fake pdf');
    const url = fake.addMedia(bytes, 'application/pdf');
    const got = await driver.downloadMedia!(conn(), { kind: 'document', url }, signal());
    expect(got).toEqual({ bytes, contentType: 'application/pdf' });
    const api = fake.requests.filter((r) => r.path.includes('/Media/')).at(-1)!;
    expect(api.headers.authorization).toMatch(/^Basic /);
    expect(fake.cdnRequests.at(-1)!.headers.authorization).toBeUndefined();
  });

  it('null when Twilio no longer has it; refuses foreign URLs and media over the cap', async () => {
    const gone = `${fake.url}/2010-04-01/Accounts/${fake.accountSid}/Messages/${twilioSid('MM')}/Media/${twilioSid('ME')}`;
    expect(await driver.downloadMedia!(conn(), { kind: 'image', url: gone }, signal())).toBeNull();
    const foreign = await failure(driver.downloadMedia!(conn(), { kind: 'image', url: 'https://evil.test/steal' }, signal()));
    expect(foreign.reason).toBe('bad_request');
    expect(fake.requests.some((r) => r.path === '/steal')).toBe(false);
    const small = twilioDriver({ mediaMaxBytes: 10 });
    const big = fake.addMedia(Buffer.alloc(64, 1), 'image/jpeg');
    expect((await failure(small.downloadMedia!(conn(), { kind: 'image', url: big }, signal()))).message).toMatch(/larger than 10 bytes/);
  });
});
