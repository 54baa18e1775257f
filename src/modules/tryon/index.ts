/**
 * Try-on: uploads, jobs through the provider router, result cache, retention, SSE and webhooks.
 * Other modules use only what this file exports.
 */
import multipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.js';
import type { TCreateTryonBody } from '../../../contracts/tryons.js';
import type { Deps } from '../../deps.js';
import type { App } from '../../platform/http/types.js';
import { defineJob } from '../../platform/jobs/types.js';
import { createTryonService, GENERATE_JOB } from './service.js';
import { createPipeline, type GeneratePayload } from './pipeline.js';
import { createRouter } from './router.js';
import { createProvidersFromConfig } from './providers/index.js';
import type { TryonProvider } from './providers/types.js';
import type { TryonPorts } from './ports.js';
import { uploadRoutes } from './routes/uploads.js';
import { tryonRoutes } from './routes/tryons.js';
import { fileRoutes } from './routes/files.js';
import { callerOf } from './routes/caller.js';
import { createCatalogImages } from './catalog-images.js';
import { createIntakeImages } from './intake-images.js';
import type { Caller } from './service.js';
import type { Cutout as GarmentCutout } from './providers/local-cutout.js';

export type TryonModuleOptions = {
  /** Providers to use instead of those built from the config (tests pass adapters pointed at fakes). */
  providers?: TryonProvider[];
};

export function createTryonModule(deps: Deps, ports: TryonPorts, opts: TryonModuleOptions = {}) {
  const providers = opts.providers ?? createProvidersFromConfig({ ...deps.config.providers, local: { perceive: ports.bodyPose, threads: deps.config.perception.localEngineThreads } });
  const router = createRouter({
    providers,
    timeoutMs: () => deps.config.tryon.providerTimeoutMs,
    retries: deps.config.tryon.retries,
    breaker: { consecutiveFailures: 5, halfOpenAfterMs: 30_000 },
  });
  const service = createTryonService(deps, ports);
  const pipeline = createPipeline(deps, ports, router, service);
  const catalogImages = createCatalogImages(deps, service);
  const intake = createIntakeImages(service);
  /** A caller acting for the tenant itself (a secret key's view, no widget session), for work not tied to a request. */
  const tenantCaller = (tenantId: string): Caller => ({
    principal: { kind: 'api_key', tenantId, keyId: 'system', keyKind: 'secret', environment: 'live', tier: '', limits: { perKey: 0, perTenant: 0 } },
    widgetSession: null,
    baseUrl: '',
  });
  deps.jobs.register(
    defineJob<GeneratePayload>({
      name: GENERATE_JOB,
      attempts: 3,
      timeoutMs: deps.config.tryon.providerTimeoutMs * 3 + 30_000,
      concurrency: deps.config.tryon.concurrency,
      backoffMs: (n) => Math.min(30_000, 2_000 * 2 ** (n - 1)),
      handler: (p, ctx) => pipeline.run(p, ctx),
      onFailed: (p, err) => pipeline.onFailed(p, err),
    }) as never,
  );
  return {
    service,
    router,
    /** Garment images for a store's catalog (modules/catalog): same intake as uploads, kept until released. */
    catalogImages,
    /** A caller acting for the tenant itself (no key, no widget session), for work not tied to a request (a WhatsApp flow's step). */
    systemCaller: (tenantId: string, baseUrl = ''): Caller => ({ ...tenantCaller(tenantId), baseUrl }),
    /** The caller of a request as intake and links see it (its key, widget session, link base). */
    callerOf: (req: FastifyRequest): Caller => callerOf(req, deps.config),
    /** Images of other modules (generation references, style selfies) through the upload intake; see intake-images.ts. */
    intakeImages: (c: Caller, refs: string[], opts?: { kind?: 'person' | 'garment'; shopperId?: string | null }) => intake.store(c, refs, opts),
    /** Erase uploads of the tenant (blobs gone, rows kept as records), e.g. a process-only tenant's inputs. */
    eraseUploads: (tenantId: string, uploadIds: string[]) => intake.erase(tenantCaller(tenantId), uploadIds),
    /** A short-lived signed link to a stored blob, like try-on results' (served by /v1/files). */
    signedUrl: (key: string, contentType: string, baseUrl: string) => catalogImages.signedUrl(key, contentType, baseUrl),
    async start() {
      await pipeline.start();
    },
    async registerRoutes(app: App) {
      // Multipart only where it is read: the plugin's parser and its per-request hook (an async
      // onResponse that cleans saved files) would otherwise run on every route of the server.
      await app.register(async (scope: App) => {
        await scope.register(multipart, { limits: { fileSize: deps.config.images.maxBytes, files: 4 } });
        uploadRoutes(scope, { svc: service, config: deps.config });
        tryonRoutes(scope, { svc: service, config: deps.config, pubsub: deps.pubsub });
      });
      fileRoutes(app, { blobs: deps.blobs, clock: deps.clock, secret: service.filesSecret });
    },
    /** The bytes of an upload the caller may see (tenant and widget session checked), e.g. for a photo check. */
    async readUpload(req: FastifyRequest, uploadId: string): Promise<Buffer> {
      const u = await service.getUpload(callerOf(req, deps.config), uploadId);
      const bytes = u.blobKey ? await deps.blobs.get(u.blobKey) : undefined;
      if (!bytes) throw new AppError('UPLOAD_GONE', `Upload ${uploadId} was deleted or has expired.`);
      return bytes;
    },
    /**
     * A try-on for work not tied to a request (a WhatsApp flow's step): the person's photo (bytes)
     * on a catalog product, as the tenant itself; waits up to `waitMs` for the result. Throws an
     * Error when there is none (the intake's AppError for a bad photo).
     */
    async tryOnProduct(tenantId: string, p: { person: Buffer; contentType: string; productId: string; waitMs: number }): Promise<{ tryonId: string; key: string; contentType: string }> {
      const c = tenantCaller(tenantId);
      const [person] = await intake.store(c, [`data:${p.contentType};base64,${p.person.toString('base64')}`], { kind: 'person' });
      const created = await service.createTryon(c, { person: person!.upload_id, garments: [{ product_id: p.productId }] } as TCreateTryonBody);
      const deadline = Date.now() + p.waitMs;
      for (let row = created; ; row = await service.getTryonRow(c, created.id)) {
        if (row.status === 'succeeded' && row.resultBlobKey) return { tryonId: row.id, key: row.resultBlobKey, contentType: row.resultContentType ?? 'image/jpeg' };
        if (row.status === 'failed' || row.status === 'canceled' || row.status === 'expired') throw new Error(`The try-on ${row.id} ${row.status}${row.errorCode ? ` (${row.errorCode})` : ''}.`);
        if (Date.now() > deadline) throw new Error(`The try-on ${row.id} did not finish in time.`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    /** Retention purge, run by the worker's maintenance loop. */
    purgeExpired: () => service.purgeExpired(),
    async close() {
      await pipeline.close();
    },
  };
}

export type TryonModule = ReturnType<typeof createTryonModule>;
export type { TryonPorts, ProductGarment } from './ports.js';
/** How long each retention setting keeps photos and results (the generation module follows it too). */
export { RETENTION_MS } from './ports.js';
export type { Caller as TryonCaller } from './service.js';
/** How a multipart body's file parts are referred to (`multipart-part:<field>:<n>`), for intakeImages. */
export { MULTIPART_REF } from './service.js';
export type { IntakenImage } from './intake-images.js';
export type { CatalogImages, StoredImage } from './catalog-images.js';
export type { TryonProvider } from './providers/types.js';
/** Read-only: the analytics module aggregates these tables into its rollups (it never writes them). */
export { tryons as tryonsTable, tryonAttempts as tryonAttemptsTable } from './tables.js';
/** The offline engine, for tools and tests that run it directly (docs picture, perception tests). */
export { createLocalProvider } from './providers/local.js';
/**
 * The local engine's garment cut-out (the packshot's background modelled from its border and
 * removed): RGBA, alpha = garment, cropped, at most `maxSide` px. The style module reads a
 * product's colour from it. Loaded on first use, like the engine (sharp stays unloaded at start).
 */
export async function garmentCutout(bytes: Buffer, maxSide?: number): Promise<GarmentCutout> {
  return (await import('./providers/local-cutout.js')).cutOutGarment(bytes, maxSide);
}
export type { Cutout as GarmentCutout } from './providers/local-cutout.js';
