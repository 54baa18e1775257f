/**
 * The `tryon.generate` job: load the inputs, route to providers, store the result, cache it,
 * tell the client (events, webhook). Idempotent: a try-on already final is left alone; the result
 * key is fixed per try-on and the final update only applies while the row is `processing`, so a
 * job that runs twice after a crash still yields one result.
 *
 * Round trips are the cost of a job with a fast provider, so a successful job takes part in three
 * statements: one update starts it (queued|processing → processing, returning what the job
 * needs), one statement ends it (attempts, the succeeded row, the cache entry), and the usage
 * event; each is shared with the other jobs this process runs at the same moment (group commit,
 * constant SQL texts: repository.ts startTryons / finishSucceeded). The tenant comes from an
 * in-process cache, the input blobs' keys from the try-on row.
 */
import { dimensionsOf } from '../../platform/images/dimensions.js';
import type { Deps } from '../../deps.js';
import { newId } from '../../platform/ids.js';
import type { JobContext } from '../../platform/jobs/types.js';
import * as repo from './repository.js';
import { groupBatch } from '../../platform/db/group-writer.js';
import { lingers } from '../../platform/db/client.js';
import { publishEvent, CANCEL_CHANNEL, INPUTS_ERASED_CHANNEL } from './events.js';
import { LRUCache } from 'lru-cache';
import { RETENTION_MS, tryonSettings, type TryonPorts } from './ports.js';
import { RoutingError, routingOutcome, type AttemptRecord, type TryonRouter } from './router.js';
import type { ImageContentType, InputImage } from './providers/types.js';
import type { TryonService } from './service.js';
import type { BlobRef, TryonRow } from './tables.js';
import { colorMatchesOf } from './present.js';

export type GeneratePayload = { tenantId: string; tryonId: string };

export class RetryLater extends Error {
  override name = 'RetryLater';
}

export function createPipeline(deps: Deps, ports: TryonPorts, router: TryonRouter, service: TryonService) {
  const { db, blobs, clock, pubsub, log } = deps;
  const running = new Map<string, AbortController>();
  // Concurrent jobs start and finish in shared statements (one while none runs, then each batch
  // that gathered meanwhile): a worker at its concurrency makes a fraction of a statement per job.
  const startTryon = groupBatch((items: { tenantId: string; id: string; now: Date }[]) => repo.startTryons(db, items), { linger: lingers(db) });
  const finishSucceeded = groupBatch((items: repo.Succeeded[]) => repo.finishSucceeded(db, items), { linger: lingers(db) });
  let unsubscribe: (() => Promise<void>) | undefined;
  let unsubscribeErased: (() => Promise<void>) | undefined;
  /**
   * Input photos read by recent jobs, by blob key: a shopper's photo is tried with several
   * garments and a garment by many shoppers, and each read is four file operations (or an S3
   * GET). Bounded in bytes, 60 s at most; never for a tenant whose retention is process-only;
   * keys of erased photos are dropped on every node at once (INPUTS_ERASED_CHANNEL), and a job
   * only reads its inputs after its row was found queued or processing (an erasure cancels those).
   */
  const inputCache =
    deps.config.tryon.inputCacheBytes > 0 ? new LRUCache<string, Buffer>({ maxSize: deps.config.tryon.inputCacheBytes, sizeCalculation: (b) => Math.max(1, b.length), ttl: 60_000 }) : undefined;

  /** An input image: from the blob recorded on the try-on, or (older rows) through its upload. */
  async function loadImage(tenantId: string, uploadId: string, ref: BlobRef | null | undefined, cacheable: boolean): Promise<InputImage | undefined> {
    if (!ref) {
      const u = await repo.findUpload(db, tenantId, uploadId);
      if (!u?.blobKey || u.deletedAt) return undefined;
      ref = { key: u.blobKey, content_type: u.contentType, width: u.width, height: u.height };
    }
    // An erased or expired upload has lost its blob: the read finds nothing.
    let bytes = cacheable ? inputCache?.get(ref.key) : undefined;
    if (!bytes) {
      bytes = await blobs.get(ref.key);
      if (!bytes) return undefined;
      if (cacheable) inputCache?.set(ref.key, bytes);
    }
    return { bytes, contentType: ref.content_type as ImageContentType, width: ref.width, height: ref.height };
  }

  const attemptRow = (tryonId: string, a: AttemptRecord): repo.NewAttempt => ({
    id: newId('attempt'),
    tryonId,
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

  function providerOrder(row: Pick<TryonRow, 'requestedProvider' | 'garments'>, settings: ReturnType<typeof tryonSettings>): string[] {
    if (row.requestedProvider) return [row.requestedProvider];
    const categories = row.garments.map((g) => g.category).filter((c) => c !== 'auto') as ('tops' | 'bottoms' | 'one-pieces')[];
    const byCategory = categories.length === 1 ? settings.providers_by_category?.[categories[0]!] : undefined;
    const order = byCategory ?? settings.providers ?? deps.config.tryon.providerOrder;
    return [...order.filter((p) => p !== 'local'), 'local'];
  }

  async function fail(row: Pick<TryonRow, 'id' | 'tenantId' | 'metadata'> & Partial<Pick<TryonRow, 'widgetSession' | 'shopperId'>>, code: string, message: string) {
    const now = new Date(clock.now());
    const done = await repo.updateTryonIf(db, row.tenantId, row.id, ['queued', 'processing'], { status: 'failed', errorCode: code, errorMessage: message.slice(0, 500), finishedAt: now, stage: null });
    if (!done) return;
    await ports.refundGeneration(row.tenantId);
    await ports.recordUsage(row.tenantId, 'tryon.failed', { refId: row.id, meta: { code } });
    await publishEvent(pubsub, { id: row.id, status: 'failed', at: now.toISOString() });
    await ports.emitWebhook(row.tenantId, 'tryon.failed', { id: row.id, error: { code, message }, metadata: row.metadata });
    ports.reportOutcome?.(row.tenantId, { tryonId: row.id, status: 'failed', session: row.widgetSession ?? null, shopperId: row.shopperId ?? null, cached: false, provider: null, errorCode: code });
  }

  async function markCanceled(row: Pick<TryonRow, 'id' | 'tenantId'>) {
    const now = new Date(clock.now());
    const done = await repo.updateTryonIf(db, row.tenantId, row.id, ['queued', 'processing'], { status: 'canceled', errorCode: 'CANCELED', errorMessage: 'Canceled on request.', finishedAt: now, stage: null });
    if (!done) return;
    await ports.refundGeneration(row.tenantId);
    await publishEvent(pubsub, { id: row.id, status: 'canceled', at: now.toISOString() });
    await ports.emitWebhook(row.tenantId, 'tryon.canceled', { id: row.id, reason: 'requested' });
  }

  async function run({ tenantId, tryonId }: GeneratePayload, ctx: JobContext) {
    // Listen for a cancel before the row says `processing`: a cancel that finds the row processing
    // sets cancel_requested and publishes, and the start below returns that flag.
    const ac = new AbortController();
    running.set(tryonId, ac);
    const onJobAbort = () => ac.abort(ctx.signal.reason);
    ctx.signal.addEventListener('abort', onJobAbort, { once: true });
    const pending: repo.NewAttempt[] = [];
    const recorded: Promise<void>[] = [];
    let attemptsCount = 0;
    let row: repo.JobTryon | undefined;
    try {
      row = await startTryon({ tenantId, id: tryonId, now: new Date(clock.now()) });
      if (!row) return; // gone or already final: nothing to do
      if (row.cancelRequested) return await markCanceled(row);
      const tenant = await service.getTenant(tenantId);
      const settings = tryonSettings(tenant);
      // The `preparing` stage only when the inputs are read from storage: with every photo in the
      // input cache it would last microseconds, an event no one sees before `generating`.
      const cacheable = tenant.retention !== 'process-only';
      const cached = (b: BlobRef | null | undefined) => !!b && cacheable && inputCache?.has(b.key) === true;
      if (!cached(row.personBlob) || !row.garments.every((g) => cached(g.blob))) {
        await publishEvent(pubsub, { id: tryonId, status: 'processing', stage: 'preparing', at: new Date(clock.now()).toISOString() });
      }
      const [person, ...garmentImgs] = await Promise.all([
        loadImage(tenantId, row.personUploadId, row.personBlob, cacheable),
        ...row.garments.map((g) => loadImage(tenantId, g.upload_id, g.blob, cacheable)),
      ]);
      if (!person || garmentImgs.some((x) => !x)) return await fail(row, 'INPUT_GONE', 'A photo of this try-on was deleted or has expired.');

      // A succeeded attempt is written with the result (one statement); others at once, so a
      // failing provider's attempts are on record while the job goes on.
      const onAttempt = (a: AttemptRecord) => {
        attemptsCount++;
        const r = attemptRow(tryonId, a);
        if (a.outcome === 'succeeded') pending.push(r);
        else recorded.push(repo.insertAttempts(db, tenantId, [r]).catch((err) => log.warn({ err, tryon_id: tryonId }, 'could not record attempt')));
      };
      let lastStage = '';
      const onProgress = (provider: string, e: { stage: string; queuePosition?: number | undefined }) => {
        const key = `${provider}:${e.stage}:${e.queuePosition ?? ''}`;
        if (key === lastStage) return;
        lastStage = key;
        void publishEvent(pubsub, { id: tryonId, status: 'processing', stage: `provider_${e.stage}`, provider, ...(e.queuePosition !== undefined ? { queue_position: e.queuePosition } : {}), at: new Date(clock.now()).toISOString() });
      };
      await publishEvent(pubsub, { id: tryonId, status: 'processing', stage: 'generating', at: new Date(clock.now()).toISOString() });
      const request = {
        input: { person, garments: row.garments.map((g, i) => ({ ...garmentImgs[i]!, category: g.category })), mode: row.mode },
        order: providerOrder(row, settings),
        latencyBudgetMs: settings.latency_budget_ms ?? deps.config.tryon.latencyBudgetMs,
        signal: ac.signal,
        onAttempt,
        onProgress,
      };
      let result = await router.generate(request);
      // Fidelity (perception): did the result keep the person's body and face? The score goes on the
      // winning attempt; below the tenant's min_fidelity the providers after it get one more chance
      // and the better-scoring result is kept.
      const scoreResult = async (r: typeof result) => {
        const f = ports.resultFidelity ? await ports.resultFidelity(person.bytes, r.output.image, ac.signal).catch(() => undefined) : undefined;
        for (const a of pending) if (a.provider === r.provider && a.fidelityScore === undefined) a.fidelityScore = f?.score ?? null;
        return f;
      };
      let fidelity = await scoreResult(result);
      const rest = request.order.slice(request.order.indexOf(result.provider) + 1);
      if (settings.min_fidelity !== undefined && typeof fidelity?.score === 'number' && fidelity.score < settings.min_fidelity && rest.length > 0) {
        const first = fidelity.score;
        const alt = await router.generate({ ...request, order: rest }).catch(() => undefined);
        const altFidelity = alt ? await scoreResult(alt) : undefined;
        if (alt && (altFidelity?.score ?? 0) > first) [result, fidelity] = [alt, altFidelity];
      }
      await Promise.all(recorded);
      const out = result.output;
      const meta = await dimensionsOf(out.image);
      const key = service.blobKey(tenantId, 'results', tryonId, out.contentType);
      await blobs.put(key, out.image, out.contentType);
      const finishedAt = new Date(clock.now());
      const useCache = settings.cache !== false && tenant.retention !== 'process-only' && !!row.cacheKey;
      const attemptsToWrite = pending.splice(0);
      const done = await finishSucceeded({
        tenantId,
        id: tryonId,
        resultBlobKey: key,
        resultContentType: out.contentType,
        resultWidth: meta.width,
        resultHeight: meta.height,
        resultBytes: out.image.length,
        resultMeta: { ...(out.meta ?? {}), ...(out.providerRequestId ? { provider_request_id: out.providerRequestId } : {}), ...(fidelity ? { fidelity } : {}) },
        provider: result.provider,
        model: out.model ?? null,
        costUsd: result.costUsd,
        attemptsCount,
        providerMs: Math.round(result.providerMs),
        finishedAt,
        expiresAt: new Date(finishedAt.getTime() + RETENTION_MS[tenant.retention]),
        useCache,
        attempts: attemptsToWrite,
      });
      if (!done) return; // canceled or erased meanwhile
      if (tenant.retention === 'process-only') {
        // Inputs go as soon as the result exists.
        const inputs = [
          { id: row.personUploadId, blob: row.personBlob },
          ...row.garments.map((g) => ({ id: g.upload_id, blob: g.blob })),
        ];
        for (const { id, blob } of inputs) {
          const k = blob?.key ?? (await repo.findUpload(db, tenantId, id))?.blobKey;
          if (k) await blobs.delete(k);
        }
        await repo.markUploadsDeleted(db, tenantId, inputs.map((x) => x.id), finishedAt);
      }
      await ports.recordUsage(tenantId, 'tryon.generation', { costUsd: result.costUsd, refId: tryonId, meta: { provider: result.provider, model: out.model } });
      await publishEvent(pubsub, { id: tryonId, status: 'succeeded', provider: result.provider, at: finishedAt.toISOString() });
      await ports.emitWebhook(tenantId, 'tryon.succeeded', { id: tryonId, cached: false, provider: result.provider, model: out.model, metadata: row.metadata, ...colorMatchesOf(row) });
      ports.reportOutcome?.(tenantId, { tryonId, status: 'succeeded', session: row.widgetSession, shopperId: row.shopperId, cached: false, provider: result.provider, errorCode: null });
    } catch (e) {
      if (!row) throw e;
      await Promise.all(recorded);
      if (pending.length > 0) await repo.insertAttempts(db, tenantId, pending.splice(0)).catch((err) => log.warn({ err, tryon_id: tryonId }, 'could not record attempt'));
      await repo.updateTryonIf(db, tenantId, tryonId, ['processing'], { attemptsCount });
      const fresh = (await repo.findTryon(db, tenantId, tryonId)) ?? row;
      if (fresh.cancelRequested) return markCanceled(fresh);
      if (ctx.signal.aborted) throw e; // timeout or shutdown: the queue retries
      if (e instanceof RoutingError) {
        const o = routingOutcome(e, ctx.attempt, ctx.maxAttempts);
        if (o.retry) throw new RetryLater(o.message);
        return fail(fresh, o.code, o.message);
      }
      throw e;
    } finally {
      ctx.signal.removeEventListener('abort', onJobAbort);
      running.delete(tryonId);
    }
  }

  return {
    run,
    /** After the last attempt of the job failed (timeouts, infrastructure): mark the try-on failed. */
    async onFailed({ tenantId, tryonId }: GeneratePayload, err: Error) {
      const row = await repo.findTryon(db, tenantId, tryonId);
      if (row) await fail(row, err instanceof RetryLater ? 'PROVIDERS_FAILED' : 'GENERATION_FAILED', err instanceof RetryLater ? err.message : 'The try-on could not be generated.');
    },
    async start() {
      await service.start();
      if (inputCache) {
        unsubscribeErased = await pubsub.subscribe(INPUTS_ERASED_CHANNEL, (raw) => {
          try {
            for (const k of JSON.parse(raw) as string[]) inputCache.delete(k);
          } catch {
            inputCache.clear();
          }
        });
      }
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
      await unsubscribeErased?.();
      inputCache?.clear();
      await service.close();
    },
  };
}
