/**
 * Product-analytics export: widget funnel events and try-on outcomes forwarded to the tenant's own
 * PostHog project (`settings.product_analytics.posthog`: its project API key and host), per-tenant
 * opt-in — a tenant without it costs one cached settings read per batch and sends nothing.
 * `posthog-node` batches (20 events or 1 s) and retries (3 times); its requests go through the
 * platform's `safeFetch` (https only, no private addresses unless allow-listed by the operator).
 * The shopper is pseudonymised: `distinct_id` is a hash of the tenant and the widget session's own
 * hash (never the session token, never the same id in two tenants), events are sent without
 * person profiles (`$process_person_profile: false`) and without GeoIP. Nothing else about the
 * shopper — no photo, no shopper id, no IP — leaves.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { PostHog as PostHogClient } from 'posthog-node';
import { safeFetch } from '../../platform/net/safe-fetch.js';

export type PosthogSettings = { project_api_key: string; host: string };
export type ExportedEvent = { type: string; at: Date; session: string | null; productId: string | null; tryonId: string | null; properties: Record<string, unknown> | null };
export type TryonOutcome = { tryonId: string; status: 'succeeded' | 'failed'; session: string | null; shopperId: string | null; cached: boolean; provider: string | null; errorCode: string | null };

type Client = { key: string; ph: PostHogClient };

export function pseudonym(tenantId: string, who: string): string {
  return `p_${createHash('sha256').update(`probador:${tenantId}:${who}`).digest('hex').slice(0, 32)}`;
}

export function createPosthogExport(deps: { log: Logger; allowPrivateHosts: readonly string[]; settingsOf: (tenantId: string) => Promise<PosthogSettings | null> }, opts: { flushAt?: number; flushIntervalMs?: number } = {}) {
  const clients = new Map<string, Client>();
  let PostHog: typeof PostHogClient | undefined;

  /** posthog-node's fetch, through the platform's SSRF policy. */
  const fetchThroughPolicy = async (url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Blob | ArrayBuffer | Uint8Array; signal?: AbortSignal }) => {
    let body: string | Buffer | undefined;
    if (typeof init.body === 'string') body = init.body;
    else if (init.body instanceof Blob) body = Buffer.from(await init.body.arrayBuffer());
    else if (init.body) body = Buffer.from(init.body as ArrayBuffer);
    const res = await safeFetch(url, {
      allowHttp: 'allow-listed',
      allowPrivateHosts: deps.allowPrivateHosts,
      method: (init.method ?? 'POST') as 'POST',
      ...(init.headers ? { headers: init.headers } : {}),
      ...(body !== undefined ? { body } : {}),
      timeoutMs: 10_000,
      maxBytes: 64 * 1024,
      maxRedirects: 0,
      throwOnStatus: false,
      ...(init.signal ? { signal: init.signal } : {}),
    });
    const text = res.body.toString('utf8');
    return { status: res.status, text: async () => text, json: async () => JSON.parse(text) as unknown, headers: { get: (n: string) => { const v = res.headers[n.toLowerCase()]; return Array.isArray(v) ? v[0] ?? null : v ?? null; } } };
  };

  async function clientFor(tenantId: string): Promise<Client['ph'] | undefined> {
    const s = await deps.settingsOf(tenantId);
    const old = clients.get(tenantId);
    const key = s ? `${s.project_api_key} ${s.host}` : '';
    if (old && old.key === key) return old.ph;
    if (old) {
      clients.delete(tenantId);
      void old.ph.shutdown(2000).catch(() => undefined);
    }
    if (!s) return undefined;
    PostHog ??= (await import('posthog-node')).PostHog; // loaded when a tenant first opts in
    const ph = new PostHog(s.project_api_key, {
      host: s.host,
      flushAt: opts.flushAt ?? 20,
      flushInterval: opts.flushIntervalMs ?? 1000,
      fetchRetryCount: 3,
      fetchRetryDelay: 500,
      requestTimeout: 10_000,
      disableGeoip: true,
      // Small batches; plain JSON keeps the requests readable in a proxy's logs.
      disableCompression: true,
      fetch: fetchThroughPolicy as never,
    });
    ph.on('error', (err: unknown) => deps.log.warn({ err: err instanceof Error ? err.message : 'unknown', tenant_id: tenantId }, 'product analytics export failed'));
    clients.set(tenantId, { key, ph });
    return ph;
  }

  const base = { $process_person_profile: false, $lib_name: 'probador' };

  return {
    /** Widget funnel events, as stored (the session already hashed). */
    async events(tenantId: string, events: ExportedEvent[]): Promise<void> {
      const ph = await clientFor(tenantId);
      if (!ph) return;
      for (const e of events) {
        ph.capture({
          distinctId: pseudonym(tenantId, e.session ? `s:${e.session}` : 'server'),
          event: `tryon widget ${e.type.replace(/_/g, ' ')}`,
          timestamp: e.at,
          properties: { ...base, ...(e.properties ?? {}), ...(e.productId ? { product_id: e.productId } : {}), ...(e.tryonId ? { tryon_id: e.tryonId } : {}), source: 'widget' },
        });
      }
    },
    /** A try-on that finished. */
    async tryonOutcome(tenantId: string, o: TryonOutcome): Promise<void> {
      const ph = await clientFor(tenantId);
      if (!ph) return;
      const who = o.session ? `s:${o.session}` : o.shopperId ? `sh:${o.shopperId}` : 'server';
      ph.capture({
        distinctId: pseudonym(tenantId, who),
        event: `tryon ${o.status}`,
        properties: { ...base, tryon_id: o.tryonId, cached: o.cached, ...(o.provider ? { provider: o.provider } : {}), ...(o.errorCode ? { error_code: o.errorCode } : {}), source: 'server' },
      });
    },
    /** Sends what is batched (tests; shutdown). */
    async flush(): Promise<void> {
      await Promise.all([...clients.values()].map((c) => c.ph.flush().catch(() => undefined)));
    },
    async close(): Promise<void> {
      await Promise.all([...clients.values()].map((c) => c.ph.shutdown(3000).catch(() => undefined)));
      clients.clear();
    },
  };
}
export type PosthogExport = ReturnType<typeof createPosthogExport>;
