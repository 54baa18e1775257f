/**
 * The `style.analyse` job: an analysis that a provider answers (Gemini takes seconds, longer than a
 * request should wait) runs here — the style router (Gemini, then the offline analyser), attempts
 * recorded with their cost in style_attempts, the answer stored, the cache filled, and events for
 * the poll / SSE / webhook channels (`style.analysis.processing|succeeded|failed`).
 *
 * The handler reaches the analysis row only through ports, which the style service provides
 * (service-job.ts: its table, blobs, bus and webhooks); payloads carry ids, never images. Idempotent:
 * `begin` returns null for an analysis gone or already final, and `succeed`/`fail` apply only
 * while it is `processing`, so a job run twice after a crash stores one answer.
 */
import type { Deps } from '../../deps.js';
import { defineJob, type JobContext, type JobDefinition } from '../../platform/jobs/types.js';
import { RoutingError, type AttemptRecord } from '../../platform/providers/router.js';
import type { TAnalysisKind } from '../../../contracts/style.js';
import type { AnalyserInput } from './analyser/types.js';
import type { StyleRouter, StyleRouteResult } from './providers/router.js';
import { attemptRow, insertStyleAttempts } from './providers/attempts.js';
import { styleCacheKey, type StyleCache } from './cache.js';

export const ANALYSE_JOB = 'style.analyse';
export type AnalysePayload = { tenantId: string; analysisId: string };

export type StyleAnalysisEvent =
  | { type: 'style.analysis.processing'; analysis_id: string; status: 'processing'; at: string }
  | { type: 'style.analysis.succeeded'; analysis_id: string; status: 'succeeded'; analyser: StyleRouteResult['analyser']; fell_back: boolean; cost_usd: number; cached: boolean; at: string }
  | { type: 'style.analysis.failed'; analysis_id: string; status: 'failed'; error: { code: string; message: string }; at: string };

export type AnalyseJobPorts = {
  /** Move the analysis queued|processing → processing and say what to run; null when it is gone or already final. */
  begin: (
    tenantId: string,
    analysisId: string,
  ) => Promise<{
    kinds: TAnalysisKind[];
    analyser: 'local' | 'gemini';
    /** The selfie's hash, for the cache key (none: the cache is neither read nor filled). */
    imageSha256?: string | undefined;
    /** Fill the cache with this analysis's answer (default true; false for an answer fused with a quiz, which is not the photo's alone). */
    cacheAnswer?: boolean | undefined;
    /** The cache entry's lifetime (the tenant's retention; default the namespace's). */
    cacheTtlMs?: number | undefined;
  } | null>;
  /** The selfie decoded and its perception analysis; null when it was erased or has expired meanwhile. */
  loadInput: (tenantId: string, analysisId: string, kinds: TAnalysisKind[], signal: AbortSignal) => Promise<AnalyserInput | null>;
  /** Store the answer; false when the analysis is no longer `processing` (deleted meanwhile). */
  succeed: (tenantId: string, analysisId: string, result: StyleRouteResult & { tookMs: number }) => Promise<boolean>;
  /** Mark it failed; false when it is no longer `processing`. */
  fail: (tenantId: string, analysisId: string, error: { code: string; message: string }) => Promise<boolean>;
  /** Publish on the bus (SSE) and send the webhook. */
  emit: (tenantId: string, event: StyleAnalysisEvent) => Promise<void>;
  /**
   * Answer this analysis with the answer stored on an earlier one (a cache hit: the same selfie,
   * kinds and analyser version); false when that one is gone (deleted, purged). Without this port
   * the job does not read the cache (the service does, before it queues).
   */
  answerFrom?: (tenantId: string, analysisId: string, earlierId: string) => Promise<StyleRouteResult['analyser'] | null>;
};

/** Every analyser failed and attempts remain: the queue runs the job again later. */
export class RetryLater extends Error {
  override name = 'RetryLater';
}

export function createAnalyseJob(deps: Pick<Deps, 'db' | 'clock' | 'log'>, router: StyleRouter, ports: AnalyseJobPorts, cache?: StyleCache) {
  const { db, clock, log } = deps;
  const at = () => new Date(clock.now()).toISOString();

  async function fail(p: AnalysePayload, code: string, message: string) {
    const error = { code, message: message.slice(0, 500) };
    if (await ports.fail(p.tenantId, p.analysisId, error)) await ports.emit(p.tenantId, { type: 'style.analysis.failed', analysis_id: p.analysisId, status: 'failed', error, at: at() });
  }

  async function run(p: AnalysePayload, ctx: JobContext): Promise<void> {
    const job = await ports.begin(p.tenantId, p.analysisId);
    if (!job) return; // gone or already final
    await ports.emit(p.tenantId, { type: 'style.analysis.processing', analysis_id: p.analysisId, status: 'processing', at: at() });
    // A repeat (two requests with the same selfie queued together, or a retry): no perception run, no analyser call.
    const first = router.analyser(router.order(job.analyser)[0] as 'local' | 'gemini');
    if (cache && job.imageSha256 && first && ports.answerFrom) {
      const key = styleCacheKey({ tenantId: p.tenantId, imageSha256: job.imageSha256, kinds: job.kinds, analyser: first });
      const hit = await cache.get(key);
      if (hit && hit.analysis_id !== p.analysisId) {
        const analyser = await ports.answerFrom(p.tenantId, p.analysisId, hit.analysis_id);
        if (analyser) {
          await ports.emit(p.tenantId, { type: 'style.analysis.succeeded', analysis_id: p.analysisId, status: 'succeeded', analyser, fell_back: false, cost_usd: 0, cached: true, at: at() });
          return;
        }
        await cache.invalidate({ key }); // the earlier analysis is gone
      }
    }
    const started = clock.now();
    const input = await ports.loadInput(p.tenantId, p.analysisId, job.kinds, ctx.signal);
    if (!input) return fail(p, 'INPUT_GONE', 'The selfie of this analysis was deleted or has expired.');
    const attempts: AttemptRecord[] = [];
    try {
      const result = await router.analyse({ input, analyser: job.analyser, signal: ctx.signal, onAttempt: (a) => attempts.push(a) });
      await insertStyleAttempts(db, attempts.map((a) => attemptRow(p.tenantId, p.analysisId, a)));
      if (!(await ports.succeed(p.tenantId, p.analysisId, { ...result, tookMs: clock.now() - started }))) return;
      // Under the key of the analyser that answered: a request for Gemini whose answer fell back
      // to the offline analyser does not make later Gemini requests read the offline answer.
      if (cache && job.imageSha256 && job.cacheAnswer !== false) {
        const key = styleCacheKey({ tenantId: p.tenantId, imageSha256: job.imageSha256, kinds: job.kinds, analyser: result.analyser });
        await cache.set(key, { analysis_id: p.analysisId }, job.cacheTtlMs ? { ttlMs: job.cacheTtlMs } : {});
      }
      await ports.emit(p.tenantId, {
        type: 'style.analysis.succeeded',
        analysis_id: p.analysisId,
        status: 'succeeded',
        analyser: result.analyser,
        fell_back: result.fellBack,
        cost_usd: result.costUsd,
        cached: false,
        at: at(),
      });
    } catch (e) {
      await insertStyleAttempts(db, attempts.map((a) => attemptRow(p.tenantId, p.analysisId, a))).catch((err) => log.warn({ err, analysis_id: p.analysisId }, 'could not record style attempts'));
      if (ctx.signal.aborted) throw e; // timeout or shutdown: the queue retries
      if (e instanceof RoutingError && e.code === 'ALL_PROVIDERS_FAILED' && ctx.attempt < ctx.maxAttempts) throw new RetryLater(e.message);
      if (e instanceof RoutingError) return fail(p, 'ANALYSIS_FAILED', e.message);
      throw e;
    }
  }

  const definition: JobDefinition<AnalysePayload> = defineJob<AnalysePayload>({
    name: ANALYSE_JOB,
    attempts: 3,
    // Gemini's 30 s × 3 tries, then the offline analyser's 20 s, with room to spare.
    timeoutMs: 150_000,
    concurrency: 4,
    backoffMs: (n) => Math.min(30_000, 2_000 * 2 ** (n - 1)),
    handler: run,
    onFailed: async (p, err) => fail(p, 'ANALYSIS_FAILED', err instanceof RetryLater ? err.message : 'The analysis could not be completed.'),
  });

  return { run, definition };
}
