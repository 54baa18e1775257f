/**
 * Image generation from a prompt and 0–3 reference images (Gemini "Nano Banana" models, fal), as an
 * asynchronous job on the platform's provider router, with the try-ons' cache, retention, SSE and
 * webhooks; and the older Tryon Backend's API over it (compat/). Other modules use only what this
 * file exports.
 */
import type { Deps } from '../../deps.js';
import type { App } from '../../platform/http/types.js';
import { defineJob } from '../../platform/jobs/types.js';
import { createProviderRouter } from '../../platform/providers/router.js';
import { Generation } from '../../../contracts/generations.js';
import { createGenerationService, RUN_JOB } from './service.js';
import { createPipeline, type RunPayload } from './pipeline.js';
import { createGenerationProvidersFromConfig, type GenerationInput, type GenerationOutput, type GenerationProvider } from './providers/index.js';
import type { GenerationPorts } from './ports.js';
import { generationRoutes } from './routes.js';
import { compatRoutes } from './compat/routes.js';

export type GenerationModuleOptions = {
  /** Providers to use instead of those built from the config (tests pass adapters pointed at fakes). */
  providers?: GenerationProvider[];
};

export function createGenerationModule(deps: Deps, ports: GenerationPorts, opts: GenerationModuleOptions = {}) {
  const providers = opts.providers ?? createGenerationProvidersFromConfig(deps.config);
  const router = createProviderRouter<GenerationInput, GenerationOutput, GenerationProvider>({
    providers,
    timeoutMs: () => deps.config.tryon.providerTimeoutMs,
    retries: deps.config.tryon.retries,
    breaker: { consecutiveFailures: 5, halfOpenAfterMs: 30_000 },
    noProviderMessage: 'no configured provider takes this generation',
    // A provider whose model takes fewer reference images than given is left out of the walk.
    accepts: (p, input) => p.maxReferenceImages(input.model) >= input.references.length,
  });
  const service = createGenerationService(deps, ports, providers);
  const pipeline = createPipeline(deps, ports, router);
  deps.jobs.register(
    defineJob<RunPayload>({
      name: RUN_JOB,
      attempts: 3,
      timeoutMs: deps.config.tryon.providerTimeoutMs * 3 + 30_000,
      concurrency: deps.config.generation.concurrency,
      backoffMs: (n) => Math.min(30_000, 2_000 * 2 ** (n - 1)),
      handler: (p, ctx) => pipeline.run(p, ctx),
      onFailed: (p, err) => pipeline.onFailed(p, err),
    }) as never,
  );
  return {
    service,
    router,
    async start() {
      await pipeline.start();
    },
    registerRoutes(app: App) {
      app.addSchema(Generation);
      generationRoutes(app, { svc: service, ports, config: deps.config, pubsub: deps.pubsub });
      compatRoutes(app, { svc: service, ports, config: deps.config, db: deps.db, clock: deps.clock });
    },
    /** Retention purge, run by the worker's maintenance loop. */
    purgeExpired: () => service.purgeExpired(),
    async close() {
      await pipeline.close();
    },
  };
}

export type GenerationModule = ReturnType<typeof createGenerationModule>;
export type { GenerationPorts, TenantView as GenerationTenantView, StoredReference } from './ports.js';
export type { GenerationProvider } from './providers/types.js';
export { createGeminiGenerationProvider, createFalGenerationProvider } from './providers/index.js';
