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

describe('baileys driver: drops, restarts, the breaker', () => {
  it('a server that drops the socket: connecting → closed, restarts with growing delays, then the breaker stops it', async () => {
    fake = await startBaileysFake({ mode: 'drop' });
    const { driver, events } = make({ backoff: { baseMs: 100, maxMs: 400 }, breaker: { maxFailures: 4, windowMs: 60_000 } });
    const started = Date.now();
    const r = await driver.connect!(conn(), { signal: AbortSignal.timeout(20_000) });
    expect(r.state).toBe('closed');
    const took = Date.now() - started;
    const s = driver.status('chn_baileys1')!;
    expect(s.breakerOpen).toBe(true);
    expect(s.detail).toMatch(/breaker open: 4 failures/);
    expect(s.restarts).toBe(3);
    expect(fake.connections).toBe(4);
    // Backoff 100 + 200 + 400 ms at least between the four attempts.
    expect(took).toBeGreaterThanOrEqual(700);
    expect(states(events).filter((x) => x === 'connecting').length).toBe(4);
    expect(states(events).at(-1)).toBe('closed');
    expect(driver.activeSockets()).toBe(0);
    // No restart after the breaker opened.
    await new Promise((r) => setTimeout(r, 600));
    expect(fake.connections).toBe(4);
    // Health says why; sends are refused until someone connects again.
    const h = await driver.health(conn(), AbortSignal.timeout(1000));
    expect(h.ok).toBe(false);
    expect(h.detail).toMatch(/breaker open/);
    await expect(driver.send(conn(), { to: { phone: '+5491122334455' }, content: { type: 'text', text: 'hi' }, messageId: 'msg_1', signal: AbortSignal.timeout(5000) })).rejects.toMatchObject({ reason: 'unavailable' });
    // connect resets the breaker: the server is back.
    fake.mode = 'qr';
    const again = await driver.connect!(conn(), { signal: AbortSignal.timeout(20_000) });
    expect(again.state).toBe('qr');
  });

  it('QR refs running out does not loop: the unpaired socket stays closed', async () => {
    fake = await startBaileysFake({ refs: ['2@only-one'] });
    const { driver, events } = make({ qrTimeoutMs: 300 });
    const r = await driver.connect!(conn(), { signal: AbortSignal.timeout(20_000) });
    expect(r.state).toBe('qr');
    const s = await waitUntil(() => driver.status('chn_baileys1')!.running === false, 10_000);
    expect(s).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(fake.connections).toBe(1);
    expect(states(events).at(-1)).toBe('closed');
    expect(driver.activeSockets()).toBe(0);
  });
});

describe('baileys driver: a worker that crashes never takes the process down', () => {
  it('an uncaught exception inside the worker: the main thread keeps serving, the worker is restarted', async () => {
    fake = await startBaileysFake();
    const { driver, events } = make();
    await driver.connect!(conn(), { signal: AbortSignal.timeout(20_000) });
    driver.poke('chn_baileys1', 'throw-async');
    expect(await waitUntil(() => fake!.connections === 2 && driver.status('chn_baileys1')!.state === 'qr', 15_000)).toBe(true);
    const crash = events.find((e) => e.ev.kind === 'connection' && e.ev.state === 'closed')!.ev as { detail?: string };
    expect(crash.detail).toMatch(/the worker crashed \(Error: test hook: an uncaught exception/);
    expect(driver.status('chn_baileys1')!.restarts).toBe(1);
  });

  it('a worker that allocates until its heap cap is killed by resourceLimits and restarted', async () => {
    fake = await startBaileysFake();
    const { driver, events } = make({ heapMb: 64 });
    await driver.connect!(conn(), { signal: AbortSignal.timeout(20_000) });
    const before = process.memoryUsage().heapUsed;
    driver.poke('chn_baileys1', 'oom');
    expect(await waitUntil(() => fake!.connections === 2 && driver.status('chn_baileys1')!.state === 'qr', 30_000)).toBe(true);
    const crash = events.find((e) => e.ev.kind === 'connection' && e.ev.state === 'closed')!.ev as { detail?: string };
    expect(crash.detail).toMatch(/ERR_WORKER_OUT_OF_MEMORY/);
    // The main thread's heap did not take the allocation.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(50 * 1024 * 1024);
  });

  it('a decrypt storm stops the socket and opens the breaker; health reports it', async () => {
    fake = await startBaileysFake();
    const { driver } = make({ decryptPerMinute: 50 });
    await driver.connect!(conn(), { signal: AbortSignal.timeout(20_000) });
    driver.poke('chn_baileys1', 'decrypt-errors', 20);
    await new Promise((r) => setTimeout(r, 400));
    expect(driver.status('chn_baileys1')!.breakerOpen).toBe(false);
    driver.poke('chn_baileys1', 'decrypt-errors', 40);
    expect(await waitUntil(() => driver.status('chn_baileys1')!.breakerOpen && !driver.status('chn_baileys1')!.running, 10_000)).toBe(true);
    expect(driver.status('chn_baileys1')!.detail).toMatch(/decrypt storm: 60 messages/);
    const h = await driver.health(conn(), AbortSignal.timeout(1000));
    expect(h).toMatchObject({ ok: false });
    expect(h.detail).toMatch(/decrypt storm/);
  });
});

describe('baileys driver: bounded sockets, sends, disconnect', () => {
  it('caps live sockets per process: a connection past the cap is refused (a QR socket is never evicted), a stopped one frees its place', async () => {
    fake = await startBaileysFake();
    const { driver } = make({ maxSockets: 1, idleMs: 60_000 });
    await driver.connect!(conn('chn_one'), { signal: AbortSignal.timeout(20_000) });
    await expect(driver.connect!(conn('chn_two'), { signal: AbortSignal.timeout(20_000) })).rejects.toMatchObject({ reason: 'unavailable' });
    expect(driver.activeSockets()).toBe(1);
    await driver.close();
    const { driver: d2 } = make({ maxSockets: 1, idleMs: 0 });
    await d2.connect!(conn('chn_one'), { signal: AbortSignal.timeout(20_000) });
    // A socket showing a QR is never evicted (someone may be scanning it)…
    await expect(d2.connect!(conn('chn_two'), { signal: AbortSignal.timeout(20_000) })).rejects.toMatchObject({ reason: 'unavailable' });
    // …a stopped one does not count.
    await d2.stop('chn_one');
    expect(d2.activeSockets()).toBe(0);
    expect((await d2.connect!(conn('chn_two'), { signal: AbortSignal.timeout(20_000) })).state).toBe('qr');
    expect(d2.activeSockets()).toBe(1);
  });

  it('a send to an unpaired device fails `auth` and does not leave a QR socket running; bad content fails before any socket', async () => {
    fake = await startBaileysFake();
    const { driver } = make();
    const send = (content: Parameters<BaileysDriver['send']>[1]['content'], to = { phone: '+54 9 11 2233-4455' }) => driver.send(conn(), { to, content, messageId: 'msg_1', signal: AbortSignal.timeout(20_000) });
    await expect(send({ type: 'product', catalogId: 'c', productRetailerId: 'p' })).rejects.toMatchObject({ reason: 'unsupported' });
    await expect(send({ type: 'text', text: 'hi' }, { phone: 'not a phone' })).rejects.toMatchObject({ reason: 'bad_request' });
    expect(fake.connections).toBe(0);
    const err = await send({ type: 'text', text: 'hi' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelError);
    expect(err).toMatchObject({ reason: 'auth', provider: 'baileys' });
    expect(fake.connections).toBe(1);
    expect(driver.status('chn_baileys1')!.running).toBe(false);
  });

  it('disconnect logs out, clears the auth state and reports logged_out', async () => {
    fake = await startBaileysFake();
    const { driver, events, store } = make();
    await driver.connect!(conn(), { signal: AbortSignal.timeout(20_000) });
    expect(store.size('ten_a', 'chn_baileys1')).toBeGreaterThan(0);
    await driver.disconnect!(conn());
    expect(store.size('ten_a', 'chn_baileys1')).toBe(0);
    expect(states(events).at(-1)).toBe('logged_out');
    expect(driver.activeSockets()).toBe(0);
    expect(await driver.health(conn(), AbortSignal.timeout(1000))).toMatchObject({ ok: false, detail: 'not paired' });
  });

  it('has no webhooks: verify rejects, parse throws bad_request; capabilities say unofficial', () => {
    const { driver } = make();
    const req = { method: 'POST' as const, url: 'https://x/hooks', query: {}, headers: {}, rawBody: Buffer.from('{}') };
    expect(driver.verifyWebhook(conn(), req)).toMatchObject({ action: 'reject', status: 403 });
    expect(() => driver.parseWebhook(conn(), req)).toThrow(ChannelError);
    expect(driver.capabilities(conn())).toEqual({ templates: false, buttons: false, lists: false, products: false, media: true, official: false });
    expect(() => driver.validateCredentials({ pairing_phone: 'abc' })).toThrow(/pairing_phone/);
    expect(() => driver.validateCredentials({ pairing_phone: '+54 911 2233 4455' })).not.toThrow();
  });
});

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return cond();
}
