import { and, asc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/client.js';
import { refreshTokens, tenants, users, type UserRow } from './tables.js';

export type NewUser = typeof users.$inferInsert;

export async function insertUser(db: Db, row: NewUser): Promise<UserRow> {
  const [u] = await db.insert(users).values(row).returning();
  return u!;
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  const [u] = await db.select().from(users).where(eq(users.email, email.toLowerCase()));
  return u;
}

export async function findUser(db: Db, userId: string): Promise<UserRow | undefined> {
  const [u] = await db.select().from(users).where(eq(users.id, userId));
  return u;
}

export async function listTenantUsers(db: Db, tenantId: string): Promise<UserRow[]> {
  return db.select().from(users).where(eq(users.tenantId, tenantId)).orderBy(asc(users.createdAt));
}

export async function countOperators(db: Db): Promise<number> {
  const [r] = await db.select({ n: sql<number>`count(*)::int` }).from(users).where(eq(users.role, 'operator'));
  return r?.n ?? 0;
}

/** Operators (active or not), oldest first. */
export async function listOperators(db: Db, limit: number): Promise<UserRow[]> {
  return db.select().from(users).where(eq(users.role, 'operator')).orderBy(asc(users.createdAt)).limit(limit);
}

export async function updateUser(db: Db, userId: string, patch: Partial<NewUser>): Promise<UserRow | undefined> {
  const [u] = await db
    .update(users)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(users.id, userId))
    .returning();
  return u;
}

export async function insertRefreshToken(db: Db, row: typeof refreshTokens.$inferInsert) {
  await db.insert(refreshTokens).values(row);
}

export async function findRefreshToken(db: Db, hash: string) {
  const [t] = await db.select().from(refreshTokens).where(eq(refreshTokens.hash, hash));
  return t;
}

/** Mark a token used, only if it was unused: returns false when another request used it first. */
export async function markRefreshTokenUsed(db: Db, id: string, at: Date): Promise<boolean> {
  const rows = await db
    .update(refreshTokens)
    .set({ usedAt: at })
    .where(and(eq(refreshTokens.id, id), isNull(refreshTokens.usedAt), isNull(refreshTokens.revokedAt)))
    .returning({ id: refreshTokens.id });
  return rows.length === 1;
}

export async function revokeFamily(db: Db, familyId: string, at: Date) {
  await db
    .update(refreshTokens)
    .set({ revokedAt: at })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}

export async function revokeUserTokens(db: Db, userId: string, at: Date) {
  await db
    .update(refreshTokens)
    .set({ revokedAt: at })
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
}

/**
 * Is this session (refresh-token family) still live, and may its person still act? One query:
 * a live token of the family, its user's `active` flag and, for tenant users, the tenant's.
 */
export async function findLiveSession(db: Db, familyId: string, now: Date): Promise<{ userActive: boolean; tenantActive: boolean | null } | undefined> {
  const [r] = await db
    .select({ userActive: users.active, tenantActive: tenants.active })
    .from(refreshTokens)
    .innerJoin(users, eq(users.id, refreshTokens.userId))
    .leftJoin(tenants, eq(tenants.id, users.tenantId))
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt), gt(refreshTokens.expiresAt, now)))
    .limit(1);
  return r;
}

/** People by id (the audit trail's labels): id, email, role and tenant only. */
export async function findUsersByIds(db: Db, ids: string[]) {
  if (ids.length === 0) return [];
  return db.select({ id: users.id, email: users.email, role: users.role, tenantId: users.tenantId }).from(users).where(inArray(users.id, ids));
}
