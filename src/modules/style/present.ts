/** A stored analysis as the API shows it: its selfie as a short-lived link while retention keeps it, and (GET one) the job's analyser calls. */
import type { Deps } from '../../deps.js';
import type { TAnalysisKind, TStyleAnalysis } from '../../../contracts/style.js';
import { listStyleAttempts } from './providers/attempts.js';
import type { StylePorts } from './ports.js';
import type { StyleAnalysisRow } from './tables.js';

const KIND_ORDER: TAnalysisKind[] = ['face', 'color'];

/** Kinds in the contract's order, without repeats; both when none are given. */
export function normaliseKinds(kinds: TAnalysisKind[] | undefined): TAnalysisKind[] {
  const set = new Set(kinds && kinds.length > 0 ? kinds : KIND_ORDER);
  return KIND_ORDER.filter((k) => set.has(k));
}
const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function createPresenter(deps: Pick<Deps, 'db' | 'clock'>, ports: Pick<StylePorts, 'signedUrl'>) {
  const { db, clock } = deps;

  async function signedSelfie(row: StyleAnalysisRow, baseUrl: string): Promise<TStyleAnalysis['selfie']> {
    if (!row.selfieUploadId || !row.selfieBlobKey || !row.selfieContentType || !row.selfieExpiresAt || row.selfieExpiresAt.getTime() <= clock.now()) return null;
    const s = await ports.signedUrl(row.selfieBlobKey, row.selfieContentType, baseUrl);
    // The link lives no longer than the selfie itself.
    const expiresAt = s.expiresAt.getTime() < row.selfieExpiresAt.getTime() ? s.expiresAt : row.selfieExpiresAt;
    return { upload_id: row.selfieUploadId, url: s.url, expires_at: expiresAt.toISOString() };
  }

  async function present(row: StyleAnalysisRow, baseUrl: string | null, o: { attempts?: boolean } = {}): Promise<TStyleAnalysis> {
    const attempts = o.attempts ? await listStyleAttempts(db, row.tenantId, row.id) : undefined;
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
      cost_usd: row.costUsd,
      ...(attempts
        ? {
            attempts: attempts.map((a) => ({
              analyser: a.analyser,
              model: a.model,
              outcome: a.outcome,
              error_class: a.errorClass,
              latency_ms: a.latencyMs,
              cost_usd: a.costUsd,
              started_at: a.startedAt.toISOString(),
            })),
          }
        : {}),
      created_at: row.createdAt.toISOString(),
      completed_at: iso(row.completedAt),
      took_ms: row.tookMs,
    };
  }

  return present;
}
