/**
 * The pure mappings, no socket: WAMessage protos (built with proto.Message.fromObject) →
 * inbound events, message updates → statuses, connection updates → connection events and
 * restart decisions, outbound content → what sendMessage takes (menus, templates, refusals),
 * JIDs, and the numbered-menu memory.
 */
import { describe, expect, it } from 'vitest';
import { proto, type WAMessage } from 'baileys';
import { ChannelError } from '../types.js';
import { closeOutcome, mapConnectionUpdate } from './connection.js';
import { sendError } from './driver.js';
import { mapUpdate, mapUpsert, phoneOfJid } from './inbound.js';
import { MenuMemory } from './menu.js';
import { jidOf, renderTemplate, toWire } from './outbound.js';

const NOW = new Date('2026-01-02T03:04:05Z');
const wa = (message: Record<string, unknown>, key: Partial<WAMessage['key']> = {}, extra: Partial<WAMessage> = {}): WAMessage => ({
  key: { remoteJid: '5491122334455@s.whatsapp.net', fromMe: false, id: 'ABCD1234', ...key },
  message: proto.Message.fromObject(message),
  messageTimestamp: 1767323045,
  pushName: 'Ana',
  ...extra,
});

describe('inbound: WAMessage → InboundEvent', () => {
  it('text (conversation and extended, with a quote), sender phone, name and time', () => {
    expect(mapUpsert(wa({ conversation: 'hola' }), NOW)).toEqual({
      kind: 'message',
      providerMessageId: 'ABCD1234',
      from: { phone: '+5491122334455', providerId: '5491122334455@s.whatsapp.net', name: 'Ana' },
      timestamp: new Date(1767323045 * 1000),
      content: { type: 'text', text: 'hola' },
      replyToProviderMessageId: undefined,
    });
    const ext = mapUpsert(wa({ extendedTextMessage: { text: 'that one', contextInfo: { stanzaId: 'QUOTED1' } } }), NOW);
    expect(ext).toMatchObject({ content: { type: 'text', text: 'that one' }, replyToProviderMessageId: 'QUOTED1' });
  });

  it('@lid senders keep their JID; the phone comes from remoteJidAlt when WhatsApp gives it', () => {
    expect(mapUpsert(wa({ conversation: 'x' }, { remoteJid: '123456789012345@lid' }), NOW)).toMatchObject({ from: { providerId: '123456789012345@lid', phone: undefined } });
    expect(mapUpsert(wa({ conversation: 'x' }, { remoteJid: '123456789012345@lid', remoteJidAlt: '5491100000000@s.whatsapp.net' }), NOW)).toMatchObject({ from: { providerId: '123456789012345@lid', phone: '+5491100000000' } });
  });

  it('media of each kind (wrapped in ephemeral / view-once too), with caption, type, filename and sha256', () => {
    const img = mapUpsert(wa({ ephemeralMessage: { message: { imageMessage: { caption: 'look', mimetype: 'image/jpeg', fileSha256: Buffer.from([0xab, 0xcd]) } } } }), NOW);
    expect(img).toMatchObject({ content: { type: 'media', media: { kind: 'image', caption: 'look', contentType: 'image/jpeg', sha256: 'abcd', providerMediaId: 'ABCD1234' } } });
    expect(mapUpsert(wa({ viewOnceMessageV2: { message: { videoMessage: { mimetype: 'video/mp4' } } } }), NOW)).toMatchObject({ content: { media: { kind: 'video' } } });
    expect(mapUpsert(wa({ audioMessage: { mimetype: 'audio/ogg; codecs=opus', ptt: true } }), NOW)).toMatchObject({ content: { media: { kind: 'audio' } } });
    expect(mapUpsert(wa({ documentMessage: { mimetype: 'application/pdf', fileName: 'order.pdf' } }), NOW)).toMatchObject({ content: { media: { kind: 'document', filename: 'order.pdf' } } });
    expect(mapUpsert(wa({ stickerMessage: { mimetype: 'image/webp' } }), NOW)).toMatchObject({ content: { media: { kind: 'sticker' } } });
  });

  it('button, template-button, list and native-flow replies; location; order; reaction as unsupported', () => {
    expect(mapUpsert(wa({ buttonsResponseMessage: { selectedButtonId: 'buy', selectedDisplayText: 'Buy' } }), NOW)).toMatchObject({ content: { type: 'button_reply', id: 'buy', title: 'Buy' } });
    expect(mapUpsert(wa({ templateButtonReplyMessage: { selectedId: 'stop', selectedDisplayText: 'Stop' } }), NOW)).toMatchObject({ content: { type: 'button_reply', id: 'stop', title: 'Stop' } });
    expect(mapUpsert(wa({ listResponseMessage: { title: 'Red', description: 'M', singleSelectReply: { selectedRowId: 'sku_red' } } }), NOW)).toMatchObject({ content: { type: 'list_reply', id: 'sku_red', title: 'Red', description: 'M' } });
    expect(mapUpsert(wa({ interactiveResponseMessage: { body: { text: 'Yes' }, nativeFlowResponseMessage: { name: 'quick_reply', paramsJson: '{"id":"yes"}' } } }), NOW)).toMatchObject({ content: { type: 'button_reply', id: 'yes', title: 'Yes' } });
    expect(mapUpsert(wa({ interactiveResponseMessage: { nativeFlowResponseMessage: { paramsJson: 'not json' } } }), NOW)).toMatchObject({ content: { type: 'button_reply', id: '' } });
    expect(mapUpsert(wa({ locationMessage: { degreesLatitude: -34.6, degreesLongitude: -58.4, name: 'Shop', address: 'Av 1' } }), NOW)).toMatchObject({ content: { type: 'location', latitude: -34.6, longitude: -58.4, name: 'Shop', address: 'Av 1' } });
    expect(mapUpsert(wa({ orderMessage: { orderId: '1', itemCount: 2, message: 'my cart' } }), NOW)).toMatchObject({ content: { type: 'order', text: 'my cart', items: [] } });
    expect(mapUpsert(wa({ reactionMessage: { text: '👍', key: { id: 'X' } } }), NOW)).toMatchObject({ content: { type: 'unsupported', providerType: 'reactionMessage' } });
  });

  it('skips our own echoes, groups, broadcasts, stories, protocol messages, decrypt stubs and hostile shapes', () => {
    expect(mapUpsert(wa({ conversation: 'x' }, { fromMe: true }), NOW)).toBeNull();
    expect(mapUpsert(wa({ conversation: 'x' }, { remoteJid: '1203630@g.us' }), NOW)).toBeNull();
    expect(mapUpsert(wa({ conversation: 'x' }, { remoteJid: 'status@broadcast' }), NOW)).toBeNull();
    expect(mapUpsert(wa({ conversation: 'x' }, { remoteJid: '123@newsletter' }), NOW)).toBeNull();
    expect(mapUpsert(wa({ protocolMessage: { type: 0 } }), NOW)).toBeNull();
    expect(mapUpsert({ ...wa({}), message: null, messageStubType: proto.WebMessageInfo.StubType.CIPHERTEXT }, NOW)).toBeNull();
    expect(mapUpsert({ key: {} } as WAMessage, NOW)).toBeNull();
    expect(mapUpsert({ key: { remoteJid: 42, id: 7 } } as unknown as WAMessage, NOW)).toBeNull();
    // A missing or absurd timestamp falls back to now.
    expect(mapUpsert(wa({ conversation: 'x' }, {}, { messageTimestamp: undefined }), NOW)).toMatchObject({ timestamp: NOW });
    expect(mapUpsert(wa({ conversation: 'x' }, {}, { messageTimestamp: 1e15 }), NOW)).toMatchObject({ timestamp: NOW });
    expect(phoneOfJid('5491122334455:12@s.whatsapp.net')).toBe('+5491122334455');
    expect(phoneOfJid('abc@s.whatsapp.net')).toBeUndefined();
  });

  it('message updates of our sends → sent / delivered / read / failed; other updates ignored', () => {
    const u = (status: number | undefined, fromMe = true) => mapUpdate({ key: { remoteJid: '5491122334455@s.whatsapp.net', fromMe, id: 'OUT1' }, update: { status } }, NOW);
    expect(u(proto.WebMessageInfo.Status.SERVER_ACK)).toEqual({ kind: 'status', providerMessageId: 'OUT1', status: 'sent', timestamp: NOW, recipient: { phone: '+5491122334455', providerId: '5491122334455@s.whatsapp.net', name: undefined }, error: undefined });
    expect(u(proto.WebMessageInfo.Status.DELIVERY_ACK)).toMatchObject({ status: 'delivered' });
    expect(u(proto.WebMessageInfo.Status.READ)).toMatchObject({ status: 'read' });
    expect(u(proto.WebMessageInfo.Status.PLAYED)).toMatchObject({ status: 'read' });
    expect(u(proto.WebMessageInfo.Status.ERROR)).toMatchObject({ status: 'failed', error: { reason: 'undeliverable' } });
    expect(u(proto.WebMessageInfo.Status.PENDING)).toBeNull();
    expect(u(undefined)).toBeNull();
    expect(u(proto.WebMessageInfo.Status.READ, false)).toBeNull();
  });
});

describe('connection updates', () => {
  const boom = (statusCode: number, message = 'x') => Object.assign(new Error(message), { output: { statusCode } });
  it('qr, connecting, open, and each kind of close with what to do next', () => {
    expect(mapConnectionUpdate({ qr: 'Q' })).toEqual({ event: { kind: 'connection', state: 'qr', qr: 'Q' } });
    expect(mapConnectionUpdate({ connection: 'connecting' })!.event.state).toBe('connecting');
    expect(mapConnectionUpdate({ connection: 'open' })!.event.state).toBe('open');
    expect(mapConnectionUpdate({ isOnline: true })).toBeNull();
    const close = (code: number) => mapConnectionUpdate({ connection: 'close', lastDisconnect: { error: boom(code), date: NOW } })!;
    expect(close(401)).toMatchObject({ event: { state: 'logged_out' }, restart: 'never', clearAuth: true });
    expect(close(403)).toMatchObject({ event: { state: 'logged_out' }, restart: 'never', clearAuth: true });
    expect(close(440)).toMatchObject({ event: { state: 'closed' }, restart: 'never' });
    expect(close(440).clearAuth).toBeUndefined();
    expect(close(515)).toMatchObject({ event: { state: 'connecting' }, restart: 'now' });
    expect(close(428)).toMatchObject({ event: { state: 'closed' }, restart: 'backoff' });
    expect(closeOutcome(undefined, 'gone')).toMatchObject({ restart: 'backoff', event: { detail: 'no code: gone' } });
  });

  it('send failures → ChannelError reasons', () => {
    expect(sendError({ statusCode: 429, message: 'rate-overlimit' })).toMatchObject({ reason: 'rate_limited', opts: { retryAfterMs: 60_000, providerCode: '429' } });
    expect(sendError({ statusCode: 401, message: 'x' })).toMatchObject({ reason: 'auth' });
    expect(sendError({ statusCode: 428, message: 'Connection Closed' })).toMatchObject({ reason: 'unavailable' });
    expect(sendError({ statusCode: 408, message: 'Timed Out' })).toMatchObject({ reason: 'timeout' });
    expect(sendError({ statusCode: 406, message: 'not-acceptable' })).toMatchObject({ reason: 'bad_request' });
    expect(sendError({ message: 'weird' })).toMatchObject({ reason: 'unknown' });
    expect(sendError(null)).toBeInstanceOf(ChannelError);
  });
});

describe('outbound content', () => {
  it('text and media (bytes or https url) as sendMessage takes them', () => {
    expect(toWire({ type: 'text', text: 'hi' }).wire).toEqual({ text: 'hi' });
    const bytes = Buffer.from([1, 2, 3]);
    expect(toWire({ type: 'media', media: { kind: 'image', bytes, caption: 'c', contentType: 'image/png' } }).wire).toEqual({ image: new Uint8Array(bytes), caption: 'c', mimetype: 'image/png' });
    expect(toWire({ type: 'media', media: { kind: 'document', url: 'https://s.example/a.pdf', filename: 'a.pdf' } }).wire).toEqual({ document: { url: 'https://s.example/a.pdf' }, mimetype: 'application/octet-stream', fileName: 'a.pdf', caption: undefined });
    expect(toWire({ type: 'media', media: { kind: 'audio', url: 'https://s.example/a.ogg' } }).wire).toMatchObject({ audio: { url: 'https://s.example/a.ogg' }, mimetype: 'audio/ogg; codecs=opus' });
    expect(() => toWire({ type: 'media', media: { kind: 'image', url: 'http://s.example/a.jpg' } })).toThrow(/https/);
    expect(() => toWire({ type: 'media', media: { kind: 'image' } })).toThrow(ChannelError);
  });

  it('buttons and lists as numbered menus with their options; cta_url as text with the link', () => {
    const b = toWire({ type: 'buttons', header: 'Shop', body: 'What now?', footer: 'Reply with a number', buttons: [{ id: 'buy', title: 'Buy' }, { id: 'agent', title: 'Talk to us' }] });
    expect(b.wire).toEqual({ text: '*Shop*\nWhat now?\n\n1. Buy\n2. Talk to us\n\n_Reply with a number_' });
    expect(b.menu).toEqual([{ id: 'buy', title: 'Buy', kind: 'button_reply' }, { id: 'agent', title: 'Talk to us', kind: 'button_reply' }]);
    const l = toWire({ type: 'list', body: 'Pick', button: 'See', sections: [{ title: 'Tops', rows: [{ id: 'r1', title: 'Tee', description: 'cotton' }] }, { title: 'Shoes', rows: [{ id: 'r2', title: 'Boot' }] }] });
    expect(l.wire).toEqual({ text: 'Pick\n\n*Tops*\n1. Tee — cotton\n*Shoes*\n2. Boot' });
    expect(l.menu!.map((o) => o.id)).toEqual(['r1', 'r2']);
    expect(toWire({ type: 'cta_url', body: 'Your order', displayText: 'Pay', url: 'https://pay.example/o/1' }).wire).toEqual({ text: 'Your order\n\nPay: https://pay.example/o/1' });
  });

  it('templates rendered as text; marketing and catalog products refused', () => {
    expect(renderTemplate('Hi {{1}}, order {{ 2 }} ships {{3}}', ['Ana', 'ord_1'])).toBe('Hi Ana, order ord_1 ships {{3}}');
    expect(toWire({ type: 'template', template: { name: 'shipped', language: 'es', category: 'utility', params: ['Ana'], body: 'Hola {{1}}' } }).wire).toEqual({ text: 'Hola Ana' });
    expect(() => toWire({ type: 'template', template: { name: 'promo', language: 'es', category: 'marketing', params: [], body: 'Sale!' } })).toThrow(expect.objectContaining({ reason: 'unsupported' }));
    expect(() => toWire({ type: 'template', template: { name: 't', language: 'es', category: 'utility', params: [] } })).toThrow(expect.objectContaining({ reason: 'template' }));
    expect(() => toWire({ type: 'product_list', header: 'h', body: 'b', catalogId: 'c', sections: [] })).toThrow(expect.objectContaining({ reason: 'unsupported' }));
  });

  it('JIDs: phone digits @s.whatsapp.net, @lid kept, c.us normalised, nonsense refused', () => {
    expect(jidOf({ phone: '+54 9 11 2233-4455' })).toBe('5491122334455@s.whatsapp.net');
    expect(jidOf({ providerId: '123456789012345@lid', phone: '+5491122334455' })).toBe('123456789012345@lid');
    expect(jidOf({ providerId: '5491122334455@c.us' })).toBe('5491122334455@s.whatsapp.net');
    expect(jidOf({ providerId: 'whatsapp:+5491122334455' })).toBe('5491122334455@s.whatsapp.net');
    expect(() => jidOf({})).toThrow(expect.objectContaining({ reason: 'bad_request' }));
    expect(() => jidOf({ providerId: '1203630@g.us' })).toThrow(ChannelError);
  });
});

describe('numbered menu memory', () => {
  it('maps "2" or the title to the reply once, per chat, within the TTL, bounded', () => {
    let now = 0;
    const m = new MenuMemory(2, 1000, () => now);
    m.remember('a@s.whatsapp.net', toWire({ type: 'buttons', body: 'b', buttons: [{ id: 'x', title: 'Ex' }, { id: 'y', title: 'Why' }] }).menu!);
    expect(m.resolve('b@s.whatsapp.net', { type: 'text', text: '2' })).toEqual({ type: 'text', text: '2' });
    expect(m.resolve('a@s.whatsapp.net', { type: 'text', text: ' 2 ' })).toEqual({ type: 'button_reply', id: 'y', title: 'Why' });
    expect(m.resolve('a@s.whatsapp.net', { type: 'text', text: '2' })).toEqual({ type: 'text', text: '2' });
    m.remember('a@s.whatsapp.net', toWire({ type: 'list', body: 'b', button: 'B', sections: [{ rows: [{ id: 'r1', title: 'Red' }] }] }).menu!);
    expect(m.resolve('a@s.whatsapp.net', { type: 'text', text: 'red' })).toMatchObject({ type: 'list_reply', id: 'r1' });
    m.remember('a@s.whatsapp.net', [{ id: 'z', title: 'Zed', kind: 'button_reply' }]);
    expect(m.resolve('a@s.whatsapp.net', { type: 'text', text: '9' })).toEqual({ type: 'text', text: '9' });
    now = 2000;
    expect(m.resolve('a@s.whatsapp.net', { type: 'text', text: '1' })).toEqual({ type: 'text', text: '1' });
    for (const j of ['1', '2', '3']) m.remember(`${j}@s.whatsapp.net`, [{ id: j, title: j, kind: 'button_reply' }]);
    expect(m.resolve('1@s.whatsapp.net', { type: 'text', text: '1' })).toEqual({ type: 'text', text: '1' });
    expect(m.resolve('3@s.whatsapp.net', { type: 'text', text: '1' })).toMatchObject({ type: 'button_reply', id: '3' });
  });
});
