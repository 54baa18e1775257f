/**
 * The Baileys driver against a local WhatsApp stand-in (test/fakes/baileys-whatsapp.ts): real
 * worker threads running real Baileys sockets through the Noise handshake to the QR stage; drops,
 * backoff and the breaker; crashes and out-of-memory in a worker; the socket cap; sends refused
 * before pairing. What needs a phone (pairing, login, real sends) cannot run offline.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startBaileysFake, type BaileysFake } from '../../../../../test/fakes/baileys-whatsapp.js';
import { ChannelError, type ConnectionContext, type InboundEvent } from '../types.js';
import { memoryAuthStore } from './auth-store.js';
import { baileysDriver, type BaileysDriver, type BaileysDriverOptions } from './driver.js';

let fake: BaileysFake | undefined;
let driver: BaileysDriver | undefined;
afterEach(async () => {
  await driver?.close();
  await fake?.close();
  driver = fake = undefined;
});

const conn = (id = 'chn_baileys1'): ConnectionContext => ({ id, tenantId: 'ten_a', botId: 'bot_a', credentials: {}, settings: {}, fetch: globalThis.fetch, webhookUrl: 'https://example.test/hooks/whatsapp/x' });

function make(over: Partial<BaileysDriverOptions> = {}) {
  const events: { conn: string; ev: InboundEvent }[] = [];
  const store = memoryAuthStore();
  driver = baileysDriver({
    store,
    onEvent: (c, ev) => events.push({ conn: c.id, ev }),
    wsUrl: fake?.url,
    trustServerKey: fake?.rootPublicKey,
    testHooks: true,
    connectTimeoutMs: 5_000,
    openWaitMs: 15_000,
    backoff: { baseMs: 50, maxMs: 400 },
    breaker: { maxFailures: 4, windowMs: 60_000 },
    ...over,
  });
  return { driver, events, store };
}

const states = (events: { ev: InboundEvent }[]) => events.filter((e) => e.ev.kind === 'connection').map((e) => (e.ev as { state: string }).state);

describe('baileys driver: to the QR stage through a real Noise handshake', () => {
  it('connect starts a worker whose socket completes the handshake and returns the first QR', async () => {
    fake = await startBaileysFake();
    const { driver, events, store } = make();
    const r = await driver.connect!(conn(), { signal: AbortSignal.timeout(20_000) });
    expect(r.state).toBe('qr');
    expect(r.qr).toMatch(/^https:\/\/wa\.me\/settings\/linked_devices#2@fake-ref-one,/);
    expect(fake.handshakes).toHaveLength(1);
    // A registration payload (a new device), not a login.
    expect(fake.handshakes[0]!.clientPayload.username).toBeFalsy();
    expect(fake.handshakes[0]!.clientPayload.devicePairingData).toBeTruthy();
    // The client answered the pair-device iq.
    expect(fake.received.some((n) => n.tag === 'iq' && n.attrs.type === 'result' && n.attrs.id === 'pair-1')).toBe(true);
    expect(states(events)).toEqual(['connecting', 'qr']);
    // The creds the worker made were saved through the main thread (the worker has no database).
    expect(store.size('ten_a', 'chn_baileys1')).toBeGreaterThan(0);
    expect(driver.activeSockets()).toBe(1);
  });
});
