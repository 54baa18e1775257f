/** End users, their sessions and reset tokens. The tenant id is the first argument wherever a row is found by what a caller sent. */
import { and, desc, eq, gt, isNull, lt, or, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/client.js';
import { endUserPasswordResets, endUserRefreshTokens, endUsers, type EndUserRow } from './tables.js';

export async function insertEndUser(db: Db, row: typeof endUsers.$inferInsert): Promise<EndUserRow> {
  const [u] = await db.insert(endUsers).values(row).returning();
  return u!;
}

export async function findEndUserByEmail(db: Db, tenantId: string, email: string): Promise<EndUserRow | undefined> {
  const [u] = await db
    .select()
    .from(endUsers)
    .where(and(eq(endUsers.tenantId, tenantId), eq(endUsers.email, email.toLowerCase())));
  return u;
}

export async function findEndUser(db: Db, tenantId: string, userId: string): Promise<EndUserRow | undefined> {
  const [u] = await db
    .select()
    .from(endUsers)
    .where(and(eq(endUsers.tenantId, tenantId), eq(endUsers.id, userId)));
  return u;
}

export async function updateEndUser(db: Db, tenantId: string, userId: string, patch: Partial<typeof endUsers.$inferInsert>): Promise<EndUserRow | undefined> {
  const [u] = await db
    .update(endUsers)
    .set(patch)
    .where(and(eq(endUsers.tenantId, tenantId), eq(endUsers.id, userId)))
    .returning();
  return u;
}

/** Deletes the user; their refresh tokens and reset tokens go with them (foreign keys, cascade). */
export async function deleteEndUser(db: Db, tenantId: string, userId: string): Promise<boolean> {
  const rows = await db
    .delete(endUsers)
    .where(and(eq(endUsers.tenantId, tenantId), eq(endUsers.id, userId)))
    .returning({ id: endUsers.id });
  return rows.length === 1;
}

/** A tenant's end users, newest first (`email`: exact, case-insensitive). */
export async function listEndUsers(db: Db, tenantId: string, opts: { limit: number; startingAfter?: string | undefined; email?: string | undefined }) {
  const rows = await db
    .select()
    .from(endUsers)
    .where(
      and(
        eq(endUsers.tenantId, tenantId),
        opts.startingAfter ? lt(endUsers.id, opts.startingAfter) : undefined,
        opts.email ? eq(endUsers.email, opts.email.trim().toLowerCase()) : undefined,
      ),
    )
    .orderBy(desc(endUsers.id))
    .limit(opts.limit + 1);
  return { data: rows.slice(0, opts.limit), hasMore: rows.length > opts.limit };
}

// ---- refresh tokens (sessions) ----

export async function insertRefreshToken(db: Db, row: typeof endUserRefreshTokens.$inferInsert) {
  await db.insert(endUserRefreshTokens).values(row);
}

export async function findRefreshToken(db: Db, hash: string) {
  const [t] = await db.select().from(endUserRefreshTokens).where(eq(endUserRefreshTokens.hash, hash));
  return t;
}

export async function markRefreshTokenUsed(db: Db, id: string, at: Date): Promise<boolean> {
  const rows = await db
    .update(endUserRefreshTokens)
    .set({ usedAt: at })
    .where(and(eq(endUserRefreshTokens.id, id), isNull(endUserRefreshTokens.usedAt), isNull(endUserRefreshTokens.revokedAt)))
    .returning({ id: endUserRefreshTokens.id });
  return rows.length === 1;
}

export async function revokeFamily(db: Db, familyId: string, at: Date) {
  await db
    .update(endUserRefreshTokens)
    .set({ revokedAt: at })
    .where(and(eq(endUserRefreshTokens.familyId, familyId), isNull(endUserRefreshTokens.revokedAt)));
}

/** Revoke every live session of a user (but `keep`); returns the session ids revoked. */
export async function revokeUserSessions(db: Db, tenantId: string, userId: string, at: Date, keep?: string): Promise<string[]> {
  const rows = await db
    .update(endUserRefreshTokens)
    .set({ revokedAt: at })
    .where(
      and(
        eq(endUserRefreshTokens.tenantId, tenantId),
        eq(endUserRefreshTokens.userId, userId),
        isNull(endUserRefreshTokens.revokedAt),
        keep ? sql`${endUserRefreshTokens.familyId} <> ${keep}` : undefined,
      ),
    )
    .returning({ familyId: endUserRefreshTokens.familyId });
  return [...new Set(rows.map((r) => r.familyId))];
}

/** A live session (a family with an unrevoked, unexpired token): its user and tenant. */
export async function findLiveSession(db: Db, familyId: string, now: Date): Promise<{ userId: string; tenantId: string } | undefined> {
  const [r] = await db
    .select({ userId: endUserRefreshTokens.userId, tenantId: endUserRefreshTokens.tenantId })
    .from(endUserRefreshTokens)
    .where(and(eq(endUserRefreshTokens.familyId, familyId), isNull(endUserRefreshTokens.revokedAt), gt(endUserRefreshTokens.expiresAt, now)))
    .limit(1);
  return r;
}

/** A user's live sessions: id, when it started (its first token) and when it was last refreshed. */
export async function listLiveSessions(db: Db, tenantId: string, userId: string, now: Date) {
  return db
    .select({
      familyId: endUserRefreshTokens.familyId,
      startedAt: sql<string>`min(${endUserRefreshTokens.createdAt})`.mapWith((v: string | Date) => new Date(v)),
      lastUsedAt: sql<string>`max(${endUserRefreshTokens.createdAt})`.mapWith((v: string | Date) => new Date(v)),
      expiresAt: sql<string>`max(${endUserRefreshTokens.expiresAt})`.mapWith((v: string | Date) => new Date(v)),
      live: sql<boolean>`bool_or(${endUserRefreshTokens.revokedAt} is null and ${endUserRefreshTokens.usedAt} is null and ${endUserRefreshTokens.expiresAt} > ${now})`,
    })
    .from(endUserRefreshTokens)
    .where(and(eq(endUserRefreshTokens.tenantId, tenantId), eq(endUserRefreshTokens.userId, userId)))
    .groupBy(endUserRefreshTokens.familyId)
    .orderBy(desc(sql`min(${endUserRefreshTokens.createdAt})`));
}

// ---- password reset tokens ----

export async function insertPasswordReset(db: Db, row: typeof endUserPasswordResets.$inferInsert) {
  await db.insert(endUserPasswordResets).values(row);
}

/** Use a reset token once: only an unused, unexpired token of this tenant; returns its user id. */
export async function consumePasswordReset(db: Db, tenantId: string, hash: string, now: Date): Promise<{ userId: string; createdAt: Date } | undefined> {
  const [r] = await db
    .update(endUserPasswordResets)
    .set({ usedAt: now })
    .where(and(eq(endUserPasswordResets.tenantId, tenantId), eq(endUserPasswordResets.hash, hash), isNull(endUserPasswordResets.usedAt), gt(endUserPasswordResets.expiresAt, now)))
    .returning({ userId: endUserPasswordResets.userId, createdAt: endUserPasswordResets.createdAt });
  return r;
}

/** Void every unused reset token of a user (the password changed). */
export async function voidPasswordResets(db: Db, tenantId: string, userId: string, now: Date) {
  await db
    .update(endUserPasswordResets)
    .set({ usedAt: now })
    .where(and(eq(endUserPasswordResets.tenantId, tenantId), eq(endUserPasswordResets.userId, userId), isNull(endUserPasswordResets.usedAt)));
}

/** Housekeeping: tokens expired, used or revoked more than a day ago. */
export async function purgeSpentTokens(db: Db, now: number): Promise<number> {
  const dayAgo = new Date(now - 24 * 3600 * 1000);
  const a = await db
    .delete(endUserRefreshTokens)
    .where(
      or(
        lt(endUserRefreshTokens.expiresAt, dayAgo),
        and(isNotNull(endUserRefreshTokens.revokedAt), lt(endUserRefreshTokens.revokedAt, dayAgo)),
        and(isNotNull(endUserRefreshTokens.usedAt), lt(endUserRefreshTokens.usedAt, dayAgo)),
      ),
    )
    .returning({ id: endUserRefreshTokens.id });
  const b = await db
    .delete(endUserPasswordResets)
    .where(or(lt(endUserPasswordResets.expiresAt, dayAgo), and(isNotNull(endUserPasswordResets.usedAt), lt(endUserPasswordResets.usedAt, dayAgo))))
    .returning({ id: endUserPasswordResets.id });
  return a.length + b.length;
}
