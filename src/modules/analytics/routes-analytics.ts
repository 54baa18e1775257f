/**
 * Analytics API. Stores: `/v1/analytics/…` with a secret key or a signed-in tenant user (operators
 * name the tenant in `probador-tenant`). Operators: `/admin/v1/metrics/…`, platform-wide or with
 * `tenant_id`. Every series answers JSON, or CSV with `Accept: text/csv` / `?format=csv`.
 */
import Type, { type TSchema } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ListQuery, listOf, problemResponses } from '../../../contracts/common.js';
import { EventSeries, Funnel, OperatorSeriesQuery, ProvidersReport, SeriesQuery, TopProducts, TryonSeries, type TSeriesQuery } from '../../../contracts/analytics.js';
import { tenantIdOf } from '../../platform/http/principal.js';
import type { App } from '../../platform/http/types.js';
import type { Db } from '../../platform/db/client.js';
import type { Clock } from '../../platform/clock.js';
import { resolveRange } from './range.js';
import { eventSeries, funnel, providerStats, tenantBreakdown, topProducts, tryonSeries, type ProviderInfo } from './queries.js';
import { sendCsv, wantsCsv } from '../../platform/http/csv.js';
import { FUNNEL_EVENT_TYPES } from './tables.js';

export type RecentTryonsQuery = { limit: number; startingAfter?: string | undefined; status?: string | undefined };
export type AnalyticsPorts = {
  /** A tenant's try-ons, newest first, presented as the API does (result links while retention lasts). */
  recentTryons: (tenantId: string, q: RecentTryonsQuery, baseUrl: string) => Promise<{ data: unknown[]; hasMore: boolean }>;
  /** The configured providers and their circuit breaker state on this node. */
  providers: () => ProviderInfo[];
};

const csvOr = (json: TSchema) => ({ content: { 'application/json': { schema: json }, 'text/csv': { schema: Type.String() } } });
const ProductsQuery = Type.Intersect([SeriesQuery, Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100, default: 10 }) })]);
const OperatorProductsQuery = Type.Intersect([OperatorSeriesQuery, Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100, default: 10 }) })]);
const TenantBreakdown = Type.Object({
  object: Type.Literal('tenant_breakdown'),
  range: Type.Object({ from: Type.String(), to: Type.String(), granularity: Type.String() }),
  data: Type.Array(
    Type.Object({
      tenant_id: Type.String(),
      tryons: Type.Integer(),
      succeeded: Type.Integer(),
      failed: Type.Integer(),
      cached: Type.Integer(),
      success_rate: Type.Union([Type.Number(), Type.Null()]),
      cost_usd: Type.Number(),
    }),
  ),
});

type Series = Awaited<ReturnType<typeof tryonSeries>>;
type Events = Awaited<ReturnType<typeof eventSeries>>;

/** One renderer per report for CSV. */
const csv = {
  tryons: (reply: FastifyReply, s: Series) =>
    sendCsv(
      reply,
      'tryons',
      ['t', 'tryons', 'succeeded', 'failed', 'cached', 'success_rate', 'cache_hit_ratio', 'p50_ms', 'p95_ms', 'cost_usd'],
      s.points.map((p) => [p.t, p.tryons, p.succeeded, p.failed, p.cached, p.success_rate, p.cache_hit_ratio, p.p50_ms, p.p95_ms, p.cost_usd]),
    ),
  events: (reply: FastifyReply, s: Events) => sendCsv(reply, 'events', ['t', ...FUNNEL_EVENT_TYPES], s.points.map((p) => [p.t, ...FUNNEL_EVENT_TYPES.map((t) => p.counts[t] ?? 0)])),
  funnel: (reply: FastifyReply, f: Awaited<ReturnType<typeof funnel>>) =>
    sendCsv(reply, 'funnel', ['step', 'sessions', 'events', 'conversion_from_previous', 'conversion_from_start'], f.steps.map((s) => [s.type, s.sessions, s.events, s.conversion_from_previous, s.conversion_from_start])),
  products: (reply: FastifyReply, p: Awaited<ReturnType<typeof topProducts>>) => sendCsv(reply, 'products', ['product_id', 'tryons'], p.data.map((d) => [d.product_id, d.tryons])),
};

export function analyticsRoutes(app: App, { db, clock, ports }: { db: Db; clock: Clock; ports: AnalyticsPorts }) {
  const range = (q: TSeriesQuery) => resolveRange(q, clock.now());
  const tags = ['analytics'];
  const errors = problemResponses(400, 401, 403, 429);

  // Store-facing (`tenant` auth: secret key, tenant user, or operator + probador-tenant).
  const tenantRoute = <R>(path: string, summary: string, response: TSchema, run: (tenantId: string, q: TSeriesQuery & { limit?: number }) => Promise<R>, render: (reply: FastifyReply, r: R) => unknown, query: TSchema = SeriesQuery) =>
    app.get(path, { config: { auth: 'tenant' }, schema: { tags, summary, querystring: query, response: { 200: csvOr(response), ...errors } } }, async (req: FastifyRequest, reply: FastifyReply) => {
      const r = await run(tenantIdOf(req.principal), req.query as TSeriesQuery);
      return wantsCsv(req) ? render(reply, r) : r;
    });

  tenantRoute('/v1/analytics/tryons', 'Try-ons per hour/day: count, success rate, cache-hit ratio, p50/p95 latency, cost', TryonSeries, (t, q) => tryonSeries(db, t, range(q)), csv.tryons);
  tenantRoute('/v1/analytics/events', 'Widget events per hour/day and type', EventSeries, (t, q) => eventSeries(db, t, range(q)), csv.events);
  tenantRoute('/v1/analytics/funnel', 'The widget funnel: opened → consented → uploaded → generated → added to cart', Funnel, (t, q) => funnel(db, t, range(q)), csv.funnel);
  tenantRoute('/v1/analytics/products', 'Products tried on most', TopProducts, (t, q) => topProducts(db, t, range(q), q.limit ?? 10), csv.products, ProductsQuery);

  app.get(
    '/v1/analytics/recent-tryons',
    {
      config: { auth: 'tenant' },
      schema: {
        tags,
        summary: 'Recent try-ons with status, error and result link (while retention lasts)',
        querystring: Type.Intersect([ListQuery, Type.Object({ status: Type.Optional(Type.Union(['queued', 'processing', 'succeeded', 'failed', 'canceled', 'expired'].map((s) => Type.Literal(s)))) })]),
        response: { 200: listOf(Type.Ref('Tryon')), ...errors },
      },
    },
    async (req) => {
      const page = await ports.recentTryons(tenantIdOf(req.principal), { limit: req.query.limit, startingAfter: req.query.starting_after, status: req.query.status }, req.server.linkBase());
      return { object: 'list' as const, data: page.data as never[], has_more: page.hasMore };
    },
  );

  // Operator-facing: platform-wide, or one tenant with tenant_id.
  const opRoute = <R>(path: string, summary: string, response: TSchema, run: (tenantId: string | null, q: TSeriesQuery & { limit?: number; tenant_id?: string }) => Promise<R>, render?: (reply: FastifyReply, r: R) => unknown, query: TSchema = OperatorSeriesQuery) =>
    app.get(path, { config: { auth: 'operator' }, schema: { tags, summary, querystring: query, response: { 200: render ? csvOr(response) : response, ...errors } } }, async (req: FastifyRequest, reply: FastifyReply) => {
      const q = req.query as TSeriesQuery & { tenant_id?: string };
      const r = await run(q.tenant_id ?? null, q);
      return render && wantsCsv(req) ? render(reply, r) : r;
    });

  opRoute('/admin/v1/metrics/tryons', 'Try-on figures, platform-wide or for tenant_id', TryonSeries, (t, q) => tryonSeries(db, t, range(q)), csv.tryons);
  opRoute('/admin/v1/metrics/events', 'Widget events, platform-wide or for tenant_id', EventSeries, (t, q) => eventSeries(db, t, range(q)), csv.events);
  opRoute('/admin/v1/metrics/funnel', 'The widget funnel, platform-wide or for tenant_id', Funnel, (t, q) => funnel(db, t, range(q)), csv.funnel);
  opRoute('/admin/v1/metrics/products', 'Products tried on most', TopProducts, (t, q) => topProducts(db, t, range(q), q.limit ?? 10), csv.products, OperatorProductsQuery);
  opRoute(
    '/admin/v1/metrics/providers',
    'Providers: health, breaker state, p50/p95 latency, error rate, cost per day',
    ProvidersReport,
    (t, q) => providerStats(db, t, range({ ...q, granularity: 'day' }), ports.providers()),
    (reply, r) =>
      sendCsv(
        reply,
        'providers',
        ['provider', 'day', 'attempts', 'cost_usd'],
        r.data.flatMap((p) => p.cost_per_day.map((d) => [p.provider, d.day, d.attempts, d.cost_usd])),
      ),
  );
  opRoute('/admin/v1/metrics/tenants', 'Try-on figures per tenant, busiest first', TenantBreakdown, (_t, q) => tenantBreakdown(db, range(q)), (reply, r) =>
    sendCsv(reply, 'tenants', ['tenant_id', 'tryons', 'succeeded', 'failed', 'cached', 'success_rate', 'cost_usd'], r.data.map((d) => [d.tenant_id, d.tryons, d.succeeded, d.failed, d.cached, d.success_rate, d.cost_usd])),
  );
}
