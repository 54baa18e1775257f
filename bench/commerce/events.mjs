/**
 * What the commerce module publishes on the platform's realtime bus (src/platform/realtime/bus.ts,
 * channel `realtime.events`: `{ id, tenant_id, type, topics, at, data }`), seen by the bench: from an
 * embedded node through its IPC tap (bench/commerce/server-entry.mjs BENCH_TAP), or from Redis
 * (SUBSCRIBE `<prefix>realtime.events` on a connection of our own). Each event is stamped on arrival here (performance.now()).
 *
 * Kept per event: `{ t, type, direction, source, id, conversation, status, text }`. Inbound
 * messages (`message.created`, direction in) are only counted, by arrival second, so a long
 * throughput run keeps no per-message objects.
 */
import { performance } from 'node:perf_hooks';

function sink() {
  const waiters = new Set();
  const listeners = [];
  const perSecond = new Map(); // second since `t0` -> inbound messages arrived in it
  let inbound = 0;
  let t0 = performance.now();
  const s = {
    inbound: () => inbound,
    /** Inbound messages by arrival second since the last `mark()`. */
    perSecond: () => perSecond,
    mark() {
      t0 = performance.now();
      perSecond.clear();
      inbound = 0;
    },
    /** Call `f` with every event from now on (bench/flows.mjs follows many conversations at once). */
    onEvent(f) {
      listeners.push(f);
    },
    feed(ev) {
      for (const f of listeners) f(ev);
      if (ev.type === 'message.created' && ev.direction === 'in') {
        inbound++;
        const sec = Math.floor((ev.t - t0) / 1000);
        perSecond.set(sec, (perSecond.get(sec) ?? 0) + 1);
      }
      for (const w of waiters) {
        if (w.pred(ev)) {
          waiters.delete(w);
          clearTimeout(w.timer);
          w.resolve(ev);
        }
      }
    },
    /** The first event from now on for which `pred` is true. */
    waitFor(pred, timeoutMs = 30_000, what = 'event') {
      return new Promise((resolve, reject) => {
        const w = { pred, resolve };
        w.timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`no ${what} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
  };
  return s;
}

/** Events of an embedded node started with `tap` (IPC). */
export function ipcEvents(child) {
  const s = sink();
  child.proc.on('message', (m) => {
    if (!m?.e) return;
    const [type, direction, source, id, conversation, status, text] = m.e;
    s.feed({ t: performance.now(), type, direction, source, id, conversation, status, text });
  });
  return s;
}

/** Events of a PostgreSQL + Redis deployment, from Redis. */
export async function redisEvents(redis, prefix) {
  const s = sink();
  const sub = redis.duplicate();
  sub.on('error', () => undefined);
  sub.on('message', (_channel, message) => {
    const t = performance.now();
    try {
      const { type, data } = JSON.parse(message);
      if (type !== 'message.created' && type !== 'message.status') return;
      s.feed({ t, type, direction: data.direction, source: data.source, id: data.id, conversation: data.conversation_id, status: data.status, text: data.content?.text ?? null });
    } catch {
      /* not a commerce event */
    }
  });
  await sub.subscribe(`${prefix}realtime.events`);
  s.close = async () => {
    await sub.unsubscribe().catch(() => undefined);
    sub.disconnect();
  };
  return s;
}
