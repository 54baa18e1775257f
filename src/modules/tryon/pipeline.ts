/**
 * The `tryon.generate` job: load the inputs, route to providers, store the result, cache it,
 * tell the client (events, webhook). Idempotent: a try-on already final is left alone; the result
 * key is fixed per try-on and the final update only applies while the row is `processing`, so a
 * job that runs twice after a crash still yields one result.
 */
import sharp from 'sharp';
import type { Deps } from '../../deps.js';
import { newId } from '../../platform/ids.js';
import type { JobContext } from '../../platform/jobs/types.js';
import * as repo from './repository.js';
import { publishEvent, CANCEL_CHANNEL } from './events.js';
import { RETENTION_MS, tryonSettings, type TryonPorts } from './ports.js';
import { RoutingError, type AttemptRecord, type TryonRouter } from './router.js';
import type { ImageContentType, InputImage } from './providers/types.js';
import type { TryonService } from './service.js';
import type { TryonRow } from './tables.js';

export type GeneratePayload = { tenantId: string; tryonId: string };

export class RetryLater extends Error {
  override name = 'RetryLater';
}

export function createPipeline(deps: Deps, ports: TryonPorts, router: TryonRouter, service: TryonService) {
  const { db, blobs, clock, pubsub, log } = deps;
  const running = new Map<string, AbortController>();
  let unsubscribe: (() => Promise<void>) | undefined;

  async function loadImage(tenantId: string, uploadId: string): Promise<InputImage | undefined> {
    const u = await repo.findUpload(db, tenantId, uploadId);
    if (!u?.blobKey || u.deletedAt) return undefined;
    const bytes = await blobs.get(u.blobKey);
    if (!bytes) return undefined;
    return { bytes, contentType: u.contentType as ImageContentType, width: u.width, height: u.height };
  }

  function providerOrder(row: TryonRow, settings: ReturnType<typeof tryonSettings>): string[] {
    if (row.requestedProvider) return [row.requestedProvider];
    const categories = row.garments.map((g) => g.category).filter((c) => c !== 'auto') as ('tops' | 'bottoms' | 'one-pieces')[];
    const byCategory = categories.length === 1 ? settings.providers_by_category?.[categories[0]!] : undefined;
    const order = byCategory ?? settings.providers ?? deps.config.tryon.providerOrder;
    return [...order.filter((p) => p !== 'local'), 'local'];
  }

  async function fail(row: TryonRow, code: string, message: string) {
    const now = new Date(clock.now());
    const done = await repo.updateTryonIf(db, row.tenantId, row.id, ['queued', 'processing'], { status: 'failed', errorCode: code, errorMessage: message.slice(0, 500), finishedAt: now, stage: null });
    if (!done) return;
    await ports.refundGeneration(row.tenantId);
    await ports.recordUsage(row.tenantId, 'tryon.failed', { refId: row.id, meta: { code } });
    await publishEvent(pubsub, { id: row.id, status: 'failed', at: now.toISOString() });
    await ports.emitWebhook(row.tenantId, 'tryon.failed', { id: row.id, error: { code, message }, metadata: row.metadata });
  }

  async function markCanceled(row: TryonRow) {
    const now = new Date(clock.now());
    const done = await repo.updateTryonIf(db, row.tenantId, row.id, ['queued', 'processing'], { status: 'canceled', errorCode: 'CANCELED', errorMessage: 'Canceled on request.', finishedAt: now, stage: null });
    if (!done) return;
    await ports.refundGeneration(row.tenantId);
    await publishEvent(pubsub, { id: row.id, status: 'canceled', at: now.toISOString() });
    await ports.emitWebhook(row.tenantId, 'tryon.canceled', { id: row.id, reason: 'requested' });
  }

  async function run({ tenantId, tryonId }: GeneratePayload, ctx: JobContext) {
    let row = await repo.findTryon(db, tenantId, tryonId);
    if (!row || (row.status !== 'queued' && row.status !== 'processing')) return; // already final: nothing to do
    if (row.cancelRequested) return markCanceled(row);
    const startedAt = row.startedAt ?? new Date(clock.now());
    row = await repo.updateTryonIf(db, tenantId, tryonId, ['queued', 'processing'], { status: 'processing', startedAt, stage: 'preparing' });
    if (!row) return;
    await publishEvent(pubsub, { id: tryonId, status: 'processing', stage: 'preparing', at: new Date(clock.now()).toISOString() });

    const tenant = await ports.getTenant(tenantId);
    const settings = tryonSettings(tenant);
    const person = await loadImage(tenantId, row.personUploadId);
    const garments = await Promise.all(row.garments.map(async (g) => ({ g, img: await loadImage(tenantId, g.upload_id) })));
    if (!person || garments.some((x) => !x.img)) return fail(row, 'INPUT_GONE', 'A photo of this try-on was deleted or has expired.');

    const ac = new AbortController();
    running.set(tryonId, ac);
    const onJobAbort = () => ac.abort(ctx.signal.reason);
    ctx.signal.addEventListener('abort', onJobAbort, { once: true });
    // A cancel published before we were listening is on the row: honour it now.
    if ((await repo.findTryon(db, tenantId, tryonId))?.cancelRequested) ac.abort(new Error('canceled'));
    const attempts: Promise<void>[] = [];
    let attemptsCount = 0;
    const onAttempt = (a: AttemptRecord) => {
      attemptsCount++;
      attempts.push(
        repo
          .insertAttempt(db, tenantId, { id: newId('attempt'), tryonId, provider: a.provider, model: a.model ?? null, step: a.step, hedged: a.hedged, outcome: a.outcome, errorClass: a.errorClass ?? null, errorMessage: a.errorMessage ?? null, latencyMs: Math.round(a.latencyMs), costUsd: a.costUsd, startedAt: a.startedAt })
          .catch((err) => log.warn({ err, tryon_id: tryonId }, 'could not record attempt')),
      );
    };
    let lastStage = '';
    const onProgress = (provider: string, e: { stage: string; queuePosition?: number | undefined }) => {
      const key = `${provider}:${e.stage}:${e.queuePosition ?? ''}`;
      if (key === lastStage) return;
      lastStage = key;
      void publishEvent(pubsub, { id: tryonId, status: 'processing', stage: `provider_${e.stage}`, provider, ...(e.queuePosition !== undefined ? { queue_position: e.queuePosition } : {}), at: new Date(clock.now()).toISOString() });
    };
    try {
      await repo.updateTryonIf(db, tenantId, tryonId, ['processing'], { stage: 'generating' });
      await publishEvent(pubsub, { id: tryonId, status: 'processing', stage: 'generating', at: new Date(clock.now()).toISOString() });
      const result = await router.generate({
        input: { person, garments: garments.map(({ g, img }) => ({ ...img!, category: g.category })), mode: row.mode },
        order: providerOrder(row, settings),
        latencyBudgetMs: settings.latency_budget_ms ?? deps.config.tryon.latencyBudgetMs,
        signal: ac.signal,
        onAttempt,
        onProgress,
      });
      await Promise.all(attempts);
      const out = result.output;
      const meta = await sharp(out.image).metadata();
      const key = service.blobKey(tenantId, 'results', tryonId, out.contentType);
      await blobs.put(key, out.image, out.contentType);
      const finishedAt = new Date(clock.now());
      const done = await repo.updateTryonIf(db, tenantId, tryonId, ['processing'], {
        status: 'succeeded',
        stage: null,
        resultBlobKey: key,
        resultContentType: out.contentType,
        resultWidth: meta.width ?? 0,
        resultHeight: meta.height ?? 0,
        resultBytes: out.image.length,
        resultMeta: { ...(out.meta ?? {}), ...(out.providerRequestId ? { provider_request_id: out.providerRequestId } : {}) },
        provider: result.provider,
        model: out.model,
        costUsd: result.costUsd,
        attemptsCount,
        providerMs: Math.round(result.providerMs),
        finishedAt,
        expiresAt: new Date(finishedAt.getTime() + RETENTION_MS[tenant.retention]),
      });
      if (!done) return; // canceled or erased meanwhile
      if (settings.cache !== false && tenant.retention !== 'process-only' && row.cacheKey) {
        await repo.insertCache(db, tenantId, {
          cacheKey: row.cacheKey,
          tryonId,
          resultBlobKey: key,
          contentType: out.contentType,
          width: meta.width ?? 0,
          height: meta.height ?? 0,
          bytes: out.image.length,
          provider: result.provider,
          model: out.model,
          createdAt: finishedAt,
          expiresAt: done.expiresAt,
        });
      }
      if (tenant.retention === 'process-only') {
        // Inputs go as soon as the result exists.
        const ids = [row.personUploadId, ...row.garments.map((g) => g.upload_id)];
        for (const id of ids) {
          const u = await repo.findUpload(db, tenantId, id);
          if (u?.blobKey) await blobs.delete(u.blobKey);
        }
        await repo.markUploadsDeleted(db, tenantId, ids, finishedAt);
      }
      await ports.recordUsage(tenantId, 'tryon.generation', { costUsd: result.costUsd, refId: tryonId, meta: { provider: result.provider, model: out.model } });
      await publishEvent(pubsub, { id: tryonId, status: 'succeeded', provider: result.provider, at: finishedAt.toISOString() });
      await ports.emitWebhook(tenantId, 'tryon.succeeded', { id: tryonId, cached: false, provider: result.provider, model: out.model, metadata: row.metadata });
    } catch (e) {
      await Promise.all(attempts);
      await repo.updateTryonIf(db, tenantId, tryonId, ['processing'], { attemptsCount });
      const fresh = (await repo.findTryon(db, tenantId, tryonId)) ?? row;
      if (fresh.cancelRequested) return markCanceled(fresh);
      if (ctx.signal.aborted) throw e; // timeout or shutdown: the queue retries
      if (e instanceof RoutingError) {
        if (e.code === 'INPUT_REFUSED') return fail(fresh, e.last?.errorClass === 'content_policy' ? 'CONTENT_REFUSED' : 'INPUT_REFUSED', e.last?.message ?? e.message);
        if (e.code === 'NO_PROVIDER') return fail(fresh, 'NO_PROVIDER', e.message);
        if (e.code === 'ALL_PROVIDERS_FAILED' && ctx.attempt < ctx.maxAttempts) throw new RetryLater(e.message);
        return fail(fresh, 'PROVIDERS_FAILED', e.message);
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
