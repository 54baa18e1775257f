/** Drizzle queries for uploads, try-ons, attempts and the result cache. Tenant id first, always. */
import { and, desc, eq, inArray, isNull, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../platform/db/client.js';
import { tryonAttempts, tryonCache, tryons, uploads, type TryonRow, type TryonStatus, type UploadRow } from './tables.js';

export type NewUpload = typeof uploads.$inferInsert;
export type NewTryon = typeof tryons.$inferInsert;

export async function insertUpload(db: Db, tenantId: string, row: Omit<NewUpload, 'tenantId'>): Promise<UploadRow> {
  const [u] = await db.insert(uploads).values({ ...row, tenantId }).returning();
  return u!;
}

export async function findUpload(db: Db, tenantId: string, id: string): Promise<UploadRow | undefined> {
  const [u] = await db.select().from(uploads).where(and(eq(uploads.tenantId, tenantId), eq(uploads.id, id)));
  return u;
}

export async function markUploadsDeleted(db: Db, tenantId: string, ids: string[], at: Date) {
  if (ids.length === 0) return;
  await db.update(uploads).set({ deletedAt: at, blobKey: null }).where(and(eq(uploads.tenantId, tenantId), inArray(uploads.id, ids)));
}

export async function insertTryon(db: Db, tenantId: string, row: Omit<NewTryon, 'tenantId'>): Promise<TryonRow> {
  const [t] = await db.insert(tryons).values({ ...row, tenantId }).returning();
  return t!;
}

export async function findTryon(db: Db, tenantId: string, id: string): Promise<TryonRow | undefined> {
  const [t] = await db.select().from(tryons).where(and(eq(tryons.tenantId, tenantId), eq(tryons.id, id)));
  return t;
}

/** Update only while the try-on is in one of `from` (so a late writer cannot overwrite a final state). */
export async function updateTryonIf(db: Db, tenantId: string, id: string, from: TryonStatus[], patch: Partial<NewTryon>): Promise<TryonRow | undefined> {
  const [t] = await db
    .update(tryons)
    .set({ ...patch, updatedAt: patch.updatedAt ?? new Date() })
    .where(and(eq(tryons.tenantId, tenantId), eq(tryons.id, id), inArray(tryons.status, from)))
    .returning();
  return t;
}

export type TryonFilters = { status?: TryonStatus | undefined; shopperId?: string | undefined; widgetSession?: string | undefined; createdGte?: Date | undefined; createdLt?: Date | undefined };

export async function listTryons(db: Db, tenantId: string, opts: TryonFilters & { limit: number; startingAfter?: string | undefined }) {
  const conds: SQL[] = [eq(tryons.tenantId, tenantId)];
  if (opts.startingAfter) conds.push(lt(tryons.id, opts.startingAfter));
  if (opts.status) conds.push(eq(tryons.status, opts.status));
  if (opts.shopperId) conds.push(eq(tryons.shopperId, opts.shopperId));
  if (opts.widgetSession) conds.push(eq(tryons.widgetSession, opts.widgetSession));
  if (opts.createdGte) conds.push(sql`${tryons.createdAt} >= ${opts.createdGte}`);
  if (opts.createdLt) conds.push(lt(tryons.createdAt, opts.createdLt));
  const rows = await db
    .select()
    .from(tryons)
    .where(and(...conds))
    .orderBy(desc(tryons.id))
    .limit(opts.limit + 1);
  return { data: rows.slice(0, opts.limit), hasMore: rows.length > opts.limit };
}

/** Try-ons queued before this one (any tenant: the workers are shared). */
export async function queuePosition(db: Db, queuedAt: Date): Promise<number> {
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(tryons)
    .where(and(eq(tryons.status, 'queued'), lt(tryons.queuedAt, queuedAt)));
  return r?.n ?? 0;
}

export async function insertAttempt(db: Db, tenantId: string, row: Omit<typeof tryonAttempts.$inferInsert, 'tenantId'>) {
  await db.insert(tryonAttempts).values({ ...row, tenantId });
}

export async function listAttempts(db: Db, tenantId: string, tryonId: string) {
  return db
    .select()
    .from(tryonAttempts)
    .where(and(eq(tryonAttempts.tenantId, tenantId), eq(tryonAttempts.tryonId, tryonId)))
    .orderBy(tryonAttempts.startedAt);
}

export async function findCache(db: Db, tenantId: string, cacheKey: string) {
  const [c] = await db
    .select()
    .from(tryonCache)
    .where(and(eq(tryonCache.tenantId, tenantId), eq(tryonCache.cacheKey, cacheKey)));
  return c;
}

export async function insertCache(db: Db, tenantId: string, row: Omit<typeof tryonCache.$inferInsert, 'tenantId'>) {
  await db
    .insert(tryonCache)
    .values({ ...row, tenantId })
    .onConflictDoNothing();
}

export async function deleteCacheFor(db: Db, tenantId: string, tryonIds: string[]) {
  if (tryonIds.length === 0) return;
  await db.delete(tryonCache).where(and(eq(tryonCache.tenantId, tenantId), inArray(tryonCache.tryonId, tryonIds)));
}

export async function deleteCacheKey(db: Db, tenantId: string, cacheKey: string) {
  await db.delete(tryonCache).where(and(eq(tryonCache.tenantId, tenantId), eq(tryonCache.cacheKey, cacheKey)));
}

export async function shopperRows(db: Db, tenantId: string, shopperId: string) {
  const ups = await db
    .select()
    .from(uploads)
    .where(and(eq(uploads.tenantId, tenantId), eq(uploads.shopperId, shopperId), isNull(uploads.deletedAt)));
  const trs = await db
    .select()
    .from(tryons)
    .where(and(eq(tryons.tenantId, tenantId), eq(tryons.shopperId, shopperId)));
  return { uploads: ups, tryons: trs };
}

/** Try-ons whose person or garment is this upload. */
export async function tryonsUsingUpload(db: Db, tenantId: string, uploadId: string) {
  return db
    .select()
    .from(tryons)
    .where(and(eq(tryons.tenantId, tenantId), sql`(${tryons.personUploadId} = ${uploadId} or ${tryons.garments} @> ${JSON.stringify([{ upload_id: uploadId }])}::jsonb)`));
}

/** Wipe a try-on's result (erased or expired): the row stays as a record, the image goes. */
export async function clearResults(db: Db, tenantId: string, ids: string[], status: 'expired' | null, at: Date) {
  if (ids.length === 0) return;
  await db
    .update(tryons)
    .set({
      resultBlobKey: null,
      ...(status ? { status } : {}),
      updatedAt: at,
    })
    .where(and(eq(tryons.tenantId, tenantId), inArray(tryons.id, ids)));
}

/** Across tenants (the purge job): uploads and finished try-ons past their expiry. */
export async function expiredUploads(db: Db, now: Date, limit: number) {
  return db
    .select({ id: uploads.id, tenantId: uploads.tenantId, blobKey: uploads.blobKey })
    .from(uploads)
    .where(and(isNull(uploads.deletedAt), lt(uploads.expiresAt, now)))
    .limit(limit);
}

export async function expiredTryons(db: Db, now: Date, limit: number) {
  return db
    .select({ id: tryons.id, tenantId: tryons.tenantId, blobKey: tryons.resultBlobKey })
    .from(tryons)
    .where(and(inArray(tryons.status, ['succeeded', 'failed', 'canceled']), lt(tryons.expiresAt, now)))
    .limit(limit);
}

/** Several uploads of a tenant in one statement (a try-on's person and garments). */
export async function findUploads(db: Db, tenantId: string, ids: string[]): Promise<UploadRow[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(uploads)
    .where(and(eq(uploads.tenantId, tenantId), inArray(uploads.id, ids)));
}

/** What the generate job reads of its try-on. */
export type JobTryon = Pick<
  TryonRow,
  'id' | 'tenantId' | 'status' | 'mode' | 'requestedProvider' | 'personUploadId' | 'personBlob' | 'garments' | 'metadata' | 'cacheKey' | 'cancelRequested'
>;

/**
 * Start (or restart, after a crash) the job of a try-on in one statement: queued|processing →
 * processing, stage generating, started_at kept from a previous run. Undefined when the try-on is
 * gone or already final.
 */
export async function startTryon(db: Db, tenantId: string, id: string, now: Date): Promise<JobTryon | undefined> {
  const [t] = await db
    .update(tryons)
    .set({ status: 'processing', stage: 'generating', startedAt: sql`coalesce(${tryons.startedAt}, ${now.toISOString()}::timestamptz)`, updatedAt: now })
    .where(and(eq(tryons.tenantId, tenantId), eq(tryons.id, id), inArray(tryons.status, ['queued', 'processing'])))
    .returning({
      id: tryons.id,
      tenantId: tryons.tenantId,
      status: tryons.status,
      mode: tryons.mode,
      requestedProvider: tryons.requestedProvider,
      personUploadId: tryons.personUploadId,
      personBlob: tryons.personBlob,
      garments: tryons.garments,
      metadata: tryons.metadata,
      cacheKey: tryons.cacheKey,
      cancelRequested: tryons.cancelRequested,
    });
  return t;
}

export type NewAttempt = Omit<typeof tryonAttempts.$inferInsert, 'tenantId'>;

export async function insertAttempts(db: Db, tenantId: string, rows: NewAttempt[]) {
  if (rows.length === 0) return;
  await db.insert(tryonAttempts).values(rows.map((r) => ({ ...r, tenantId })));
}

export type CacheEntry = Omit<typeof tryonCache.$inferInsert, 'tenantId' | 'cacheKey' | 'tryonId' | 'expiresAt'>;

/**
 * The end of a successful job in one statement: record the attempts still to record, mark the
 * try-on succeeded (only while it is `processing`: a cancel or an erasure wins), and, when `cache`
 * is given, add the result to the tenant's cache under the try-on's cache key. Undefined when the
 * try-on was no longer processing.
 */
export async function finishTryon(
  db: Db,
  tenantId: string,
  id: string,
  patch: Partial<NewTryon>,
  attempts: NewAttempt[],
  cache: CacheEntry | undefined,
): Promise<{ id: string; expiresAt: Date | null } | undefined> {
  const update = db
    .update(tryons)
    .set({ ...patch, updatedAt: patch.updatedAt ?? new Date() })
    .where(and(eq(tryons.tenantId, tenantId), eq(tryons.id, id), eq(tryons.status, 'processing')))
    .returning({ id: tryons.id, expires_at: tryons.expiresAt, cache_key: tryons.cacheKey });
  const parts: SQL[] = [];
  if (attempts.length > 0) parts.push(sql`a as (${db.insert(tryonAttempts).values(attempts.map((r) => ({ ...r, tenantId }))).getSQL()})`);
  parts.push(sql`u as (${update.getSQL()})`);
  if (cache) {
    const c = cache;
    parts.push(sql`c as (
      insert into tryon_cache (tenant_id, cache_key, tryon_id, result_blob_key, content_type, width, height, bytes, provider, model, created_at, expires_at)
      select ${tenantId}, u.cache_key, u.id, ${c.resultBlobKey}, ${c.contentType}, ${c.width}, ${c.height}, ${c.bytes}, ${c.provider}, ${c.model ?? null}, ${c.createdAt.toISOString()}::timestamptz, u.expires_at
      from u where u.cache_key is not null
      on conflict do nothing)`);
  }
  const res = (await db.execute(sql`with ${sql.join(parts, sql`, `)} select id, expires_at from u`)) as unknown as { rows: { id: string; expires_at: Date | string | null }[] };
  const r = res.rows[0];
  if (!r) return undefined;
  return { id: r.id, expiresAt: r.expires_at === null ? null : new Date(r.expires_at) };
}

/**
 * A cache hit: a new succeeded try-on pointing at the cache entry's result blob (no copy). The
 * entry is read FOR SHARE inside the transaction, so a purge or erasure deleting it waits for this
 * insert and then sees the new reference before it decides to delete the blob. `usable` checks the
 * entry (e.g. that its blob still exists); an unusable entry is deleted. Undefined on a miss.
 */
export async function insertCachedTryon(
  db: Db,
  tenantId: string,
  cacheKey: string,
  row: Omit<NewTryon, 'tenantId' | 'resultBlobKey' | 'resultContentType' | 'resultWidth' | 'resultHeight' | 'resultBytes' | 'provider' | 'model'>,
  usable: (entry: typeof tryonCache.$inferSelect) => Promise<boolean>,
): Promise<TryonRow | undefined> {
  return db.transaction(async (tx) => {
    const [c] = await tx
      .select()
      .from(tryonCache)
      .where(and(eq(tryonCache.tenantId, tenantId), eq(tryonCache.cacheKey, cacheKey)))
      .for('share');
    if (!c) return undefined;
    if (!(await usable(c))) {
      await tx.delete(tryonCache).where(and(eq(tryonCache.tenantId, tenantId), eq(tryonCache.cacheKey, cacheKey)));
      return undefined;
    }
    const [t] = await tx
      .insert(tryons)
      .values({ ...row, tenantId, resultBlobKey: c.resultBlobKey, resultContentType: c.contentType, resultWidth: c.width, resultHeight: c.height, resultBytes: c.bytes, provider: c.provider, model: c.model })
      .returning();
    return t;
  });
}

/** Which of these result blobs some try-on of the tenant still refers to. */
export async function referencedResultKeys(db: Db, tenantId: string, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db
    .selectDistinct({ key: tryons.resultBlobKey })
    .from(tryons)
    .where(and(eq(tryons.tenantId, tenantId), inArray(tryons.resultBlobKey, keys)));
  return new Set(rows.map((r) => r.key!));
}
