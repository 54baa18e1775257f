/**
 * The `generation.run` job: read the reference images, route to providers (the platform router:
 * timeout → breaker → retries → fallback → hedging), store the result, cache it, tell the client
 * (events on the bus, webhook), record usage. Idempotent: a generation already final is left
 * alone; the result key is fixed per generation and the final update only applies while the row
 * is `processing`, so a job that runs twice after a crash still yields one result.
 */
import { sql } from 'drizzle-orm';
import type { Deps } from '../../deps.js';
import { newId } from '../../platform/ids.js';
import { dimensionsOf } from '../../platform/images/dimensions.js';
import type { JobContext } from '../../platform/jobs/types.js';
import { RoutingError, routingOutcome, type AttemptRecord, type ProviderRouter } from '../../platform/providers/router.js';
import type { ImageContentType, InputImage } from '../../platform/providers/types.js';
import * as repo from './repository.js';
import { CANCEL_CHANNEL, publishEvent } from './events.js';
import type { GenerationInput, GenerationOutput, GenerationProvider } from './providers/types.js';
import type { GenerationPorts } from './ports.js';
import { generations, type GenerationRow, type NewGenerationAttempt } from './tables.js';

export type RunPayload = { tenantId: string; generationId: string };
export type GenerationRouter = ProviderRouter<GenerationInput, GenerationOutput, GenerationProvider>;

export class RetryLater extends Error {
  override name = 'RetryLater';
}

const extensionOf = (contentType: string) => (contentType === 'image/png' ? 'png' : contentType === 'image/webp' ? 'webp' : 'jpg');

export function createPipeline(deps: Pick<Deps, 'db' | 'blobs' | 'clock' | 'pubsub' | 'log' | 'config'>, ports: GenerationPorts, router: GenerationRouter) {
  const { db, blobs, clock, pubsub, log, config } = deps;
  const running = new Map<string, AbortController>();
  let unsubscribe: (() => Promise<void>) | undefined;

  const attemptRow = (generationId: string, a: AttemptRecord): Omit<NewGenerationAttempt, 'tenantId'> => ({
    id: newId('attempt'),
    generationId,
    provider: a.provider,
    model: a.model ?? null,
    step: a.step,
    hedged: a.hedged,
    outcome: a.outcome,
    errorClass: a.errorClass ?? null,
    errorMessage: a.errorMessage ?? null,
    latencyMs: Math.round(a.latencyMs),
    costUsd: a.costUsd,
    startedAt: a.startedAt,
  });

  async function fail(row: Pick<GenerationRow, 'id' | 'tenantId' | 'metadata'>, code: string, message: string) {
    const now = new Date(clock.now());
    const done = await repo.updateGenerationIf(db, row.tenantId, row.id, ['queued', 'processing'], { status: 'failed', errorCode: code, errorMessage: message.slice(0, 500), finishedAt: now, stage: null });
    if (!done) return;
    await ports.refundGeneration(row.tenantId);
    await ports.recordUsage(row.tenantId, 'generation.failed', { refId: row.id, meta: { code } });
    await publishEvent(pubsub, { id: row.id, status: 'failed', at: now.toISOString() });
    await ports.emitWebhook(row.tenantId, 'generation.failed', { id: row.id, error: { code, message }, metadata: row.metadata });
  }

  async function markCanceled(row: Pick<GenerationRow, 'id' | 'tenantId' | 'metadata'>) {
    const now = new Date(clock.now());
    const done = await repo.updateGenerationIf(db, row.tenantId, row.id, ['queued', 'processing'], { status: 'canceled', errorCode: 'CANCELED', errorMessage: 'Canceled on request.', finishedAt: now, stage: null });
    if (!done) return;
    await ports.refundGeneration(row.tenantId);
    await publishEvent(pubsub, { id: row.id, status: 'canceled', at: now.toISOString() });
    await ports.emitWebhook(row.tenantId, 'generation.canceled', { id: row.id, reason: 'requested', metadata: row.metadata });
  }

  async function run({ tenantId, generationId }: RunPayload, ctx: JobContext) {
    // Listen for a cancel before the row says `processing`: a cancel that finds the row processing
    // sets cancel_requested and publishes, and the start below returns that flag.
    const ac = new AbortController();
    running.set(generationId, ac);
    const onJobAbort = () => ac.abort(ctx.signal.reason);
    ctx.signal.addEventListener('abort', onJobAbort, { once: true });
    const succeededAttempts: Omit<NewGenerationAttempt, 'tenantId'>[] = [];
    const recorded: Promise<void>[] = [];
    let attemptsCount = 0;
    let row: GenerationRow | undefined;
    try {
      const startedAt = new Date(clock.now());
      row = await repo.updateGenerationIf(db, tenantId, generationId, ['queued', 'processing'], {
        status: 'processing',
        stage: 'generating',
        startedAt: sql`coalesce(${generations.startedAt}, ${startedAt})` as unknown as Date,
        updatedAt: startedAt,
      });
      if (!row) return; // gone or already final: nothing to do
      if (row.cancelRequested) return await markCanceled(row);
      await publishEvent(pubsub, { id: generationId, status: 'processing', stage: 'generating', at: startedAt.toISOString() });
      const tenant = await ports.getTenant(tenantId);
      const references: (InputImage | undefined)[] = await Promise.all(
        row.referenceImages.map(async (r) => {
          const bytes = await blobs.get(r.blob.key);
          return bytes ? { bytes, contentType: r.blob.content_type as ImageContentType, width: r.blob.width, height: r.blob.height } : undefined;
        }),
      );
      if (references.some((r) => !r)) return await fail(row, 'INPUT_GONE', 'A reference image of this generation was deleted or has expired.');

      // A succeeded attempt is written with the result (one transaction); others at once, so a
      // failing provider's attempts are on record while the job goes on.
      const onAttempt = (a: AttemptRecord) => {
        attemptsCount++;
        const r = attemptRow(generationId, a);
        if (a.outcome === 'succeeded') succeededAttempts.push(r);
        else recorded.push(repo.insertAttempts(db, tenantId, [r]).catch((err) => log.warn({ err, generation_id: generationId }, 'could not record attempt')));
      };
      let lastStage = '';
      const onProgress = (provider: string, e: { stage: string; queuePosition?: number | undefined }) => {
        const key = `${provider}:${e.stage}:${e.queuePosition ?? ''}`;
        if (key === lastStage) return;
        lastStage = key;
        void publishEvent(pubsub, { id: generationId, status: 'processing', stage: `provider_${e.stage}`, provider, ...(e.queuePosition !== undefined ? { queue_position: e.queuePosition } : {}), at: new Date(clock.now()).toISOString() });
      };
      const result = await router.generate({
        input: { prompt: row.prompt, references: references as InputImage[], width: row.width, height: row.height, model: row.requestedModel ?? undefined, seed: row.seed ?? undefined },
        order: row.requestedProvider ? [row.requestedProvider] : config.generation.providerOrder,
        latencyBudgetMs: config.tryon.latencyBudgetMs,
        signal: ac.signal,
        onAttempt,
        onProgress,
      });
      await Promise.all(recorded);
      const out = result.output;
      const dims = await dimensionsOf(out.image);
      const key = `tenants/${tenantId}/generations/${generationId}.${extensionOf(out.contentType)}`;
      await blobs.put(key, out.image, out.contentType);
      if (tenant.retention === 'process-only') {
        // Inputs go as soon as the result exists (only those stored for this generation), before
        // anyone can see the generation succeeded.
        const created = row.referenceImages.filter((r) => r.created).map((r) => r.upload_id);
        if (created.length > 0) await ports.eraseUploads(tenantId, created);
      }
      const finishedAt = new Date(clock.now());
      const useCache = tenant.retention !== 'process-only' && !!row.cacheKey;
      const done = await repo.finishSucceeded(
        db,
        tenantId,
        generationId,
        {
          resultBlobKey: key,
          resultContentType: out.contentType,
          resultWidth: dims.width,
          resultHeight: dims.height,
          resultBytes: out.image.length,
          resultMeta: { ...(out.meta ?? {}), ...(out.providerRequestId ? { provider_request_id: out.providerRequestId } : {}) },
          provider: result.provider,
          model: out.model,
          costUsd: result.costUsd,
          attemptsCount,
          providerMs: Math.round(result.providerMs),
          finishedAt,
          expiresAt: new Date(finishedAt.getTime() + ports.retentionMs[tenant.retention]),
        },
        succeededAttempts.splice(0),
        useCache ? { cacheKey: row.cacheKey!, createdAt: finishedAt } : undefined,
      );
      if (!done) {
        // Canceled or erased meanwhile: no row refers to the result.
        await blobs.delete(key);
        return;
      }
      const latencyMs = finishedAt.getTime() - row.queuedAt.getTime();
      await ports.recordUsage(tenantId, 'generation.succeeded', { costUsd: result.costUsd, refId: generationId, meta: { provider: result.provider, model: out.model, latency_ms: latencyMs } });
      await publishEvent(pubsub, { id: generationId, status: 'succeeded', provider: result.provider, at: finishedAt.toISOString() });
      await ports.emitWebhook(tenantId, 'generation.succeeded', { id: generationId, cached: false, provider: result.provider, model: out.model, metadata: row.metadata });
    } catch (e) {
      if (!row) throw e;
      await Promise.all(recorded);
      if (succeededAttempts.length > 0) await repo.insertAttempts(db, tenantId, succeededAttempts.splice(0)).catch((err) => log.warn({ err, generation_id: generationId }, 'could not record attempt'));
      await repo.updateGenerationIf(db, tenantId, generationId, ['processing'], { attemptsCount });
      const fresh = (await repo.findGeneration(db, tenantId, generationId)) ?? row;
      if (fresh.cancelRequested) return markCanceled(fresh);
      if (ctx.signal.aborted) throw e; // timeout or shutdown: the queue retries
      if (e instanceof RoutingError) {
        const o = routingOutcome(e, ctx.attempt, ctx.maxAttempts);
        if (o.retry) throw new RetryLater(o.message);
        return fail(fresh, o.code, o.code === 'NO_PROVIDER' ? `${o.message}: the provider this generation asked for is no longer configured` : o.message);
      }
      throw e;
    } finally {
      ctx.signal.removeEventListener('abort', onJobAbort);
      running.delete(generationId);
    }
  }

  return {
    run,
    /** After the last attempt of the job failed (timeouts, infrastructure): mark the generation failed. */
    async onFailed({ tenantId, generationId }: RunPayload, err: Error) {
      const row = await repo.findGeneration(db, tenantId, generationId);
      if (row) await fail(row, err instanceof RetryLater ? 'PROVIDERS_FAILED' : 'GENERATION_FAILED', err instanceof RetryLater ? err.message : 'The image could not be generated.');
    },
    async start() {
      unsubscribe = await pubsub.subscribe(CANCEL_CHANNEL, (raw) => {
        try {
          const { id } = JSON.parse(raw) as { id: string };
          running.get(id)?.abort(new Error('canceled'));
        } catch {
          /* ignore */
        }
      });
    },
    async close() {
      await unsubscribe?.();
    },
  };
}
