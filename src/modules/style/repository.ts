/** Drizzle queries for style analyses. Tenant id first, always. */
import { and, desc, eq, inArray, isNotNull, lt, lte } from 'drizzle-orm';
import type { Db } from '../../platform/db/client.js';
import { styleAnalyses, type NewStyleAnalysis, type StyleAnalysisRow, type StyleAnalysisStatus } from './tables.js';

export async function insertAnalysis(db: Db, tenantId: string, row: Omit<NewStyleAnalysis, 'tenantId'>): Promise<StyleAnalysisRow> {
  const [r] = await db.insert(styleAnalyses).values({ ...row, tenantId }).returning();
  return r!;
}

export async function findAnalysis(db: Db, tenantId: string, id: string): Promise<StyleAnalysisRow | undefined> {
  const [r] = await db.select().from(styleAnalyses).where(and(eq(styleAnalyses.tenantId, tenantId), eq(styleAnalyses.id, id)));
  return r;
}

/** Update only while the analysis is in one of `from` (a job finishing late cannot overwrite a final state). */
export async function updateAnalysisIf(db: Db, tenantId: string, id: string, from: StyleAnalysisStatus[], patch: Partial<NewStyleAnalysis>): Promise<StyleAnalysisRow | undefined> {
  const [r] = await db
    .update(styleAnalyses)
    .set({ ...patch, updatedAt: patch.updatedAt ?? new Date() })
    .where(and(eq(styleAnalyses.tenantId, tenantId), eq(styleAnalyses.id, id), inArray(styleAnalyses.status, from)))
    .returning();
  return r;
}

export async function listAnalyses(db: Db, tenantId: string, q: { limit: number; startingAfter?: string | undefined; widgetSession: string | null; shopperId?: string | undefined }) {
  const conds = [eq(styleAnalyses.tenantId, tenantId)];
  if (q.widgetSession) conds.push(eq(styleAnalyses.widgetSession, q.widgetSession));
  if (q.startingAfter) conds.push(lt(styleAnalyses.id, q.startingAfter));
  if (q.shopperId) conds.push(eq(styleAnalyses.shopperId, q.shopperId));
  const rows = await db
    .select()
    .from(styleAnalyses)
    .where(and(...conds))
    .orderBy(desc(styleAnalyses.id))
    .limit(q.limit + 1);
  return { data: rows.slice(0, q.limit), hasMore: rows.length > q.limit };
}

/** A shopper's analyses (a publishable key's widget session: only its own), for the shopper's erasure. */
export async function shopperAnalyses(db: Db, tenantId: string, shopperId: string, widgetSession: string | null) {
  const conds = [eq(styleAnalyses.tenantId, tenantId), eq(styleAnalyses.shopperId, shopperId)];
  if (widgetSession) conds.push(eq(styleAnalyses.widgetSession, widgetSession));
  return db.select().from(styleAnalyses).where(and(...conds));
}

export async function deleteAnalyses(db: Db, tenantId: string, ids: string[]) {
  if (ids.length > 0) await db.delete(styleAnalyses).where(and(eq(styleAnalyses.tenantId, tenantId), inArray(styleAnalyses.id, ids)));
}

/** Analyses whose selfie is past the tenant's retention (any tenant: the worker's purge). */
export async function expiredSelfies(db: Db, now: Date, limit: number) {
  return db
    .select({
      id: styleAnalyses.id,
      tenantId: styleAnalyses.tenantId,
      uploadId: styleAnalyses.selfieUploadId,
      created: styleAnalyses.selfieCreated,
      // The cache key, to drop its entry with the selfie.
      imageSha256: styleAnalyses.imageSha256,
      kinds: styleAnalyses.kinds,
      analyserName: styleAnalyses.analyserName,
      analyserVersion: styleAnalyses.analyserVersion,
    })
    .from(styleAnalyses)
    .where(and(isNotNull(styleAnalyses.selfieExpiresAt), lte(styleAnalyses.selfieExpiresAt, now)))
    .limit(limit);
}

export async function clearSelfie(db: Db, tenantId: string, id: string) {
  await db
    .update(styleAnalyses)
    .set({ selfieUploadId: null, selfieBlobKey: null, selfieContentType: null, selfieExpiresAt: null, updatedAt: new Date() })
    .where(and(eq(styleAnalyses.tenantId, tenantId), eq(styleAnalyses.id, id)));
}
