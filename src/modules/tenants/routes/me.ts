/** What a key can learn about itself: `/v1/me` (secret keys) and the widget's config (publishable keys). */
import Type from 'typebox';
import { WidgetTheme, widgetTheme } from '../widget-theme.js';
import { problemResponses } from '../../../../contracts/common.js';
import { Me, WidgetSettings } from '../../../../contracts/tenants.js';
import { checkedWidget } from '../settings.js';
import { keyPrincipal } from '../../../platform/http/principal.js';
import type { App } from '../../../platform/http/types.js';
import type { Clock } from '../../../platform/clock.js';
import type { KeyEntry } from '../key-auth.js';
import type { UsageService } from '../usage.js';
import { periodOf } from '../limits.js';
import { LRUCache } from 'lru-cache';
import type { FastifyRequest } from 'fastify';

/** The cached rows the auth hook found for the request's key (no second hash and lookup). */
function keyEntryOf(req: FastifyRequest): KeyEntry {
  if (!req.keyEntry) throw new Error('route expected an API key principal');
  return req.keyEntry;
}

/** How long after its second of life a usage figure may still be answered while it is refreshed. */
const STALE_GRACE_MS = 1_000;

export function meRoutes(app: App, { usage, clock }: { usage: UsageService; clock: Clock }) {
  // Usage is read at most once a second per tenant: /v1/me stays off the database when hot. A figure
  // that expired less than STALE_GRACE_MS ago is still answered while ONE read refreshes it
  // (stale-while-revalidate: under load no request waits on the database for it); an older one, or
  // none, is waited for, and the requests arriving meanwhile share that read (lru-cache's fetch
  // coalesces them; each used to start its own: a burst of reads every second).
  const usageCache = new LRUCache<string, number>({
    maxSize: 10_000, // not preallocated (see key-auth.ts)
    sizeCalculation: () => 1,
    ttl: 1_000,
    perf: clock,
    ttlResolution: 0,
    allowStale: true,
    noDeleteOnStaleGet: true,
    fetchMethod: (tenantId) => usage.generationsThisMonth(tenantId),
  });
  const status: LRUCache.Status<string, number> = {};
  /** Synchronous on a cached figure (the hot path stays off the microtask queue). */
  const generations = (tenantId: string): number | Promise<number> => {
    status.get = undefined;
    status.remainingTTL = undefined;
    const hit = usageCache.get(tenantId, { status });
    if (hit !== undefined) {
      if (status.get === 'hit') return hit;
      if ((status.remainingTTL ?? -Infinity) > -STALE_GRACE_MS) {
        // Expired a moment ago: refresh in the background (a read already under way is shared, not repeated).
        if (status.get === 'stale') usageCache.fetch(tenantId).catch((err: unknown) => app.log.warn({ err, tenant_id: tenantId }, 'usage figure not refreshed'));
        return hit;
      }
    }
    return usageCache.fetch(tenantId, { allowStale: false }).then((v) => {
      if (v === undefined) throw new Error(`usage of tenant ${tenantId} could not be read`);
      return v;
    });
  };

  app.get(
    '/v1/me',
    {
      config: { auth: 'secret' },
      schema: { tags: ['account'], summary: 'The tenant, key, limits and usage this month of the calling key', response: { 200: Me, ...problemResponses(401, 403, 429) } },
    },
    async (req) => {
      const p = keyPrincipal(req.principal);
      const { key, tenant, limits } = keyEntryOf(req);
      const g = generations(tenant.id);
      const used = typeof g === 'number' ? g : await g;
      return {
        object: 'me' as const,
        tenant: { id: tenant.id, name: tenant.name, tier: tenant.tier, active: tenant.active },
        key: { id: p.keyId, kind: key.kind, environment: key.environment, prefix: key.prefix, expires_at: key.expiresAt ? key.expiresAt.toISOString() : null },
        limits: {
          requests_per_minute_per_key: limits.perKey,
          requests_per_minute_per_tenant: limits.perTenant,
          monthly_generations: limits.monthlyGenerations,
        },
        usage: {
          period: periodOf(clock.now()),
          generations: used,
          generations_remaining: limits.monthlyGenerations === null ? null : Math.max(0, limits.monthlyGenerations - used),
        },
      };
    },
  );

  app.get(
    '/v1/widget/config',
    {
      config: { auth: 'key' },
      schema: {
        tags: ['widget'],
        summary: "The widget's settings for the calling store (publishable keys welcome)",
        response: {
          200: Type.Object({ object: Type.Literal('widget_config'), tenant: Type.Object({ id: Type.String(), name: Type.String() }), retention: Type.String(), widget: WidgetSettings, theme: WidgetTheme }),
          ...problemResponses(401, 403),
        },
      },
    },
    async (req) => {
      const { tenant } = keyEntryOf(req);
      // Only the values that pass the settings schema reach a shopper's page.
      const widget = checkedWidget(tenant.settings);
      return { object: 'widget_config' as const, tenant: { id: tenant.id, name: tenant.name }, retention: tenant.retention, widget, theme: widgetTheme(widget as Record<string, unknown>) };
    },
  );
}
