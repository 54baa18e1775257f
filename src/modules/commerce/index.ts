/**
 * Conversational commerce, the core: bots and their channel connections (credentials sealed),
 * the channel drivers by provider (channels/registry.ts; the simulator is built in), the inbound
 * pipeline (webhooks → ledger → `commerce.inbound` job → contacts, conversations, messages,
 * opt-outs, away messages), the sender (`POST /v1/messages` → `commerce.send` job: fallback over
 * the bot's connections that respects WhatsApp's window, opt-outs and per-number limits),
 * conversations and handover, and realtime events on `commerce.events`. Other modules use only
 * what this file exports.
 */
import type { Deps } from '../../deps.js';
import type { App } from '../../platform/http/types.js';
import { loadSecretBox } from '../../platform/crypto/secret-box.js';
import { listenBase } from '../../platform/http/link-base.js';
import { Bot, Connection } from '../../../contracts/commerce.js';
import { createBotsService } from './bots/service.js';
import { botRoutes } from './bots/routes.js';
import { createChannelRegistry } from './channels/registry.js';
import { policyFetch } from './channels/policy-fetch.js';
import { simulatorDriver } from './channels/simulator.js';
import type { ChannelDriver } from './channels/types.js';
import type { CommercePorts } from './ports.js';

export type CommerceOptions = {
  /** More channel drivers (Meta, Twilio, Evolution, Baileys), registered by provider name. */
  drivers?: ChannelDriver[];
};

export type CommerceDeps = Pick<Deps, 'db' | 'clock' | 'config' | 'log' | 'jobs' | 'pubsub' | 'limiter' | 'blobs'>;

export async function createCommerceModule(deps: CommerceDeps, ports: CommercePorts = {}, opts: CommerceOptions = {}) {
  const { config } = deps;
  const log = deps.log.child({ module: 'commerce' });
  const box = await loadSecretBox(deps.db, { keys: config.secretsKeys, production: config.production, log });
  let linkBase = () => config.publicUrl ?? listenBase(config.host, config.port);
  const registry = createChannelRegistry(opts.drivers ?? []);
  const fetch = policyFetch({ allowPrivateHosts: config.fetch.allowPrivateHosts, timeoutMs: 15_000, maxBytes: 16 * 1024 * 1024 });
  const bots = createBotsService({ db: deps.db, clock: deps.clock, box, registry, fetch, linkBase: () => linkBase() });
  registry.register(
    simulatorDriver({
      db: deps.db,
      clock: deps.clock,
      templatesOf: async (tenantId, botId) => (await bots.getBot(tenantId, botId)).templates,
      emit: async () => undefined,
    }),
  );
  void ports;
  return {
    bots,
    registry,
    registerRoutes(app: App) {
      linkBase = () => app.linkBase();
      for (const s of [Connection, Bot]) app.addSchema(s);
      botRoutes(app, { bots });
    },
    registerJobs() {},
    async close() {},
  };
}

export type CommerceModule = Awaited<ReturnType<typeof createCommerceModule>>;
export type { CommercePorts } from './ports.js';
export { createChannelRegistry, type ChannelRegistry } from './channels/registry.js';
export * from './channels/types.js';
