/**
 * Style analyses: create (intake → cache → perception → analyser, answered within the request by
 * the offline analyser), read, list, delete, and the selfie's retention purge.
 *
 * Order of a create: the analyser asked for exists and (for the offline one) the face models can
 * run — else a 4xx/503 before anything is stored; the selfie through the try-on intake (checks,
 * EXIF strip, normalise, store); the cache (same image, kinds and analyser version: answered
 * with no perception or analyser run); the analysis; the row; process-only tenants' selfies
 * erased at once.
 */
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Deps } from '../../deps.js';
import type { TAnalysisKind, TCreateAnalysisBody, TStyleAnalysis } from '../../../contracts/style.js';
import * as repo from './repository.js';
import { publishEvent } from './events.js';
import { decodeSelfie } from './analyser/decode.js';
import type { AnalyserOutput, StyleAnalyser } from './analyser/types.js';
import type { IntakeCaller, StylePorts } from './ports.js';
import type { StyleAnalysisRow } from './tables.js';

/** Who asks: the key's tenant and id, and the caller as the try-on intake knows it. */
export type StyleCaller = { tenantId: string; keyId: string | null; environment: 'live' | 'test'; intake: IntakeCaller; files?: Map<string, Buffer> | undefined };

const KIND_ORDER: TAnalysisKind[] = ['face', 'color'];
const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Kinds in the contract's order, without repeats; both when none are given. */
export function normaliseKinds(kinds: TAnalysisKind[] | undefined): TAnalysisKind[] {
  const set = new Set(kinds && kinds.length > 0 ? kinds : KIND_ORDER);
  return KIND_ORDER.filter((k) => set.has(k));
}
const kindsKey = (kinds: TAnalysisKind[]) => [...kinds].sort().join(',');

export type StyleStats = { analyses: number; analyserRuns: number; perceptionRuns: number; cacheHits: number };

export function createStyleService(deps: Pick<Deps, 'db' | 'clock' | 'pubsub' | 'blobs'>, ports: StylePorts, analysers: StyleAnalyser[]) {
  const { db, clock, pubsub, blobs } = deps;
  const byName = new Map(analysers.map((a) => [a.name, a]));
  const stats: StyleStats = { analyses: 0, analyserRuns: 0, perceptionRuns: 0, cacheHits: 0 };

  function analyserFor(name: 'local' | 'gemini' | undefined): StyleAnalyser {
    const a = byName.get(name ?? 'local');
    if (!a) throw new AppError('PROVIDER_NOT_CONFIGURED', `The ${name} style analyser is not configured on this server; leave \`analyser\` out to use the offline analyser.`);
    return a;
  }

  /**
   * The cache: the latest finished analysis of the same image, kinds and analyser version in the
   * tenant. One function, so a shared cache layer can sit in front of it.
   */
  function findCached(tenantId: string, key: { imageSha256: string; kinds: TAnalysisKind[]; analyser: Pick<StyleAnalyser, 'name' | 'version'> }) {
    return repo.findCachedRow(db, tenantId, { imageSha256: key.imageSha256, kinds: kindsKey(key.kinds), analyserName: key.analyser.name, analyserVersion: key.analyser.version });
  }

  async function signedSelfie(row: StyleAnalysisRow, baseUrl: string): Promise<TStyleAnalysis['selfie']> {
    if (!row.selfieUploadId || !row.selfieBlobKey || !row.selfieContentType || !row.selfieExpiresAt || row.selfieExpiresAt.getTime() <= clock.now()) return null;
    const s = await ports.signedUrl(row.selfieBlobKey, row.selfieContentType, baseUrl);
    // The link lives no longer than the selfie itself.
    const expiresAt = s.expiresAt.getTime() < row.selfieExpiresAt.getTime() ? s.expiresAt : row.selfieExpiresAt;
    return { upload_id: row.selfieUploadId, url: s.url, expires_at: expiresAt.toISOString() };
  }

  async function present(row: StyleAnalysisRow, baseUrl: string | null): Promise<TStyleAnalysis> {
    return {
      id: row.id,
      object: 'style_analysis',
      status: row.status,
      kinds: normaliseKinds(row.kinds.split(',') as TAnalysisKind[]),
      source: row.source,
      analyser: { name: row.analyserName, version: row.analyserVersion, model: row.model },
      selfie: baseUrl === null ? null : await signedSelfie(row, baseUrl),
      face: row.face ?? null,
      color: row.color ?? null,
      quality: row.quality ?? { score: 0, retake: false, issues: [] },
      cached: row.cached,
      error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? '' } : null,
      shopper_id: row.shopperId,
      created_at: row.createdAt.toISOString(),
      completed_at: iso(row.completedAt),
      took_ms: row.tookMs,
    };
  }

  /** The row, if the caller may see it (tenant; a publishable key's widget session): else 404. */
  async function getRow(tenantId: string, id: string, widgetSession: string | null = null) {
    const row = await repo.findAnalysis(db, tenantId, id);
    if (!row || (widgetSession !== null && row.widgetSession !== widgetSession)) throw new AppError('STYLE_ANALYSIS_NOT_FOUND', `Style analysis ${id} not found.`);
    return row;
  }

  async function run(analyser: StyleAnalyser, bytes: Buffer, kinds: TAnalysisKind[], signal: AbortSignal): Promise<AnalyserOutput> {
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
    const decoded = await decodeSelfie(bytes);
    stats.analyserRuns++;
    return analyser.analyse({ bytes, ...decoded, perception, kinds }, signal);
  }

  return {
    present,
    getRow,
    findCached,
    stats: (): StyleStats => ({ ...stats }),

    async create(c: StyleCaller, body: TCreateAnalysisBody): Promise<StyleAnalysisRow> {
      if (body.quiz_result_id) throw new AppError('VALIDATION_FAILED', 'quiz_result_id: fusing an analysis with a quiz result is not available on this server yet.');
      const analyser = analyserFor(body.analyser);
      if (analyser.name === 'local') {
        const p = await ports.perceptionReady();
        if (!p.ready) throw new AppError('STYLE_ANALYSER_UNAVAILABLE', `The offline style analyser needs the face models, which are off on this server${p.reason ? ` (${p.reason})` : ''}.`);
      }
      const kinds = normaliseKinds(body.kinds);
      const tenant = await ports.getTenant(c.tenantId);
      const shopperId = body.shopper_id ?? null;
      const [selfie] = await ports.intakeImages(c.intake, [body.image], { shopperId, files: c.files });
      if (!selfie) throw new AppError('VALIDATION_FAILED', 'image is required.');
      const processOnly = tenant.retention === 'process-only';
      const now = clock.now();
      const keep = !processOnly;
      const base = {
        keyId: c.keyId,
        environment: c.environment,
        widgetSession: c.intake.widgetSession,
        shopperId,
        kinds: kindsKey(kinds),
        source: 'photo' as const,
        imageSha256: selfie.sha256,
        selfieUploadId: keep ? selfie.upload_id : null,
        selfieCreated: keep && selfie.created,
        selfieBlobKey: keep ? selfie.blob.key : null,
        selfieContentType: keep ? selfie.blob.content_type : null,
        selfieExpiresAt: keep ? new Date(now + ports.retentionMs[tenant.retention]) : null,
        createdAt: new Date(now),
      };
      // Process-only: the selfie is erased as soon as the analysis is made (or fails).
      const eraseIfProcessOnly = async () => {
        if (processOnly && selfie.created) await ports.eraseUploads(c.tenantId, [selfie.upload_id]);
      };
      try {
        const hit = await findCached(c.tenantId, { imageSha256: selfie.sha256, kinds, analyser });
        if (hit) {
          stats.cacheHits++;
          const at = new Date(clock.now());
          const row = await repo.insertAnalysis(db, c.tenantId, {
            ...base,
            id: newId('styleAnalysis'),
            status: 'succeeded',
            analyserName: hit.analyserName,
            analyserVersion: hit.analyserVersion,
            model: hit.model,
            face: hit.face,
            color: hit.color,
            quality: hit.quality,
            cached: true,
            cachedFrom: hit.cachedFrom ?? hit.id,
            costUsd: 0,
            tookMs: at.getTime() - now,
            completedAt: at,
            updatedAt: at,
          });
          await ports.recordUsage(c.tenantId, 'style.analysis.cache_hit', { refId: row.id, meta: { analyser: analyser.name, kinds } });
          await publishEvent(pubsub, { id: row.id, status: 'succeeded', at: at.toISOString() });
          return row;
        }
        const bytes = await blobs.get(selfie.blob.key);
        if (!bytes) throw new AppError('UPLOAD_GONE', `Upload ${selfie.upload_id} was deleted or has expired.`);
        const t0 = performance.now();
        const out = await run(analyser, bytes, kinds, AbortSignal.timeout(60_000));
        const tookMs = Math.round(performance.now() - t0);
        const at = new Date(clock.now());
        stats.analyses++;
        const row = await repo.insertAnalysis(db, c.tenantId, {
          ...base,
          id: newId('styleAnalysis'),
          status: 'succeeded',
          analyserName: analyser.name,
          analyserVersion: analyser.version,
          model: out.model ?? null,
          face: out.face,
          color: out.color,
          quality: out.quality,
          costUsd: out.costUsd ?? 0,
          tookMs,
          completedAt: at,
          updatedAt: at,
        });
        await ports.recordUsage(c.tenantId, 'style.analysis', { refId: row.id, costUsd: out.costUsd ?? 0, meta: { analyser: analyser.name, kinds, retake: out.quality.retake } });
        await publishEvent(pubsub, { id: row.id, status: 'succeeded', at: at.toISOString() });
        return row;
      } finally {
        await eraseIfProcessOnly();
      }
    },

    list: (tenantId: string, widgetSession: string | null, q: { limit: number; startingAfter?: string | undefined; shopperId?: string | undefined }) => repo.listAnalyses(db, tenantId, { ...q, widgetSession }),

    /** DELETE: the selfie (when this analysis stored it) and the record. */
    async erase(tenantId: string, id: string, widgetSession: string | null) {
      const row = await getRow(tenantId, id, widgetSession);
      if (row.selfieUploadId && row.selfieCreated) await ports.eraseUploads(tenantId, [row.selfieUploadId]);
      await repo.deleteAnalysis(db, tenantId, id);
    },

    /** Retention: selfies past the tenant's retention are erased and unlinked; the derived answers stay. */
    async purgeExpired() {
      const now = new Date(clock.now());
      let selfies = 0;
      for (const r of await repo.expiredSelfies(db, now, 500)) {
        if (r.uploadId && r.created) await ports.eraseUploads(r.tenantId, [r.uploadId]);
        await repo.clearSelfie(db, r.tenantId, r.id);
        selfies++;
      }
      return { selfies };
    },
  };
}

export type StyleService = ReturnType<typeof createStyleService>;
