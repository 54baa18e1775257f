/**
 * The style analyses' cache (`style.analyses` on the platform cache): a repeat of the same selfie,
 * kinds and analyser version answers from the stored analysis, with no perception run and no
 * provider call. Key: tenant, the image's sha256, the kinds (sorted), the analyser's name and
 * version — the tenant first, so an operator can drop one tenant's entries by prefix. Value: the
 * id of the analysis that holds the answer; a hit reads that row by its id (no search of the
 * analyses), and a hit whose analysis is gone is dropped and counts as a miss to the caller.
 *
 * Only photo answers are cached (never a fused one), never for process-only tenants (as try-on
 * results), and an entry lives as long as the tenant keeps the selfie: its TTL is the tenant's
 * retention, and the analysis's DELETE, the shopper's erasure and the retention purge of its
 * selfie drop it. The service (service.ts) reads and fills it in the request; the `style.analyse`
 * job (analyse-job.ts) reads it before it runs and fills it under the analyser that answered.
 */
import type { Deps } from '../../deps.js';
import type { Cache } from '../../platform/cache/cache.js';
import type { TAnalysisKind } from '../../../contracts/style.js';

export const STYLE_CACHE_NAMESPACE = 'style.analyses';
/** The longest retention (7 d): an entry never outlives it; each entry's own TTL is its tenant's retention. */
export const STYLE_CACHE_TTL_MS = 7 * 24 * 3600_000;

export type StyleCacheValue = { analysis_id: string };
export type StyleCache = Pick<Cache<StyleCacheValue>, 'get' | 'set' | 'invalidate'>;

export type StyleCacheKey = { tenantId: string; imageSha256: string; kinds: readonly TAnalysisKind[]; analyser: { name: string; version: string } };

export function styleCacheKey(k: StyleCacheKey): string {
  return `${k.tenantId}:${k.imageSha256}:${[...new Set(k.kinds)].sort().join('+')}:${k.analyser.name}@${k.analyser.version}`;
}

/** The key an analysis row was (or would be) cached under: the analyser that answered it. */
export function rowCacheKey(row: { tenantId: string; imageSha256: string; kinds: string; analyserName: string; analyserVersion: string }): string {
  return styleCacheKey({ tenantId: row.tenantId, imageSha256: row.imageSha256, kinds: row.kinds.split(',') as TAnalysisKind[], analyser: { name: row.analyserName, version: row.analyserVersion } });
}

/** The namespace on this app's caches, created on first use (one per app). */
export function styleCache(deps: Pick<Deps, 'caches'>): StyleCache {
  return (deps.caches.get(STYLE_CACHE_NAMESPACE) as Cache<StyleCacheValue> | undefined) ?? deps.caches.create<StyleCacheValue>({ namespace: STYLE_CACHE_NAMESPACE, ttlMs: STYLE_CACHE_TTL_MS, maxEntries: 50_000 });
}
