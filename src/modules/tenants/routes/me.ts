/** What a key can learn about itself: `/v1/me` (secret keys) and the widget's config (publishable keys). */
import Type from 'typebox';
import { WidgetTheme, widgetTheme } from '../widget-theme.js';
import { problemResponses } from '../../../../contracts/common.js';
import { Me } from '../../../../contracts/tenants.js';
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

export function meRoutes(app: App, { usage, clock }: { usage: UsageService; clock: Clock }) {
  // Usage is read at most once a second per tenant: /v1/me stays off the database when hot. The
  // requests that find it expired share ONE read (lru-cache's fetch coalesces them; each used to
  // start its own at thousands of requests a second: a burst of reads and slow answers every second).
  const usageCache = new LRUCache<string, number>({
    maxSize: 10_000, // not preallocated (see key-auth.ts)
    sizeCalculation: () => 1,
    ttl: 1_000,
    perf: clock,
    ttlResolution: 0,
    fetchMethod: (tenantId) => usage.generationsThisMonth(tenantId),
  });
  /** Synchronous on a fresh figure (the hot path stays off the microtask queue). */
  const generations = (tenantId: string): number | Promise<number> => {
    const hit = usageCache.get(tenantId);
    if (hit !== undefined) return hit;
    return usageCache.fetch(tenantId).then((v) => {
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
          200: Type.Object({ object: Type.Literal('widget_config'), tenant: Type.Object({ id: Type.String(), name: Type.String() }), retention: Type.String(), widget: Type.Record(Type.String(), Type.Unknown()), theme: WidgetTheme }),
          ...problemResponses(401, 403),
        },
      },
    },
    async (req) => {
      const { tenant } = keyEntryOf(req);
      const widget = (tenant.settings.widget ?? {}) as Record<string, unknown>;
      return { object: 'widget_config' as const, tenant: { id: tenant.id, name: tenant.name }, retention: tenant.retention, widget, theme: widgetTheme(widget) };
    },
  );
}
