/** Single sign-on rows: providers and the one-time codes that hand a sign-in to the dashboard. */
import { and, asc, eq, gt, lt } from 'drizzle-orm';
import type { Db } from '../../platform/db/client.js';
import { ssoLoginCodes, ssoProviders, type SsoProviderRow } from './tables.js';

export type NewSsoProvider = typeof ssoProviders.$inferInsert;

export async function insertProvider(db: Db, row: NewSsoProvider): Promise<SsoProviderRow> {
  const [p] = await db.insert(ssoProviders).values(row).returning();
  return p!;
}

export async function listProviders(db: Db): Promise<SsoProviderRow[]> {
  return db.select().from(ssoProviders).orderBy(asc(ssoProviders.createdAt));
}

export async function findProvider(db: Db, id: string): Promise<SsoProviderRow | undefined> {
  const [p] = await db.select().from(ssoProviders).where(eq(ssoProviders.id, id));
  return p;
}

export async function findProviderBySlug(db: Db, slug: string): Promise<SsoProviderRow | undefined> {
  const [p] = await db.select().from(ssoProviders).where(eq(ssoProviders.slug, slug));
  return p;
}

/** The active providers' slugs and names (the sign-in page's buttons). */
export async function listActiveProviderNames(db: Db): Promise<{ slug: string; displayName: string }[]> {
  return db
    .select({ slug: ssoProviders.slug, displayName: ssoProviders.displayName })
    .from(ssoProviders)
    .where(eq(ssoProviders.active, true))
    .orderBy(asc(ssoProviders.createdAt));
}

export async function updateProvider(db: Db, id: string, patch: Partial<NewSsoProvider>): Promise<SsoProviderRow | undefined> {
  const [p] = await db.update(ssoProviders).set(patch).where(eq(ssoProviders.id, id)).returning();
  return p;
}

export async function deleteProvider(db: Db, id: string): Promise<boolean> {
  const rows = await db.delete(ssoProviders).where(eq(ssoProviders.id, id)).returning({ id: ssoProviders.id });
  return rows.length === 1;
}

/** Store a one-time code (its hash); codes expired for a day are swept on the way (sign-ins are rare). */
export async function insertLoginCode(db: Db, row: typeof ssoLoginCodes.$inferInsert) {
  await db.delete(ssoLoginCodes).where(lt(ssoLoginCodes.expiresAt, new Date(row.createdAt.getTime() - 86_400_000)));
  await db.insert(ssoLoginCodes).values(row);
}

/** Use up a code: deleted and returned only if it exists and has not expired (one statement, so only one exchange wins). */
export async function takeLoginCode(db: Db, hash: string, now: Date): Promise<{ userId: string; providerId: string } | undefined> {
  const [r] = await db
    .delete(ssoLoginCodes)
    .where(and(eq(ssoLoginCodes.hash, hash), gt(ssoLoginCodes.expiresAt, now)))
    .returning({ userId: ssoLoginCodes.userId, providerId: ssoLoginCodes.providerId });
  return r;
}
