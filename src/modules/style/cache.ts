/**
 * The style analyses' cache (`style.analyses` on the platform cache): a repeat of the same selfie,
 * kinds and analyser version answers from the stored analysis, with no perception run and no
 * provider call. Key: tenant, the image's sha256, the kinds (sorted), the analyser's name and
 * version — the tenant first, so an operator can drop one tenant's entries by prefix. Value: the
 * id of the analysis that holds the answer (its row carries the answer, and its deletion or the
 * tenant's retention removes it: a hit whose analysis is gone is a miss to the caller).
 *
 * style-core's service calls `get` before analysing and the `style.analyse` job calls `set` after
 * (analyse-job.ts); the offline analyser's service path calls `set` too.
 */
import type { Deps } from '../../deps.js';
import type { Cache } from '../../platform/cache/cache.js';
import type { TAnalysisKind } from '../../../contracts/style.js';

export const STYLE_CACHE_NAMESPACE = 'style.analyses';
/** As long as the longest retention (7 d): the analysis row decides whether the answer still exists. */
export const STYLE_CACHE_TTL_MS = 7 * 24 * 3600_000;

export type StyleCacheValue = { analysis_id: string };
export type StyleCache = Pick<Cache<StyleCacheValue>, 'get' | 'set' | 'invalidate'>;

export type StyleCacheKey = { tenantId: string; imageSha256: string; kinds: readonly TAnalysisKind[]; analyser: { name: string; version: string } };

export function styleCacheKey(k: StyleCacheKey): string {
  return `${k.tenantId}:${k.imageSha256}:${[...new Set(k.kinds)].sort().join('+')}:${k.analyser.name}@${k.analyser.version}`;
}

/** The namespace on this app's caches, created on first use (one per app). */
export function styleCache(deps: Pick<Deps, 'caches'>): StyleCache {
  return (deps.caches.get(STYLE_CACHE_NAMESPACE) as Cache<StyleCacheValue> | undefined) ?? deps.caches.create<StyleCacheValue>({ namespace: STYLE_CACHE_NAMESPACE, ttlMs: STYLE_CACHE_TTL_MS, maxEntries: 50_000 });
}
