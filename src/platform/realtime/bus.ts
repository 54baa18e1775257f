/**
 * Realtime fan-out: a module publishes a tenant's event once; every node delivers it to that
 * tenant's open sockets (the live inbox). One pub-sub channel for all tenants (Redis pub/sub when
 * REDIS_URL is set, in memory otherwise), subscribed lazily once per process, dispatched locally by
 * tenant, so a thousand tenants do not mean a thousand Redis subscriptions. Events are small
 * (ids, statuses, a message's text) — never image bytes or credentials.
 */
import type { PubSub, Unsubscribe } from '../cache/pubsub.js';
import { newId } from '../ids.js';

export const REALTIME_CHANNEL = 'realtime.events';

export type RealtimeEvent = {
  /** evt_… */
  id: string;
  tenant_id: string;
  /** e.g. `message.created`, `message.status`, `conversation.updated`, `order.status_changed`. */
  type: string;
  /** Topics a socket may filter on: `bot:bot_…`, `conversation:cnv_…`, `seller:sel_…`. */
  topics: string[];
  at: string;
  data: Record<string, unknown>;
};

export type RealtimeHandler = (e: RealtimeEvent) => void;

export type RealtimeBus = {
  publish: (tenantId: string, type: string, data: Record<string, unknown>, topics?: string[]) => Promise<void>;
  /** Events of one tenant, from every node. */
  subscribe: (tenantId: string, handler: RealtimeHandler) => Promise<() => void>;
  /** Sockets-side figures: subscribers per process, events delivered and dropped. */
  stats: () => { subscribers: number; published: number; delivered: number };
  close: () => Promise<void>;
};

export function createRealtimeBus(pubsub: PubSub, now: () => number = Date.now): RealtimeBus {
  const byTenant = new Map<string, Set<RealtimeHandler>>();
  let subscription: Promise<Unsubscribe> | undefined;
  let subscribers = 0;
  let published = 0;
  let delivered = 0;

  const dispatch = (raw: string) => {
    let e: RealtimeEvent;
    try {
      e = JSON.parse(raw) as RealtimeEvent;
    } catch {
      return;
    }
    const set = byTenant.get(e.tenant_id);
    if (!set) return;
    for (const h of set) {
      delivered++;
      try {
        h(e);
      } catch {
        // One socket's failure is its own (the stream closes it); the others still get the event.
      }
    }
  };

  return {
    async publish(tenantId, type, data, topics = []) {
      const e: RealtimeEvent = { id: newId('event'), tenant_id: tenantId, type, topics, at: new Date(now()).toISOString(), data };
      published++;
      await pubsub.publish(REALTIME_CHANNEL, JSON.stringify(e));
    },
    async subscribe(tenantId, handler) {
      subscription ??= pubsub.subscribe(REALTIME_CHANNEL, dispatch);
      await subscription;
      let set = byTenant.get(tenantId);
      if (!set) byTenant.set(tenantId, (set = new Set()));
      set.add(handler);
      subscribers++;
      let done = false;
      return () => {
        if (done) return;
        done = true;
        subscribers--;
        set.delete(handler);
        if (set.size === 0) byTenant.delete(tenantId);
      };
    },
    stats: () => ({ subscribers, published, delivered }),
    async close() {
      byTenant.clear();
      const s = subscription;
      subscription = undefined;
      if (s) await (await s)().catch(() => undefined);
    },
  };
}
