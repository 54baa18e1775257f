/** Drizzle queries for an end user's style data. Tenant id and user id first, always. */
import { and, desc, eq, inArray, isNotNull, lt, lte } from 'drizzle-orm';
import type { Db } from '../../../platform/db/client.js';
import { styleAnalyses } from '../tables.js';
import { quizResults } from '../tables-match.js';
import { styleSavedProducts, styleUserFiles, styleUserProfiles, type StyleSavedProductRow, type StyleUserFileRow } from './tables.js';

type Page = { limit: number; startingAfter?: string | undefined };

async function page<T extends { id: string }>(rows: Promise<T[]>, limit: number) {
  const r = await rows;
  return { data: r.slice(0, limit), hasMore: r.length > limit };
}

export const listUserQuizResults = (db: Db, tenantId: string, userId: string, q: Page) =>
  page(
    db
      .select()
      .from(quizResults)
      .where(and(eq(quizResults.tenantId, tenantId), eq(quizResults.userId, userId), ...(q.startingAfter ? [lt(quizResults.id, q.startingAfter)] : [])))
      .orderBy(desc(quizResults.id))
      .limit(q.limit + 1),
    q.limit,
  );

/** The user's finished analyses with a colour answer, newest first (for "my colours"). */
export const userColorAnalyses = (db: Db, tenantId: string, userId: string, limit: number) =>
  db
    .select({ id: styleAnalyses.id, color: styleAnalyses.color })
    .from(styleAnalyses)
    .where(and(eq(styleAnalyses.tenantId, tenantId), eq(styleAnalyses.userId, userId), eq(styleAnalyses.status, 'succeeded'), isNotNull(styleAnalyses.color)))
    .orderBy(desc(styleAnalyses.id))
    .limit(limit);

export const userQuizColors = (db: Db, tenantId: string, userId: string, limit: number) =>
  db
    .select({ id: quizResults.id, color: quizResults.color, certainty: quizResults.certainty, source: quizResults.source })
    .from(quizResults)
    .where(and(eq(quizResults.tenantId, tenantId), eq(quizResults.userId, userId)))
    .orderBy(desc(quizResults.id))
    .limit(limit);

export const userAnalysisIds = async (db: Db, tenantId: string, userId: string) =>
  (await db.select({ id: styleAnalyses.id }).from(styleAnalyses).where(and(eq(styleAnalyses.tenantId, tenantId), eq(styleAnalyses.userId, userId)))).map((r) => r.id);

export const deleteUserQuizResults = (db: Db, tenantId: string, userId: string) => db.delete(quizResults).where(and(eq(quizResults.tenantId, tenantId), eq(quizResults.userId, userId)));

export async function getProfile(db: Db, tenantId: string, userId: string) {
  const [r] = await db.select().from(styleUserProfiles).where(and(eq(styleUserProfiles.tenantId, tenantId), eq(styleUserProfiles.userId, userId)));
  return r;
}

export async function putProfile(db: Db, row: typeof styleUserProfiles.$inferInsert) {
  const [r] = await db
    .insert(styleUserProfiles)
    .values(row)
    .onConflictDoUpdate({ target: [styleUserProfiles.tenantId, styleUserProfiles.userId], set: { season: row.season, source: row.source, sourceId: row.sourceId ?? null, updatedAt: row.updatedAt } })
    .returning();
  return r!;
}

export const deleteProfile = (db: Db, tenantId: string, userId: string) => db.delete(styleUserProfiles).where(and(eq(styleUserProfiles.tenantId, tenantId), eq(styleUserProfiles.userId, userId)));

export async function insertSavedProduct(db: Db, row: typeof styleSavedProducts.$inferInsert): Promise<StyleSavedProductRow> {
  const [r] = await db.insert(styleSavedProducts).values(row).onConflictDoNothing().returning();
  if (r) return r;
  const [existing] = await db
    .select()
    .from(styleSavedProducts)
    .where(and(eq(styleSavedProducts.tenantId, row.tenantId), eq(styleSavedProducts.userId, row.userId), eq(styleSavedProducts.productId, row.productId)));
  return existing!;
}

export const listSavedProducts = (db: Db, tenantId: string, userId: string, q: Page) =>
  page(
    db
      .select()
      .from(styleSavedProducts)
      .where(and(eq(styleSavedProducts.tenantId, tenantId), eq(styleSavedProducts.userId, userId), ...(q.startingAfter ? [lt(styleSavedProducts.id, q.startingAfter)] : [])))
      .orderBy(desc(styleSavedProducts.id))
      .limit(q.limit + 1),
    q.limit,
  );

export async function deleteSavedProduct(db: Db, tenantId: string, userId: string, productId: string) {
  const r = await db
    .delete(styleSavedProducts)
    .where(and(eq(styleSavedProducts.tenantId, tenantId), eq(styleSavedProducts.userId, userId), eq(styleSavedProducts.productId, productId)))
    .returning({ id: styleSavedProducts.id });
  return r.length > 0;
}

export const deleteSavedProducts = (db: Db, tenantId: string, userId: string) => db.delete(styleSavedProducts).where(and(eq(styleSavedProducts.tenantId, tenantId), eq(styleSavedProducts.userId, userId)));

export async function insertFile(db: Db, row: typeof styleUserFiles.$inferInsert): Promise<StyleUserFileRow> {
  const [r] = await db.insert(styleUserFiles).values(row).returning();
  return r!;
}

export async function findFile(db: Db, tenantId: string, userId: string, id: string) {
  const [r] = await db.select().from(styleUserFiles).where(and(eq(styleUserFiles.tenantId, tenantId), eq(styleUserFiles.userId, userId), eq(styleUserFiles.id, id)));
  return r;
}

export const listFiles = (db: Db, tenantId: string, userId: string, q: Page) =>
  page(
    db
      .select()
      .from(styleUserFiles)
      .where(and(eq(styleUserFiles.tenantId, tenantId), eq(styleUserFiles.userId, userId), ...(q.startingAfter ? [lt(styleUserFiles.id, q.startingAfter)] : [])))
      .orderBy(desc(styleUserFiles.id))
      .limit(q.limit + 1),
    q.limit,
  );

export const allFiles = (db: Db, tenantId: string, userId: string) =>
  db.select().from(styleUserFiles).where(and(eq(styleUserFiles.tenantId, tenantId), eq(styleUserFiles.userId, userId)));

export const deleteFiles = async (db: Db, ids: string[]) => {
  if (ids.length > 0) await db.delete(styleUserFiles).where(inArray(styleUserFiles.id, ids));
};

export const expiredFiles = (db: Db, now: Date, limit: number) =>
  db.select({ id: styleUserFiles.id, blobKey: styleUserFiles.blobKey }).from(styleUserFiles).where(lte(styleUserFiles.expiresAt, now)).limit(limit);
