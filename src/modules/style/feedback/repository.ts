/** Drizzle queries for style feedback. Tenant id first, always. */
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import type { Db } from '../../../platform/db/client.js';
import { styleFeedback, type NewStyleFeedback, type StyleFeedbackRow } from './tables.js';

export async function insertFeedback(db: Db, tenantId: string, row: Omit<NewStyleFeedback, 'tenantId'>): Promise<StyleFeedbackRow> {
  const [r] = await db.insert(styleFeedback).values({ ...row, tenantId }).returning();
  return r!;
}

/** The feedback a widget session already gave on an analysis (one each). */
export async function findSessionFeedback(db: Db, tenantId: string, analysisId: string, widgetSession: string): Promise<StyleFeedbackRow | undefined> {
  const [r] = await db
    .select()
    .from(styleFeedback)
    .where(and(eq(styleFeedback.tenantId, tenantId), eq(styleFeedback.analysisId, analysisId), eq(styleFeedback.widgetSession, widgetSession)));
  return r;
}

/** True for a unique-index violation (PostgreSQL 23505), as node-postgres or PGlite report it, wrapped or not. */
export function isUniqueViolation(e: unknown): boolean {
  const code = (x: unknown) => (x && typeof x === 'object' && 'code' in x ? String((x as { code: unknown }).code) : undefined);
  return code(e) === '23505' || code((e as { cause?: unknown })?.cause) === '23505';
}

export async function findFeedback(db: Db, tenantId: string, id: string): Promise<StyleFeedbackRow | undefined> {
  const [r] = await db.select().from(styleFeedback).where(and(eq(styleFeedback.tenantId, tenantId), eq(styleFeedback.id, id)));
  return r;
}

/** Feedback matching `conds`, newest first: a cursor page (`limit` + 1 read to know whether more follow). */
async function feedbackPage(db: Db, conds: SQL[], q: { limit: number; startingAfter?: string | undefined }) {
  if (q.startingAfter) conds.push(lt(styleFeedback.id, q.startingAfter));
  const rows = await db
    .select()
    .from(styleFeedback)
    .where(and(...conds))
    .orderBy(desc(styleFeedback.id))
    .limit(q.limit + 1);
  return { data: rows.slice(0, q.limit), hasMore: rows.length > q.limit };
}

/** An analysis's feedback, newest first (a publishable key's widget session: its own only). */
export async function listFeedback(db: Db, tenantId: string, analysisId: string, q: { limit: number; startingAfter?: string | undefined; widgetSession: string | null }) {
  const conds = [eq(styleFeedback.tenantId, tenantId), eq(styleFeedback.analysisId, analysisId)];
  if (q.widgetSession) conds.push(eq(styleFeedback.widgetSession, q.widgetSession));
  return feedbackPage(db, conds, q);
}

/** An end user's feedback (on any of their analyses, or one), newest first. */
export async function listUserFeedback(db: Db, tenantId: string, userId: string, q: { limit: number; startingAfter?: string | undefined; analysisId?: string | undefined }) {
  const conds = [eq(styleFeedback.tenantId, tenantId), eq(styleFeedback.userId, userId)];
  if (q.analysisId) conds.push(eq(styleFeedback.analysisId, q.analysisId));
  return feedbackPage(db, conds, q);
}

export async function updateFeedback(db: Db, tenantId: string, id: string, patch: Partial<NewStyleFeedback>): Promise<StyleFeedbackRow | undefined> {
  const [r] = await db
    .update(styleFeedback)
    .set(patch)
    .where(and(eq(styleFeedback.tenantId, tenantId), eq(styleFeedback.id, id)))
    .returning();
  return r;
}

export async function deleteFeedback(db: Db, tenantId: string, id: string): Promise<boolean> {
  const r = await db
    .delete(styleFeedback)
    .where(and(eq(styleFeedback.tenantId, tenantId), eq(styleFeedback.id, id)))
    .returning({ id: styleFeedback.id });
  return r.length > 0;
}
