/**
 * The `style.analyse` job's ports over the analyses table (analyse-job.ts runs the router; this
 * file moves the row): `begin` queued|processing → processing; `loadInput` the stored selfie with
 * its perception (the perception cache answers the run the request already made); `succeed` the
 * answer (tie-break questions, or fused with the quiz result the request named), usage with the
 * cost; `fail`; `answerFrom` a repeat answered by an earlier analysis (the cache); `emit` on the
 * bus and as webhooks. A process-only tenant's selfie, kept only while the job waited, is erased
 * when the analysis ends either way.
 */
import type { Deps } from '../../deps.js';
import type { TAnalysisKind } from '../../../contracts/style.js';
import * as repo from './repository.js';
import { finalColor, type StyleService } from './service.js';
import type { AnalyseJobPorts } from './analyse-job.js';
import type { StylePorts } from './ports.js';
import type { NewStyleAnalysis, StyleAnalysisRow } from './tables.js';

const NO_SELFIE = { selfieUploadId: null, selfieBlobKey: null, selfieContentType: null, selfieExpiresAt: null } as const;

export function createAnalyseJobPorts(deps: Pick<Deps, 'db' | 'clock' | 'blobs'>, ports: StylePorts, svc: StyleService): AnalyseJobPorts {
  const { db, clock, blobs } = deps;

  /** Finish the row (only while `processing`); a process-only tenant's selfie goes with it. */
  async function finish(row: StyleAnalysisRow, patch: Partial<NewStyleAnalysis>): Promise<StyleAnalysisRow | undefined> {
    const tenant = await ports.getTenant(row.tenantId);
    const processOnly = tenant.retention === 'process-only';
    // Erased first: whoever sees the analysis final sees the selfie gone.
    if (processOnly && row.selfieUploadId && row.selfieCreated) await ports.eraseUploads(row.tenantId, [row.selfieUploadId]);
    const at = new Date(clock.now());
    return repo.updateAnalysisIf(db, row.tenantId, row.id, patch.status === 'failed' ? ['queued', 'processing'] : ['processing'], {
      ...patch,
      ...(processOnly ? NO_SELFIE : {}),
      completedAt: at,
      updatedAt: at,
    });
  }

  /** The colour as stored: fused with the quiz result the request named (while it still exists), else with its tie-breakers. */
  async function colorFor(row: StyleAnalysisRow, color: Parameters<typeof finalColor>[0]) {
    const quiz = row.quizResultId ? await svc.quizForFusion({ tenantId: row.tenantId, widgetSession: row.widgetSession }, row.quizResultId).catch(() => null) : null;
    return finalColor(color, quiz);
  }

  return {
    async begin(tenantId, analysisId) {
      const row = await repo.updateAnalysisIf(db, tenantId, analysisId, ['queued', 'processing'], { status: 'processing' });
      if (!row) return null;
      const tenant = await ports.getTenant(tenantId);
      const ttl = svc.cacheTtl(tenant.retention);
      return {
        kinds: row.kinds.split(',') as TAnalysisKind[],
        analyser: row.analyserName,
        imageSha256: ttl > 0 ? row.imageSha256 : undefined,
        cacheAnswer: !row.quizResultId,
        cacheTtlMs: ttl,
      };
    },

    async loadInput(tenantId, analysisId, kinds, signal) {
      const row = await repo.findAnalysis(db, tenantId, analysisId);
      if (!row?.selfieBlobKey || (row.selfieExpiresAt && row.selfieExpiresAt.getTime() <= clock.now())) return null;
      const bytes = await blobs.get(row.selfieBlobKey);
      return bytes ? svc.inputOf(bytes, kinds, signal) : null;
    },

    async succeed(tenantId, analysisId, result) {
      const row = await repo.findAnalysis(db, tenantId, analysisId);
      if (!row || row.status !== 'processing') return false;
      const { color, source } = await colorFor(row, result.output.color);
      const done = await finish(row, {
        status: 'succeeded',
        analyserName: result.analyser.name,
        analyserVersion: result.analyser.version,
        model: result.analyser.model,
        face: result.output.face,
        color,
        quality: result.output.quality,
        source,
        costUsd: result.costUsd,
        tookMs: Math.round(result.tookMs),
      });
      if (!done) return false;
      svc.counters.analyses++;
      await ports.recordUsage(tenantId, 'style.analysis', {
        refId: analysisId,
        costUsd: result.costUsd,
        meta: { analyser: result.analyser.name, asked: row.analyserName, fell_back: result.fellBack, kinds: row.kinds.split(','), retake: result.output.quality.retake },
      });
      return true;
    },

    async fail(tenantId, analysisId, error) {
      const row = await repo.findAnalysis(db, tenantId, analysisId);
      if (!row) return false;
      return Boolean(await finish(row, { status: 'failed', errorCode: error.code, errorMessage: error.message }));
    },

    async answerFrom(tenantId, analysisId, earlierId) {
      const earlier = await repo.findAnalysis(db, tenantId, earlierId);
      const row = await repo.findAnalysis(db, tenantId, analysisId);
      if (!earlier || earlier.status !== 'succeeded' || earlier.source !== 'photo' || !row || row.status !== 'processing') return null;
      const { color, source } = await colorFor(row, earlier.color);
      const done = await finish(row, {
        status: 'succeeded',
        analyserName: earlier.analyserName,
        analyserVersion: earlier.analyserVersion,
        model: earlier.model,
        face: earlier.face,
        color,
        quality: earlier.quality,
        source,
        cached: true,
        cachedFrom: earlier.cachedFrom ?? earlier.id,
        costUsd: 0,
        tookMs: Math.max(0, clock.now() - row.createdAt.getTime()),
      });
      if (!done) return null;
      svc.counters.cacheHits++;
      await ports.recordUsage(tenantId, 'style.analysis.cache_hit', { refId: analysisId, meta: { analyser: earlier.analyserName, kinds: row.kinds.split(',') } });
      return { name: earlier.analyserName, version: earlier.analyserVersion, model: earlier.model };
    },

    emit: (tenantId, event) => svc.emit(tenantId, event),
  };
}
