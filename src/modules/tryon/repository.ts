/** Drizzle queries for uploads, try-ons, attempts and the result cache. Tenant id first, always. */
import { and, desc, eq, getTableColumns, inArray, isNull, lt, sql, type SQL } from 'drizzle-orm';
import { lingers, type Db } from '../../platform/db/client.js';
import { rawRows, unnestInsertSql, unnestParams, unnestSql, type ArrayColumn } from '../../platform/db/raw.js';
import { groupBatch } from '../../platform/db/group-writer.js';
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

/** Every column of `tryons` (from the Drizzle table, so a new column is never left out): SQL name, SQL type, value. */
const TRYON_COLUMNS: ArrayColumn<TryonRow>[] = Object.entries(getTableColumns(tryons)).map(([key, col]) => [col.name, col.getSQLType(), (r) => r[key as keyof TryonRow]]);
const INSERT_TRYONS = unnestInsertSql('tryons', TRYON_COLUMNS);

/** The row as the database stores it: the table's defaults for what the insert leaves out. */
function fullTryonRow(tenantId: string, row: Omit<NewTryon, 'tenantId'>): TryonRow {
  return {
    keyId: null,
    shopperId: null,
    widgetSession: null,
    requestedProvider: null,
    personBlob: null,
    metadata: {},
    cacheKey: null,
    cached: false,
    resultBlobKey: null,
    resultContentType: null,
    resultWidth: null,
    resultHeight: null,
    resultBytes: null,
    resultMeta: null,
    provider: null,
    model: null,
    attemptsCount: 0,
    costUsd: 0,
    errorCode: null,
    errorMessage: null,
    stage: null,
    cancelRequested: false,
    startedAt: null,
    finishedAt: null,
    providerMs: null,
    expiresAt: null,
    ...row,
    tenantId,
  } as TryonRow;
}

const insertBatchers = new WeakMap<Db, (row: TryonRow) => Promise<void>>();

/**
 * Insert a try-on; resolves with the row as stored. Submits arriving together (one process) share
 * one statement (group commit, one constant text with the rows as one array parameter per column); the row is
 * built here with the table's defaults instead of read back.
 */
export async function insertTryon(db: Db, tenantId: string, row: Omit<NewTryon, 'tenantId'>): Promise<TryonRow> {
  const full = fullTryonRow(tenantId, row);
  let insert = insertBatchers.get(db);
  if (!insert) {
    insert = groupBatch(async (rows: TryonRow[]) => {
      await rawRows(db, INSERT_TRYONS, unnestParams(rows, TRYON_COLUMNS));
      return rows.map(() => undefined);
    }, { linger: lingers(db) });
    insertBatchers.set(db, insert);
  }
  await insert(full);
  return full;
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
type UploadDbRow = {
  id: string;
  tenant_id: string;
  kind: UploadRow['kind'];
  shopper_id: string | null;
  widget_session: string | null;
  blob_key: string | null;
  content_type: string;
  width: number;
  height: number;
  bytes: number;
  sha256: string;
  source: UploadRow['source'];
  created_at: Date | string;
  expires_at: Date | string | null;
  deleted_at: Date | string | null;
};
const toDate = (v: Date | string) => (v instanceof Date ? v : new Date(v));
const toDateOrNull = (v: Date | string | null) => (v === null ? null : toDate(v));

const FIND_UPLOADS_MANY = `select u.id, u.tenant_id, u.kind, u.shopper_id, u.widget_session, u.blob_key, u.content_type, u.width, u.height, u.bytes, u.sha256, u.source, u.created_at, u.expires_at, u.deleted_at
from uploads u where u.id = any($2::text[]) and u.tenant_id = any($1::text[])`;

/**
 * The uploads of several lookups (a submit's person and garments; concurrent submits together, each
 * its own tenant's) in one read, constant text on the driver: per lookup, its rows found, in its order.
 */
export async function findUploadsMany(db: Db, lookups: readonly { tenantId: string; ids: readonly string[] }[]): Promise<UploadRow[][]> {
  const tenantIds: string[] = [];
  const ids: string[] = [];
  for (const l of lookups)
    for (const id of l.ids) {
      tenantIds.push(l.tenantId);
      ids.push(id);
    }
  // By primary key; a row counts only for a lookup of its own tenant (the map's key).
  const found = new Map<string, UploadRow>();
  if (ids.length > 0) for (const r of await rawRows<UploadDbRow>(db, FIND_UPLOADS_MANY, [tenantIds, ids])) found.set(`${r.tenant_id}/${r.id}`, uploadOf(r));
  return lookups.map((l) => l.ids.flatMap((id) => found.get(`${l.tenantId}/${id}`) ?? []));
}

function uploadOf(r: UploadDbRow): UploadRow {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    kind: r.kind,
    shopperId: r.shopper_id,
    widgetSession: r.widget_session,
    blobKey: r.blob_key,
    contentType: r.content_type,
    width: r.width,
    height: r.height,
    bytes: r.bytes,
    sha256: r.sha256,
    source: r.source,
    createdAt: toDate(r.created_at),
    expiresAt: toDateOrNull(r.expires_at),
    deletedAt: toDateOrNull(r.deleted_at),
  };
}

/** What the generate job reads of its try-on. */
export type JobTryon = Pick<
  TryonRow,
  'id' | 'tenantId' | 'status' | 'mode' | 'requestedProvider' | 'personUploadId' | 'personBlob' | 'garments' | 'metadata' | 'cacheKey' | 'cancelRequested' | 'widgetSession' | 'shopperId'
>;

export type NewAttempt = Omit<typeof tryonAttempts.$inferInsert, 'tenantId'>;

/**
 * The statements of a job on the hot path, for many jobs at once (the pipeline groups the calls of
 * concurrent jobs, platform/db/group-writer.ts `groupBatch`): one constant text each, the rows as one
 * array parameter per column (`unnest`, platform/db/raw.ts), so the text never changes with the
 * batch size and the driver runs it prepared. Each does what startTryon / finishTryon do for one
 * job. The id array is also matched on its own (`t.id = any($2)`) so PostgreSQL finds the rows by
 * primary key: joined to the unnested rows alone, it planned a hash join over every queued row
 * found through the status index, a cost that grew with the backlog (3,000 queued: 0.63 ms a batch
 * against 0.08 ms, measured with the JSON form).
 */
type StartItem = { tenantId: string; id: string; now: Date };
const START_COLUMNS: ArrayColumn<StartItem>[] = [
  ['tenant_id', 'text', (i) => i.tenantId],
  ['id', 'text', (i) => i.id],
  ['now', 'timestamptz', (i) => i.now],
];
const START_MANY = `update tryons t set status = 'processing', stage = 'generating', started_at = coalesce(t.started_at, v.now), updated_at = v.now
from ${unnestSql(START_COLUMNS, 1, 'v')}
where t.id = any($2::text[]) and t.tenant_id = v.tenant_id and t.id = v.id and t.status in ('queued', 'processing')
returning t.id, t.tenant_id, t.status, t.mode, t.requested_provider, t.person_upload_id, t.person_blob, t.garments, t.metadata, t.cache_key, t.cancel_requested, t.widget_session, t.shopper_id`;

type StartedRow = {
  id: string;
  tenant_id: string;
  status: TryonStatus;
  mode: JobTryon['mode'];
  requested_provider: string | null;
  person_upload_id: string;
  person_blob: JobTryon['personBlob'];
  garments: JobTryon['garments'];
  metadata: JobTryon['metadata'];
  cache_key: string | null;
  cancel_requested: boolean;
  widget_session: string | null;
  shopper_id: string | null;
};

/** startTryon for many jobs in one statement: one answer per item, in order (undefined: gone or final). */
export async function startTryons(db: Db, items: StartItem[]): Promise<(JobTryon | undefined)[]> {
  // Asynchronous commit (platform/db/raw.ts): the start mark is a progress figure; should a
  // database crash lose it, the job's finish (a synchronous commit) still applies, as it accepts a
  // row still `queued`, and a job that did not finish runs again.
  const rows = await rawRows<StartedRow>(
    db,
    START_MANY,
    unnestParams(items, START_COLUMNS), // $2, the ids, also finds the rows by primary key
    { relaxed: true },
  );
  const byKey = new Map(rows.map((r) => [`${r.tenant_id}/${r.id}`, r]));
  return items.map((i) => {
    const r = byKey.get(`${i.tenantId}/${i.id}`);
    return r
      ? {
          id: r.id,
          tenantId: r.tenant_id,
          status: r.status,
          mode: r.mode,
          requestedProvider: r.requested_provider,
          personUploadId: r.person_upload_id,
          personBlob: r.person_blob,
          garments: r.garments,
          metadata: r.metadata,
          cacheKey: r.cache_key,
          cancelRequested: r.cancel_requested,
          widgetSession: r.widget_session,
          shopperId: r.shopper_id,
        }
      : undefined;
  });
}

/** What a succeeded job writes (finishSucceeded). */
export type Succeeded = {
  tenantId: string;
  id: string;
  resultBlobKey: string;
  resultContentType: string;
  resultWidth: number;
  resultHeight: number;
  resultBytes: number;
  resultMeta: Record<string, unknown>;
  provider: string;
  model: string | null;
  costUsd: number;
  attemptsCount: number;
  providerMs: number;
  finishedAt: Date;
  expiresAt: Date;
  /** Also write the result cache entry (under the row's cache key, if it has one). */
  useCache: boolean;
  /** Attempts to record with it (the succeeded one). */
  attempts: NewAttempt[];
};

const FINISH_COLUMNS: ArrayColumn<Succeeded>[] = [
  ['tenant_id', 'text', (i) => i.tenantId],
  ['id', 'text', (i) => i.id],
  ['result_blob_key', 'text', (i) => i.resultBlobKey],
  ['result_content_type', 'text', (i) => i.resultContentType],
  ['result_width', 'int', (i) => i.resultWidth],
  ['result_height', 'int', (i) => i.resultHeight],
  ['result_bytes', 'int', (i) => i.resultBytes],
  ['result_meta', 'jsonb', (i) => i.resultMeta],
  ['provider', 'text', (i) => i.provider],
  ['model', 'text', (i) => i.model],
  ['cost_usd', 'float8', (i) => i.costUsd],
  ['attempts_count', 'int', (i) => i.attemptsCount],
  ['provider_ms', 'int', (i) => i.providerMs],
  ['finished_at', 'timestamptz', (i) => i.finishedAt],
  ['expires_at', 'timestamptz', (i) => i.expiresAt],
  ['use_cache', 'boolean', (i) => i.useCache],
];
type AttemptItem = NewAttempt & { tenantId: string };
const ATTEMPT_COLUMNS: ArrayColumn<AttemptItem>[] = [
  ['id', 'text', (a) => a.id],
  ['tryon_id', 'text', (a) => a.tryonId],
  ['tenant_id', 'text', (a) => a.tenantId],
  ['provider', 'text', (a) => a.provider],
  ['model', 'text', (a) => a.model],
  ['step', 'int', (a) => a.step ?? 0],
  ['hedged', 'boolean', (a) => a.hedged ?? false],
  ['outcome', 'text', (a) => a.outcome],
  ['error_class', 'text', (a) => a.errorClass],
  ['error_message', 'text', (a) => a.errorMessage],
  ['latency_ms', 'int', (a) => a.latencyMs],
  ['cost_usd', 'float8', (a) => a.costUsd ?? 0],
  ['fidelity_score', 'float8', (a) => a.fidelityScore],
  ['started_at', 'timestamptz', (a) => a.startedAt],
];
const FINISH_MANY = `with v as (
  select * from ${unnestSql(FINISH_COLUMNS, 1, 'v')}
),
a as (
  ${unnestInsertSql('tryon_attempts', ATTEMPT_COLUMNS, 1 + FINISH_COLUMNS.length)}
),
u as (
  update tryons t set status = 'succeeded', stage = null, result_blob_key = v.result_blob_key, result_content_type = v.result_content_type,
    result_width = v.result_width, result_height = v.result_height, result_bytes = v.result_bytes, result_meta = v.result_meta, provider = v.provider,
    model = v.model, cost_usd = v.cost_usd, attempts_count = v.attempts_count, provider_ms = v.provider_ms, finished_at = v.finished_at,
    expires_at = v.expires_at, updated_at = v.finished_at
  from v where t.id = any($2::text[]) and t.tenant_id = v.tenant_id and t.id = v.id and t.status in ('queued', 'processing')
  returning t.id, t.tenant_id, t.expires_at, t.cache_key
),
c as (
  insert into tryon_cache (tenant_id, cache_key, tryon_id, result_blob_key, content_type, width, height, bytes, provider, model, created_at, expires_at)
  select u.tenant_id, u.cache_key, u.id, v.result_blob_key, v.result_content_type, v.result_width, v.result_height, v.result_bytes, v.provider, v.model,
    v.finished_at, u.expires_at
  from u join v on v.tenant_id = u.tenant_id and v.id = u.id
  where v.use_cache and u.cache_key is not null
  on conflict do nothing
)
select id, tenant_id, expires_at from u`;

/**
 * finishTryon for many succeeded jobs in one statement: the attempts, the succeeded rows (only those
 * still `processing`, or `queued` when a database crash lost the start mark: a canceled or erased
 * one is left alone) and their cache entries. One answer per
 * item, in order: undefined when the row was not updated.
 */
export async function finishSucceeded(db: Db, items: Succeeded[]): Promise<({ id: string; expiresAt: Date | null } | undefined)[]> {
  const attempts = items.flatMap((i) => i.attempts.map((a) => ({ ...a, tenantId: i.tenantId })));
  // $2, the ids, also finds the rows by primary key.
  const params = [...unnestParams(items, FINISH_COLUMNS), ...unnestParams(attempts, ATTEMPT_COLUMNS)];
  const done = await rawRows<{ id: string; tenant_id: string; expires_at: Date | string | null }>(db, FINISH_MANY, params);
  const byKey = new Map(done.map((r) => [`${r.tenant_id}/${r.id}`, r]));
  return items.map((i) => {
    const r = byKey.get(`${i.tenantId}/${i.id}`);
    return r ? { id: r.id, expiresAt: r.expires_at === null ? null : new Date(r.expires_at) } : undefined;
  });
}

export async function insertAttempts(db: Db, tenantId: string, rows: NewAttempt[]) {
  if (rows.length === 0) return;
  await db.insert(tryonAttempts).values(rows.map((r) => ({ ...r, tenantId })));
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
    // The result's meta (a preview's `preview: true`, the engine, its placement…) as the first try-on
    // gave it: the entry's try-on outlives it (releaseResults drops the entries of a try-on first).
    const [src] = await tx
      .select({ meta: tryons.resultMeta })
      .from(tryons)
      .where(and(eq(tryons.tenantId, tenantId), eq(tryons.id, c.tryonId)));
    const [t] = await tx
      .insert(tryons)
      .values({ ...row, tenantId, resultBlobKey: c.resultBlobKey, resultContentType: c.contentType, resultWidth: c.width, resultHeight: c.height, resultBytes: c.bytes, resultMeta: src?.meta ?? null, provider: c.provider, model: c.model })
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
