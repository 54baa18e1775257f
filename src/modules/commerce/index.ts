/**
 * Conversational commerce, the core: bots and their channel connections (credentials sealed),
 * the channel drivers by provider (channels/registry.ts; the simulator is built in), the inbound
 * pipeline (webhooks → ledger → `commerce.inbound` job → contacts, conversations, messages,
 * opt-outs, away messages), the sender (`POST /v1/messages` → `commerce.send` job: fallback over
 * the bot's connections that respects WhatsApp's window, opt-outs and per-number limits),
 * conversations and handover, the simulator's shopper side and web chat, and realtime events on
 * the platform's realtime bus (the live inbox). Other modules use only what this file exports.
 */
import type { Deps } from '../../deps.js';
import type { App } from '../../platform/http/types.js';
import { loadSecretBox } from '../../platform/crypto/secret-box.js';
import { listenBase } from '../../platform/http/link-base.js';
import { defineJob } from '../../platform/jobs/types.js';
import { Bot, Connection, Conversation, Message } from '../../../contracts/commerce.js';
import { botRoutes, botStatusRoutes, createBotsService } from './bots/index.js';
import { createChannelRegistry, policyFetch, simulatorDriver, type ChannelDriver, type InboundEvent, type OutboundContent } from './channels/index.js';
import { conversationRoutes, convRepo, createConversationsService } from './conversations/index.js';
import type { CommerceCore } from './core.js';
import { createIngest, INBOUND_BATCH_JOB, INBOUND_JOB, type InboundBatchPayload, type InboundJobPayload } from './inbound/ingest.js';
import { createInboundProcessor } from './inbound/process.js';
import { purgeExpiredMedia } from './inbound/media.js';
import { createWebhookHandler, registerWebhookRoutes } from './inbound/routes.js';
import { webhookConnections } from './inbound/webhook-connections.js';
import { botCache } from './inbound/bot-cache.js';
import { createSendJob } from './outbound/send-job.js';
import type { Category } from './outbound/plan.js';
import type { CommercePorts } from './ports.js';
import { createPublisher } from './realtime.js';
import { createSimulatorService } from './simulator/service.js';
import { simulatorRoutes } from './simulator/routes.js';
import { bridgeRoutes } from './compat/bridge-routes.js';
import { createFlowsPart } from './flows/index.js';
// ---- bot analytics (issue 23, part 4) ----
import { createBotAnalytics } from './analytics/index.js';

export type CommerceOptions = {
  /** More channel drivers (Meta, Twilio, Evolution, Baileys), registered by provider name. */
  drivers?: ChannelDriver[];
};

export type CommerceDeps = Pick<Deps, 'db' | 'clock' | 'config' | 'log' | 'jobs' | 'realtime' | 'limiter' | 'blobs'> & Partial<Pick<Deps, 'pubsub' | 'caches'>>;

export async function createCommerceModule(deps: CommerceDeps, ports: CommercePorts = {}, opts: CommerceOptions = {}) {
  const { config } = deps;
  const log = deps.log.child({ module: 'commerce' });
  const box = await loadSecretBox(deps.db, { keys: config.secretsKeys, production: config.production, log });
  let linkBase = () => config.publicUrl ?? listenBase(config.host, config.port);
  const registry = createChannelRegistry(opts.drivers ?? []);
  const fetch = policyFetch({ allowPrivateHosts: config.fetch.allowPrivateHosts, timeoutMs: 15_000, maxBytes: 16 * 1024 * 1024 });
  // The webhook's connection cache (made below: it needs the bots service to open credentials).
  const onConnectionsChanged = async (ids: string[]) => void (await connections.invalidate(ids));
  // The inbound job's bot rows, cached per process and dropped on every node when a bot changes.
  const botRows = botCache(deps.db, deps.pubsub);
  const bots = createBotsService({ db: deps.db, clock: deps.clock, box, registry, fetch, linkBase: () => linkBase(), onConnectionsChanged, onBotChanged: (tenantId, id) => botRows.invalidate(tenantId, id) });
  const core: CommerceCore = {
    db: deps.db,
    clock: deps.clock,
    config,
    jobs: deps.jobs,
    limiter: deps.limiter,
    blobs: deps.blobs,
    log,
    bots,
    registry,
    ports,
    publish: createPublisher(deps.realtime, log),
    emit: async (tenantId, type, data) => {
      try {
        await ports.emitWebhook?.(tenantId, type, data);
      } catch (err) {
        log.warn({ err: { message: (err as Error).message }, type }, 'commerce webhook not emitted');
      }
    },
    now: () => new Date(deps.clock.now()),
  };
  const connections = webhookConnections(core, deps.pubsub);
  const ingest = createIngest(core);
  /** Events a driver pushes (linked devices, the simulator's statuses) join the ledger like a webhook's. */
  const ingestEvents = async (connectionId: string, events: InboundEvent[]) => {
    const conn = await connections.get(connectionId);
    if (conn) await ingest.ingest(conn.row, events);
  };
  registry.register(
    simulatorDriver({
      db: deps.db,
      clock: deps.clock,
      templatesOf: async (tenantId, botId) => (await bots.getBot(tenantId, botId)).templates,
      emit: (ctx, events) => ingestEvents(ctx.id, events),
      fetch,
    }),
  );
  const handleWebhook = createWebhookHandler(core, ingest);
  const conversations = createConversationsService(core);
  const sim = createSimulatorService(core, handleWebhook, async (conn, events) => void (await ingest.ingest(conn, events)));
  const sender = createSendJob(core);
  const processInbound = createInboundProcessor(core, {
    bot: (tenantId, id) => botRows.get(tenantId, id),
    // The webhook's cached connection (its row as read by id), if it is this bot's in this tenant.
    connection: async (tenantId, botId, id) => {
      const c = (await connections.get(id))?.row;
      return c && c.tenantId === tenantId && c.botId === botId ? c : undefined;
    },
  });
  // The flow engine: the inbound job hands it a bot conversation's messages; handing back resumes it.
  const flowsPart = createFlowsPart(core, async (tenantId, conversationId, to, sellerId) => {
    try {
      await conversations.handover(tenantId, conversationId, { to, ...(sellerId ? { seller_id: sellerId } : {}) });
    } catch (err) {
      log.warn({ err: { message: (err as Error).message }, conversation_id: conversationId }, 'flow handover not made');
    }
  }, {
    pubsub: deps.pubsub,
    // Sessions cached where every node sees the same entries: Redis, or the one embedded process.
    sessionCache:
      deps.caches && (deps.caches.driver === 'redis' || config.database.driver === 'pglite')
        ? deps.caches.create({ namespace: 'commerce.flow-sessions', ttlMs: 24 * 3600_000, maxEntries: 20_000 })
        : undefined,
  });
  core.flows = { accept: (conv, msg) => flowsPart.runner.accept(conv, msg), resume: (tenantId, id) => flowsPart.runner.resume(tenantId, id) };
  // ---- bot analytics (issue 23, part 4): 5-minute rollup, message log cleanup, routes ----
  const analytics = createBotAnalytics({ db: deps.db, clock: deps.clock, blobs: deps.blobs, log }, { messageLogDays: ports.messageLogDays });

  return {
    bots,
    conversations,
    flows: flowsPart.flows,
    registry,
    /** Events a driver produced outside a webhook (Baileys' socket): give them to the driver's `onEvent`. */
    ingestEvents,
    /** Send on a conversation (order notifications): checked and queued like POST /v1/messages; a template outside the window. */
    sendToConversation: (tenantId: string, conversationId: string, content: OutboundContent, category: Category) => conversations.sendToConversation(tenantId, conversationId, content, category),
    /** Bot analytics: rollup(now), cleanup(now) (maintenance runs both every 5 minutes). */
    analytics,
    /** Periodic maintenance: re-queue inbound events whose job was lost; delete expired inbound media; the flows' own; bot analytics' rollup and message log cleanup. */
    async maintenance() {
      const requeued = await ingest.recoverStale();
      const purged = await purgeExpiredMedia(core);
      const flowRuns = await flowsPart.maintenance();
      const botAnalytics = await analytics.maintenance(deps.clock.now()); // bot analytics (issue 23, part 4)
      return { requeued, purged, flowRuns, botAnalytics };
    },
    /** Open conversations assigned to each seller (the orders part's seller counts). */
    conversationCounts: (tenantId: string, sellerIds: string[]) => convRepo.openCountsBySeller(deps.db, tenantId, sellerIds),
    breakerState: (connectionId: string) => sender.router.breakerState(connectionId),
    registerRoutes(app: App) {
      linkBase = () => app.linkBase();
      for (const s of [Connection, Bot, Conversation, Message]) app.addSchema(s);
      botRoutes(app, { bots });
      const status = botStatusRoutes(app, { core, breakerState: (id) => sender.router.breakerState(id) });
      conversationRoutes(app, {
        conversations,
        mediaUrl: (baseUrl) => async (key, contentType) => (ports.signedUrl ? (await ports.signedUrl(key, contentType, baseUrl)).url : ((await deps.blobs.signedUrl(key, { expiresInS: 900, contentType })) ?? '')),
      });
      simulatorRoutes(app, { sim });
      bridgeRoutes(app, { conversations, status });
      registerWebhookRoutes(app, handleWebhook, connections);
      flowsPart.registerRoutes(app);
      analytics.registerRoutes(app); // bot analytics (issue 23, part 4)
    },
    registerJobs() {
      // 3 minutes: a flow without a debounce runs in this job (its API calls may take 30 s each).
      const inboundBackoff = (n: number) => Math.min(30_000, 500 * 2 ** Math.max(0, n - 1));
      deps.jobs.register(defineJob<InboundJobPayload>({ name: INBOUND_JOB, attempts: 6, timeoutMs: 180_000, concurrency: 8, backoffMs: inboundBackoff, handler: processInbound.handle }) as never);
      deps.jobs.register(defineJob<InboundBatchPayload>({ name: INBOUND_BATCH_JOB, attempts: 6, timeoutMs: 600_000, concurrency: 4, backoffMs: inboundBackoff, handler: processInbound.handleBatch }) as never);
      deps.jobs.register(sender.job as never);
      flowsPart.registerJobs();
    },
    async close() {
      await connections.close();
      await botRows.close();
      await flowsPart.close();
    },
  };
}

export type CommerceModule = Awaited<ReturnType<typeof createCommerceModule>>;
export type { CommercePorts, CartOrder, CommerceWebhookType, FlowPorts, FlowProduct, FlowOrder } from './ports.js';
export { topicsOf, type RealtimeType } from './realtime.js';
export * from './channels/index.js';
