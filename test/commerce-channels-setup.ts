/**
 * The app for the end-to-end channel tests: the REAL drivers (Meta, Twilio, Evolution, Baileys as
 * registered in src/app.ts) against their local fakes, the app listening on 127.0.0.1 so the
 * fakes can call its webhooks (Twilio signs the URL it calls; Evolution posts to the URL it was
 * configured with), provider base URLs given as the `base_url` credential and the fakes'
 * host:port in PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS. Helpers read conversations, messages and rows.
 */
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { createTestApp, type TestApp } from './harness.js';
import { commerceClient, waitFor, type Conversation, type Message } from './commerce-helpers.js';
import { startFakeMeta, type FakeMeta } from './fakes/meta-whatsapp.js';
import { startFakeTwilio, type FakeTwilio } from './fakes/twilio-whatsapp.js';
import { startFakeEvolution, type FakeEvolution } from './fakes/evolution-api.js';

export type Bot = { id: string; connections: { id: string; provider: string; unofficial: boolean; webhook_url: string }[] };

export async function channelsApp(opts: { metaNumbers: string[]; twilio?: boolean; evolution?: boolean }) {
  const metas = await Promise.all(opts.metaNumbers.map((n) => startFakeMeta({ phoneNumberId: n })));
  const twilio = opts.twilio ? await startFakeTwilio() : undefined;
  const evolution = opts.evolution ? await startFakeEvolution() : undefined;
  const fakes: { url: string; close: () => Promise<void> }[] = [...metas, ...(twilio ? [twilio] : []), ...(evolution ? [evolution] : [])];
  const hosts = [...fakes.map((f) => f.url), ...(twilio ? [twilio.cdnUrl] : [])].map((u) => new URL(u).host).join(',');
  const t = await createTestApp({ env: { PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS: hosts } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  // These tests poll the API while jobs run: above the basic tier's requests a minute.
  await t.modules.tenants.tenants.updateTenant(t.tenantA.id, { tier: 'enterprise' });
  const api = commerceClient(t, () => t.tenantA.secretKey);

  const rows = async <T>(q: ReturnType<typeof sql>) => ((await t.deps.db.execute(q)) as unknown as { rows: T[] }).rows;
  const conversationsOf = async (botId: string) => (await api.json<{ data: Conversation[] }>('GET', `/v1/conversations?bot_id=${botId}&limit=20`)).data;
  const convOf = (botId: string) => waitFor(async () => (await conversationsOf(botId))[0], `a conversation of ${botId}`);
  const messagesOf = async (cid: string) => (await api.json<{ data: Message[] }>('GET', `/v1/conversations/${cid}/messages?limit=100`)).data;
  /** Wait for a message (by id) to match `ok`. */
  const messageWhen = (cid: string, id: string, ok: (m: Message) => boolean, what: string) =>
    waitFor(async () => (await messagesOf(cid)).find((m) => m.id === id && ok(m)), what);
  const settled = (cid: string, id: string) => messageWhen(cid, id, (m) => m.status !== 'queued', `message ${id} settled`);
  const providerIdOf = async (messageId: string) => (await rows<{ p: string }>(sql`select provider_message_id as p from commerce_messages where id = ${messageId}`))[0]!.p;
  const newBot = (body: Record<string, unknown>) => api.json<Bot>('POST', '/v1/bots', { name: `bot ${Math.random().toString(36).slice(2, 8)}`, ...body }, 201);
  const hookUrl = (connectionId: string) => `${base}/hooks/whatsapp/${connectionId}`;

  return {
    t,
    api,
    base,
    metas,
    twilio: twilio as FakeTwilio,
    evolution: evolution as FakeEvolution,
    rows,
    conversationsOf,
    convOf,
    messagesOf,
    messageWhen,
    settled,
    providerIdOf,
    newBot,
    hookUrl,
    /** Seconds since the epoch on the app's clock (inbound timestamps follow it, so the window does too). */
    nowS: () => Math.floor(t.clock.now() / 1000),
    close: async () => {
      await t?.close();
      await Promise.all(fakes.map((f) => f.close()));
    },
  };
}

export type ChannelsApp = Awaited<ReturnType<typeof channelsApp>>;
export type { TestApp, FakeMeta };
