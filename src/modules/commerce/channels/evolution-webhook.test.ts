/**
 * Evolution webhooks through the driver: token / JWT / query verification on the raw request
 * (good, forged, missing, expired), and parsing of every inbound message type, statuses,
 * connection and QR events, echoes, groups, `@lid` senders, unknown events and hostile bodies.
 * Bodies are built with the fake's payload builders (Evolution's own shapes).
 */
import { describe, expect, it } from 'vitest';
import { connectionUpdate, envelope, evolutionJwt, inbound, qrcodeUpdated, statusUpdate, upsert } from '../../../../test/fakes/evolution-api.js';
import { evolutionDriver } from './evolution.js';
import { TOKEN_HEADER } from './evolution-webhook.js';
import { ChannelError, type ConnectionContext, type InboundEvent, type WebhookRequest } from './types.js';

const SECRET = 'whs-0123456789abcdef-secret';
const NOW = new Date('2025-06-01T12:00:00Z');
const driver = evolutionDriver({ now: () => NOW });
const conn: ConnectionContext = {
  id: 'chn_test',
  tenantId: 'ten_a',
  botId: 'bot_a',
  credentials: { base_url: 'http://evo.invalid', api_key: 'key', instance: 'shop', webhook_secret: SECRET },
  settings: {},
  fetch: globalThis.fetch,
  webhookUrl: 'https://probador.example/hooks/whatsapp/chn_test',
};

function hook(body: unknown, headers: Record<string, string> = { [TOKEN_HEADER]: SECRET }, query: Record<string, string> = {}): WebhookRequest {
  const rawBody = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return { method: 'POST', url: conn.webhookUrl, query, headers, rawBody };
}
const parse = (event: string, data: unknown) => driver.parseWebhook(conn, hook(envelope(event, 'shop', data)));
type MessageEvent = Extract<InboundEvent, { kind: 'message' }>;
const one = (data: unknown): MessageEvent => {
  const events = parse('messages.upsert', data);
  expect(events).toHaveLength(1);
  expect(events[0]!.kind).toBe('message');
  return events[0] as MessageEvent;
};
const nowS = Math.floor(NOW.getTime() / 1000);

describe('verifyWebhook', () => {
  const body = envelope('messages.upsert', 'shop', inbound.text('5491122334455', 'hola'));

  it('accepts the configured header, a valid jwt_key token or the token query parameter', () => {
    expect(driver.verifyWebhook(conn, hook(body))).toEqual({ action: 'accept' });
    expect(driver.verifyWebhook(conn, hook(body, { authorization: `Bearer ${evolutionJwt(SECRET, nowS - 30)}` }))).toEqual({ action: 'accept' });
    expect(driver.verifyWebhook(conn, hook(body, {}, { token: SECRET }))).toEqual({ action: 'accept' });
    expect(driver.verifyWebhook(conn, hook(body, { jwt_key: SECRET }))).toEqual({ action: 'accept' });
  });

  it.each([
    ['a wrong header', { [TOKEN_HEADER]: 'whs-0123456789abcdef-secreT' }, {}, 'wrong webhook token'],
    ['no token at all', {}, {}, 'missing webhook token'],
    ['a JWT signed with another key', { authorization: `Bearer ${evolutionJwt('another-secret-of-some-length', nowS)}` }, {}, 'wrong token signature'],
    ['an expired JWT', { authorization: `Bearer ${evolutionJwt(SECRET, nowS - 700)}` }, {}, 'token expired'],
    ['a JWT with alg none', { authorization: `Bearer ${evolutionJwt(SECRET, nowS, {}, 'none')}` }, {}, 'not HS256'],
    ['a JWT for something else', { authorization: `Bearer ${evolutionJwt(SECRET, nowS, { action: 'login' })}` }, {}, 'not for webhooks'],
    ['garbage in authorization', { authorization: 'Bearer a.b' }, {}, 'malformed token'],
    ['Basic auth', { authorization: 'Basic dXNlcjpwYXNz' }, {}, 'malformed authorization'],
    ['a wrong query token', {}, { token: 'nope' }, 'wrong webhook token'],
    ['a wrong literal jwt_key header', { jwt_key: 'nope' }, {}, 'wrong webhook token'],
  ])('rejects %s with 401', (_name, headers, query, reason) => {
    const v = driver.verifyWebhook(conn, hook(body, headers as Record<string, string>, query as Record<string, string>));
    expect(v).toMatchObject({ action: 'reject', status: 401 });
    expect((v as { reason: string }).reason).toContain(reason);
  });

  it('rejects GETs and connections without a secret', () => {
    expect(driver.verifyWebhook(conn, { ...hook(body), method: 'GET' })).toMatchObject({ action: 'reject', status: 403 });
    const noSecret = { ...conn, credentials: { ...conn.credentials, webhook_secret: '' } };
    expect(driver.verifyWebhook(noSecret, hook(body))).toMatchObject({ action: 'reject', status: 401 });
  });
});

describe('parseWebhook: messages', () => {
  const from = '5491122334455';

  it('text (conversation and extendedTextMessage) with sender, name, time and quoted id', () => {
    expect(one(inbound.text(from, 'hola', { id: 'M1', pushName: 'Ana', timestamp: 1748779200, quotedId: 'Q1' }))).toEqual({
      kind: 'message',
      providerMessageId: 'M1',
      from: { providerId: `${from}@s.whatsapp.net`, phone: `+${from}`, name: 'Ana' },
      timestamp: new Date(1748779200 * 1000),
      content: { type: 'text', text: 'hola' },
      replyToProviderMessageId: 'Q1',
    });
    expect(one(inbound.extendedText(from, 'link https://x.y')).content).toEqual({ type: 'text', text: 'link https://x.y' });
  });

  it('media of every kind, with the message id to download it by', () => {
    expect(one(inbound.image(from, { id: 'I1', caption: 'this one?' })).content).toEqual({
      type: 'media',
      media: { kind: 'image', providerMediaId: 'I1', url: undefined, contentType: 'image/jpeg', caption: 'this one?', filename: undefined, sha256: 'n3XyT1kq4sUq1wG3Y9nqg8CqJb3i5Jq8o3iQbS4mS2E=' },
    });
    expect(one(inbound.video(from)).content).toMatchObject({ media: { kind: 'video', contentType: 'video/mp4' } });
    expect(one(inbound.audio(from)).content).toMatchObject({ media: { kind: 'audio' } });
    expect(one(inbound.document(from, 'size-chart.pdf')).content).toMatchObject({ media: { kind: 'document', filename: 'size-chart.pdf' } });
    expect(one(inbound.sticker(from)).content).toMatchObject({ media: { kind: 'sticker', contentType: 'image/webp' } });
    expect(one(inbound.image(from, { mediaUrl: 'https://bucket.example/evo/I2.jpeg' })).content).toMatchObject({ media: { url: 'https://bucket.example/evo/I2.jpeg' } });
    const wrapped = upsert(from, 'documentWithCaptionMessage', { message: { documentMessage: { mimetype: 'application/pdf', fileName: 'a.pdf', caption: 'see' } } });
    expect(one(wrapped).content).toMatchObject({ type: 'media', media: { kind: 'document', filename: 'a.pdf', caption: 'see' } });
  });

  it('button, template-button, native-flow and list replies; locations', () => {
    expect(one(inbound.buttonReply(from, 'size_m', 'M')).content).toEqual({ type: 'button_reply', id: 'size_m', title: 'M' });
    expect(one(inbound.templateButtonReply(from, 'stop', 'Stop promotions')).content).toEqual({ type: 'button_reply', id: 'stop', title: 'Stop promotions' });
    expect(one(inbound.nativeFlowReply(from, 'buy', 'Buy')).content).toEqual({ type: 'button_reply', id: 'buy', title: 'Buy' });
    expect(one(inbound.listReply(from, 'p1', 'Shirt', 'Cotton')).content).toEqual({ type: 'list_reply', id: 'p1', title: 'Shirt', description: 'Cotton' });
    expect(one(inbound.location(from, -34.6, -58.38, { name: 'Shop', address: 'Florida 100' })).content).toEqual({ type: 'location', latitude: -34.6, longitude: -58.38, name: 'Shop', address: 'Florida 100' });
    expect(one(inbound.reaction(from, 'X', '👍')).content).toEqual({ type: 'unsupported', providerType: 'reactionMessage' });
  });

  it('@lid senders keep the lid as providerId and take the phone from remoteJidAlt or senderPn', () => {
    const lid = '123456789012345@lid';
    expect(one(inbound.text(lid, 'hi', { remoteJidAlt: `${from}@s.whatsapp.net` })).from).toMatchObject({ providerId: lid, phone: `+${from}` });
    expect(one(inbound.text(lid, 'hi', { senderPn: `${from}@s.whatsapp.net` })).from).toMatchObject({ providerId: lid, phone: `+${from}` });
    expect(one(inbound.text(lid, 'hi')).from).toMatchObject({ providerId: lid, phone: undefined });
  });

  it('ignores our own echoes, groups, status broadcasts and protocol messages', () => {
    expect(parse('messages.upsert', inbound.text(from, 'sent by us', { fromMe: true }))).toEqual([]);
    expect(parse('messages.upsert', inbound.text('120363025555555555@g.us', 'group chat'))).toEqual([]);
    expect(parse('messages.upsert', inbound.text('status@broadcast', 'story'))).toEqual([]);
    expect(parse('messages.upsert', upsert(from, 'protocolMessage', { type: 0, key: { id: 'X' } }))).toEqual([]);
  });
});

describe('parseWebhook: statuses, connection, QR', () => {
  it.each([
    ['SERVER_ACK', 'sent'],
    ['DELIVERY_ACK', 'delivered'],
    ['READ', 'read'],
    ['PLAYED', 'read'],
    ['ERROR', 'failed'],
  ])('messages.update %s → %s', (evo, status) => {
    const [e] = parse('messages.update', statusUpdate('3EB0ABC', evo as 'READ', '5491122334455'));
    expect(e).toMatchObject({ kind: 'status', providerMessageId: '3EB0ABC', status, timestamp: NOW, recipient: { providerId: '5491122334455@s.whatsapp.net' } });
    if (status === 'failed') expect(e).toMatchObject({ error: { reason: 'unknown' } });
  });

  it('ignores PENDING, DELETED and statuses of messages we did not send', () => {
    expect(parse('messages.update', statusUpdate('A', 'PENDING', '5491122334455'))).toEqual([]);
    expect(parse('messages.update', statusUpdate('A', 'DELETED', '5491122334455'))).toEqual([]);
    expect(parse('messages.update', statusUpdate('A', 'READ', '5491122334455', false))).toEqual([]);
  });

  it('connection.update and qrcode.updated become connection events', () => {
    expect(parse('connection.update', connectionUpdate('shop', 'open'))).toEqual([{ kind: 'connection', state: 'open' }]);
    expect(parse('connection.update', connectionUpdate('shop', 'connecting'))).toEqual([{ kind: 'connection', state: 'connecting' }]);
    expect(parse('connection.update', connectionUpdate('shop', 'close', 401))).toMatchObject([{ kind: 'connection', state: 'logged_out' }]);
    expect(parse('connection.update', connectionUpdate('shop', 'close', 428))).toMatchObject([{ kind: 'connection', state: 'closed' }]);
    expect(parse('connection.update', connectionUpdate('shop', 'refused'))).toMatchObject([{ kind: 'connection', state: 'closed' }]);
    expect(parse('qrcode.updated', qrcodeUpdated('shop', '2@abc,def', 'WZYEH1YY'))).toEqual([{ kind: 'connection', state: 'qr', qr: '2@abc,def', pairingCode: 'WZYEH1YY' }]);
    expect(parse('QRCODE_UPDATED', qrcodeUpdated('shop', '2@abc,def'))).toEqual([{ kind: 'connection', state: 'qr', qr: '2@abc,def', pairingCode: undefined }]);
  });

  it('unknown events, and events of another instance, are no events', () => {
    expect(parse('presence.update', { id: 'x', presences: {} })).toEqual([]);
    expect(parse('chats.upsert', [{ remoteJid: 'x' }])).toEqual([]);
    expect(driver.parseWebhook(conn, hook(envelope('messages.upsert', 'other-instance', inbound.text('5491122334455', 'hi'))))).toEqual([]);
  });
});

describe('parseWebhook: hostile bodies', () => {
  it.each([
    ['not JSON', '{"event": '],
    ['a JSON array', [1, 2]],
    ['no event', { instance: 'shop', data: {} }],
    ['a non-string event', { event: 42, data: {} }],
  ])('%s → ChannelError bad_request', (_n, body) => {
    const err = (() => {
      try {
        driver.parseWebhook(conn, hook(body));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ChannelError);
    expect((err as ChannelError).reason).toBe('bad_request');
  });

  it('refuses oversized bodies and huge batches', () => {
    expect(() => driver.parseWebhook(conn, hook(Buffer.alloc(5 * 1024 * 1024 + 1, 32)))).toThrow(ChannelError);
    expect(() => parse('messages.upsert', Array.from({ length: 1001 }, () => ({})))).toThrow(ChannelError);
  });

  it('wrong types and missing fields never throw a TypeError, and a valid message among them survives', () => {
    const junk: unknown[] = [
      null, 1, 'x', [], {}, { key: null }, { key: {}, message: {} }, { key: { id: 5, remoteJid: {} }, message: { conversation: 1 } },
      { key: { id: 'a', remoteJid: '5491122334455@s.whatsapp.net' }, message: { imageMessage: 'nope' } },
      { key: { id: 'b', remoteJid: 'garbage' }, message: { conversation: 'hi' } },
      { key: { id: 'c', remoteJid: '5491122334455@s.whatsapp.net' }, message: { locationMessage: { degreesLatitude: 'x' } } },
      { key: { id: 'd', remoteJid: '5491122334455@s.whatsapp.net' }, message: { interactiveResponseMessage: { nativeFlowResponseMessage: { paramsJson: '{bad json' } } } },
      { key: { id: 'e', remoteJid: '5491122334455@s.whatsapp.net' }, message: { conversation: 'ok' }, messageTimestamp: { low: 'x' } },
      inbound.text('5491122334455', 'still here', { id: 'VALID' }),
    ];
    const events = parse('messages.upsert', junk);
    expect(events.map((e) => (e.kind === 'message' ? e.providerMessageId : null))).toEqual(['a', 'c', 'd', 'e', 'VALID']);
    expect(events[0]).toMatchObject({ content: { type: 'media', media: { kind: 'image' } } });
    expect(events[1]).toMatchObject({ content: { type: 'unsupported', providerType: 'locationMessage' } });
    expect(events[3]).toMatchObject({ timestamp: NOW });
    for (const d of [null, 1, 'x', {}, { keyId: {} }, { keyId: 'k', status: {} }]) expect(parse('messages.update', d)).toEqual([]);
    for (const d of [null, { state: 5 }, { qrcode: 'x' }, { qrcode: { code: 'x'.repeat(5000) } }]) {
      expect(parse('connection.update', d)).toEqual([]);
      expect(parse('qrcode.updated', d)).toEqual([]);
    }
  });
});
