/**
 * buildApp(deps): Fastify with the platform plugins and the explicit list of modules.
 * Tests build it exactly as main.ts does.
 */
import Fastify, { LogController, type FastifyRequest } from 'fastify';
import underPressure from '@fastify/under-pressure';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { LRUCache } from 'lru-cache';
import type { Deps } from './deps.js';
import { newId } from './platform/ids.js';
import { requestChildLogger } from './platform/observability/logger.js';
import { AppError } from './platform/errors.js';
import { registerProblemHandlers, sendProblem, toAppError } from './platform/http/problem.js';
import { registerTracingHooks } from './platform/http/tracing-hooks.js';
import { tracingOn } from './platform/observability/tracing.js';
import { registerCors } from './platform/http/cors.js';
import { registerSecurityHeaders } from './platform/http/security-headers.js';
import { registerRateLimit } from './platform/http/rate-limit.js';
import { registerIdempotency } from './platform/http/idempotency.js';
import { registerEmptyBody } from './platform/http/empty-body.js';
import { registerOpenApi } from './platform/http/openapi.js';
import { registerCompression } from './platform/http/compress.js';
import { createLazyCompilers } from './platform/http/lazy-compilers.js';
import { registerBodyTimeout, timeoutServerOptions } from './platform/http/timeouts.js';
import { registerLinkBase } from './platform/http/link-base.js';
import { healthRoutes } from './platform/http/health.js';
import { cacheRoutes } from './platform/http/cache-routes.js';
import { registerRealtimeStream } from './platform/realtime/stream.js';
import { getOrCreateSetting } from './platform/db/settings.js';
import { randomBytes } from 'node:crypto';
import type { App } from './platform/http/types.js';
import { Problem } from '../contracts/common.js';
import { ApiKey, Tenant } from '../contracts/tenants.js';
import { User } from '../contracts/auth.js';
import { checkedSettings, createTenantsModule, effectiveLimits, TENANTS_CHANGED_CHANNEL } from './modules/tenants/index.js';
import { createAccountsModule } from './modules/accounts/index.js';
import { createSsoModule } from './modules/sso/index.js';
import { outboxRoutes } from './platform/mail/routes.js';
import { auditRoutes } from './platform/audit/index.js';
import type { TenantRow } from './modules/tenants/tables.js';
import { createTryonModule, MULTIPART_REF, RETENTION_MS, type TryonCaller, type TryonModuleOptions, type TryonPorts } from './modules/tryon/index.js';
import { createGenerationModule, type GenerationModuleOptions } from './modules/generation/index.js';
import { createPerceptionModule } from './modules/perception/index.js';
import { createWebhooksModule, type WebhooksOptions, type WebhookEventType } from './modules/webhooks/index.js';
import { createWebModule } from './modules/web/index.js';
import { findDemoKey } from './seed.js';
import { Tryon, Upload } from '../contracts/tryons.js';
import { createAnalyticsModule } from './modules/analytics/index.js';
import { createCatalogModule } from './modules/catalog/index.js';
import { createStyleModule, type StyleModuleOptions } from './modules/style/index.js';
import { createCommerceModule, type CommerceOptions } from './modules/commerce/index.js';
import { createOrdersPart, type OrdersPorts } from './modules/commerce/orders/index.js';
import { metaDriver } from './modules/commerce/channels/meta.js';
import { twilioDriver } from './modules/commerce/channels/twilio.js';
import { evolutionDriver } from './modules/commerce/channels/evolution.js';
import { baileysDriver } from './modules/commerce/channels/baileys/driver.js';
import { dbAuthStore } from './modules/commerce/channels/baileys/auth-store.js';
import type { Role } from './config.js';
import { flowPorts } from './flow-ports.js';
import { version } from './version.js';
import { endUserScope } from './platform/http/principal.js';

export type BuildOptions = {
  /** `api` serves HTTP only; `all` (default) also consumes jobs in this process. */
  role?: Role;
  tryon?: TryonModuleOptions;
  generation?: GenerationModuleOptions;
  style?: StyleModuleOptions;
  webhooks?: WebhooksOptions;
  commerce?: CommerceOptions;
  /** Commerce orders' ports (the shopper's messages, the live inbox, conversation counts); tests pass recorders. */
  orders?: Partial<OrdersPorts>;
};

export async function buildApp(deps: Deps, opts: BuildOptions = {}) {
  const { config, metrics } = deps;
  const schemas = createLazyCompilers();
  const app = Fastify({
    loggerInstance: deps.log,
    bodyLimit: config.bodyLimit,
    // Slow clients: request and body timeouts, answered 408 problem+json (platform/http/timeouts.ts).
    ...timeoutServerOptions(config.timeouts),
    trustProxy: config.trustProxy,
    genReqId: () => newId('request'),
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    // Validators and serializers are compiled on a route's first request (lazy-compilers.ts).
    schemaController: { compilersFactory: schemas.compilersFactory },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
    return503OnClosing: true,
    // Signed file tokens (/v1/files/<token>) are longer than the default 100.
    routerOptions: { maxParamLength: 1100 },
    // Refusals raised before routing (bad URL encoding, over-long parameters) are problem+json too.
    frameworkErrors: (err, req, reply) => void sendProblem(reply, req, toAppError(err, req)),
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  // request_id is added to a request's log lines when they are written (see logger.ts).
  app.setChildLoggerFactory(requestChildLogger as never);

  // Shared schemas referenced by $ref in route declarations and in the OpenAPI document.
  for (const s of [Problem, Tenant, ApiKey, User, Upload, Tryon]) app.addSchema(s);

  if (tracingOn()) registerTracingHooks(app);
  registerProblemHandlers(app, deps.errors);
  registerEmptyBody(app);
  // Links (signed file URLs) start with PUBLIC_URL or the listen address, never the request's Host.
  registerLinkBase(app, config);
  registerBodyTimeout(app, config.timeouts);
  // JSON and text answers of PROBADOR_COMPRESS_MIN_BYTES or more, brotli or gzip (before any route is declared).
  await registerCompression(app, { minBytes: config.compressMinBytes });
  app.addHook('onResponse', (req, reply, done) => {
    metrics.httpDuration.observe({ method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });

  // helmet's headers (computed once) and request-id, in one synchronous hook.
  await registerSecurityHeaders(app, {
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    contentSecurityPolicy: {
      directives: { defaultSrc: ["'self'"], imgSrc: ["'self'", 'data:', 'blob:'], styleSrc: ["'self'", "'unsafe-inline'"], scriptSrc: ["'self'"] },
    },
  });

  if (config.maxEventLoopDelayMs > 0) {
    await app.register(underPressure, {
      maxEventLoopDelay: config.maxEventLoopDelayMs,
      retryAfter: 5,
      // Must finish the reply before returning, or under-pressure lets the request run on.
      pressureHandler: async (req, reply) => {
        metrics.loadShed.inc();
        await sendProblem(reply, req, new AppError('OVERLOADED', 'The server is busy; retry in a few seconds.', { headers: { 'retry-after': '5' } }));
      },
    });
  }

  const tenants = createTenantsModule(deps);
  await tenants.start();
  // Single sign-on (OpenID Connect): people and sessions stay the tenants module's.
  const sso = createSsoModule(deps, {
    findStaff: (email) => tenants.users.findForSso(email),
    signIn: (userId, req) => tenants.users.signInVerified(userId, req),
    tenantExists: async (id) => Boolean(await tenants.tenants.getTenant(id).catch(() => undefined)),
  });
  // Webhook endpoints may be http on a private address only for the operator's allow-list (host:port).
  const webhooks = createWebhooksModule(deps, { allowPrivateHosts: config.fetch.allowPrivateHosts, ...opts.webhooks });
  webhooks.registerJobs();
  const role = opts.role ?? 'all';
  const perceptionLoad = config.perception.load;
  const perception = createPerceptionModule(
    deps,
    { getTenant: async (id) => tenants.tenants.getTenant(id) },
    { preload: perceptionLoad === 'startup' || (perceptionLoad === 'auto' && role !== 'api') },
  );
  const ports: TryonPorts = {
    checkPhoto: (tenant, loadBytes, categories) => perception.precheck(tenant, loadBytes, categories),
    bodyPose: (bytes, signal) => perception.bodyPose(bytes, signal),
    resultFidelity: (before, after, signal) => perception.resultFidelity(before, after, signal),
    getTenant: async (id) => tenants.tenants.getTenant(id),
    // Garments given by product_id: the catalog (created below, called only at request time).
    getProducts: (tenantId, productIds) => catalog.productGarments(tenantId, productIds),
    // "Does this colour suit me" on a try-on's garments: the style module (created below, called only at request time).
    style: {
      seasonOf: (tenantId, session, spec) => style.tryonColors.seasonOf(tenantId, session, spec),
      judge: (tenantId, season, garments) => style.tryonColors.judge(tenantId, season, garments),
    },
    consumeGeneration: async (t) => void (await tenants.usage.consumeGeneration(t.id, 1, t as unknown as Pick<TenantRow, 'tier' | 'limits'>)),
    refundGeneration: (id) => tenants.usage.refundGeneration(id),
    recordUsage: (id, type, o) => tenants.usage.record(id, type, o),
    emitWebhook: async (tenantId, type, data) => void (await webhooks.emit(tenantId, type as WebhookEventType, data)),
    // The analytics module is created below; a finished try-on is forwarded to the tenant's product analytics.
    reportOutcome: (tenantId, o) => analytics.tryonOutcome(tenantId, o),
    // DELETE /v1/shoppers/:id erases the shopper's style analyses and quiz results too (the style module is created below).
    eraseShopperElsewhere: (c, shopperId) => style.eraseShopper(c.tenantId, shopperId, c.widgetSession),
  };
  const tryon = createTryonModule(deps, ports, opts.tryon);
  await tryon.start();
  // Style routes also take a signed-in end user: what they make is scoped to them (their widget
  // session is `user:<id>`, so only they see it), through the intake as the tenant (or the key that came along).
  const styleCallerOf = (req: FastifyRequest): TryonCaller => {
    const p = req.principal;
    if (p?.kind !== 'end_user') return tryon.callerOf(req);
    return { ...tryon.systemCaller(p.tenantId, app.linkBase()), ...(p.key ? { principal: p.key } : {}), widgetSession: endUserScope(p.userId) };
  };
  // Style analyses: selfies through the try-on intake (as `person` uploads), faces from perception's mesh level.
  // The older Style API's default tenant: the try-on module's tenant cache holds the whole row (dropped on tenant changes).
  const compatTenant = async (id: string) => {
    const t = (await tryon.service.getTenant(id).catch(() => undefined)) as unknown as TenantRow | undefined;
    if (!t) return undefined;
    const l = effectiveLimits(t.tier, t.limits);
    return { id: t.id, active: t.active, allowedOrigins: t.allowedOrigins, tier: t.tier, limits: { perKey: l.perKey, perTenant: l.perTenant } };
  };
  const style = createStyleModule(
    deps,
    {
      getTenant: (id) => tryon.service.getTenant(id),
      retentionMs: RETENTION_MS,
      callerOf: (req) => styleCallerOf(req),
      multipartRef: (field, n = 0) => `${MULTIPART_REF}${field}:${n}`,
      intakeImages: (c, refs, o) => tryon.intakeImages({ ...(c as TryonCaller), files: o.files }, refs, { kind: 'person', shopperId: o.shopperId }),
      eraseUploads: (tenantId, ids) => tryon.eraseUploads(tenantId, ids),
      signedUrl: (key, contentType, baseUrl) => tryon.signedUrl(key, contentType, baseUrl),
      perceive: (bytes, signal) => perception.analyze(bytes, signal, 'mesh'),
      perceptionReady: async () => {
        const s = await perception.warm();
        return { ready: s.models === 'ready', reason: s.reason };
      },
      recordUsage: (id, type, o) => tenants.usage.record(id, type, o),
      emitWebhook: async (tenantId, type, data) => void (await webhooks.emit(tenantId, type, data)),
      // Palettes, quiz, colour matching: a product's garment colour is read when the catalog saves
      // one (the catalog is created below; these run at request time only).
      productColors: (tenantId, ids) => catalog.productColors(tenantId, ids),
      rankByColorFit: (tenantId, q) => catalog.rankByColorFit(tenantId, q),
      widgetSession: (req) => styleCallerOf(req).widgetSession,
      compatTenant,
    },
    opts.style,
  );
  style.registerJobs();
  const catalog = createCatalogModule(deps, { images: tryon.catalogImages, colors: style.garmentColors });
  catalog.registerJobs();
  if (role !== 'api') await catalog.start();
  // Image generation: the try-on module's intake, links and tenant view; quota, usage and webhooks like try-ons.
  const generation = createGenerationModule(
    deps,
    {
      getTenant: (id) => tryon.service.getTenant(id),
      tenantName: async (id) => (await tenants.tenants.getTenant(id).catch(() => undefined))?.name,
      retentionMs: RETENTION_MS,
      consumeGeneration: async (t) => void (await tenants.usage.consumeGeneration(t.id, 1, t as unknown as Pick<TenantRow, 'tier' | 'limits'>)),
      refundGeneration: (id) => tenants.usage.refundGeneration(id),
      recordUsage: (id, type, o) => tenants.usage.record(id, type, o),
      emitWebhook: async (tenantId, type, data) => void (await webhooks.emit(tenantId, type, data)),
      callerOf: (req) => tryon.callerOf(req),
      intakeImages: (c, refs) => tryon.intakeImages(c as TryonCaller, refs),
      eraseUploads: (tenantId, ids) => tryon.eraseUploads(tenantId, ids),
      signedUrl: (key, contentType, baseUrl) => tryon.signedUrl(key, contentType, baseUrl),
      // The analytics module is created below; this runs at request time only.
      tryonSummary: (tenantId) => analytics.tryonSummary(tenantId),
    },
    opts.generation,
  );
  await generation.start();
  // Conversational commerce: bots, channels, conversations, messages; orders and sellers.
  // Linked devices (Baileys) run in worker threads; their events join the inbound ledger like a webhook's.
  const baileys = baileysDriver({
    store: dbAuthStore(deps.db),
    onEvent: (conn, event) => void commerce.ingestEvents(conn.id, [event]).catch((err: unknown) => deps.log.warn({ err: { message: (err as Error).message }, connection_id: conn.id }, 'linked-device event not stored')),
    log: (level, msg, fields) => deps.log[level]({ module: 'baileys', ...fields }, msg),
  });
  const commerce = await createCommerceModule(
    deps,
    {
      emitWebhook: async (tenantId, type, data) => void (await webhooks.emit(tenantId, type, data)),
      signedUrl: (key, contentType, baseUrl) => tryon.signedUrl(key, contentType, baseUrl),
      retentionMs: async (tenantId) => RETENTION_MS[(await tryon.service.getTenant(tenantId)).retention],
      messageLogDays: async (tenantId) => (await tenants.tenants.getTenant(tenantId)).settings.commerce_message_log_days as number | undefined,
      // The orders part (created below; these run at request and job time only).
      sellerExists: (tenantId, id) => orders.sellerExists(tenantId, id),
      // The flow engine's steps: the catalog, orders from a session's cart, try-ons and style analyses.
      flows: flowPorts({ catalog, orders: () => orders, tryon, style, blobs: deps.blobs, linkBase: () => app.linkBase(), log: deps.log }),
      // A cart the catalog cannot fill is answered on the conversation instead of failing the inbound job.
      onCartOrder: async (tenantId, cart) => {
        try {
          const r = await orders.createFromCart(tenantId, cart);
          if (!r.order) await commerce.sendToConversation(tenantId, cart.conversationId, { type: 'text', text: 'Sorry, none of the items in your cart can be ordered right now.' }, 'service');
        } catch (e) {
          if (!(e instanceof AppError) || (e.code !== 'OUT_OF_STOCK' && e.code !== 'VALIDATION_FAILED' && e.code !== 'ORDER_ITEM_INVALID')) throw e;
          await commerce.sendToConversation(tenantId, cart.conversationId, { type: 'text', text: `Sorry, we could not take this order: ${e.message}` }, 'service');
        }
      },
    },
    // Tests add their own drivers after these (the same provider name replaces the real one).
    { ...opts.commerce, drivers: [metaDriver(), twilioDriver(), evolutionDriver(), baileys, ...(opts.commerce?.drivers ?? [])] },
  );
  commerce.registerJobs();

  // Origins some tenant allows, for CORS preflights (cached briefly; tenant changes forget it).
  const originCache = new LRUCache<'all', Set<string>>({ max: 1, ttl: 10_000 });
  await deps.pubsub.subscribe(TENANTS_CHANGED_CHANNEL, () => originCache.clear());
  registerCors(app, {
    isKnownOrigin: async (origin) => {
      let set = originCache.get('all');
      if (!set) {
        set = new Set(await tenants.allowedOrigins());
        originCache.set('all', set);
      }
      return set.has(origin);
    },
    tenantAllowsOrigin: async (tenantId, origin) => (await compatTenant(tenantId))?.allowedOrigins.includes(origin) ?? false,
  });

  // End users of the tenants (modules/accounts); other modules add their part of a person's data
  // (export, erasure) with accounts.registerUserData.
  const accounts = createAccountsModule(deps, { tenantActive: async (id) => (await tenants.tenants.getTenant(id)).active, compatTenant });
  await accounts.start();
  accounts.registerUserData(style.userData);

  // Order matters: authenticate, then rate-limit by who the caller is.
  tenants.registerAuth(app, { endUsers: (token) => accounts.verifyAccessToken(token) });
  registerRateLimit(app, { limiter: deps.limiter, metrics });
  registerIdempotency(app, { db: deps.db, clock: deps.clock });

  await registerOpenApi(app, { version, publicUrl: config.publicUrl });

  const checks = [
    { name: 'database', check: () => deps.database.ping() },
    { name: 'storage', check: () => deps.blobs.ping() },
    ...(deps.redis ? [{ name: 'redis', check: async () => void (await deps.redis!.ping()) }] : []),
    { name: 'cache', check: () => deps.caches.ping() },
  ];
  healthRoutes(app, { checks, metrics, version });
  cacheRoutes(app, { caches: deps.caches });
  outboxRoutes(app, { mailer: deps.mail });
  // The audit trail (platform/audit): people's and keys' labels come from the tenants module when read.
  auditRoutes(app, { db: deps.db, labels: (viewer, actors) => tenants.auditLabels(viewer, actors) });
  // The realtime WebSocket (live inbox): tickets signed with a per-install secret.
  await registerRealtimeStream(app, { bus: deps.realtime, secret: () => getOrCreateSetting(deps.db, 'realtime_secret', () => randomBytes(32).toString('base64url')) });

  // Modules: the explicit list.
  tenants.registerRoutes(app);
  sso.registerRoutes(app);
  accounts.registerRoutes(app);
  await tryon.registerRoutes(app);
  perception.registerRoutes(app, (req, id) => tryon.readUpload(req, id));
  webhooks.registerRoutes(app);
  catalog.registerRoutes(app);
  generation.registerRoutes(app);
  await style.registerRoutes(app);
  await commerce.registerRoutes(app);
  // ---- commerce: orders and sellers (modules/commerce/orders) ----
  // Webhooks here; notifyShopper, publish and conversationCounts are the commerce core's and the
  // realtime bus's (no-ops until wired); opts.orders overrides any of them.
  const orders = createOrdersPart(deps, {
    emitWebhook: async (tenantId, type, data) => void (await webhooks.emit(tenantId, type, data)),
    // The shopper hears of their order on its conversation (a utility template outside the window).
    notifyShopper: async (order, _from, to) => {
      if (!order.conversation_id) return;
      await commerce.sendToConversation(order.tenant_id, order.conversation_id, { type: 'text', text: orderNotice(order.id, to) }, 'utility');
    },
    publish: (tenantId, type, data) => {
      const o = data.order as { id?: string; conversation_id?: string | null; seller_id?: string | null } | undefined;
      const topics = [o?.id && `order:${o.id}`, o?.conversation_id && `conversation:${o.conversation_id}`, o?.seller_id && `seller:${o.seller_id}`].filter((x): x is string => typeof x === 'string' && x.length > 0);
      return deps.realtime.publish(tenantId, type, data, topics);
    },
    conversationCounts: (tenantId, sellerIds) => commerce.conversationCounts(tenantId, sellerIds),
    ...opts.orders,
  });
  orders.registerRoutes(app);
  // ---- end commerce: orders ----
  // The widget bundle (versioned, SRI) and the demo store at /demo.
  const web = createWebModule(deps, { demoKey: () => findDemoKey(tenants) });
  web.registerRoutes(app);
  const analytics = createAnalyticsModule(deps, {
    recentTryons: async (tenantId, q, baseUrl) => {
      // The dashboard reads as the tenant's own server would (a secret key's view, no widget session).
      const caller = { principal: { kind: 'api_key' as const, tenantId, keyId: 'dashboard', keyKind: 'secret' as const, environment: 'live' as const, tier: '', limits: { perKey: 0, perTenant: 0 } }, widgetSession: null, baseUrl };
      const page = await tryon.service.listTryons(caller, { limit: q.limit, startingAfter: q.startingAfter, status: q.status as never });
      return { data: await Promise.all(page.data.map((r) => tryon.service.present(r, caller, false))), hasMore: page.hasMore };
    },
    providers: () => tryon.router.providers().map((p) => ({ name: p.name, breaker: breakerName(tryon.router.breakerState(p.name)) })),
    // The try-on module's tenant view: cached per node, dropped on every node when the tenant changes.
    posthogSettings: async (tenantId) => {
      const t = await tryon.service.getTenant(tenantId).catch(() => undefined);
      return (t && checkedSettings(t.settings).product_analytics?.posthog) || null;
    },
  });
  analytics.registerJobs();
  analytics.registerRoutes(app);
  if (role !== 'api') analytics.startSchedule();

  app.addHook('onClose', async () => {
    await deps.jobs.close();
    await tryon.close();
    await generation.close();
    await commerce.close();
    await baileys.close();
    await perception.close();
    await webhooks.close();
    await analytics.close();
    await accounts.close();
    await tenants.close();
  });
  // Load the perception models in the background (unless they load on first use); the log says which features are on.
  perception.start();
  if (role !== 'api') await deps.jobs.startWorker();
  return { app, modules: { tenants, sso, accounts, tryon, perception, webhooks, analytics, web, catalog, generation, style, commerce, orders }, compileSchemas: schemas.compileAll };
}

/** What the shopper is told when their order is made or changes status. */
const orderNotice = (id: string, status: string) =>
  status === 'pending' ? `We received your order ${id}.` : `Your order ${id} is now ${status.replace('_', ' ')}.`;

const breakerName = (s: string) => (s === 'open' || s === 'closed' ? s : s === 'half_open' ? 'half-open' : 'unknown') as 'open' | 'closed' | 'half-open' | 'unknown';

export type BuiltApp = Awaited<ReturnType<typeof buildApp>>;
