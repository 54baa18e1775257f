/**
 * Turning a presented API key into a tenant. Lookups are cached in-process (LRU, short TTL);
 * a revocation, rotation or tenant change is published on the pub/sub bus, so every node
 * (through Redis when configured) forgets the entry at once. `last_used_at` is written at most
 * once a minute per key, in the background, so the hot path does no writes.
 */
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { AppError } from '../../platform/errors.js';
import type { Db } from '../../platform/db/client.js';
import type { Clock } from '../../platform/clock.js';
import type { PubSub } from '../../platform/cache/pubsub.js';
import type { KeyPrincipal } from '../../platform/http/principal.js';
import * as repo from './repository.js';
import { hashKey, parseKey } from './keys.js';
import { effectiveLimits, type EffectiveLimits } from './limits.js';
import type { ApiKeyRow, TenantRow } from './tables.js';

export const INVALIDATE_CHANNEL = 'tenants.invalidate';

/** A known key, as cached: its rows, its effective limits, and (secret keys) its principal, built once. */
export type KeyEntry = { found: true; key: ApiKeyRow; tenant: TenantRow; limits: EffectiveLimits; auth?: KeyAuth; notedAt?: number; loadedAt: number };
type Entry = KeyEntry | { found: false };
/** What authentication gives a request: who is calling, and the cached rows behind it. */
export type KeyAuth = { principal: KeyPrincipal; entry: KeyEntry; logFields: Readonly<{ tenant_id: string; key_id: string }> };

const one = () => 1;
const LOCALHOST_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

export function createKeyAuthenticator(opts: { db: Db; clock: Clock; pubsub: PubSub; ttlMs: number; log: Logger }) {
  const { db, clock, pubsub } = opts;
  // Bounded by maxSize rather than max: with `max`, lru-cache preallocates its arrays for every
  // slot up front (~3 MB for 50,000 keys and 100,000 touches), memory an API node pays from the start.
  // A known key's entry is fresh for ttlMs, then served for up to ttlMs more while one background
  // read refreshes it (stale-while-revalidate): requests never wait for the TTL's reload. What
  // the TTL guards against (a change whose invalidation never arrived) is still seen by the first
  // request after it, a read's time later. Invalidations delete entries at once, as before.
  const cache = new LRUCache<string, Entry>({ maxSize: 50_000, sizeCalculation: one, ttl: Math.max(2 * opts.ttlMs, 1), ttlAutopurge: false, perf: clock, ttlResolution: 0 });
  const negativeTtl = Math.min(opts.ttlMs, 5_000);
  const pendingTouches = new Map<string, Date>();
  const lastTouched = new LRUCache<string, number>({ maxSize: 100_000, sizeCalculation: one });
  let unsubscribe: (() => Promise<void>) | undefined;
  let flushing: Promise<void> | undefined;

  /** Lookups in flight, shared by every request presenting the same key meanwhile. */
  const loading = new Map<string, Promise<Entry>>();
  /** Bumped by every invalidation: a lookup that started before one does not fill the cache. */
  let epoch = 0;

  function forget(msg: { tenantId: string; keyHash?: string }) {
    epoch++;
    loading.clear();
    if (msg.keyHash) cache.delete(msg.keyHash);
    for (const [hash, entry] of cache.entries()) {
      if (entry.found && entry.tenant.id === msg.tenantId) cache.delete(hash);
    }
  }

  /** The cached entry, synchronously on a hit (the hot path stays off the microtask queue). */
  function lookup(hash: string): Entry | Promise<Entry> {
    const hit = cache.get(hash);
    if (hit) {
      // Past its fresh time: answer with it, and refresh it in the background (one read).
      if (hit.found && clock.now() - hit.loadedAt >= opts.ttlMs && !loading.has(hash)) {
        shared(hash).catch((err: unknown) => opts.log.warn({ err }, 'could not refresh a cached API key; the cached entry is kept until it expires'));
      }
      return hit;
    }
    return shared(hash);
  }

  /**
   * The requests that present a key not in the cache before its lookup returns share that one
   * lookup (each used to run its own: a burst of identical queries per TTL).
   */
  function shared(hash: string): Promise<Entry> {
    let pending = loading.get(hash);
    if (pending === undefined) {
      pending = load(hash).finally(() => {
        if (loading.get(hash) === pending) loading.delete(hash);
      });
      loading.set(hash, pending);
    }
    return pending;
  }

  async function load(hash: string): Promise<Entry> {
    const startedIn = epoch;
    const loadedAt = clock.now();
    const row = await repo.findKeyByHash(db, hash);
    const entry: Entry = row ? { found: true, key: row.key, tenant: row.tenant, limits: effectiveLimits(row.tenant.tier, row.tenant.limits), loadedAt } : { found: false };
    // An invalidation while the row was read may concern it: answer this request, cache nothing.
    if (opts.ttlMs > 0 && startedIn === epoch) cache.set(hash, entry, entry.found ? {} : { ttl: Math.max(negativeTtl, 1) });
    return entry;
  }

  function noteUse(entry: KeyEntry, now: number) {
    // The entry remembers when it last noted a use: most requests stop here, without an LRU lookup.
    if (entry.notedAt !== undefined && now - entry.notedAt < 60_000) return;
    entry.notedAt = now;
    const keyId = entry.key.id;
    const prev = lastTouched.get(keyId);
    if (prev !== undefined && now - prev < 60_000) return;
    lastTouched.set(keyId, now);
    pendingTouches.set(keyId, new Date(now));
  }

  async function flush() {
    if (pendingTouches.size === 0) return;
    const touches = [...pendingTouches].map(([id, at]) => ({ id, at }));
    pendingTouches.clear();
    try {
      await repo.touchKeys(db, touches);
    } catch (err) {
      opts.log.warn({ err }, 'could not record key last-used times');
    }
  }

  const timer = setInterval(() => {
    flushing = flush();
  }, 5_000);
  timer.unref();

  return {
    async start() {
      unsubscribe = await pubsub.subscribe(INVALIDATE_CHANNEL, (raw) => {
        try {
          forget(JSON.parse(raw));
        } catch {
          /* ignore malformed messages */
        }
      });
    },
    /** Publish an invalidation to every node (this one included). */
    async invalidate(msg: { tenantId: string; keyHash?: string }) {
      forget(msg);
      await pubsub.publish(INVALIDATE_CHANNEL, JSON.stringify(msg));
    },
    /**
     * Authenticate a presented key for a route accepting `mode`.
     * `origin` is the request's Origin header (publishable keys must come from an allowed origin).
     * Synchronous on a warm cache; a promise when the key has to be looked up.
     */
    authenticate(presented: string, mode: 'secret' | 'key', origin: string | undefined): KeyAuth | Promise<KeyAuth> {
      if (!parseKey(presented)) throw new AppError('INVALID_API_KEY', 'The API key is malformed or unknown.');
      const entry = lookup(hashKey(presented));
      if (entry instanceof Promise) return entry.then((e) => check(e, mode, origin));
      return check(entry, mode, origin);
    },
    async close() {
      clearInterval(timer);
      await flushing;
      await flush();
      await unsubscribe?.();
    },
    flush,
  };

  function check(entry: Entry, mode: 'secret' | 'key', origin: string | undefined): KeyAuth {
    if (!entry.found) throw new AppError('INVALID_API_KEY', 'The API key is malformed or unknown.');
    const { key, tenant, limits } = entry;
    const now = clock.now();
    if (key.revokedAt) throw new AppError('API_KEY_REVOKED', `The API key ${key.prefix}… was revoked.`);
    if (key.expiresAt && key.expiresAt.getTime() <= now) throw new AppError('API_KEY_EXPIRED', `The API key ${key.prefix}… has expired.`);
    if (!tenant.active) throw new AppError('TENANT_INACTIVE');
    let allowedOrigin: string | undefined;
    if (key.kind === 'publishable') {
      if (mode === 'secret') {
        throw new AppError('PUBLISHABLE_KEY_NOT_ALLOWED', 'This endpoint needs a secret key (sk_…); publishable keys are for the browser widget only.');
      }
      const o = origin?.toLowerCase();
      const allowed = o !== undefined && (tenant.allowedOrigins.includes(o) || (key.environment === 'test' && LOCALHOST_ORIGIN.test(o)));
      if (!allowed) {
        throw new AppError(
          'ORIGIN_NOT_ALLOWED',
          o ? `Origin ${o} is not in the tenant's allowed origins.` : 'A publishable key is accepted only from a browser page on an allowed origin.',
        );
      }
      allowedOrigin = o;
    }
    noteUse(entry, now);
    // A secret key's principal is the same for every request: built once per cache entry (frozen, shared).
    if (allowedOrigin === undefined && entry.auth) return entry.auth;
    const principal: KeyPrincipal = {
      kind: 'api_key',
      tenantId: tenant.id,
      keyId: key.id,
      keyKind: key.kind,
      environment: key.environment,
      tier: tenant.tier,
      limits: Object.freeze({ perKey: limits.perKey, perTenant: limits.perTenant }),
      origin: allowedOrigin,
    };
    const auth: KeyAuth = { principal, entry, logFields: Object.freeze({ tenant_id: tenant.id, key_id: key.id }) };
    if (allowedOrigin === undefined) {
      Object.freeze(principal);
      entry.auth = auth;
    }
    return auth;
  }
}

export type KeyAuthenticator = ReturnType<typeof createKeyAuthenticator>;
