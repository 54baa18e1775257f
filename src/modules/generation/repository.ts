/** Drizzle queries for generations, their attempts and the result cache. Tenant id first, always. */
import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/client.js';
import {
  generationAttempts,
  generationCache,
  generations,
  type GenerationCacheRow,
  type GenerationRow,
  type GenerationStatus,
  type NewGeneration,
  type NewGenerationAttempt,
} from './tables.js';

export async function insertGeneration(db: Db, tenantId: string, row: Omit<NewGeneration, 'tenantId'>): Promise<GenerationRow> {
  const [g] = await db.insert(generations).values({ ...row, tenantId }).returning();
  return g!;
}

export async function findGeneration(db: Db, tenantId: string, id: string): Promise<GenerationRow | undefined> {
  const [g] = await db.select().from(generations).where(and(eq(generations.tenantId, tenantId), eq(generations.id, id)));
  return g;
}

/** Update only while the generation is in one of `from` (a late writer cannot overwrite a final state). */
export async function updateGenerationIf(db: Db, tenantId: string, id: string, from: GenerationStatus[], patch: Partial<NewGeneration>): Promise<GenerationRow | undefined> {
  const [g] = await db
    .update(generations)
    .set({ ...patch, updatedAt: patch.updatedAt ?? new Date() })
    .where(and(eq(generations.tenantId, tenantId), eq(generations.id, id), inArray(generations.status, from)))
    .returning();
  return g;
}

export async function listGenerations(db: Db, tenantId: string, opts: { limit: number; startingAfter?: string | undefined; status?: GenerationStatus | undefined }) {
  const conds = [eq(generations.tenantId, tenantId)];
  if (opts.startingAfter) conds.push(lt(generations.id, opts.startingAfter));
  if (opts.status) conds.push(eq(generations.status, opts.status));
  const rows = await db
    .select()
    .from(generations)
    .where(and(...conds))
    .orderBy(desc(generations.id))
    .limit(opts.limit + 1);
  return { data: rows.slice(0, opts.limit), hasMore: rows.length > opts.limit };
}

/** Generations queued before this one (any tenant: the workers are shared). */
export async function queuePosition(db: Db, queuedAt: Date): Promise<number> {
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(generations)
    .where(and(eq(generations.status, 'queued'), lt(generations.queuedAt, queuedAt)));
  return r?.n ?? 0;
}

export async function insertAttempts(db: Db, tenantId: string, rows: Omit<NewGenerationAttempt, 'tenantId'>[]) {
  if (rows.length === 0) return;
  await db.insert(generationAttempts).values(rows.map((r) => ({ ...r, tenantId })));
}

export async function listAttempts(db: Db, tenantId: string, generationId: string) {
  return db
    .select()
    .from(generationAttempts)
    .where(and(eq(generationAttempts.tenantId, tenantId), eq(generationAttempts.generationId, generationId)))
    .orderBy(generationAttempts.startedAt);
}

/**
 * A cache hit: a new succeeded generation pointing at the cache entry's result blob (no copy). The
 * entry is read FOR SHARE inside the transaction, so a purge or erasure deleting it waits for this
 * insert and then sees the new reference before it decides to delete the blob. `usable` checks the
 * entry (its blob still exists); an unusable entry is deleted. Undefined on a miss.
 */
export async function insertCachedGeneration(
  db: Db,
  tenantId: string,
  cacheKey: string,
  row: Omit<NewGeneration, 'tenantId' | 'resultBlobKey' | 'resultContentType' | 'resultWidth' | 'resultHeight' | 'resultBytes' | 'provider' | 'model' | 'resultMeta'>,
  usable: (entry: GenerationCacheRow) => Promise<boolean>,
): Promise<GenerationRow | undefined> {
  return db.transaction(async (tx) => {
    const [c] = await tx
      .select()
      .from(generationCache)
      .where(and(eq(generationCache.tenantId, tenantId), eq(generationCache.cacheKey, cacheKey)))
      .for('share');
    if (!c) return undefined;
    if (!(await usable(c))) {
      await tx.delete(generationCache).where(and(eq(generationCache.tenantId, tenantId), eq(generationCache.cacheKey, cacheKey)));
      return undefined;
    }
    const [g] = await tx
      .insert(generations)
      .values({
        ...row,
        tenantId,
        resultBlobKey: c.resultBlobKey,
        resultContentType: c.contentType,
        resultWidth: c.width,
        resultHeight: c.height,
        resultBytes: c.bytes,
        resultMeta: c.resultMeta,
        provider: c.provider,
        model: c.model,
      })
      .returning();
    return g;
  });
}

export type Succeeded = Pick<
  NewGeneration,
  'resultBlobKey' | 'resultContentType' | 'resultWidth' | 'resultHeight' | 'resultBytes' | 'resultMeta' | 'provider' | 'model' | 'costUsd' | 'attemptsCount' | 'providerMs' | 'finishedAt' | 'expiresAt'
>;

/**
 * The end of a successful job, in one transaction: the row becomes succeeded (only from
 * `processing`: a cancel or erasure meanwhile wins), its attempts are written and, when asked, the
 * result enters the cache. Undefined when the row was no longer processing.
 */
export async function finishSucceeded(
  db: Db,
  tenantId: string,
  id: string,
  done: Succeeded,
  attempts: Omit<NewGenerationAttempt, 'tenantId'>[],
  cache: { cacheKey: string; createdAt: Date } | undefined,
): Promise<GenerationRow | undefined> {
  return db.transaction(async (tx) => {
    const [g] = await tx
      .update(generations)
      .set({ ...done, status: 'succeeded', stage: null, updatedAt: done.finishedAt ?? new Date() })
      .where(and(eq(generations.tenantId, tenantId), eq(generations.id, id), eq(generations.status, 'processing')))
      .returning();
    if (!g) return undefined;
    if (attempts.length > 0) await tx.insert(generationAttempts).values(attempts.map((a) => ({ ...a, tenantId })));
    if (cache) {
      await tx
        .insert(generationCache)
        .values({
          tenantId,
          cacheKey: cache.cacheKey,
          generationId: id,
          resultBlobKey: done.resultBlobKey!,
          contentType: done.resultContentType!,
          width: done.resultWidth!,
          height: done.resultHeight!,
          bytes: done.resultBytes!,
          provider: done.provider!,
          model: done.model ?? null,
          resultMeta: done.resultMeta ?? null,
          createdAt: cache.createdAt,
          expiresAt: done.expiresAt ?? null,
        })
        .onConflictDoNothing();
    }
    return g;
  });
}

export async function deleteCacheFor(db: Db, tenantId: string, generationIds: string[]) {
  if (generationIds.length === 0) return;
  await db.delete(generationCache).where(and(eq(generationCache.tenantId, tenantId), inArray(generationCache.generationId, generationIds)));
}

/** Wipe results (expired or erased): the row stays as a record, the image goes. */
export async function clearResults(db: Db, tenantId: string, ids: string[], status: 'expired' | null, at: Date) {
  if (ids.length === 0) return;
  await db
    .update(generations)
    .set({ resultBlobKey: null, ...(status ? { status } : {}), updatedAt: at })
    .where(and(eq(generations.tenantId, tenantId), inArray(generations.id, ids)));
}

/** Which of these result blobs some generation of the tenant still refers to. */
export async function referencedResultKeys(db: Db, tenantId: string, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db
    .selectDistinct({ key: generations.resultBlobKey })
    .from(generations)
    .where(and(eq(generations.tenantId, tenantId), inArray(generations.resultBlobKey, keys)));
  return new Set(rows.map((r) => r.key!));
}

/**
 * Across tenants (the purge): succeeded generations past their expiry. Failed and canceled ones
 * have no result to delete and keep their status (so figures still tell failures apart).
 */
export async function expiredGenerations(db: Db, now: Date, limit: number) {
  return db
    .select({ id: generations.id, tenantId: generations.tenantId, blobKey: generations.resultBlobKey })
    .from(generations)
    .where(and(eq(generations.status, 'succeeded'), lt(generations.expiresAt, now)))
    .limit(limit);
}

/** Erase a generation's record (DELETE): its attempts and the row. */
export async function deleteGeneration(db: Db, tenantId: string, id: string) {
  await db.transaction(async (tx) => {
    await tx.delete(generationAttempts).where(and(eq(generationAttempts.tenantId, tenantId), eq(generationAttempts.generationId, id)));
    await tx.delete(generations).where(and(eq(generations.tenantId, tenantId), eq(generations.id, id)));
  });
}
