/**
 * Style analyses: create, read, list, delete, the shopper's erasure and the selfie's retention
 * purge. The `style.analyse` job's side (a queued Gemini analysis) is service-job.ts.
 *
 * Order of a create: the analyser asked for is configured (else 422) and the face models can run
 * (else 503) — before anything is stored; a `quiz_result_id` the caller may see (else 404); the
 * selfie through the try-on intake (checks, EXIF strip, normalise, store); the cache (same image,
 * kinds and analyser version: answered with no perception or analyser run); perception and the
 * offline analyser. `local` answers there (201). `gemini`: the offline analysis is the retake
 * check — when it withholds every kind asked for (no face, two faces, darkness…) that answer is
 * given at once, no provider call; otherwise the analysis is stored `queued`, the job enqueued
 * (202), and the job runs the style router (Gemini, falling back to the offline analyser).
 * A colour answer gets its tie-break questions, or is fused with the quiz result named.
 */
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Deps } from '../../deps.js';
import type { TAnalysisKind, TColorAnswer, TCreateAnalysisBody, TQuality } from '../../../contracts/style.js';
import * as repo from './repository.js';
import { publishEvent } from './events.js';
import { decodeSelfie } from './analyser/decode.js';
import type { AnalyserInput, StyleAnalyser } from './analyser/types.js';
import { createStyleRouter, type StyleRouterOptions } from './providers/router.js';
import { ANALYSE_JOB, type AnalysePayload, type StyleAnalysisEvent } from './analyse-job.js';
import { STYLE_CACHE_TTL_MS, rowCacheKey, styleCache, styleCacheKey } from './cache.js';
import { fuseColorAnswers } from './fusion.js';
import { createPresenter, normaliseKinds } from './present.js';

export { normaliseKinds };
import { userOfScope } from './people/scope.js';
import { tieBreakers } from './tie-breakers.js';
import type { IntakeCaller, StylePorts } from './ports.js';
import type { NewStyleAnalysis, StyleAnalysisRow } from './tables.js';

/** Who asks: the key's tenant and id, and the caller as the try-on intake knows it. */
export type StyleCaller = { tenantId: string; keyId: string | null; environment: 'live' | 'test'; intake: IntakeCaller; files?: Map<string, Buffer> | undefined };

/** A quiz result's own answer (its answers scored again, never an earlier fusion), for fusing with a photo's. */
export type QuizForFusion = { color: TColorAnswer; certainty: number; olive: boolean; answered: string[] };

export type StyleServiceOptions = {
  /** The analysers: `local` (required, the last resort) and `gemini` when configured. */
  analysers: StyleAnalyser[];
  router?: Partial<StyleRouterOptions>;
  /** A quiz result the caller may see (404 QUIZ_RESULT_NOT_FOUND otherwise), from the match service. */
  quizForFusion: (c: { tenantId: string; widgetSession: string | null }, id: string) => Promise<QuizForFusion>;
};

const kindsKey = (kinds: TAnalysisKind[]) => [...kinds].sort().join(',');

/** Every kind asked for is withheld by an `error` issue: a retake, whoever would analyse it. */
export const retakeForAll = (q: TQuality, kinds: TAnalysisKind[]) => kinds.every((k) => q.issues.some((i) => i.severity === 'error' && i.affects.includes(k)));

/** The colour answer as stored: fused with the quiz's (`fused`), or with its tie-break questions (`photo`). */
export function finalColor(color: TColorAnswer | null, quiz: QuizForFusion | null): { color: TColorAnswer | null; source: 'photo' | 'fused' } {
  if (!color) return { color: null, source: 'photo' };
  if (quiz) return { color: fuseColorAnswers(color, quiz).color, source: 'fused' };
  return { color: { ...color, tie_breakers: tieBreakers(color) }, source: 'photo' };
}

export type StyleStats = { analyses: number; analyserRuns: number; perceptionRuns: number; cacheHits: number };

export function createStyleService(deps: Pick<Deps, 'db' | 'clock' | 'pubsub' | 'blobs' | 'caches' | 'jobs' | 'config'>, ports: StylePorts, opts: StyleServiceOptions) {
  const { db, clock, pubsub, blobs, jobs } = deps;
  const stats: StyleStats = { analyses: 0, analyserRuns: 0, perceptionRuns: 0, cacheHits: 0 };
  // Every analyser call is counted, in the request and in the job.
  const counted = opts.analysers.map(
    (a): StyleAnalyser => ({
      ...a,
      analyse: (input, signal) => {
        stats.analyserRuns++;
        return a.analyse(input, signal);
      },
    }),
  );
  const router = createStyleRouter({ analysers: counted, retries: deps.config.tryon.retries, ...opts.router });
  const cache = styleCache(deps);

  /** The entry's lifetime: the tenant's retention (≤ 7 d); 0 for process-only tenants, who are not cached. */
  const cacheTtl = (retention: keyof StylePorts['retentionMs']) => (retention === 'process-only' ? 0 : Math.min(STYLE_CACHE_TTL_MS, ports.retentionMs[retention]));

  /** The analysis a cache entry names, when it still holds a photo answer; else the entry is dropped. */
  async function cachedRow(tenantId: string, imageSha256: string, kinds: TAnalysisKind[], analyser: Pick<StyleAnalyser, 'name' | 'version'>) {
    const key = styleCacheKey({ tenantId, imageSha256, kinds, analyser });
    const hit = await cache.get(key);
    if (!hit) return undefined;
    const row = await repo.findAnalysis(db, tenantId, hit.analysis_id);
    if (row && row.status === 'succeeded' && row.source === 'photo') return row;
    await cache.invalidate({ key });
    return undefined;
  }

  /** Drop the cache entry under this analysis's key (DELETE, erasure, the purge of its selfie). */
  const forget = (row: StyleAnalysisRow | Parameters<typeof rowCacheKey>[0]) => cache.invalidate({ key: rowCacheKey(row) });

  const present = createPresenter(deps, ports);

  /** The row, if the caller may see it (tenant; a publishable key's widget session): else 404. */
  async function getRow(tenantId: string, id: string, widgetSession: string | null = null) {
    const row = await repo.findAnalysis(db, tenantId, id);
    if (!row || (widgetSession !== null && row.widgetSession !== widgetSession)) throw new AppError('STYLE_ANALYSIS_NOT_FOUND', `Style analysis ${id} not found.`);
    return row;
  }

  /** The analysers' input: perception at the `mesh` level and the decoded pixels. */
  async function inputOf(bytes: Buffer, kinds: TAnalysisKind[], signal: AbortSignal): Promise<AnalyserInput> {
    stats.perceptionRuns++;
    let perception;
    try {
      perception = await ports.perceive(bytes, signal);
    } catch (e) {
      const err = e as Error;
      if (err.name === 'AbortError' || err.name === 'TimeoutError' || /queue/i.test(err.message)) {
        throw new AppError('OVERLOADED', 'Style analyses are busy; retry in a few seconds.', { headers: { 'retry-after': '5' }, cause: e });
      }
      throw e;
    }
    if (!perception.models) throw new AppError('STYLE_ANALYSER_UNAVAILABLE', 'The face models stopped; the offline style analyser cannot run.');
    return { bytes, ...(await decodeSelfie(bytes)), perception, kinds };
  }

  /** Status on the bus (SSE on any node); a final one also as the webhook `style.analysis.succeeded|failed`. */
  async function emit(tenantId: string, e: StyleAnalysisEvent) {
    await publishEvent(pubsub, { id: e.analysis_id, status: e.status, at: e.at });
    if (e.type === 'style.analysis.processing') return;
    const { type, analysis_id, at: _at, ...data } = e;
    await ports.emitWebhook(tenantId, type, { id: analysis_id, ...data });
  }

  /** A finished analysis made here (in the request): usage, the bus and the webhook. */
  async function announceFinished(row: StyleAnalysisRow) {
    const analyser = { name: row.analyserName, version: row.analyserVersion, model: row.model };
    await ports.recordUsage(row.tenantId, row.cached ? 'style.analysis.cache_hit' : 'style.analysis', {
      refId: row.id,
      costUsd: row.costUsd,
      meta: { analyser: row.analyserName, kinds: row.kinds.split(','), ...(row.cached ? {} : { retake: row.quality?.retake ?? false }) },
    });
    await emit(row.tenantId, { type: 'style.analysis.succeeded', analysis_id: row.id, status: 'succeeded', analyser, fell_back: false, cost_usd: row.costUsd, cached: row.cached, at: (row.completedAt ?? new Date(clock.now())).toISOString() });
  }

  async function create(c: StyleCaller, body: TCreateAnalysisBody): Promise<StyleAnalysisRow> {
    const asked = body.analyser ?? 'local';
    const analyser = router.analyser(asked);
    if (!analyser) {
      throw new AppError('PROVIDER_NOT_CONFIGURED', `The ${asked} style analyser is not configured on this server: set GEMINI_API_KEY to use it, or leave \`analyser\` out to use the offline analyser.`);
    }
    const p = await ports.perceptionReady();
    if (!p.ready) {
      const why = asked === 'gemini' ? 'The Gemini style analyser checks the photo and falls back on the offline analyser, which needs the face models' : 'The offline style analyser needs the face models';
      throw new AppError('STYLE_ANALYSER_UNAVAILABLE', `${why}, which are off on this server${p.reason ? ` (${p.reason})` : ''}.`);
    }
    const kinds = normaliseKinds(body.kinds);
    if (body.quiz_result_id && !kinds.includes('color')) throw new AppError('VALIDATION_FAILED', 'quiz_result_id fuses the colour answer with a quiz result: ask for kinds that include color.');
    const quiz = body.quiz_result_id ? await opts.quizForFusion({ tenantId: c.tenantId, widgetSession: c.intake.widgetSession }, body.quiz_result_id) : null;
    const tenant = await ports.getTenant(c.tenantId);
    const shopperId = body.shopper_id ?? null;
    const [selfie] = await ports.intakeImages(c.intake, [body.image], { shopperId, files: c.files });
    if (!selfie) throw new AppError('VALIDATION_FAILED', 'image is required.');
    const processOnly = tenant.retention === 'process-only';
    const ttl = cacheTtl(tenant.retention);
    const now = clock.now();
    const selfieKept = (until: number) => ({
      selfieUploadId: selfie.upload_id,
      selfieCreated: selfie.created,
      selfieBlobKey: selfie.blob.key,
      selfieContentType: selfie.blob.content_type,
      selfieExpiresAt: new Date(until),
    });
    const base = {
      keyId: c.keyId,
      environment: c.environment,
      widgetSession: c.intake.widgetSession,
      userId: userOfScope(c.intake.widgetSession),
      shopperId,
      kinds: kindsKey(kinds),
      imageSha256: selfie.sha256,
      quizResultId: body.quiz_result_id ?? null,
      ...(processOnly ? { selfieUploadId: null, selfieCreated: false, selfieBlobKey: null, selfieContentType: null, selfieExpiresAt: null } : selfieKept(now + ports.retentionMs[tenant.retention])),
      createdAt: new Date(now),
    };
    const finished = async (fields: Omit<NewStyleAnalysis, 'tenantId' | keyof typeof base | 'id' | 'status' | 'completedAt' | 'updatedAt' | 'source'>, at: Date) => {
      const { color, source } = finalColor(fields.color ?? null, quiz);
      const row = await repo.insertAnalysis(db, c.tenantId, { ...base, ...fields, id: newId('styleAnalysis'), status: 'succeeded', color, source, completedAt: at, updatedAt: at });
      await announceFinished(row);
      return row;
    };
    // Process-only: the selfie is erased as soon as the analysis is made (or fails) — a queued one's when its job ends.
    let queued = false;
    try {
      const hit = ttl > 0 ? await cachedRow(c.tenantId, selfie.sha256, kinds, analyser) : undefined;
      if (hit) {
        stats.cacheHits++;
        const at = new Date(clock.now());
        const { analyserName, analyserVersion, model, face, color, quality } = hit;
        return await finished({ analyserName, analyserVersion, model, face, color, quality, cached: true, cachedFrom: hit.cachedFrom ?? hit.id, costUsd: 0, tookMs: at.getTime() - now }, at);
      }
      const bytes = await blobs.get(selfie.blob.key);
      if (!bytes) throw new AppError('UPLOAD_GONE', `Upload ${selfie.upload_id} was deleted or has expired.`);
      const t0 = performance.now();
      const signal = AbortSignal.timeout(60_000);
      const input = await inputOf(bytes, kinds, signal);
      const local = router.analyser('local')!;
      const out = await local.analyse(input, signal);
      if (asked === 'gemini' && !retakeForAll(out.quality, kinds)) {
        const at = new Date(clock.now());
        const row = await repo.insertAnalysis(db, c.tenantId, {
          ...base,
          // A process-only tenant's selfie waits for the job, at most the process-only window.
          ...(processOnly ? selfieKept(now + ports.retentionMs['process-only']) : {}),
          id: newId('styleAnalysis'),
          status: 'queued',
          source: 'photo',
          analyserName: analyser.name,
          analyserVersion: analyser.version,
          updatedAt: at,
        });
        queued = true;
        try {
          await jobs.enqueue<AnalysePayload>(ANALYSE_JOB, { tenantId: c.tenantId, analysisId: row.id });
        } catch (e) {
          queued = false;
          await repo.updateAnalysisIf(db, c.tenantId, row.id, ['queued'], { status: 'failed', errorCode: 'QUEUE_UNAVAILABLE', errorMessage: 'The analysis could not be queued.', completedAt: at });
          throw e;
        }
        await publishEvent(pubsub, { id: row.id, status: 'queued', at: at.toISOString() });
        return row;
      }
      // Answered here: the offline analysis, or the retake a Gemini request gets without a provider call.
      const at = new Date(clock.now());
      stats.analyses++;
      const row = await finished(
        { analyserName: local.name, analyserVersion: local.version, model: null, face: out.face, color: out.color, quality: out.quality, costUsd: 0, tookMs: Math.round(performance.now() - t0) },
        at,
      );
      if (ttl > 0 && !quiz) await cache.set(styleCacheKey({ tenantId: c.tenantId, imageSha256: selfie.sha256, kinds, analyser: local }), { analysis_id: row.id }, { ttlMs: ttl });
      return row;
    } finally {
      if (processOnly && !queued && selfie.created) await ports.eraseUploads(c.tenantId, [selfie.upload_id]);
    }
  }

  /** Erase analyses: the selfies they stored, the rows, their cache entries. */
  async function eraseRows(tenantId: string, rows: StyleAnalysisRow[]) {
    const uploads = rows.filter((r) => r.selfieUploadId && r.selfieCreated).map((r) => r.selfieUploadId!);
    if (uploads.length > 0) await ports.eraseUploads(tenantId, uploads);
    await repo.deleteAnalyses(
      db,
      tenantId,
      rows.map((r) => r.id),
    );
    for (const r of rows) await forget(r);
  }

  return {
    create,
    present,
    getRow,
    router,
    cache,
    inputOf,
    emit,
    forget,
    cacheTtl,
    stats: (): StyleStats => ({ ...stats }),
    /** Counters the job side adds to. */
    counters: stats,
    quizForFusion: opts.quizForFusion,

    list: (tenantId: string, widgetSession: string | null, q: { limit: number; startingAfter?: string | undefined; shopperId?: string | undefined }) => repo.listAnalyses(db, tenantId, { ...q, widgetSession }),

    /** DELETE: the selfie (when this analysis stored it), the record and its cache entry. */
    async erase(tenantId: string, id: string, widgetSession: string | null) {
      await eraseRows(tenantId, [await getRow(tenantId, id, widgetSession)]);
    },

    /** A shopper's analyses (a publishable key: its widget session's), for DELETE /v1/shoppers/:id. */
    async eraseShopper(tenantId: string, shopperId: string, widgetSession: string | null): Promise<number> {
      const rows = await repo.shopperAnalyses(db, tenantId, shopperId, widgetSession);
      await eraseRows(tenantId, rows);
      return rows.length;
    },

    /** Retention: selfies past the tenant's retention are erased and unlinked, and their cache entries dropped; the derived answers stay. */
    async purgeExpired() {
      const now = new Date(clock.now());
      let selfies = 0;
      for (const r of await repo.expiredSelfies(db, now, 500)) {
        if (r.uploadId && r.created) await ports.eraseUploads(r.tenantId, [r.uploadId]);
        await repo.clearSelfie(db, r.tenantId, r.id);
        await forget(r);
        selfies++;
      }
      return { selfies };
    },
  };
}

export type StyleService = ReturnType<typeof createStyleService>;
