/**
 * The Baileys linked-device driver (WhatsApp Web multi-device, unofficial: breaks WhatsApp's
 * terms, risks bans — a last-resort fallback, never for marketing). A `ChannelDriver` whose
 * sockets run one per connection in worker threads (supervisor.ts, worker.ts), started lazily
 * (on `connect` or the first send) and capped at `maxSockets` per process (the least recently
 * used idle one is stopped to make room; otherwise the send fails `unavailable`): 1,000 bots do
 * not mean 1,000 sockets. Auth state lives in the database (`store`), events arrive through
 * `onEvent` — there are no webhooks, so `verifyWebhook` rejects and `parseWebhook` throws.
 *
 * Capabilities: official false, templates false (utility/authentication bodies are rendered as
 * text, marketing refused), buttons and lists false (sent as numbered text menus whose numeric
 * answers come back as replies — see outbound.ts), products false (`unsupported`), media true.
 * Only one socket per connection in this process; across processes the commerce module must
 * route a connection to one node (not enforced here).
 */
import type { HealthResult } from '../../../../platform/providers/types.js';
import { ChannelError, type ChannelCapabilities, type ChannelDriver, type ConnectionContext, type InboundEvent, type InboundMedia } from '../types.js';
import type { AuthStore } from './auth-store.js';
import { jidOf, toWire } from './outbound.js';
import type { WorkerError } from './protocol.js';
import { DeviceSupervisor, type DeviceRef, type SupervisorOptions, type SupervisorStatus } from './supervisor.js';

export type BaileysDriverOptions = {
  store: AuthStore;
  onEvent: (conn: DeviceRef, event: InboundEvent) => void;
  log?: SupervisorOptions['log'];
  /** Sockets alive at once in this process. */
  maxSockets?: number | undefined;
  /** A socket unused this long may be stopped to make room for another. */
  idleMs?: number | undefined;
  heapMb?: number | undefined;
  backoff?: { baseMs: number; maxMs: number } | undefined;
  breaker?: { maxFailures: number; windowMs: number } | undefined;
  decryptPerMinute?: number | undefined;
  connectTimeoutMs?: number | undefined;
  qrTimeoutMs?: number | undefined;
  /** How long connect/send wait for the socket to open (or show a QR). */
  openWaitMs?: number | undefined;
  sendTimeoutMs?: number | undefined;
  /** Baileys' waWebSocketUrl (a local fake in tests). */
  wsUrl?: string | undefined;
  /** TEST ONLY (protocol.ts): the fake server's certificate key. */
  trustServerKey?: Uint8Array | undefined;
  /** TEST ONLY: accept crash hooks. */
  testHooks?: boolean | undefined;
};

export type BaileysDriver = ChannelDriver & {
  /** The supervisor's view of a connection (undefined: never started here). */
  status(connectionId: string): SupervisorStatus | undefined;
  /** How many sockets run or are about to restart. */
  activeSockets(): number;
  /** Stop a socket without logging out (it starts again on the next send). */
  stop(connectionId: string): Promise<void>;
  /** Stop every socket (graceful shutdown). */
  close(): Promise<void>;
  /** TEST ONLY (`testHooks`). */
  poke(connectionId: string, op: 'throw-async' | 'oom' | 'decrypt-errors', count?: number): void;
};

const CAPS: ChannelCapabilities = { templates: false, buttons: false, lists: false, products: false, media: true, official: false };
const MAX_MEDIA_BYTES = 30 * 1024 * 1024;

/** A worker's failure → ChannelError. Boom status codes as Baileys uses them. */
export function sendError(e: unknown): ChannelError {
  if (e instanceof ChannelError) return e;
  const w = (e ?? {}) as WorkerError;
  const code = typeof w.statusCode === 'number' ? w.statusCode : undefined;
  const text = `baileys: ${String(w.message ?? 'send failed').slice(0, 200)}${w.data ? ` (${w.data.slice(0, 60)})` : ''}`;
  const opts = { status: code, providerCode: code === undefined ? undefined : String(code) };
  if (code === 401 || code === 403 || code === 419) return new ChannelError('baileys', 'auth', text, opts);
  if (code === 429 || /rate-overlimit/.test(text)) return new ChannelError('baileys', 'rate_limited', text, { ...opts, retryAfterMs: 60_000 });
  if (code === 408) return new ChannelError('baileys', 'timeout', text, opts);
  if (code === 428 || code === 440 || code === 500 || code === 503 || code === 515) return new ChannelError('baileys', 'unavailable', text, opts);
  if (code === 400 || code === 406 || code === 413) return new ChannelError('baileys', 'bad_request', text, opts);
  if (code === 404) return new ChannelError('baileys', 'undeliverable', text, opts);
  return new ChannelError('baileys', 'unknown', text, opts);
}

export function baileysDriver(o: BaileysDriverOptions): BaileysDriver {
  const maxSockets = o.maxSockets ?? 100;
  const idleMs = o.idleMs ?? 10 * 60_000;
  const openWaitMs = o.openWaitMs ?? 25_000;
  const sendTimeoutMs = o.sendTimeoutMs ?? 30_000;
  const sups = new Map<string, DeviceSupervisor>();
  const supOpts: SupervisorOptions = {
    store: o.store,
    onEvent: o.onEvent,
    log: o.log,
    heapMb: o.heapMb ?? 96,
    backoff: o.backoff ?? { baseMs: 2_000, maxMs: 5 * 60_000 },
    breaker: o.breaker ?? { maxFailures: 6, windowMs: 15 * 60_000 },
    decryptPerMinute: o.decryptPerMinute ?? 300,
    worker: { wsUrl: o.wsUrl, trustServerKey: o.trustServerKey, connectTimeoutMs: o.connectTimeoutMs ?? 20_000, qrTimeoutMs: o.qrTimeoutMs, testHooks: o.testHooks === true, mediaCacheSize: 100 },
  };
  const activeCount = () => [...sups.values()].filter((s) => s.active).length;

  /** The connection's supervisor; making room (or refusing) when a new socket would pass the cap. */
  async function supervisor(conn: ConnectionContext, starting: boolean): Promise<DeviceSupervisor> {
    let sup = sups.get(conn.id);
    if (!sup) {
      sup = new DeviceSupervisor({ id: conn.id, tenantId: conn.tenantId, botId: conn.botId }, supOpts);
      sups.set(conn.id, sup);
    }
    if (starting && !sup.active && activeCount() >= maxSockets) {
      const idle = [...sups.values()]
        .filter((s) => s.active && s !== sup && Date.now() - s.lastUsedAt > idleMs && s.status().state !== 'qr')
        .sort((a, b) => a.lastUsedAt - b.lastUsedAt)[0];
      if (!idle) throw new ChannelError('baileys', 'unavailable', `baileys: ${maxSockets} linked devices are already running in this process`);
      await idle.stop();
    }
    return sup;
  }

  const driver: BaileysDriver = {
    provider: 'baileys',
    capabilities: () => CAPS,

    validateCredentials(credentials) {
      const phone = credentials.pairing_phone;
      if (phone !== undefined && !/^\+?\d{6,15}$/.test(phone.replace(/[\s()-]/g, ''))) throw new ChannelError('baileys', 'bad_request', 'baileys: pairing_phone must be a phone number in international form');
    },

    async send(conn, req) {
      const { wire, menu } = toWire(req.content); // bad content fails before any socket starts
      const jid = jidOf(req.to);
      const sup = await supervisor(conn, true);
      sup.ensureStarted();
      const s = await sup.waitFor((st) => st.state !== 'connecting' || !st.running, openWaitMs, req.signal);
      if (req.signal.aborted) throw new ChannelError('baileys', 'timeout', 'baileys: canceled while the linked device was connecting');
      if (s.state === 'qr' || s.state === 'logged_out') {
        if (s.state === 'qr') await sup.stop(); // not paired: do not keep showing QRs nobody scans
        throw new ChannelError('baileys', 'auth', 'baileys: the linked device is not paired (connect and scan the QR)');
      }
      if (s.state !== 'open') throw new ChannelError('baileys', 'unavailable', `baileys: the linked device is not connected (${s.state}${s.detail ? `: ${s.detail}` : ''})`);
      let value: unknown;
      try {
        value = await sup.request({ type: 'send', jid, content: wire, quotedId: req.replyToProviderMessageId }, sendTimeoutMs);
      } catch (e) {
        throw sendError(e);
      }
      const id = (value as { id?: unknown } | undefined)?.id;
      if (typeof id !== 'string' || !id) throw new ChannelError('baileys', 'unknown', 'baileys: the socket returned no message id');
      if (menu) sup.menus.remember(jid, menu);
      return { providerMessageId: id, status: 'sent', resolvedProviderId: jid };
    },

    async downloadMedia(conn, media: InboundMedia, signal) {
      const sup = sups.get(conn.id);
      if (!media.providerMediaId || !sup?.status().running) return null;
      const got = (await Promise.race([
        sup.request({ type: 'download', messageId: media.providerMediaId, maxBytes: MAX_MEDIA_BYTES }, 60_000),
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(new ChannelError('baileys', 'timeout', 'baileys: download canceled')), { once: true })),
      ]).catch((e: unknown) => {
        throw sendError(e);
      })) as { bytes: Uint8Array; contentType: string } | null;
      return got ? { bytes: Buffer.from(got.bytes), contentType: got.contentType } : null;
    },

    verifyWebhook: () => ({ action: 'reject', status: 403, reason: 'baileys has no webhooks: events arrive from the linked-device socket' }),
    parseWebhook() {
      throw new ChannelError('baileys', 'bad_request', 'baileys: no webhooks (events arrive from the linked-device socket)');
    },

    async health(conn): Promise<HealthResult> {
      const started = performance.now();
      const ms = () => Math.round(performance.now() - started);
      const sup = sups.get(conn.id);
      const s = sup?.status();
      if (s?.breakerOpen) return { ok: false, latencyMs: ms(), detail: s.detail };
      if (sup?.active && s) return { ok: s.state === 'open', latencyMs: ms(), detail: `${s.state}${s.detail ? `: ${s.detail}` : ''}` };
      if (s && (s.state === 'logged_out' || s.state === 'qr')) return { ok: false, latencyMs: ms(), detail: s.state };
      // No socket here: paired devices start on the next send.
      const creds = await o.store.read(conn.tenantId, conn.id, 'creds' /* use-db-auth-state.ts CREDS_KIND (not imported: it loads Baileys) */, ['']);
      const paired = creds[''] !== undefined && /"registered":true|"me":\{/.test(creds['']);
      return { ok: paired, latencyMs: ms(), detail: paired ? 'paired; the socket starts on the next send' : 'not paired' };
    },

    async connect(conn, opts) {
      const phone = opts.pairingPhone?.replace(/\D/g, '');
      if (opts.pairingPhone !== undefined && !/^\d{6,15}$/.test(phone ?? '')) throw new ChannelError('baileys', 'bad_request', 'baileys: pairingPhone must be a phone number in international form');
      const sup = await supervisor(conn, true);
      sup.start(phone);
      const s = await sup.waitFor((st) => (st.state === 'qr' && Boolean(st.qr ?? st.pairingCode)) || st.state === 'open' || st.state === 'logged_out' || st.breakerOpen, openWaitMs, opts.signal);
      return { state: s.state, qr: s.qr, pairingCode: s.pairingCode };
    },

    async disconnect(conn) {
      const sup = await supervisor(conn, false);
      await sup.logout();
      sups.delete(conn.id);
    },

    status: (id) => sups.get(id)?.status(),
    activeSockets: activeCount,
    async stop(id) {
      await sups.get(id)?.stop();
    },
    async close() {
      await Promise.all([...sups.values()].map((s) => s.stop()));
    },
    poke(id, op, count) {
      sups.get(id)?.poke({ type: 'test', op, count });
    },
  };
  return driver;
}
