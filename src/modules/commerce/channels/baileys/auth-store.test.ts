/**
 * The database auth state on the real database (PGlite, or PostgreSQL with DATABASE_URL):
 * Baileys' fresh credentials saved and reloaded equal with their Buffers intact, Signal keys
 * set / read / deleted, app-state keys revived as protos, tenants kept apart, cleared on logout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initAuthCreds, proto } from 'baileys';
import { createTestApp, type TestApp } from '../../../../../test/harness.js';
import { dbAuthStore } from './auth-store.js';
import { countAuthRows } from './repository.js';
import { storePort, useDbAuthState } from './use-db-auth-state.js';
import { baileysDriver } from './driver.js';
import { startBaileysFake } from '../../../../../test/fakes/baileys-whatsapp.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ seed: false });
});
afterAll(async () => {
  await t?.close();
});

describe('baileys auth state in the database', () => {
  it('fresh creds are saved at once and reload equal, Buffers intact', async () => {
    const store = dbAuthStore(t.deps.db);
    const first = await useDbAuthState(storePort(store, 'ten_a', 'chn_1'));
    expect(await countAuthRows(t.deps.db, 'ten_a', 'chn_1')).toBe(1);
    first.state.creds.registered = true;
    first.state.creds.me = { id: '5491122334455:3@s.whatsapp.net', name: 'Shop' };
    await first.saveCreds();
    const again = await useDbAuthState(storePort(store, 'ten_a', 'chn_1'));
    expect(again.state.creds).toEqual(first.state.creds);
    expect(Buffer.isBuffer(again.state.creds.noiseKey.private)).toBe(true);
    expect(Buffer.from(again.state.creds.signedIdentityKey.public).equals(Buffer.from(first.state.creds.signedIdentityKey.public))).toBe(true);
    expect(Buffer.from(again.state.creds.signedPreKey.signature).equals(Buffer.from(first.state.creds.signedPreKey.signature))).toBe(true);
    expect(again.state.creds.registered).toBe(true);
    // A different initAuthCreds is different (the comparison above can fail).
    expect(Buffer.from(initAuthCreds().noiseKey.private).equals(Buffer.from(again.state.creds.noiseKey.private))).toBe(false);
  });

  it('keys: set, get (missing ids absent), overwrite, delete with null, app-state keys as protos', async () => {
    const store = dbAuthStore(t.deps.db);
    const { state } = await useDbAuthState(storePort(store, 'ten_a', 'chn_2'));
    const pre = { public: Buffer.from([1, 2, 3]), private: Buffer.from([4, 5, 6]) };
    await state.keys.set({ 'pre-key': { '1': pre, '2': { public: Buffer.from([9]), private: Buffer.from([8]) } }, session: { 'a.0': Buffer.from('session-bytes') } });
    const got = await state.keys.get('pre-key', ['1', '2', '3']);
    expect(Object.keys(got).sort()).toEqual(['1', '2']);
    expect(Buffer.isBuffer(got['1']!.public)).toBe(true);
    expect(got['1']).toEqual(pre);
    expect(Buffer.from((await state.keys.get('session', ['a.0']))['a.0']!).toString()).toBe('session-bytes');
    await state.keys.set({ 'pre-key': { '1': null, '2': { public: Buffer.from([7]), private: Buffer.from([7]) } } });
    const after = await state.keys.get('pre-key', ['1', '2']);
    expect(after['1']).toBeUndefined();
    expect(Buffer.from(after['2']!.public)).toEqual(Buffer.from([7]));
    await state.keys.set({ 'app-state-sync-key': { k1: { keyData: Buffer.from([1, 1]), timestamp: 5 } } });
    const ask = await state.keys.get('app-state-sync-key', ['k1']);
    expect(ask.k1).toBeInstanceOf(proto.Message.AppStateSyncKeyData);
    expect(Buffer.from(ask.k1!.keyData!)).toEqual(Buffer.from([1, 1]));
    // Many ids at once (a session fan-out) in one call.
    const many = Object.fromEntries(Array.from({ length: 700 }, (_, i) => [`s${i}`, Buffer.from([i % 256])]));
    await state.keys.set({ session: many });
    expect(Object.keys(await state.keys.get('session', Object.keys(many)))).toHaveLength(700);
  });

  it('tenants are kept apart and clear (logout) removes only that connection', async () => {
    const store = dbAuthStore(t.deps.db);
    const a = await useDbAuthState(storePort(store, 'ten_a', 'chn_3'));
    await a.state.keys.set({ session: { x: Buffer.from('a') } });
    const otherTenant = await useDbAuthState(storePort(store, 'ten_b', 'chn_3'));
    expect(await otherTenant.state.keys.get('session', ['x'])).toEqual({});
    // ten_b cannot overwrite ten_a's row of the same connection id.
    await otherTenant.state.keys.set({ session: { x: Buffer.from('b') } });
    expect(Buffer.from((await a.state.keys.get('session', ['x'])).x!).toString()).toBe('a');
    const kept = await useDbAuthState(storePort(store, 'ten_a', 'chn_keep'));
    await a.clear();
    expect(await countAuthRows(t.deps.db, 'ten_a', 'chn_3')).toBe(0);
    expect(await countAuthRows(t.deps.db, 'ten_a', 'chn_keep')).toBe(1);
    expect(kept.state.creds).toBeTruthy();
  });
});

describe('the worker reaches the database only through the main thread', () => {
  it('a worker socket saves its device keys in the database; a restarted worker shows a QR with the same keys', async () => {
    const fake = await startBaileysFake();
    const driver = baileysDriver({ store: dbAuthStore(t.deps.db), onEvent: () => undefined, wsUrl: fake.url, trustServerKey: fake.rootPublicKey, openWaitMs: 15_000 });
    const c = { id: 'chn_db', tenantId: 'ten_a', botId: 'bot_a', credentials: {}, settings: {}, fetch: globalThis.fetch, webhookUrl: 'https://x.test/h' };
    try {
      const first = await driver.connect!(c, { signal: AbortSignal.timeout(20_000) });
      expect(first.state).toBe('qr');
      expect(await countAuthRows(t.deps.db, 'ten_a', 'chn_db')).toBeGreaterThan(0);
      await driver.stop('chn_db');
      const second = await driver.connect!(c, { signal: AbortSignal.timeout(20_000) });
      // QR = ref,noiseKey,identityKey,advSecret,platform: same device keys, read back from the database.
      expect(second.qr!.split(',').slice(1)).toEqual(first.qr!.split(',').slice(1));
      expect(fake.handshakes[1]!.clientStaticKey).toEqual(fake.handshakes[0]!.clientStaticKey);
      await driver.disconnect!(c);
      expect(await countAuthRows(t.deps.db, 'ten_a', 'chn_db')).toBe(0);
    } finally {
      await driver.close();
      await fake.close();
    }
  });
});
