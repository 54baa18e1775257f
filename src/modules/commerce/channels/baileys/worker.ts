/**
 * One linked device's thread: a Baileys socket whose auth state lives in the main thread's
 * database (asked for by message: use-db-auth-state.ts over `AuthRequest`s), started by the
 * supervisor (supervisor.ts) with `resourceLimits`, so a decrypt storm that eats the heap or a
 * crash inside Baileys ends this thread only. It maps what the socket emits (inbound.ts,
 * connection.ts) and posts events; it sends what it is asked to. When the socket closes the
 * thread reports why and ends: the supervisor decides whether and when to start another.
 */
import { parentPort, workerData } from 'node:worker_threads';
import makeWASocket, { Browsers, downloadMediaMessage, proto, WA_CERT_DETAILS, type AnyMessageContent, type WAMessage } from 'baileys';
import { mapConnectionUpdate, statusCodeOf } from './connection.js';
import { mapUpsert, mapUpdate } from './inbound.js';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js';
import type { AuthWrite } from './auth-store.js';
import { useDbAuthState, type AuthPort } from './use-db-auth-state.js';
import { workerLogger } from './worker-logger.js';
import type { WireContent } from './outbound.js';

const port = parentPort!;
const init = workerData as WorkerInit;
const post = (m: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);

// ---------------------------------------------------------------- auth by message
let nextId = 1;
const waiting = new Map<number, { resolve: (v: Record<string, string> | undefined) => void; reject: (e: Error) => void }>();
function ask(req: { op: 'read'; kind: string; keyIds: string[] } | { op: 'write'; writes: AuthWrite[] } | { op: 'clear' }): Promise<Record<string, string> | undefined> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    post({ type: 'auth', id, ...req } as FromWorker);
  });
}
const authPort: AuthPort = {
  read: async (kind, keyIds) => (await ask({ op: 'read', kind, keyIds })) ?? {},
  write: async (writes) => void (await ask({ op: 'write', writes })),
  clear: async () => void (await ask({ op: 'clear' })),
};

// ---------------------------------------------------------------- the socket
if (init.trustServerKey) WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(init.trustServerKey); // tests only: see protocol.ts
const logger = workerLogger((level, msg) => post({ type: 'log', level, msg }));
const media = new Map<string, WAMessage>();
let decryptErrors = 0;
let decryptTimer: NodeJS.Timeout | undefined;
let pairingAsked = false;
let ended = false;

// Listen first: the auth state is read through this port before the socket exists.
let markReady!: () => void;
const ready = new Promise<void>((r) => (markReady = r));
port.on('message', (m: ToWorker) => void (m.type === 'auth-reply' ? handle(m) : ready.then(() => handle(m))));

const { state, saveCreds, clear } = await useDbAuthState(authPort);
const sock = makeWASocket({
  auth: state,
  logger,
  browser: Browsers.ubuntu('Chrome'),
  connectTimeoutMs: init.connectTimeoutMs,
  ...(init.qrTimeoutMs ? { qrTimeout: init.qrTimeoutMs } : {}),
  ...(init.wsUrl ? { waWebSocketUrl: init.wsUrl } : {}),
  markOnlineOnConnect: false,
  syncFullHistory: false,
  generateHighQualityLinkPreview: false,
  // No message store here: retries of our own messages cannot be re-encrypted from history.
  getMessage: async () => undefined,
});

sock.ev.on('creds.update', () => void saveCreds().catch(() => undefined));

sock.ev.on('connection.update', (u) => {
  const outcome = mapConnectionUpdate(u);
  if (!outcome) return;
  if (outcome.event.state === 'qr' && init.pairingPhone && !state.creds.registered) {
    if (pairingAsked) return; // the code stays valid; do not show QRs to a phone-code pairing
    pairingAsked = true;
    sock
      .requestPairingCode(init.pairingPhone)
      .then((code) => post({ type: 'connection', outcome: { event: { kind: 'connection', state: 'qr', pairingCode: code } } }))
      .catch((e: unknown) => post({ type: 'log', level: 'error', msg: `pairing code request failed: ${e instanceof Error ? e.message : String(e)}`.slice(0, 200) }));
    return;
  }
  post({ type: 'connection', outcome });
  if (u.connection === 'close') void end(outcome.clearAuth === true);
});

sock.ev.on('messages.upsert', ({ messages }) => {
  for (const m of messages) {
    if (m.messageStubType === proto.WebMessageInfo.StubType.CIPHERTEXT) {
      countDecryptError(1);
      continue;
    }
    const event = mapUpsert(m);
    if (!event) continue;
    if (event.kind === 'message' && event.content.type === 'media') {
      media.set(event.providerMessageId, m);
      while (media.size > init.mediaCacheSize) media.delete(media.keys().next().value!);
    }
    post({ type: 'inbound', event });
  }
});

sock.ev.on('messages.update', (updates) => {
  for (const u of updates) {
    const event = mapUpdate(u);
    if (event) post({ type: 'inbound', event });
  }
});

function countDecryptError(n: number) {
  decryptErrors += n;
  decryptTimer ??= setTimeout(() => {
    decryptTimer = undefined;
    post({ type: 'decrypt-errors', count: decryptErrors });
    decryptErrors = 0;
  }, 200);
}

async function end(clearAuth: boolean) {
  if (ended) return;
  ended = true;
  if (clearAuth) await clear().catch(() => undefined);
  if (decryptTimer) {
    clearTimeout(decryptTimer);
    if (decryptErrors > 0) post({ type: 'decrypt-errors', count: decryptErrors });
  }
  port.close(); // nothing else keeps the thread: it ends
  process.exit(0);
}

// ---------------------------------------------------------------- requests from the main thread
function toContent(w: WireContent): AnyMessageContent {
  const fix = (v: Uint8Array | { url: string }) => (v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v);
  if ('image' in w) return { ...w, image: fix(w.image) } as AnyMessageContent;
  if ('video' in w) return { ...w, video: fix(w.video) } as AnyMessageContent;
  if ('audio' in w) return { ...w, audio: fix(w.audio) } as AnyMessageContent;
  if ('document' in w) return { ...w, document: fix(w.document) } as AnyMessageContent;
  if ('sticker' in w) return { sticker: fix(w.sticker) };
  return w;
}

function fail(id: number, e: unknown) {
  const boomData = e && typeof e === 'object' ? (e as { data?: unknown }).data : undefined;
  const data = boomData && typeof boomData === 'object' ? (boomData as { text?: unknown }).text : undefined;
  post({ type: 'reply', id, ok: false, error: { statusCode: statusCodeOf(e), message: (e instanceof Error ? e.message : String(e)).slice(0, 200), data: typeof data === 'string' ? data : undefined } });
}

async function handle(m: ToWorker) {
  switch (m.type) {
    case 'auth-reply': {
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.ok) w?.resolve(m.value);
      else w?.reject(new Error(m.message));
      return;
    }
    case 'send': {
      try {
        const quoted = m.quotedId ? ({ key: { remoteJid: m.jid, id: m.quotedId, fromMe: false }, message: { conversation: '' } } as WAMessage) : undefined;
        const sent = await sock.sendMessage(m.jid, toContent(m.content), quoted ? { quoted } : {});
        post({ type: 'reply', id: m.id, ok: true, value: { id: sent?.key.id ?? '' } });
      } catch (e) {
        fail(m.id, e);
      }
      return;
    }
    case 'download': {
      const msg = media.get(m.messageId);
      if (!msg) return post({ type: 'reply', id: m.id, ok: true, value: null });
      const declared = Object.values(msg.message ?? {}).find((v: unknown) => v && typeof v === 'object' && 'fileLength' in v) as { fileLength?: number | { toNumber(): number } | null } | undefined;
      const length = typeof declared?.fileLength === 'number' ? declared.fileLength : (declared?.fileLength?.toNumber() ?? 0);
      if (length > m.maxBytes) return fail(m.id, Object.assign(new Error('media too large'), { statusCode: 413 }));
      try {
        const buf = await downloadMediaMessage(msg, 'buffer', {}, { logger, reuploadRequest: sock.updateMediaMessage });
        if (buf.length > m.maxBytes) return fail(m.id, Object.assign(new Error('media too large'), { statusCode: 413 }));
        const bytes = new Uint8Array(buf);
        const inner = msg.message ? Object.values(msg.message).find((v: unknown) => v && typeof v === 'object' && 'mimetype' in v) : undefined;
        post({ type: 'reply', id: m.id, ok: true, value: { bytes, contentType: (inner as { mimetype?: string } | undefined)?.mimetype ?? 'application/octet-stream' } }, [bytes.buffer]);
      } catch (e) {
        fail(m.id, e);
      }
      return;
    }
    case 'logout': {
      try {
        await sock.logout();
      } catch {
        /* already closed: the auth state is cleared all the same */
      }
      await clear().catch(() => undefined);
      post({ type: 'reply', id: m.id, ok: true });
      return void end(false);
    }
    case 'stop':
      sock.end(undefined);
      return void end(false);
    case 'test':
      if (!init.testHooks) return;
      if (m.op === 'throw-async') setTimeout(() => { throw new Error('test hook: an uncaught exception in the worker'); }, 1);
      if (m.op === 'decrypt-errors') countDecryptError(m.count ?? 1);
      if (m.op === 'oom') {
        const hog: unknown[] = [];
        for (;;) hog.push(new Array(100_000).fill({ at: hog.length }));
      }
      return;
  }
}

markReady();
