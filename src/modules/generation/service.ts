/**
 * Generation use-cases: creating one (answered from the per-tenant result cache when the same
 * request was made before), reading, listing, cancelling, erasing, the retention purge, and the
 * bounded wait of the older API. The image itself is made by the `generation.run` job (pipeline.ts).
 *
 * Order of a create: which providers may serve it (none configured: 503 naming the settings,
 * before anything is stored or counted), the size, the reference images through the try-on
 * module's intake, the cache, the quota, the row, the job.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { nearestAspectRatio } from '../../platform/providers/gemini-api.js';
import type { Deps } from '../../deps.js';
import { GENERATION_ASPECT_RATIOS, SIZE_LIMITS, type TCreateGenerationBody, type TGeneration } from '../../../contracts/generations.js';
import * as repo from './repository.js';
import { CANCEL_CHANNEL, FINAL_STATUSES, eventChannel, publishEvent, type GenerationEvent } from './events.js';
import { PROVIDER_SETTINGS, type GenerationProvider, type GenerationProviderName } from './providers/types.js';
import type { GenerationPorts, IntakeCaller } from './ports.js';
import type { GenerationRow, GenerationStatus } from './tables.js';

export const RUN_JOB = 'generation.run';
const CACHE_VERSION = 'g1';
/** The longer side of an image asked for by aspect ratio only (or by nothing). */
const DEFAULT_LONG_SIDE = 1024;
const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Who asks: the key's tenant and id, and the caller as the try-on intake knows it. */
export type GenerationCaller = { tenantId: string; keyId: string | null; environment: 'live' | 'test'; intake: IntakeCaller };

/** Width and height for a ratio like `16:9`, the longer side DEFAULT_LONG_SIDE. */
function sizeOfRatio(ratio: string) {
  const [w, h] = ratio.split(':').map(Number) as [number, number];
  return w >= h ? { width: DEFAULT_LONG_SIDE, height: Math.round((DEFAULT_LONG_SIDE * h) / w) } : { width: Math.round((DEFAULT_LONG_SIDE * w) / h), height: DEFAULT_LONG_SIDE };
}

export function resolveSize(body: Pick<TCreateGenerationBody, 'size' | 'aspect_ratio'>): { width: number; height: number; aspectRatio: string } {
  if (body.size && body.aspect_ratio) throw new AppError('VALIDATION_FAILED', 'Give either `size` or `aspect_ratio`, not both.');
  if (body.size) {
    const { width, height } = body.size;
    if (Math.max(width, height) / Math.min(width, height) > SIZE_LIMITS.maxRatio) {
      throw new AppError('VALIDATION_FAILED', `size ${width}×${height} is too elongated: at most ${SIZE_LIMITS.maxRatio}:1 either way.`);
    }
    return { width, height, aspectRatio: nearestAspectRatio(width, height, GENERATION_ASPECT_RATIOS) };
  }
  const aspectRatio = body.aspect_ratio ?? '1:1';
  return { ...sizeOfRatio(aspectRatio), aspectRatio };
}

export function createGenerationService(deps: Pick<Deps, 'db' | 'blobs' | 'clock' | 'pubsub' | 'jobs' | 'config'>, ports: GenerationPorts, providers: GenerationProvider[]) {
  const { db, blobs, clock, pubsub, config } = deps;
  const byName = new Map(providers.map((p) => [p.name, p]));

  /** The provider order a request may use, or the reason it may use none. Nothing is stored before this. */
  function route(body: Pick<TCreateGenerationBody, 'provider' | 'model' | 'reference_images'>): { order: string[]; provider: string | null; model: string | null } {
    if (providers.length === 0) {
      throw new AppError(
        'GENERATION_PROVIDER_NOT_CONFIGURED',
        `No image generation provider is configured on this server: set ${PROVIDER_SETTINGS.gemini} (Gemini image generation, "Nano Banana") or ${PROVIDER_SETTINGS.fal} (fal) and restart it.`,
      );
    }
    const refs = body.reference_images?.length ?? 0;
    const model = body.model ?? null;
    let name = body.provider as GenerationProviderName | undefined;
    if (!name && model) {
      name = model.startsWith('gemini-') ? 'gemini' : model.startsWith('fal-ai/') ? 'fal' : undefined;
      if (!name) throw new AppError('VALIDATION_FAILED', `Model ${model} belongs to no known provider: Gemini models start with "gemini-", fal models with "fal-ai/".`);
    }
    if (name) {
      const p = byName.get(name);
      if (!p) throw new AppError('PROVIDER_NOT_CONFIGURED', `Provider ${name} is not configured on this server: set ${PROVIDER_SETTINGS[name]} to use it${providers.length > 0 ? `, or leave provider out (configured: ${[...byName.keys()].join(', ')})` : ''}.`);
      if (model && !p.knowsModel(model)) throw new AppError('VALIDATION_FAILED', `Model ${model} is not a ${name} model here; use one of ${p.models.join(', ')}.`);
      const max = p.maxReferenceImages(model ?? undefined);
      if (refs > max) throw new AppError('VALIDATION_FAILED', `${model ?? `${name}'s default model`} takes at most ${max} reference image(s); ${refs} were given.`);
      return { order: [name], provider: name, model };
    }
    const order = config.generation.providerOrder.filter((n) => byName.has(n));
    if (order.length === 0) {
      throw new AppError('GENERATION_PROVIDER_NOT_CONFIGURED', `No provider of PROBADOR_GENERATION_PROVIDER_ORDER (${config.generation.providerOrder.join(', ')}) is configured: set its key (${config.generation.providerOrder.map((n) => PROVIDER_SETTINGS[n]).join(' or ')}).`);
    }
    if (!order.some((n) => byName.get(n)!.maxReferenceImages() >= refs)) {
      throw new AppError('VALIDATION_FAILED', `No configured provider takes ${refs} reference images with its default model.`);
    }
    return { order, provider: null, model: null };
  }

  function cacheKeyOf(tenantId: string, body: TCreateGenerationBody, refs: { sha256: string }[], size: ReturnType<typeof resolveSize>, provider: string | null, model: string | null) {
    const parts = [CACHE_VERSION, tenantId, body.prompt, refs.map((r) => r.sha256), size.width, size.height, size.aspectRatio, provider, model, body.seed ?? null];
    return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
  }

  async function signedResult(row: GenerationRow, baseUrl: string) {
    if (row.status !== 'succeeded' || !row.resultBlobKey || !row.resultContentType) return null;
    const s = await ports.signedUrl(row.resultBlobKey, row.resultContentType, baseUrl);
    return {
      url: s.url,
      url_expires_at: s.expiresAt.toISOString(),
      content_type: row.resultContentType,
      width: row.resultWidth ?? 0,
      height: row.resultHeight ?? 0,
      bytes: row.resultBytes ?? 0,
      meta: row.resultMeta ?? {},
    };
  }

  async function present(row: GenerationRow, baseUrl: string, withAttempts: boolean): Promise<TGeneration> {
    const attempts = withAttempts ? await repo.listAttempts(db, row.tenantId, row.id) : undefined;
    return {
      id: row.id,
      object: 'generation',
      status: row.status,
      stage: row.stage,
      prompt: row.prompt,
      reference_images: row.referenceImages.map((r) => ({ upload_id: r.upload_id })),
      size: { width: row.width, height: row.height },
      aspect_ratio: row.aspectRatio,
      provider: row.provider,
      model: row.model,
      requested_provider: row.requestedProvider,
      requested_model: row.requestedModel,
      seed: row.seed,
      cached: row.cached,
      result: await signedResult(row, baseUrl),
      timings: {
        queued_ms: row.startedAt ? row.startedAt.getTime() - row.queuedAt.getTime() : null,
        provider_ms: row.providerMs,
        total_ms: row.finishedAt ? row.finishedAt.getTime() - row.queuedAt.getTime() : null,
      },
      attempts_count: row.attemptsCount,
      ...(attempts
        ? {
            attempts: attempts.map((a) => ({
              provider: a.provider,
              model: a.model,
              hedged: a.hedged,
              outcome: a.outcome,
              error_class: a.errorClass,
              latency_ms: a.latencyMs,
              cost_usd: a.costUsd,
              started_at: a.startedAt.toISOString(),
            })),
          }
        : {}),
      cost_usd: row.costUsd,
      error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? '' } : null,
      metadata: row.metadata,
      created_at: row.createdAt.toISOString(),
      started_at: iso(row.startedAt),
      finished_at: iso(row.finishedAt),
      expires_at: iso(row.expiresAt),
    };
  }

  async function getRow(tenantId: string, id: string) {
    const row = await repo.findGeneration(db, tenantId, id);
    if (!row) throw new AppError('GENERATION_NOT_FOUND', `Generation ${id} not found.`);
    return row;
  }

  /**
   * Drop the cache entries of these generations first (a concurrent hit holds its entry FOR SHARE,
   * so this waits for it), clear their results, then delete each blob no generation refers to any more.
   */
  async function releaseResults(tenantId: string, rows: { id: string; resultBlobKey: string | null }[], status: 'expired' | null, now: Date) {
    const ids = rows.map((r) => r.id);
    await repo.deleteCacheFor(db, tenantId, ids);
    await repo.clearResults(db, tenantId, ids, status, now);
    const keys = [...new Set(rows.map((r) => r.resultBlobKey).filter((k): k is string => !!k))];
    const stillUsed = await repo.referencedResultKeys(db, tenantId, keys);
    for (const k of keys) if (!stillUsed.has(k)) await blobs.delete(k);
  }

  async function cancel(tenantId: string, id: string, reason: 'requested' | 'erased') {
    const now = new Date(clock.now());
    const queued = await repo.updateGenerationIf(db, tenantId, id, ['queued'], {
      status: 'canceled',
      stage: null,
      cancelRequested: true,
      finishedAt: now,
      errorCode: 'CANCELED',
      errorMessage: reason === 'erased' ? 'The generation was deleted.' : 'Canceled on request.',
    });
    if (queued) {
      await ports.refundGeneration(tenantId);
      await publishEvent(pubsub, { id, status: 'canceled', at: now.toISOString() });
      await ports.emitWebhook(tenantId, 'generation.canceled', { id, reason, metadata: queued.metadata });
      return queued;
    }
    const running = await repo.updateGenerationIf(db, tenantId, id, ['processing'], { cancelRequested: true });
    if (running) await pubsub.publish(CANCEL_CHANNEL, JSON.stringify({ id, tenantId }));
    return running;
  }

  /**
   * Resolves with the row once it is final or `ms` have passed (then with the row as it is). Listens
   * on the bus (any node's worker may run the job), re-reading the row after subscribing so an
   * end that happened before is not missed.
   */
  async function waitForFinal(tenantId: string, id: string, ms: number): Promise<GenerationRow> {
    const row = await getRow(tenantId, id);
    if (FINAL_STATUSES.has(row.status) || ms <= 0) return row;
    let wake: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => (wake = resolve));
    const unsubscribe = await pubsub.subscribe(eventChannel(id), (msg) => {
      if (FINAL_STATUSES.has((JSON.parse(msg) as GenerationEvent).status)) wake();
    });
    const timer = setTimeout(wake, ms);
    try {
      const now = await getRow(tenantId, id);
      if (FINAL_STATUSES.has(now.status)) return now;
      await ended;
      return getRow(tenantId, id);
    } finally {
      clearTimeout(timer);
      await unsubscribe();
    }
  }

  return {
    present,
    getRow,
    waitForFinal,
    /** Providers that would serve a request, for the older API's service/model mapping. */
    route,

    async create(c: GenerationCaller, body: TCreateGenerationBody, source: 'api' | 'compat' = 'api'): Promise<GenerationRow> {
      const { provider, model } = route(body);
      const size = resolveSize(body);
      const tenant = await ports.getTenant(c.tenantId);
      const refs = await ports.intakeImages(c.intake, body.reference_images ?? []);
      const cacheKey = cacheKeyOf(c.tenantId, body, refs, size, provider, model);
      const now = clock.now();
      const base = {
        keyId: c.keyId,
        environment: c.environment,
        source,
        prompt: body.prompt,
        referenceImages: refs,
        width: size.width,
        height: size.height,
        aspectRatio: size.aspectRatio,
        requestedProvider: provider,
        requestedModel: model,
        seed: body.seed ?? null,
        metadata: body.metadata ?? {},
        cacheKey,
        queuedAt: new Date(now),
        createdAt: new Date(now),
        updatedAt: new Date(now),
        expiresAt: new Date(now + ports.retentionMs[tenant.retention]),
      };
      const useCache = body.cache !== false && tenant.retention !== 'process-only';
      if (useCache) {
        const id = newId('generation');
        const hit = await repo.insertCachedGeneration(
          db,
          c.tenantId,
          cacheKey,
          { ...base, id, status: 'succeeded', cached: true, startedAt: new Date(now), finishedAt: new Date(clock.now()), providerMs: 0 },
          async (entry) => (await blobs.head(entry.resultBlobKey)) !== undefined,
        );
        if (hit) {
          await ports.recordUsage(c.tenantId, 'generation.cache_hit', { refId: id, meta: { provider: hit.provider, model: hit.model } });
          await ports.emitWebhook(c.tenantId, 'generation.succeeded', { id, cached: true, provider: hit.provider, model: hit.model, metadata: hit.metadata });
          return hit;
        }
      }
      await ports.consumeGeneration(tenant);
      const id = newId('generation');
      const row = await repo.insertGeneration(db, c.tenantId, { ...base, id, status: 'queued' });
      await deps.jobs.enqueue(RUN_JOB, { tenantId: c.tenantId, generationId: id }, { dedupeKey: id });
      return row;
    },

    list: (tenantId: string, q: { limit: number; startingAfter?: string | undefined; status?: GenerationStatus | undefined }) => repo.listGenerations(db, tenantId, q),

    async cancel(tenantId: string, id: string) {
      const row = await getRow(tenantId, id);
      if (row.status !== 'queued' && row.status !== 'processing') throw new AppError('GENERATION_NOT_CANCELABLE', `Generation ${id} is already ${row.status}.`);
      await cancel(tenantId, id, 'requested');
      return getRow(tenantId, id);
    },

    /** DELETE: stop it if it runs, erase its result (unless a cache hit still shares it), the reference images made for it, and the record. */
    async erase(tenantId: string, id: string) {
      const row = await getRow(tenantId, id);
      if (row.status === 'queued' || row.status === 'processing') {
        // A queued one is refunded by its cancel; a running one would be by its job, which will find no row.
        const running = await cancel(tenantId, id, 'erased');
        if (running?.status === 'processing') await ports.refundGeneration(tenantId);
      }
      await releaseResults(tenantId, [row], null, new Date(clock.now()));
      const created = row.referenceImages.filter((r) => r.created).map((r) => r.upload_id);
      if (created.length > 0) await ports.eraseUploads(tenantId, created);
      await repo.deleteGeneration(db, tenantId, id);
    },

    queuePosition: (row: GenerationRow) => repo.queuePosition(db, row.queuedAt),

    /** Retention: results past their expiry are deleted and the rows become `expired` (the worker's maintenance). */
    async purgeExpired() {
      const now = new Date(clock.now());
      let results = 0;
      for (const g of await repo.expiredGenerations(db, now, 500)) {
        await releaseResults(g.tenantId, [{ id: g.id, resultBlobKey: g.blobKey }], 'expired', now);
        results++;
      }
      return { generations: results };
    },
  };
}

export type GenerationService = ReturnType<typeof createGenerationService>;
